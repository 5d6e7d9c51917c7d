import type { FastifyReply } from 'fastify'

/**
 * The content-security policy of the admin pages (Activity, Sessions, Feedback): strict enough for a browser page:
 * scripts only from this server, no inline script, no framing.
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
