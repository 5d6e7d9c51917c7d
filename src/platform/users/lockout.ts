import { AppError } from '../../errors.ts'
import type { Actor, Services } from '../../services.ts'

/**
 * The refusal of a change that would lock the instance, or the person making it, out: removing or demoting the last
 * admin, revoking the token the request itself is signed with, a rollback that takes away the caller's own access.
 * Forcing does not override it.
 */
export const lockout = (message: string, field?: string) => new AppError(409, 'lockout', message, { field, auditResult: 'error.lockout' })

/**
 * Refuses a change to your own account that leaves you no way to sign in once the current session ends: removing
 * your password while no token of yours still works, or revoking your last working token while you have no password
 * (the web page of someone who signed in with that token). Another person's sign-ins are theirs to lose: an admin
 * removes them on purpose.
 */
export async function refuseLastSignIn(
  svc: Pick<Services, 'store' | 'clock'>,
  actor: Actor,
  userId: string,
  change: { removePassword?: boolean; revokeToken?: string },
): Promise<void> {
  if (actor.user?.id !== userId) return
  const user = await svc.store.users.byId(userId)
  if (change.removePassword ? !user?.password_hash : user?.password_hash) return
  const now = svc.clock.now().getTime()
  const tokens = (await svc.store.tokens.listForUser(userId)).filter((t) => !t.revoked_at && !(t.expires_at && Date.parse(t.expires_at) <= now))
  if (change.revokeToken && !tokens.some((t) => t.id === change.revokeToken)) return
  if (tokens.some((t) => t.id !== change.revokeToken)) return
  throw change.removePassword
    ? lockout('removing your password would leave you no way to sign in once this session ends: create a token first', 'password')
    : lockout('this is your last working token and you have no password: revoking it would leave you no way to sign in once this session ends; set a password or create another token first', 'id')
}
