/**
 * The closed set of errors Agnes raises on purpose. Each carries its HTTP status, a stable snake_case code,
 * an optional field name, and the audit result it should be recorded with. Edges (HTTP, CLI) translate them;
 * anything else that escapes is a bug and is shown as a generic 500 without internals.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly opts: { field?: string; auditResult?: string; details?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message)
  }
  get field(): string | undefined {
    return this.opts.field
  }
  /** The audit `result` for a request that ended in this error. */
  get auditResult(): string {
    if (this.opts.auditResult) return this.opts.auditResult
    if (this.status === 401 || this.status === 403) return 'denied'
    return `error.${this.status}`
  }
}

export const badRequest = (message: string, field?: string, code = 'invalid_request') =>
  new AppError(400, code, message, { field })
export const unauthorized = (message = 'authentication required') => new AppError(401, 'unauthorized', message)
export const forbidden = (message = 'you are not allowed to do this') => new AppError(403, 'forbidden', message)
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`)
export const conflict = (message: string, code = 'conflict', field?: string) =>
  new AppError(409, code, message, { field })
export const tooLarge = (message: string) => new AppError(413, 'payload_too_large', message)
export const tooManyRequests = (message: string, retryAfterSeconds?: number, code = 'rate_limited') =>
  new AppError(429, code, message, { retryAfterSeconds })
