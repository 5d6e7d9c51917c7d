import { randomUUID } from 'node:crypto'
import type { Store, TokenRecord, UserRecord } from '../../store/index.ts'
import type { Actor, AuditNote, Services } from '../../services.ts'
import { notFound } from '../../errors.ts'
import { noteChange } from '../changes/record.ts'
import { lockout, refuseLastSignIn } from '../users/lockout.ts'
import { newPersonalToken, sha256Hex, TOKEN_PREFIX } from './secrets.ts'
import { cachedVerification, forgetVerifiedCredentials, rememberVerification, type VerifiedToken } from './verified-credentials.ts'

/** last_used_at is refreshed at most this often, so a busy token does not cost a write per request. */
const TOUCH_EVERY_MS = 60_000

export interface PublicToken {
  id: string
  user_id: string
  name: string | null
  prefix: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

export function presentToken(t: TokenRecord): PublicToken {
  return {
    id: t.id, user_id: t.user_id, name: t.name, prefix: t.token_prefix, created_at: t.created_at,
    expires_at: t.expires_at, last_used_at: t.last_used_at, revoked_at: t.revoked_at,
  }
}

/** A token as audit rows record it: never its hash, and not when it was last used (that is not a change). */
export function tokenState(t: TokenRecord) {
  return { id: t.id, user_id: t.user_id, name: t.name, prefix: t.token_prefix, expires_at: t.expires_at, revoked_at: t.revoked_at }
}

/** Issues a token for a user. The secret is returned once; only its hash is kept. */
export async function createToken(
  svc: Pick<Services, 'store' | 'clock'>,
  note: AuditNote,
  userId: string,
  opts: { name?: string | null; expiresInDays?: number | null },
): Promise<{ id: string; token: string; expires_at: string | null }> {
  const user = await svc.store.users.byId(userId)
  if (!user) throw notFound('user')
  const token = newPersonalToken()
  const now = svc.clock.now()
  const rec: TokenRecord = {
    id: randomUUID(),
    user_id: userId,
    name: opts.name ?? null,
    token_hash: sha256Hex(token),
    token_prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    created_at: now.toISOString(),
    expires_at: opts.expiresInDays ? new Date(now.getTime() + opts.expiresInDays * 86_400_000).toISOString() : null,
    last_used_at: null,
    revoked_at: null,
  }
  await svc.store.tokens.insert(rec)
  note.resource = `token:${rec.id}`
  await noteChange(svc, note, null, { ...tokenState(rec), user_email: user.email })
  return { id: rec.id, token, expires_at: rec.expires_at }
}

/**
 * Revokes a token. Refused (409 lockout) for the token the request itself is signed with: the caller would be cut
 * off mid-request, and an admin could lock themselves out; revoke it from another token or the web page.
 */
export async function revokeToken(svc: Pick<Services, 'store' | 'clock'>, note: AuditNote, actor: Actor, id: string): Promise<PublicToken> {
  const t = await svc.store.tokens.byId(id)
  note.resource = `token:${id}`
  if (!t) throw notFound('token')
  note.params_before = tokenState(t)
  if (actor.via === 'token' && actor.tokenId === id) {
    throw lockout('this request is signed with that token, so revoking it would lock you out: revoke it from another token or the web page', 'id')
  }
  await refuseLastSignIn(svc, actor, t.user_id, { revokeToken: id })
  const now = svc.clock.now().toISOString()
  if (!t.revoked_at) await svc.store.tokens.revoke(id, now)
  forgetVerifiedCredentials(svc.store)
  const after = { ...t, revoked_at: t.revoked_at ?? now }
  await noteChange(svc, note, tokenState(t), tokenState(after))
  return presentToken(after)
}

/**
 * Resolves a presented bearer token to its user, or null when unknown, revoked or expired. A token verified on this
 * worker in the last AGNES_TOKEN_CACHE_SECONDS is not looked up again (verified-credentials.ts says how revocation stays
 * bounded).
 */
export async function authenticateToken(svc: Pick<Services, 'store' | 'clock' | 'config'>, raw: string): Promise<VerifiedToken | null> {
  if (!raw.startsWith(TOKEN_PREFIX) || raw.length > 200) return null
  const { store, clock } = svc
  const ttl = svc.config.tokenCacheMs
  const hash = sha256Hex(raw)
  let found = cachedVerification(store, hash, clock, ttl)
  if (!found) {
    const fresh = await store.tokens.withUserByHash(hash)
    if (!fresh || fresh.token.revoked_at) return null
    rememberVerification(store, hash, fresh, clock, ttl)
    found = fresh
  }
  const { token, user } = found
  const now = clock.now().getTime()
  if (token.expires_at && Date.parse(token.expires_at) <= now) return null
  if (!token.last_used_at || now - Date.parse(token.last_used_at) > TOUCH_EVERY_MS) {
    // Only a convenience for the token list: a store refusing writes must not lock every token holder out. The
    // cached copy carries the new time, so the next requests within a minute do not write it again.
    token.last_used_at = new Date(now).toISOString()
    await store.tokens.touch(token.id, token.last_used_at).catch(() => {})
  }
  return { user, token }
}
