import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Actor, AuditNote, Services } from '../services.ts'
import { AppError, badRequest, forbidden, unauthorized } from '../errors.ts'

export type AuthLevel = 'public' | 'user' | 'admin'

export interface RouteContext<P, Q, B> {
  params: P
  query: Q
  body: B
  /** Present on every route but 'public' ones (where it may still be set when credentials were sent). */
  actor: Actor
  /** What this request's audit row should say; capabilities fill it in. */
  note: AuditNote
  svc: Services
  req: FastifyRequest
  reply: FastifyReply
}

export interface RouteSpec<P = any, Q = any, B = any> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  auth: AuthLevel
  /** The audit action every call of this route records; null only for routes that read and change nothing worth auditing (health, docs, static). */
  action: string | null
  /**
   * With action null: the action this route is audited under when the handler decides itself whether a
   * successful call writes a row (a deduplicated activity.read, or none for a poll). Failed calls
   * (refused, invalid) are always written by the audit hook under this action.
   */
  selfAudit?: string
  /** Why a successful call writes no audit row (e.g. the health poll); needs selfAudit for its failures. */
  unauditedBecause?: string
  summary: string
  tag: string
  /** 'page' routes answer with HTML, also for their errors. */
  kind?: 'api' | 'page'
  params?: z.ZodType<P>
  query?: z.ZodType<Q>
  body?: z.ZodType<B>
  /** Body accepted as raw bytes or a stream (uploads) instead of JSON; the handler reads req itself. */
  rawBody?: boolean
  /** Largest body this route accepts, when it differs from the server-wide JSON limit. */
  bodyLimit?: number
  status?: number
  handler: (ctx: RouteContext<P, Q, B>) => Promise<unknown>
}

/** Identity for type inference at the definition site. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null
    auditNote: AuditNote
    startedAt: bigint
    correlationId: string
    csrfToken: string | null
    routeSpec: RouteSpec | null
  }
  interface FastifyContextConfig {
    spec?: RouteSpec
  }
}

function parseWith<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const field = issue.path.map(String).join('.') || undefined
  const message = field ? `${where} field '${field}': ${issue.message}` : `${where}: ${issue.message}`
  throw badRequest(message, field)
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Registers a route spec on the app: auth before body parsing, CSRF for cookie sessions, validated input. */
export function registerRoute(app: FastifyInstance, svc: Services, spec: RouteSpec): void {
  app.route({
    method: spec.method,
    url: spec.url,
    config: { spec },
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    onRequest: async (req) => {
      req.routeSpec = spec
      if (spec.auth === 'public') return
      if (!req.actor) throw unauthorized()
      if (spec.auth === 'admin' && !req.actor.user?.is_admin) throw forbidden('this needs an admin')
    },
    preHandler: async (req) => {
      // Browsers send cookies on their own, so a cookie-authenticated change must prove it came from our page.
      if (req.actor?.via === 'session' && UNSAFE.has(spec.method)) {
        const sent = (req.headers['x-csrf-token'] as string | undefined) ?? (req.body as Record<string, unknown> | undefined)?._csrf
        if (typeof sent !== 'string' || sent !== req.csrfToken) {
          throw new AppError(403, 'csrf_failed', 'missing or wrong CSRF token: reload the page and try again')
        }
      }
    },
    handler: async (req, reply) => {
      const body = (() => {
        if (spec.rawBody || !spec.body) return req.body
        const b = req.body as Record<string, unknown> | undefined
        if (b && typeof b === 'object' && '_csrf' in b) {
          const { _csrf, ...rest } = b
          return rest
        }
        return b ?? {}
      })()
      const ctx: RouteContext<unknown, unknown, unknown> = {
        params: parseWith(spec.params, req.params, 'path'),
        query: parseWith(spec.query, req.query ?? {}, 'query'),
        body: spec.rawBody ? req.body : parseWith(spec.body, body, 'body'),
        actor: req.actor as Actor,
        note: req.auditNote,
        svc,
        req,
        reply,
      }
      const out = await spec.handler(ctx)
      if (spec.status && reply.statusCode === 200) reply.code(spec.status)
      return out
    },
  })
}
