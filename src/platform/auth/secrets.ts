import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Agnes personal access tokens: a recognisable prefix (so secret scanners and redaction find them) + 256 random bits. */
export const TOKEN_PREFIX = 'agnes_pat_'

export function newPersonalToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

export function newOpaqueSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** Tokens and session ids are stored only as this hash. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
