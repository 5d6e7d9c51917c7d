import type { Clock } from '../../clock.ts'
import type { Store, TokenRecord, UserRecord } from '../../store/index.ts'

export interface VerifiedToken {
  token: TokenRecord
  user: UserRecord
}

interface Entry {
  value: unknown
  verifiedAt: number
}

/** Entries kept at most per store: enough for every token and browser session of a large team; beyond it the oldest go first. */
const MAX_ENTRIES = 10_000

/**
 * Credentials this worker verified against the store in the last `ttlMs`, by the hash of the secret presented: bearer
 * tokens (with their user) and browser sessions (with their user and CSRF token). Every request used to cost a store
 * round trip to look its credential up; with this, a busy credential costs one per `ttlMs`. A token's hash and a
 * session's are both SHA-256 of a random secret, so they never meet in one map.
 *
 * Bounded staleness, never wrong for longer: a revocation, a sign-out, or a change to a user (admin flag, name,
 * deletion), made on this worker forgets at once (forgetVerification, forgetVerifiedCredentials); made on another worker, it
 * takes effect here within `ttlMs` (AGNES_TOKEN_CACHE_SECONDS, 5 s by default, 0 to turn off). Expiry is checked on
 * every request against the cached expires_at. Kept per store, so two servers in one process (the tests) never share one.
 */
const byStore = new WeakMap<Store, Map<string, Entry>>()

export function cachedVerification<T = VerifiedToken>(store: Store, hash: string, clock: Clock, ttlMs: number): T | null {
  if (ttlMs <= 0) return null
  const e = byStore.get(store)?.get(hash)
  if (!e) return null
  const age = clock.now().getTime() - e.verifiedAt
  // A clock set back (the demo's) makes the age negative: verify again rather than trust an entry from "the future".
  return age >= 0 && age < ttlMs ? (e.value as T) : null
}

export function rememberVerification<T = VerifiedToken>(store: Store, hash: string, found: T, clock: Clock, ttlMs: number): void {
  if (ttlMs <= 0) return
  let m = byStore.get(store)
  if (!m) byStore.set(store, (m = new Map()))
  m.delete(hash)
  if (m.size >= MAX_ENTRIES) m.delete(m.keys().next().value as string)
  m.set(hash, { value: found, verifiedAt: clock.now().getTime() })
}

/** After one credential ends on this worker (a sign-out): it is looked up in the store again, and not found. */
export function forgetVerification(store: Store, hash: string): void {
  byStore.get(store)?.delete(hash)
}

/** After a token is revoked or a user changed on this worker: every token and session is verified against the store again. */
export function forgetVerifiedCredentials(store: Store): void {
  byStore.get(store)?.clear()
}
