import type { Store, UserRecord } from '../../store/index.ts'
import type { Services } from '../../services.ts'
import { newOpaqueSecret, sha256Hex } from './secrets.ts'
import { cachedVerification, forgetVerification, rememberVerification } from './verified-credentials.ts'

export const SESSION_COOKIE = 'agnes_session'
export const SESSION_DAYS = 14

/** Starts a browser session. The cookie value is returned once; the store keeps its hash and the CSRF token. */
export async function startWebSession(store: Store, userId: string): Promise<{ cookie: string; csrf: string; expiresAt: Date }> {
  const cookie = newOpaqueSecret()
  const csrf = newOpaqueSecret(24)
  const now = new Date()
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000)
  await store.webSessions.insert({
    id_hash: sha256Hex(cookie), user_id: userId, csrf_token: csrf, created_at: now.toISOString(), expires_at: expiresAt.toISOString(),
  })
  return { cookie, csrf, expiresAt }
}

type FoundSession = NonNullable<Awaited<ReturnType<Store['webSessions']['withUserByHash']>>>

/**
 * The browser session a cookie names, with its user and CSRF token, or null when unknown or expired. A session
 * verified on this worker in the last AGNES_TOKEN_CACHE_SECONDS is not looked up again, as for tokens
 * (verified-credentials.ts says how a sign-out elsewhere stays bounded); its expiry is checked on every request.
 */
export async function resolveWebSession(svc: Pick<Services, 'store' | 'clock' | 'config'>, cookie: string): Promise<{ user: UserRecord; csrf: string; idHash: string } | null> {
  if (!cookie || cookie.length > 100) return null
  const { store, clock } = svc
  const idHash = sha256Hex(cookie)
  let found = cachedVerification<FoundSession>(store, idHash, clock, svc.config.tokenCacheMs)
  if (!found) {
    found = (await store.webSessions.withUserByHash(idHash)) ?? null
    if (!found) return null
    rememberVerification(store, idHash, found, clock, svc.config.tokenCacheMs)
  }
  if (Date.parse(found.session.expires_at) <= clock.now().getTime()) return null
  return { user: found.user, csrf: found.session.csrf_token, idHash }
}

export async function endWebSession(store: Store, cookie: string): Promise<void> {
  const idHash = sha256Hex(cookie)
  await store.webSessions.delete(idHash)
  forgetVerification(store, idHash)
}
