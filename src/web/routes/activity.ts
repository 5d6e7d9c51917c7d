import { z } from 'zod'
import { Readable } from 'node:stream'
import { defineRoute, type RouteContext } from '../route.ts'
import { noQuery } from './schemas.ts'
import { badRequest } from '../../errors.ts'
import {
  activityQuerySchema, activityReadHeld, eventWithRelated, exportRows, facets, filterNames, health, recordActivityRead, timeline, toFilters,
  type ActivityQuery,
} from '../../activity/index.ts'
import { histogram } from '../../activity/histogram.ts'
import { kpisWithPrevious } from '../../activity/kpi-change.ts'
import { syncGridWithRuns } from '../../activity/sync-runs.ts'

/** What each endpoint answers, for the page code (src/web/pages/activity) to import as types. */
export type HealthResponse = Awaited<ReturnType<typeof health>>
export type TimelineResponse = Awaited<ReturnType<typeof timeline>>
export type KpisResponse = Awaited<ReturnType<typeof kpisWithPrevious>>
export type FacetsResponse = Awaited<ReturnType<typeof facets>>
export type HistogramResponse = Awaited<ReturnType<typeof histogram>>
export type SyncGridResponse = Awaited<ReturnType<typeof syncGridWithRuns>>
export type EventResponse = Awaited<ReturnType<typeof eventWithRelated>>

const eventId = z.strictObject({ id: z.coerce.number().int().positive() })

/** The filters that identify "what was read", for the activity.read row and its 60 s de-duplication. */
function readKey(q: ActivityQuery): string {
  const { cursor: _c, limit: _l, ...filters } = q
  return JSON.stringify(Object.entries(filters).sort())
}

async function noteRead(ctx: RouteContext<unknown, ActivityQuery, unknown>, what: string, params: Record<string, unknown>, held?: Promise<boolean>) {
  await recordActivityRead(ctx.svc, ctx.actor, { what, params, correlationId: ctx.req.correlationId, clientIp: ctx.req.ip, startedAt: ctx.req.startedAt }, held)
}

const readParams = (view: string, q: ActivityQuery) => {
  const { cursor: _c, limit: _l, ...filters } = q
  return { view, filters }
}

/** The timeline, KPIs and facets: one filter schema, one activity.read window shared by all three. */
function filteredView(view: string, summary: string, read: (ctx: RouteContext<unknown, ActivityQuery, unknown>) => Promise<unknown>) {
  return defineRoute({
    method: 'GET', url: `/api/admin/activity/${view}`, auth: 'admin', action: null, selfAudit: 'activity.read', tag: 'activity',
    summary, query: activityQuerySchema,
    handler: async (ctx) => {
      const c = ctx as RouteContext<unknown, ActivityQuery, unknown>
      const what = readKey(c.query)
      // Whether this filter was read in the last minute is asked alongside the read (the store answers both at
      // once); a read that fails claims no window.
      const held = activityReadHeld(c.svc, c.actor, { what })
      const out = await read(c)
      await noteRead(c, what, readParams(view, c.query), held)
      return out
    },
  })
}

