import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

const N = 16384
const R = 8
const P = 1
const KEYLEN = 64

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** scrypt with a per-password salt; parameters are stored with the hash so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, N, R, P)
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/**
 * A well-formed hash with today's parameters that no password matches (its key is random bytes). Checking a
 * password against it costs what checking a real one costs, so an unknown e-mail, or a user without a password,
 * is not answered faster than a known one: the answer time does not tell which e-mails have accounts.
 */
const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${randomBytes(16).toString('base64url')}$${randomBytes(KEYLEN).toString('base64url')}`

/**
 * True when `password` matches the stored hash. With no hash (an unknown user, a user without a password) or a
 * malformed one, the same scrypt work is done against a dummy hash and the answer is false.
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parts = (stored ?? '').split('$')
  const usable = parts.length === 6 && parts[0] === 'scrypt' && Boolean(parts[4]) && Boolean(parts[5])
  const [, n, r, p, salt, key] = (usable ? stored! : DUMMY_HASH).split('$')
  const expected = Buffer.from(key, 'base64url')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p))
  return usable && actual.length === expected.length && timingSafeEqual(actual, expected)
}
