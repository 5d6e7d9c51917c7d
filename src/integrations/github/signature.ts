import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Whether `header` (X-Hub-Signature-256: "sha256=<hex>") is GitHub's HMAC-SHA256 of exactly these body bytes under the
 * webhook secret. Compared in constant time; anything malformed is simply not a match.
 */
export function verifyWebhookSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false
  const expected = createHmac('sha256', secret).update(body).digest()
  const given = Buffer.from(header.slice('sha256='.length), 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** The header value GitHub would send for this body (for tests and tools that replay a delivery). */
export function signWebhookBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}
