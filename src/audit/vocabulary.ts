/** The closed vocabularies of CONTRACT section 3. A writer that strays from them is a bug, caught at write time. */
export const CLIENT_KINDS = ['web', 'cli', 'api', 'agent', 'scheduler', 'system'] as const
export type ClientKind = (typeof CLIENT_KINDS)[number]

const RESULT = /^(success|denied|skipped|error\.[a-z0-9_]+)$/
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(:[a-z0-9_]+)?$/

export function isAuditResult(result: string): boolean {
  return RESULT.test(result)
}

export function isAuditAction(action: string): boolean {
  return ACTION.test(action)
}

export function isClientKind(kind: string): kind is ClientKind {
  return (CLIENT_KINDS as readonly string[]).includes(kind)
}

/** The result class used by filters and KPIs. */
export function resultClass(result: string): 'success' | 'error' | 'denied' | 'other' {
  if (result === 'success') return 'success'
  if (result === 'denied') return 'denied'
  if (result.startsWith('error.')) return 'error'
  return 'other'
}

/** Why an `auth.login_failed` row was written (its params.reason). */
export const LOGIN_FAILED_REASONS = [
  'unknown_user', // no account has this e-mail
  'wrong_password',
  'no_password', // the account signs in with tokens only
  'invalid_token', // token sign-in: unknown, revoked or expired
  'rate_limited', // too many attempts for the account or the address: 429 with Retry-After
  'csrf_failed', // the form did not carry the sign-in CSRF token of its pre-session cookie
] as const
export type LoginFailedReason = (typeof LOGIN_FAILED_REASONS)[number]
