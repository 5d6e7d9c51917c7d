import type { Clock } from '../../clock.ts'
import type { Store, TokenRecord, UserRecord } from '../../store/index.ts'

export interface VerifiedToken {
  token: TokenRecord
  user: UserRecord
}

interface Entry extends VerifiedToken {
  verifiedAt: number
}

/** Entries kept at most per store: enough for every token of a large team; beyond it the oldest go first. */
const MAX_ENTRIES = 10_000

/**
 * Tokens this worker verified against the store in the last `ttlMs`, by token hash. Every request with a token used
 * to cost a store round trip (the token joined to its user); with this, a busy token costs one per `ttlMs`.
 *
 * Bounded staleness, never wrong for longer: a revocation, or a change to a user (admin flag, name, deletion), made
 * on this worker forgets every entry at once (forgetVerifiedTokens); made on another worker, it takes effect here
 * within `ttlMs` (AGNES_TOKEN_CACHE_SECONDS, 5 s by default, 0 to turn off). Expiry is checked on every request
 * against the cached token's expires_at. Kept per store, so two servers in one process (the tests) never share one.
 */
const byStore = new WeakMap<Store, Map<string, Entry>>()

export function cachedVerification(store: Store, hash: string, clock: Clock, ttlMs: number): VerifiedToken | null {
  if (ttlMs <= 0) return null
  const e = byStore.get(store)?.get(hash)
  if (!e) return null
  const age = clock.now().getTime() - e.verifiedAt
  // A clock set back (the demo's) makes the age negative: verify again rather than trust an entry from "the future".
  return age >= 0 && age < ttlMs ? e : null
}

export function rememberVerification(store: Store, hash: string, found: VerifiedToken, clock: Clock, ttlMs: number): void {
  if (ttlMs <= 0) return
  let m = byStore.get(store)
  if (!m) byStore.set(store, (m = new Map()))
  m.delete(hash)
  if (m.size >= MAX_ENTRIES) m.delete(m.keys().next().value as string)
  m.set(hash, { ...found, verifiedAt: clock.now().getTime() })
}

/** After a token is revoked or a user changed on this worker: every token is verified against the store again. */
export function forgetVerifiedTokens(store: Store): void {
  byStore.get(store)?.clear()
}
