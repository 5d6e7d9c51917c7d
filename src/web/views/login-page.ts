import { html } from './html.ts'
import { layout } from './layout.ts'
import { safeNext } from '../safe-next.ts'

/**
 * The sign-in page: e-mail and password, or a personal access token. Both forms carry `csrf`, the value of the
 * browser's pre-session cookie (web/plugins/login-csrf.ts), and `next`, kept only when it is a path on this server.
 */
export function renderLoginPage(opts: { csrf: string; error?: string | null; next?: string | null; email?: string | null }): string {
  const next = safeNext(opts.next)
  return layout({
    title: 'Sign in',
    actor: null,
    body: html`<div class="card sign-in">
<h1>Sign in to Agnes</h1>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form class="stack" method="post" action="/login">
<input type="hidden" name="login_csrf" value="${opts.csrf}">
<input type="hidden" name="next" value="${next}">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required value="${opts.email ?? ''}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Sign in</button></p>
</form>
<details><summary class="muted">Sign in with a personal access token</summary>
<form class="stack" method="post" action="/auth/token-login">
<input type="hidden" name="login_csrf" value="${opts.csrf}">
<input type="hidden" name="next" value="${next}">
<label for="token">Token</label><input id="token" name="token" type="password" required>
<p><button type="submit">Use token</button></p>
</form></details></div>`,
  })
}
