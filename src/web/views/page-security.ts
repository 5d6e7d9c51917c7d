import type { FastifyInstance, FastifyReply } from 'fastify'

/**
 * The content-security policy of every HTML page (sign-in, dashboard, Activity, Sessions, Feedback, error pages):
 * scripts only from this server, no inline script, forms post only here, and no framing (`frame-ancestors 'none'`,
 * so no other site can overlay the sign-in form or a page's buttons: clickjacking).
 */
export const PAGE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ')

/** Sends a server-rendered admin page: HTML, the page CSP, never cached. */
export function sendPage(reply: FastifyReply, body: string): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('cache-control', 'no-store')
    .send(body)
}

/**
 * Gives every HTML response the page CSP (and X-Frame-Options for browsers without frame-ancestors), whichever
 * route or error handler wrote it, unless the response set its own policy.
 */
export function pageSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = reply.getHeader('content-type')
    if (typeof type === 'string' && type.startsWith('text/html')) {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', PAGE_CSP)
      reply.header('x-frame-options', 'DENY')
    }
    return payload
  })
}
