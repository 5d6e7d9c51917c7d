import type { FastifyRequest } from 'fastify'
import type { AppError } from '../../errors.ts'
import { html } from './html.ts'
import { layout } from './layout.ts'
import { renderLoginPage } from './login-page.ts'
import { loginCsrfToken } from '../plugins/login-csrf.ts'

/**
 * Pages answer errors in HTML: a 401 is the sign-in form itself (so the status stays honest; its CSRF cookie is set
 * with the response), others a short card. Every HTML answer gets the page CSP (views/page-security.ts).
 */
export function renderErrorPage(req: FastifyRequest, e: AppError): string {
  if (e.status === 401) return renderLoginPage({ next: req.url, csrf: loginCsrfToken(req) })
  return layout({
    title: `Error ${e.status}`,
    actor: req.actor,
    csrf: req.csrfToken,
    body: html`<div class="card"><h1>${e.status === 403 ? 'Not allowed' : e.status === 404 ? 'Not found' : 'Something went wrong'}</h1>
<p>${e.message}</p><p><a href="/">Back to the dashboard</a></p></div>`,
  })
}
