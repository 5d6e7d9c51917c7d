import { html, raw, type Raw } from './html.ts'
import { staticUrl } from '../routes/static.ts'
import { healthStrip, healthStripHead } from './health-strip.ts'
import type { Actor } from '../../services.ts'

export const ADMIN_MENU: Array<{ href: string; label: string }> = [
  { href: '/', label: 'Dashboard' },
  { href: '/admin/activity', label: 'Activity' },
  { href: '/admin/sessions', label: 'Sessions' },
  { href: '/admin/feedback', label: 'Feedback' },
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/access', label: 'Access' },
  { href: '/admin/registry', label: 'Registry' },
  { href: '/admin/server-config', label: 'Server config' },
]

const STYLE = `
:root{--fg:#1d2330;--muted:#5d6678;--line:#e3e6ec;--bg:#f7f8fa;--accent:#2d5bd7;--green:#1f9d55;--yellow:#c98a00;--red:#d64545}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:8px 24px;padding:10px 24px;background:#fff;border-bottom:1px solid var(--line)}
header.top .brand{display:flex;align-items:center;gap:8px;font-weight:700;letter-spacing:.02em;color:var(--fg);text-decoration:none}
header.top .brand img{width:20px;height:20px}
header.top nav{display:flex;flex-wrap:wrap;gap:4px 16px}header.top nav a{color:var(--muted);text-decoration:none;white-space:nowrap}
header.top nav a.active{color:var(--fg);font-weight:600}
header.top .who{margin-left:auto;color:var(--muted);min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header.top form{margin:0}
main{padding:24px;max-width:1280px;margin:0 auto}h1{font-size:20px;margin:0 0 16px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px;margin-bottom:16px;min-width:0}
form.stack label{display:block;margin:10px 0 4px;color:var(--muted)}form.stack input{width:100%;padding:8px;border:1px solid var(--line);border-radius:6px}
button{padding:8px 14px;border:0;border-radius:6px;background:var(--accent);color:#fff;cursor:pointer}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
.error{color:var(--red)}.muted{color:var(--muted)}a{color:var(--accent)}
.sign-in{max-width:420px;margin:40px auto}
@media (max-width:700px){
header.top{padding:8px 12px;gap:6px 12px}header.top nav{order:3;width:100%;gap:4px 14px}header.top .who{flex:1 1 0;text-align:right;font-size:13px}
header.top button{padding:6px 10px}main{padding:12px}.sign-in{margin:16px auto}
}
`

/**
 * The page shell shared by every page: the admin menu for admins, the signed-in user, the CSRF token for scripts, and
 * on every admin page (active under /admin/) the health strip above the page's own content.
 */
export function layout(opts: {
  title: string; actor: Actor | null; csrf?: string | null; active?: string; body: Raw; head?: Raw
  /** A page's small script that starts its first request, run before anything else in the page (page code's prefetch.ts). */
  prefetch?: string
}): string {
  const user = opts.actor?.user
  const menu = user?.is_admin ? ADMIN_MENU : ADMIN_MENU.slice(0, 1)
  const strip = Boolean(user?.is_admin && opts.active?.startsWith('/admin/'))
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${opts.prefetch ? html`<script src="${staticUrl(opts.prefetch)}"></script>` : ''}<title>${opts.title} · Agnes</title>${opts.csrf ? html`<meta name="csrf-token" content="${opts.csrf}">` : ''}
<link rel="icon" href="/favicon.ico" sizes="any"><link rel="icon" href="${staticUrl('favicon.svg')}" type="image/svg+xml">
<style>${raw(STYLE)}</style>${strip ? healthStripHead() : ''}${opts.head ?? ''}</head>
<body><header class="top"><a class="brand" href="/"><img src="${staticUrl('favicon.svg')}" alt="">Agnes</a>
${user ? html`<nav>${menu.map((m) => html`<a href="${m.href}" class="${opts.active === m.href ? 'active' : ''}">${m.label}</a>`)}</nav>
<span class="who">${user.email}${user.is_admin ? ' · admin' : ''}</span>
<form method="post" action="/auth/logout">${opts.csrf ? html`<input type="hidden" name="_csrf" value="${opts.csrf}">` : ''}<button type="submit">Sign out</button></form>` : ''}
</header><main>${strip ? healthStrip() : ''}${opts.body}</main></body></html>`.value
}
