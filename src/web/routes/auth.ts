import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { email, displayName, password, noQuery } from './schemas.ts'
import { bootstrapAdmin } from '../../platform/auth/bootstrap.ts'
import { verifyPassword } from '../../platform/auth/passwords.ts'
import { authenticateToken } from '../../platform/auth/tokens.ts'
import { endWebSession, startWebSession, SESSION_COOKIE } from '../../platform/auth/web-sessions.ts'
import { getUser } from '../../platform/users/index.ts'
import { sessionCookie, readCookie } from '../plugins/cookies.ts'
import { renderLoginPage } from '../views/login-page.ts'
import type { FastifyReply } from 'fastify'
import type { Services } from '../../services.ts'
import { clientKindForToken } from '../plugins/request-context.ts'

const safeNext = (n: unknown) => (typeof n === 'string' && n.startsWith('/') && !n.startsWith('//') ? n : '/')

async function signIn(svc: Services, reply: FastifyReply, userId: string, next: string, secure: boolean) {
  const s = await startWebSession(svc.store, userId)
  reply.header('set-cookie', sessionCookie(SESSION_COOKIE, s.cookie, s.expiresAt, secure))
  return reply.redirect(next, 303)
}

const loginForm = z.object({ email: z.string().max(254).default(''), password: z.string().max(200).default(''), next: z.string().max(2000).optional() })

export const authRoutes = [
  defineRoute({
    method: 'POST', url: '/api/auth/bootstrap', auth: 'public', action: 'auth.bootstrap', tag: 'auth', status: 201,
    summary: 'Create the first admin with the bootstrap token (written to $AGNES_DATA_DIR/bootstrap-token at first start).',
    query: noQuery,
    body: z.strictObject({ token: z.string().min(1).max(200), email, name: displayName.optional(), password: password.optional() }),
    handler: async ({ svc, note, body, req }) => {
      const out = await bootstrapAdmin(svc, note, body)
      // The new admin is the actor of their own bootstrap row.
      req.actor = { user: { ...out.user }, via: 'token', clientKind: clientKindForToken(req.headers['user-agent']) }
      return { user: { id: out.user.id, email: out.user.email, is_admin: true }, token: out.token }
    },
  }),
  defineRoute({
    method: 'GET', url: '/login', auth: 'public', action: null, tag: 'pages', kind: 'page',
    summary: 'Sign-in page (e-mail and password, or a personal access token).',
    query: z.object({ next: z.string().max(2000).optional() }).passthrough(),
    handler: async ({ reply, query }) => reply.type('text/html; charset=utf-8').send(renderLoginPage({ next: query.next })),
  }),
  defineRoute({
    method: 'POST', url: '/login', auth: 'public', action: 'auth.login', tag: 'auth', kind: 'page',
    summary: 'Form sign-in with e-mail and password; sets the session cookie.',
    body: loginForm,
    handler: async ({ svc, note, body, reply, req }) => {
      const user = body.email ? await svc.store.users.byEmail(body.email) : undefined
      note.params = { email: body.email }
      if (!user || !(await verifyPassword(body.password, user.password_hash))) {
        // Recorded under its own action so failed sign-ins can be filtered without reading results.
        note.result = 'denied'
        note.action = 'auth.login_failed'
        return reply.code(401).type('text/html; charset=utf-8').send(renderLoginPage({ error: 'Wrong e-mail or password.', email: body.email, next: body.next }))
      }
      note.resource = `user:${user.id}`
      req.actor = { user, via: 'session', clientKind: 'web' }
      return signIn(svc, reply, user.id, safeNext(body.next), req.protocol === 'https')
    },
  }),
  defineRoute({
    method: 'POST', url: '/auth/token-login', auth: 'public', action: 'auth.login', tag: 'auth', kind: 'page',
    summary: 'Form sign-in with a personal access token (form field `token`); sets the session cookie.',
    body: z.object({ token: z.string().max(200).default(''), next: z.string().max(2000).optional() }),
    handler: async ({ svc, note, body, reply, req }) => {
      const found = body.token ? await authenticateToken(svc.store, body.token.trim()) : null
      note.params = { method: 'token' }
      if (!found) {
        note.result = 'denied'
        note.action = 'auth.login_failed'
        return reply.code(401).type('text/html; charset=utf-8').send(renderLoginPage({ error: 'That token is not valid (unknown, revoked or expired).', next: body.next }))
      }
      note.resource = `user:${found.user.id}`
      note.params.token_id = found.token.id
      req.actor = { user: found.user, via: 'session', clientKind: 'web' }
      return signIn(svc, reply, found.user.id, safeNext(body.next), req.protocol === 'https')
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
      note.resource = `user:${actor.user!.id}`
      return getUser(svc, actor.user!.id)
    },
  }),
]
