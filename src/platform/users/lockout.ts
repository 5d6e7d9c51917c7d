import { AppError } from '../../errors.ts'

/**
 * The refusal of a change that would lock the instance, or the person making it, out: removing or demoting the last
 * admin, revoking the token the request itself is signed with, a rollback that takes away the caller's own access.
 * Forcing does not override it.
 */
export const lockout = (message: string, field?: string) => new AppError(409, 'lockout', message, { field, auditResult: 'error.lockout' })
