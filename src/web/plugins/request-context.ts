import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Actor, Services } from '../../services.ts'
import type { ClientKind } from '../../audit/index.ts'
import { authenticateToken } from '../../platform/auth/tokens.ts'
import { resolveWebSession, SESSION_COOKIE } from '../../platform/auth/web-sessions.ts'
import { badRequest } from '../../errors.ts'
import { readCookie } from './cookies.ts'

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The sign-in forms. Who signs in is decided by the credentials in the form, not by a session the browser may
 * already hold, so these ignore the session cookie (and its CSRF token): they are protected by the sign-in CSRF
 * cookie instead (plugins/login-csrf.ts).
 */
const SIGN_IN_ROUTES = new Set(['POST /login', 'POST /auth/token-login'])

/** PAT callers are told apart by User-Agent: the Agnes CLI, an AI agent acting for a user, or any other API client. */
export function clientKindForToken(userAgent: string | undefined): ClientKind {
  const ua = userAgent ?? ''
  if (ua.startsWith('agnes-cli/')) return 'cli'
  if (/^agnes-agent\/|claude-code|claude-cli/i.test(ua)) return 'agent'
  return 'api'
}

/**
 * Runs first on every request: correlation id (validated, echoed), start time, and who is calling.
 * A bad credential leaves the actor empty; the route's auth level then answers 401.
 */
export function requestContext(app: FastifyInstance, svc: Services): void {
  app.decorateRequest('actor', null)
  app.decorateRequest('auditNote', null as never)
  app.decorateRequest('startedAt', 0n)
  app.decorateRequest('correlationId', '')
  app.decorateRequest('csrfToken', null)
  app.decorateRequest('routeSpec', null)

  app.addHook('onRequest', async (req, reply) => {
    req.startedAt = process.hrtime.bigint()
    req.auditNote = {}
    const given = req.headers['x-correlation-id']
    const valid = typeof given === 'string' && CORRELATION_ID.test(given)
    req.correlationId = valid ? (given as string) : randomUUID()
    reply.header('x-correlation-id', req.correlationId)
    req.actor = await resolveActor(svc, req)
    if (given !== undefined && !valid) {
      throw badRequest('X-Correlation-Id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -', 'X-Correlation-Id', 'invalid_correlation_id')
    }
  })
}

async function resolveActor(svc: Services, req: FastifyRequest): Promise<Actor | null> {
  const auth = req.headers.authorization
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth)
    if (!m) return null
    const found = await authenticateToken(svc, m[1])
    if (!found) return null
    return { user: found.user, record: found.user, via: 'token', tokenId: found.token.id, clientKind: clientKindForToken(req.headers['user-agent']) }
  }
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE)
  if (cookie && !SIGN_IN_ROUTES.has(`${req.method} ${req.routeOptions.url}`)) {
    const s = await resolveWebSession(svc, cookie)
    if (!s) return null
    req.csrfToken = s.csrf
    return { user: s.user, record: s.user, via: 'session', clientKind: 'web' }
  }
  return null
}
