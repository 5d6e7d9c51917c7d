import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.ts'
import { StoreUnavailableError } from '../../store/index.ts'
import { renderErrorPage } from '../views/error-page.ts'

/** Fastify's own errors that are the client's fault, mapped to our stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the request body is empty but its Content-Type says JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'unsupported Content-Type; send application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length' },
  FST_ERR_BAD_URL: { status: 400, code: 'bad_url' },
}

/** Seconds a client should wait before trying again when the store is unavailable. */
const STORE_RETRY_AFTER_S = 5

function toAppError(err: FastifyError | AppError | Error): AppError | null {
  if (err instanceof AppError) return err
  if (err instanceof StoreUnavailableError) {
    // The reason (a file path, a database host) stays in the log and the health pulse, for admins only.
    return new AppError(503, 'store_unavailable', "the server's store is unavailable right now; try again in a few seconds", {
      auditResult: 'error.store_unavailable',
    })
  }
  const fe = err as FastifyError
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined
  if (mapped) return new AppError(mapped.status, mapped.code, mapped.message ?? fe.message)
  if (err instanceof SyntaxError && (fe.statusCode === 400 || /JSON/.test(err.message))) {
    return new AppError(400, 'invalid_json', 'the request body is not valid JSON')
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new AppError(fe.statusCode, 'bad_request', fe.message)
  return null
}

export function sendError(req: FastifyRequest, reply: FastifyReply, e: AppError) {
  req.auditNote ??= {}
  req.auditNote.result ??= e.auditResult
  // The row says why the caller was refused, in the words the caller got (the event drawer shows it).
  const params = req.auditNote.params ?? {}
  if (!('error' in params)) req.auditNote.params = { ...params, error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } }
  reply.code(e.status)
  if (req.routeSpec?.kind === 'page' || (!req.routeSpec && req.method === 'GET' && !req.url.startsWith('/api/') && /text\/html/.test(req.headers.accept ?? ''))) {
    return reply.type('text/html; charset=utf-8').send(renderErrorPage(req, e))
  }
  return reply.send({ error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } })
}

/** One translator for the HTTP edge: our errors keep their status and code; anything else is a 500 without internals. */
export function errorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const appErr = toAppError(err as Error)
    if (appErr?.code === 'store_unavailable') {
      req.log.warn({ err: (err as Error).message }, 'store unavailable: answered 503')
      reply.header('retry-after', String(STORE_RETRY_AFTER_S))
    }
    // Refusals that clear with time (rate limits, busy query slots) say when to come back.
    if (appErr?.opts.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(appErr.opts.retryAfterSeconds))))
    if (appErr) return sendError(req, reply, appErr)
    req.log.error({ err }, 'unhandled error')
    req.auditNote ??= {}
    req.auditNote.result = 'error.internal'
    return sendError(req, reply, new AppError(500, 'internal_error', 'something went wrong on the server; the error was logged'))
  })
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new AppError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`)))
}
