import type { FastifyInstance, FastifyRequest } from 'fastify'
import { newOpaqueSecret, safeEqual } from '../../platform/auth/secrets.ts'
import { readCookie, sessionCookie } from './cookies.ts'

/**
 * Login CSRF: before anyone is signed in there is no session to hold a CSRF token, so the sign-in forms use a
 * pre-session cookie instead (double submit). The page that shows a form sets the cookie (when the browser has none)
 * and writes the same value into the form; a sign-in is accepted only when the two match. Another site can make a
 * browser post a form here, but it can neither read the cookie nor set it: over HTTPS the cookie is named with the
 * `__Host-` prefix, which a sibling subdomain cannot set either; SameSite=Lax keeps it off cross-site posts too.
 */
const COOKIE_PLAIN = 'agnes_login_csrf'
const COOKIE_HOST = '__Host-agnes_login_csrf'
const FORMAT = /^[A-Za-z0-9_-]{32}$/

declare module 'fastify' {
  interface FastifyRequest {
    /** A sign-in CSRF value minted for this response; the onSend hook sets its cookie. */
    loginCsrfIssued: string | null
  }
}

const cookieName = (req: FastifyRequest) => (req.protocol === 'https' ? COOKIE_HOST : COOKIE_PLAIN)

function presented(req: FastifyRequest): string | null {
  const v = readCookie(req.headers.cookie, cookieName(req))
  return v && FORMAT.test(v) ? v : null
}

/** The value a sign-in form on this response must carry: the browser's cookie, or a new one set with the response. */
export function loginCsrfToken(req: FastifyRequest): string {
  const have = req.loginCsrfIssued ?? presented(req)
  if (have) return have
  req.loginCsrfIssued = newOpaqueSecret(24)
  return req.loginCsrfIssued
}

/** True when the form's value matches the pre-session cookie the browser sent. */
export function loginCsrfValid(req: FastifyRequest, sent: unknown): boolean {
  const cookie = presented(req)
  return Boolean(cookie) && typeof sent === 'string' && safeEqual(sent, cookie!)
}

/** Sets the cookie of a sign-in CSRF value minted while answering (the sign-in page, a 401 page, a refused sign-in). */
export function loginCsrfCookies(app: FastifyInstance): void {
  app.decorateRequest('loginCsrfIssued', null)
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.loginCsrfIssued) {
      // A browser session cookie (no expiry): it lasts as long as the sign-in form can be open.
      reply.header('set-cookie', sessionCookie(cookieName(req), req.loginCsrfIssued, 'session', req.protocol === 'https'))
    }
    return payload
  })
}
