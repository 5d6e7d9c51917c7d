import type { Store, ThrottlePolicy } from '../../store/index.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND

/**
 * How fast sign-in attempts may come (docs/security.md, "Sign-in and sessions"). Every attempt counts, the right
 * password included, until it succeeds. Past the free attempts each one makes the next wait: 1 s, 2 s, 4 s …,
 * doubling up to 15 minutes. A key that sees no attempt for an hour starts again from zero.
 *
 * - per account (the e-mail as typed, known or not, so the answer never tells which e-mails exist): 5 free attempts;
 *   the right password clears the count.
 * - per client address (every form: password and token): 20 free attempts, so an office behind one address is not
 *   held up by one person's typos; a successful sign-in takes its own attempt back, but never clears the others,
 *   so an attacker cannot reset their address by signing in to an account of their own between guesses.
 */
export const LOGIN_LIMITS: { account: ThrottlePolicy; address: ThrottlePolicy } = {
  account: { free: 5, baseMs: SECOND, capMs: 15 * MINUTE, forgetAfterMs: 60 * MINUTE },
  address: { free: 20, baseMs: SECOND, capMs: 15 * MINUTE, forgetAfterMs: 60 * MINUTE },
}

export type ThrottledBy = 'account' | 'address'

export interface LoginAttempt {
  /** The attempt was a success: clear the account's count, take the address's attempt back. */
  succeeded(): Promise<void>
}

const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`
const addressKey = (address: string) => `address:${address}`

/**
 * Counts a sign-in attempt against the client address and, for password sign-in, the account, before any password
 * is checked. Refused (with the wait) while either is waiting out its delay; a refused attempt counts for nothing,
 * so the wait does not grow while someone keeps knocking.
 */
export async function beginLoginAttempt(
  store: Store,
  who: { address: string; email?: string | null },
  nowMs = Date.now(),
): Promise<{ refused: { by: ThrottledBy; retryAfterS: number } } | { attempt: LoginAttempt }> {
  const address = addressKey(who.address)
  const byAddress = await store.loginThrottle.take(address, LOGIN_LIMITS.address, nowMs)
  if (!byAddress.allowed) return { refused: { by: 'address', retryAfterS: Math.ceil(byAddress.retryAfterMs / 1000) } }
  const account = who.email ? accountKey(who.email) : null
  if (account) {
    const byAccount = await store.loginThrottle.take(account, LOGIN_LIMITS.account, nowMs)
    if (!byAccount.allowed) {
      // This attempt never reached a password check: the address gets it back.
      await store.loginThrottle.giveBack(address, nowMs)
      return { refused: { by: 'account', retryAfterS: Math.ceil(byAccount.retryAfterMs / 1000) } }
    }
  }
  return {
    attempt: {
      async succeeded() {
        if (account) await store.loginThrottle.clear(account)
        await store.loginThrottle.giveBack(address, nowMs)
        // Keys idle for longer than they are remembered would start from zero anyway: keep the table small.
        await store.loginThrottle.purgeIdle(Date.now() - LOGIN_LIMITS.address.forgetAfterMs, Date.now()).catch(() => 0)
      },
    },
  }
}
