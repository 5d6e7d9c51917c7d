import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { email, displayName, password, noQuery } from './schemas.ts'
import { bootstrapAdmin } from '../../platform/auth/bootstrap.ts'
import { LoginRefused, noteLoginFailed, passwordSignIn, tokenSignIn } from '../../platform/auth/login.ts'
import { endWebSession, startWebSession, SESSION_COOKIE } from '../../platform/auth/web-sessions.ts'
import { getUser, presentUser } from '../../platform/users/index.ts'
import { sessionCookie, readCookie } from '../plugins/cookies.ts'
import { loginCsrfToken, loginCsrfValid } from '../plugins/login-csrf.ts'
import { renderLoginPage } from '../views/login-page.ts'
import { safeNext } from '../safe-next.ts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuditNote, Services } from '../../services.ts'
import { clientKindForToken } from '../plugins/request-context.ts'

/** Starts the browser session (ending the one the browser had, if any) and sends the browser on to `next`. */
async function signIn(svc: Services, req: FastifyRequest, reply: FastifyReply, userId: string, next: unknown) {
  const previous = readCookie(req.headers.cookie, SESSION_COOKIE)
  if (previous) await endWebSession(svc.store, previous)
  const s = await startWebSession(svc.store, userId)
  reply.header('set-cookie', sessionCookie(SESSION_COOKIE, s.cookie, s.expiresAt, req.protocol === 'https'))
  return reply.redirect(safeNext(next), 303)
}

/** A sign-in form must carry the value of the browser's pre-session CSRF cookie (login CSRF). */
function requireLoginCsrf(req: FastifyRequest, sent: string | undefined): void {
  if (!loginCsrfValid(req, sent)) {
    throw new LoginRefused(403, 'This sign-in form has expired or was not sent from this site. Sign in again below.', 'csrf_failed')
  }
}

/** Answers a refused sign-in with the form again (its status, its message, Retry-After when throttled), audited as auth.login_failed. */
function refuse(req: FastifyRequest, reply: FastifyReply, note: AuditNote, e: LoginRefused, form: { email?: string; next?: string }) {
  noteLoginFailed(note, e)
  if (e.retryAfterS !== null) reply.header('retry-after', String(Math.max(1, e.retryAfterS)))
  return reply
    .code(e.status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(renderLoginPage({ error: e.message, email: form.email, next: form.next, csrf: loginCsrfToken(req) }))
}

const loginCsrf = z.string().max(100).optional().describe("the sign-in page's CSRF value (its pre-session cookie holds the same)")
const loginForm = z.object({
  email: z.string().max(254).default(''), password: z.string().max(200).default(''), next: z.string().max(2000).optional(), login_csrf: loginCsrf,
})

export const authRoutes = [
  defineRoute({
    method: 'POST', url: '/api/auth/bootstrap', auth: 'public', action: 'auth.bootstrap', tag: 'auth', status: 201,
    summary: 'Create the first admin with the bootstrap token (written to $AGNES_DATA_DIR/bootstrap-token at first start).',
    query: noQuery,
    // The token may be empty: once an admin exists its file is gone, and `$(cat …)` sends ""; that caller must hear 409.
    body: z.strictObject({ token: z.string().max(200), email, name: displayName.optional(), password: password.optional() }),
    handler: async ({ svc, note, body, req }) => {
      const out = await bootstrapAdmin(svc, note, body)
      // The new admin is the actor of their own bootstrap row.
      req.actor = { user: { ...out.user }, via: 'token', clientKind: clientKindForToken(req.headers['user-agent']) }
      return { user: { id: out.user.id, email: out.user.email, is_admin: true }, token: out.token }
    },
  }),
  defineRoute({
    method: 'GET', url: '/login', auth: 'public', action: null, tag: 'pages', kind: 'page',
    summary: 'Sign-in page (e-mail and password, or a personal access token); sets the pre-session CSRF cookie its forms need.',
    query: z.object({ next: z.string().max(2000).optional() }).passthrough(),
    handler: async ({ reply, query, req }) =>
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(renderLoginPage({ next: query.next, csrf: loginCsrfToken(req) })),
  }),
  defineRoute({
    method: 'POST', url: '/login', auth: 'public', action: 'auth.login', tag: 'auth', kind: 'page',
    summary:
      'Form sign-in with e-mail and password; sets the session cookie. Needs the sign-in page\'s `login_csrf` (403 without it); ' +
      'too many attempts for the account or the address answer 429 with Retry-After.',
    body: loginForm,
    handler: async ({ svc, note, body, reply, req }) => {
      note.params = { email: body.email.trim() }
      try {
        requireLoginCsrf(req, body.login_csrf)
        const user = await passwordSignIn(svc, note, { email: body.email, password: body.password, address: req.ip })
        req.actor = { user, via: 'session', clientKind: 'web' }
        return await signIn(svc, req, reply, user.id, body.next)
      } catch (e) {
        if (e instanceof LoginRefused) return refuse(req, reply, note, e, { email: body.email, next: body.next })
        throw e
      }
    },
  }),
  defineRoute({
    method: 'POST', url: '/auth/token-login', auth: 'public', action: 'auth.login', tag: 'auth', kind: 'page',
    summary:
      'Form sign-in with a personal access token (form field `token`); sets the session cookie. Needs the sign-in page\'s ' +
      '`login_csrf` (403 without it); too many attempts from the address answer 429 with Retry-After.',
    body: z.object({ token: z.string().max(200).default(''), next: z.string().max(2000).optional(), login_csrf: loginCsrf }),
    handler: async ({ svc, note, body, reply, req }) => {
      note.params = { method: 'token' }
      try {
        requireLoginCsrf(req, body.login_csrf)
        const user = await tokenSignIn(svc, note, { token: body.token, address: req.ip })
        req.actor = { user, via: 'session', clientKind: 'web' }
        return await signIn(svc, req, reply, user.id, body.next)
      } catch (e) {
        if (e instanceof LoginRefused) return refuse(req, reply, note, e, { next: body.next })
        throw e
      }
    },
  }),
  defineRoute({
    method: 'POST', url: '/auth/logout', auth: 'user', action: 'auth.logout', tag: 'auth', kind: 'page',
    summary: 'End the browser session.',
    body: z.object({}).passthrough(),
    handler: async ({ svc, req, reply }) => {
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE)
      if (cookie) await endWebSession(svc.store, cookie)
      reply.header('set-cookie', sessionCookie(SESSION_COOKIE, '', null, req.protocol === 'https'))
      return reply.redirect('/login', 303)
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/me', auth: 'user', action: 'user.read_self', tag: 'auth',
    summary: 'Who am I: the calling user.',
    query: noQuery,
    handler: async ({ svc, actor, note }) => {
      // The user as this request's sign-in read it (at most AGNES_TOKEN_CACHE_SECONDS old): no second lookup.
      note.resource = `user:${actor.user!.id}`
      return actor.record ? presentUser(actor.record) : getUser(svc, actor.user!.id)
    },
  }),
]
