import { html, raw, type Raw } from './html.ts'
import type { Actor } from '../../services.ts'

export const ADMIN_MENU: Array<{ href: string; label: string }> = [
  { href: '/', label: 'Dashboard' },
  { href: '/admin/activity', label: 'Activity' },
  { href: '/admin/sessions', label: 'Sessions' },
  { href: '/admin/feedback', label: 'Feedback' },
]

const STYLE = `
:root{--fg:#1d2330;--muted:#5d6678;--line:#e3e6ec;--bg:#f7f8fa;--accent:#2d5bd7;--green:#1f9d55;--yellow:#c98a00;--red:#d64545}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.top{display:flex;align-items:center;gap:24px;padding:10px 24px;background:#fff;border-bottom:1px solid var(--line)}
header.top .brand{font-weight:700;letter-spacing:.02em}header.top nav a{margin-right:16px;color:var(--muted);text-decoration:none}
header.top nav a.active{color:var(--fg);font-weight:600}header.top .who{margin-left:auto;color:var(--muted)}
main{padding:24px;max-width:1280px;margin:0 auto}h1{font-size:20px;margin:0 0 16px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px;margin-bottom:16px}
form.stack label{display:block;margin:10px 0 4px;color:var(--muted)}form.stack input{width:100%;padding:8px;border:1px solid var(--line);border-radius:6px}
button{padding:8px 14px;border:0;border-radius:6px;background:var(--accent);color:#fff;cursor:pointer}
.error{color:var(--red)}.muted{color:var(--muted)}a{color:var(--accent)}
`

/** The page shell shared by every page: the admin menu for admins, the signed-in user, the CSRF token for scripts. */
export function layout(opts: { title: string; actor: Actor | null; csrf?: string | null; active?: string; body: Raw; head?: Raw }): string {
  const user = opts.actor?.user
  const menu = user?.is_admin ? ADMIN_MENU : ADMIN_MENU.slice(0, 1)
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${opts.title} · Agnes</title>${opts.csrf ? html`<meta name="csrf-token" content="${opts.csrf}">` : ''}
<style>${raw(STYLE)}</style>${opts.head ?? ''}</head>
<body><header class="top"><span class="brand">Agnes</span>
${user ? html`<nav>${menu.map((m) => html`<a href="${m.href}" class="${opts.active === m.href ? 'active' : ''}">${m.label}</a>`)}</nav>
<span class="who">${user.email}${user.is_admin ? ' · admin' : ''}</span>
<form method="post" action="/auth/logout" style="margin:0">${opts.csrf ? html`<input type="hidden" name="_csrf" value="${opts.csrf}">` : ''}<button type="submit">Sign out</button></form>` : ''}
</header><main>${opts.body}</main></body></html>`.value
}