export const activityRoutes = [
  defineRoute({
    method: 'GET', url: '/api/admin/activity/health', auth: 'admin', action: null, selfAudit: 'activity.read', tag: 'activity',
    unauditedBecause: 'the page polls it every 30 s; an audit row per poll would drown the timeline',
    summary: 'The health pulse: coloured fields with a click_filter to their evidence, and a sentence. Cached 30 s.',
    query: noQuery,
    handler: async ({ svc, actor }) => {
      svc.product.capture(actor.user!.id, 'activity_health_viewed')
      return health(svc)
    },
  }),
  filteredView('timeline', 'Audit rows newest first, filtered (all filters AND), paged by an opaque cursor that stays stable while rows arrive.', async (ctx) => {
    const names = filterNames(ctx.query)
    if (names.length) ctx.svc.product.capture(ctx.actor.user!.id, 'activity_timeline_filtered', { filters: names })
    return timeline(ctx.svc, ctx.query, ctx.actor.user?.id)
  }),
  filteredView(
    'kpis',
    'Events, errors, error rate, active users, p95 duration and duration coverage for the same filters as the timeline; period: the ' +
    'range they cover (until defaults to now), previous: the same figures for the period of the same length just before it.',
    (ctx) => kpisWithPrevious(ctx.svc, ctx.query, new Date(), ctx.actor.user?.id),
  ),
  filteredView('facets', 'Counts by action prefix, result class, client kind and user for the same filters as the timeline.', (ctx) => facets(ctx.svc, ctx.query, ctx.actor.user?.id)),
  defineRoute({
    method: 'GET', url: '/api/admin/activity/histogram', auth: 'admin', action: null, selfAudit: 'activity.read', tag: 'activity',
    summary:
      'Events per time bucket and result class (success, error, denied, other) for the same filters as the timeline, every bucket present: ' +
      '{since, until, bucket_seconds, total, buckets: [{start, success, error, denied, other}]}. The bucket size follows the range ' +
      '(1 min for an hour … 1 day for 90 days; at most 120 buckets), buckets aligned to UTC.',
    query: activityQuerySchema.omit({ cursor: true, limit: true }),
    handler: async (ctx) => {
      const out = await histogram(ctx.svc, ctx.query, new Date(), ctx.actor.user?.id)
      // Shares the timeline's read window: drawing the chart for a filter is the same read as listing it.
      await noteRead(ctx as RouteContext<unknown, ActivityQuery, unknown>, readKey(ctx.query), readParams('timeline', ctx.query))
      return out
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/activity/sync', auth: 'admin', action: null, selfAudit: 'activity.read', tag: 'activity',
    summary:
      'One row per registered table: last run, status, rows, duration, error, runs and failures in 24 h, next expected run, overdue, ' +
      'and recent_runs (its latest 20 runs, oldest first: at, status, error, duration_ms, rows).',
    query: noQuery,
    handler: async (ctx) => {
      const out = await syncGridWithRuns(ctx.svc)
      await recordActivityRead(ctx.svc, ctx.actor, { what: 'sync-grid', params: { view: 'sync' }, correlationId: ctx.req.correlationId, clientIp: ctx.req.ip, startedAt: ctx.req.startedAt })
      return out
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/activity/events/:id', auth: 'admin', action: null, selfAudit: 'activity.read', tag: 'activity',
    summary: 'One event with the records it refers to, params masked. Raw values: POST /api/admin/activity/events/{id}/reveal.',
    params: eventId,
    // `raw` is accepted only to be refused by name: a GET must never reveal (a cross-site link could forge reveals).
    query: z.strictObject({ raw: z.string().max(20).optional() }),
    handler: async ({ svc, actor, params, query, req }) => {
      if (query.raw !== undefined) {
        throw badRequest(`raw values are no longer shown by GET; use POST /api/admin/activity/events/${params.id}/reveal (with the CSRF token on cookie requests)`, 'raw', 'use_reveal_endpoint')
      }
      const out = await eventWithRelated(svc, params.id, false)
      await recordActivityRead(svc, actor, { correlationId: req.correlationId, clientIp: req.ip, startedAt: req.startedAt, what: `event:${params.id}`, params: { view: 'event', event_id: params.id } })
      return out
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/activity/events/:id/reveal', auth: 'admin', action: 'audit.reveal_raw', tag: 'activity',
    summary: 'One event with unmasked params (and its related records). A change, not a read: cookie requests need the CSRF token, and every reveal is audited as audit.reveal_raw.',
    params: eventId,
    query: noQuery,
    body: z.strictObject({}),
    handler: async ({ svc, note, params }) => {
      // Every reveal is recorded: seeing raw values is the thing an auditor wants to know about.
      note.resource = `audit:${params.id}`
      note.params = { event_id: params.id }
      const out = await eventWithRelated(svc, params.id, true)
      note.params.event_action = out.event.action
      return out
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/activity/export', auth: 'admin', action: 'activity.export', tag: 'activity',
    summary: 'The current filter as CSV or NDJSON, streamed, params always masked as on screen (a download link is a GET, so it never reveals).',
    query: activityQuerySchema.extend({ format: z.enum(['csv', 'ndjson']).default('ndjson'), raw: z.string().max(20).optional() }),
    handler: async ({ svc, note, query, reply, actor }) => {
      const { format, raw, ...q } = query
      if (raw !== undefined) {
        throw badRequest('the export is always masked; raw values are revealed one event at a time with POST /api/admin/activity/events/{id}/reveal', 'raw', 'use_reveal_endpoint')
      }
      const filters = toFilters(q, new Date(), actor.user?.id)
      note.resource = 'activity'
      note.params = { format, filters: filterNames(q) }
      const cols = ['id', 'timestamp', 'user_id', 'user_email', 'action', 'resource', 'params', 'params_before', 'result', 'duration_ms', 'client_ip', 'client_kind', 'correlation_id'] as const
      const csvField = (v: unknown) => {
        const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
        return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
      }
      async function* lines() {
        if (format === 'csv') yield cols.join(',') + '\n'
        for await (const row of exportRows(svc, filters)) {
          yield format === 'csv' ? cols.map((c) => csvField(row[c])).join(',') + '\n' : JSON.stringify(row) + '\n'
        }
      }
      const stamp = new Date().toISOString().replace(/[:.]/g, '-')
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="agnes-activity-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}"`)
        .send(Readable.from(lines()))
    },
  }),
]
