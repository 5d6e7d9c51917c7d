import { z } from 'zod'
import type { ActivityFilters, Keyset } from '../store/index.ts'
import { badRequest } from '../errors.ts'
import { CLIENT_KINDS } from '../audit/index.ts'

const DAY_MS = 86_400_000
/** A free-text search without a start scans at most this far back. */
const Q_WINDOW_MS = 7 * DAY_MS
export const MAX_LIMIT = 500

const iso = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2026-11-24T09:15:02Z' })
const csv = (item: z.ZodString) => z.string().max(2000).transform((s, ctx) => {
  const parts = s.split(',').map((x) => x.trim()).filter(Boolean)
  for (const p of parts) {
    const r = item.safeParse(p)
    if (!r.success) ctx.addIssue({ code: 'custom', message: `'${p}': ${r.error.issues[0].message}` })
  }
  return parts
})
const action = z.string().regex(/^[a-z0-9_.:]{1,100}$/, 'actions are lower-case words joined by . or :')

/** The query string of the timeline, KPIs, facets and export. Unknown parameters are refused. */
export const activityQuerySchema = z.strictObject({
  since: iso.optional(),
  until: iso.optional(),
  user_id: z.string().min(1).max(100).optional(),
  action_prefix: z.string().regex(/^[a-z0-9_.:]{1,100}$/, 'lower-case letters, digits, _ . :').optional(),
  action_in: csv(action).optional(),
  resource: z.string().min(1).max(300).optional(),
  resource_prefix: z.string().min(1).max(300).optional(),
  result_pattern: z.string().regex(/^[a-z0-9_.%]{1,100}$/, "a LIKE pattern such as 'error.%'").optional(),
  result_class: z.enum(['success', 'error', 'denied', 'other']).optional(),
  client_kind: z.enum(CLIENT_KINDS).optional(),
  correlation_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/).optional(),
  q: z.string().min(1).max(200).describe('text in the params, case and spaces ignored').optional(),
  include_self_reads: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional(),
})

export type ActivityQuery = z.infer<typeof activityQuerySchema>

/**
 * Turns the validated query into store filters: default window, q's window, and the until-after-since rule.
 * `viewerId` is the admin looking, whose own reads are hidden unless include_self_reads.
 */
export function toFilters(q: ActivityQuery, now = new Date(), viewerId?: string): ActivityFilters {
  if (q.since && q.until && Date.parse(q.until) <= Date.parse(q.since)) throw badRequest('until must be after since', 'until')
  const since = q.since ? new Date(q.since).toISOString() : new Date(now.getTime() - (q.q ? Q_WINDOW_MS : DAY_MS)).toISOString()
  return {
    since,
    until: q.until ? new Date(q.until).toISOString() : null,
    user_id: q.user_id,
    action_prefix: q.action_prefix,
    action_in: q.action_in,
    resource: q.resource,
    resource_prefix: q.resource_prefix,
    result_pattern: q.result_pattern,
    result_class: q.result_class,
    client_kind: q.client_kind,
    correlation_id: q.correlation_id,
    q: q.q,
    include_self_reads: q.include_self_reads ?? false,
    viewer_id: viewerId,
  }
}

/** The filters a person chose (names only, values left out), for analytics and the activity.read row. */
export function filterNames(q: ActivityQuery): string[] {
  return Object.keys(q).filter((k) => !['cursor', 'limit'].includes(k) && q[k as keyof ActivityQuery] !== undefined).sort()
}

export function encodeCursor(k: Keyset): string {
  return Buffer.from(JSON.stringify([k.timestamp, k.id])).toString('base64url')
}

/** A cursor is opaque to clients; anything that is not one we issued the shape of is a 400. */
export function decodeCursor(cursor: string | undefined): Keyset | null {
  if (!cursor) return null
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0])) && Number.isSafeInteger(v[1]) && v[1] > 0) {
      return { timestamp: new Date(v[0]).toISOString(), id: v[1] }
    }
  } catch {
    // fall through
  }
  throw badRequest('cursor is not valid: use the next_cursor of a previous page', 'cursor', 'invalid_cursor')
}
