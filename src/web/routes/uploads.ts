import { z } from 'zod'
import type { FastifyInstance } from 'fastify'
import multipart from '@fastify/multipart'
import { defineRoute, registerRoute, type RouteSpec } from '../route.ts'
import { noQuery } from './schemas.ts'
import type { Services } from '../../services.ts'
import { AppError } from '../../errors.ts'
import { listMySessionUploads, MAX_FILES_PER_UPLOAD, RAW_UPLOAD_TYPES, receiveSessionUploads } from '../../platform/uploads/index.ts'

export const uploadRoutes: RouteSpec[] = [
  defineRoute({
    method: 'POST', url: '/api/upload/sessions', auth: 'user', action: 'session.upload', tag: 'sessions', status: 201,
    summary:
      'Upload Claude Code transcripts (.jsonl): multipart field `file` (one or more), or one file as the raw body ' +
      '(application/octet-stream, application/x-ndjson or application/jsonl) with ?filename=NAME.jsonl. Secrets are ' +
      'redacted before storing; the same content again is reported `unchanged` and not rewritten. Over the size limit: 413.',
    query: z.strictObject({ filename: z.string().max(1000).optional() }),
    rawBody: true,
    handler: async ({ svc, note, actor, req, reply, query }) => {
      try {
        return await receiveSessionUploads(svc, note, actor, req, query)
      } catch (e) {
        // Refused before the body was read to its end: say so and close, rather than read the rest for nothing.
        if (!req.raw.readableEnded) reply.header('connection', 'close')
        throw e
      }
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/upload/sessions', auth: 'user', action: 'session.list', tag: 'sessions',
    summary: 'Your stored transcripts with the size and SHA-256 of each (of the redacted content, as stored).',
    query: noQuery,
    handler: async ({ svc, note, actor }) => listMySessionUploads(svc, note, actor),
  }),
]

/**
 * Registers the upload routes in their own scope, so their body parsers (multipart, raw streams) apply to them
 * alone: every other route keeps answering 415 to those content types, and uploads are never buffered as JSON.
 */
export function uploadScope(svc: Services) {
  return async function uploads(scope: FastifyInstance) {
    scope.removeAllContentTypeParsers()
    await scope.register(multipart, { limits: { fileSize: svc.config.sessionUploadMaxBytes + 1, files: MAX_FILES_PER_UPLOAD } })
    // The body stays a stream; the handler reads it with the size limit and redaction applied.
    scope.addContentTypeParser(RAW_UPLOAD_TYPES, (_req, payload, done) => done(null, payload))
    scope.addContentTypeParser('*', (_req, _payload, done) =>
      done(new AppError(415, 'unsupported_media_type', `send multipart/form-data, or the raw file as ${RAW_UPLOAD_TYPES.join(', ')} with ?filename=`), undefined),
    )
    for (const spec of uploadRoutes) registerRoute(scope, svc, spec)
  }
}
