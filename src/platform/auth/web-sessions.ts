import type { Store, UserRecord } from '../../store/index.ts'
import { newOpaqueSecret, sha256Hex } from './secrets.ts'

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

export async function resolveWebSession(store: Store, cookie: string): Promise<{ user: UserRecord; csrf: string; idHash: string } | null> {
  if (!cookie || cookie.length > 100) return null
  const idHash = sha256Hex(cookie)
  const found = await store.webSessions.withUserByHash(idHash)
  if (!found || Date.parse(found.session.expires_at) <= Date.now()) return null
  return { user: found.user, csrf: found.session.csrf_token, idHash }
}

export async function endWebSession(store: Store, cookie: string): Promise<void> {
  await store.webSessions.delete(sha256Hex(cookie))
}
