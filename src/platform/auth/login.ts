import type { Services, AuditNote } from '../../services.ts'
import type { UserRecord } from '../../store/index.ts'
import type { LoginFailedReason } from '../../audit/vocabulary.ts'
import { AppError } from '../../errors.ts'
import { verifyPassword } from './passwords.ts'
import { authenticateToken } from './tokens.ts'
import { beginLoginAttempt, type ThrottledBy } from './login-throttle.ts'

/** A refused sign-in: the status and message to show, the audit reason, and for 429 the wait in seconds. */
export class LoginRefused extends AppError {
  constructor(
    status: 401 | 403 | 429,
    message: string,
    readonly reason: LoginFailedReason,
    readonly retryAfterS: number | null = null,
  ) {
    super(status, status === 429 ? 'rate_limited' : status === 403 ? 'csrf_failed' : 'unauthorized', message, { auditResult: 'denied' })
  }
}

/** Notes a refusal on the request's audit row: its own action, so failed sign-ins are found without reading results. */
export function noteLoginFailed(note: AuditNote, e: LoginRefused, extra: Record<string, unknown> = {}): void {
  note.action = 'auth.login_failed'
  note.result = 'denied'
  note.params = { ...(note.params ?? {}), ...extra, reason: e.reason, ...(e.retryAfterS !== null ? { retry_after_s: e.retryAfterS } : {}) }
}

const WRONG = 'Wrong e-mail or password.'

function throttled(by: ThrottledBy, retryAfterS: number): LoginRefused {
  const wait = retryAfterS === 1 ? '1 second' : retryAfterS < 120 ? `${retryAfterS} seconds` : `${Math.ceil(retryAfterS / 60)} minutes`
  const whose = by === 'account' ? 'this account' : 'your network address'
  return new LoginRefused(429, `Too many sign-in attempts for ${whose}. Try again in ${wait}.`, 'rate_limited', retryAfterS)
}

/**
 * Signs in with e-mail and password: throttled per account and per client address, and answered in the same time
 * whether or not the e-mail has an account (the password is checked against a dummy hash when it has none).
 * Resolves to the user; throws LoginRefused (401 wrong credentials, 429 throttled) otherwise.
 */
export async function passwordSignIn(
  svc: Pick<Services, 'store'>,
  note: AuditNote,
  input: { email: string; password: string; address: string },
): Promise<UserRecord> {
  const email = input.email.trim()
  note.params = { email }
  const begun = await beginLoginAttempt(svc.store, { address: input.address, email })
  if ('refused' in begun) {
    note.params.throttled_by = begun.refused.by
    throw throttled(begun.refused.by, begun.refused.retryAfterS)
  }
  const user = email ? await svc.store.users.byEmail(email) : undefined
  const ok = await verifyPassword(input.password, user?.password_hash)
  if (!user || !ok) {
    throw new LoginRefused(401, WRONG, !user ? 'unknown_user' : user.password_hash ? 'wrong_password' : 'no_password')
  }
  await begun.attempt.succeeded()
  note.resource = `user:${user.id}`
  return user
}

/** Signs in with a personal access token through the form: throttled per client address (a token names no account). */
export async function tokenSignIn(
  svc: Pick<Services, 'store' | 'clock' | 'config'>,
  note: AuditNote,
  input: { token: string; address: string },
): Promise<UserRecord> {
  note.params = { method: 'token' }
  const begun = await beginLoginAttempt(svc.store, { address: input.address })
  if ('refused' in begun) {
    note.params.throttled_by = begun.refused.by
    throw throttled(begun.refused.by, begun.refused.retryAfterS)
  }
  const found = input.token ? await authenticateToken(svc, input.token.trim()) : null
  if (!found) throw new LoginRefused(401, 'That token is not valid (unknown, revoked or expired).', 'invalid_token')
  await begun.attempt.succeeded()
  note.resource = `user:${found.user.id}`
  note.params.token_id = found.token.id
  return found.user
}
