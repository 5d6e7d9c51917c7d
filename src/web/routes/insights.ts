import type { z } from 'zod'
import { defineRoute, type RouteContext } from '../route.ts'
import type { Services } from '../../services.ts'
import { recordActivityRead } from '../../activity/index.ts'
import { usage, usageQuerySchema } from '../../activity/usage.ts'
import { queries, queriesQuerySchema } from '../../activity/queries.ts'
import { performance, performanceQuerySchema } from '../../activity/performance.ts'

/** What each endpoint answers, for the page code to import as types. */
export type UsageResponse = Awaited<ReturnType<typeof usage>>
export type QueriesResponse = Awaited<ReturnType<typeof queries>>
export type PerformanceResponse = Awaited<ReturnType<typeof performance>>

/**
 * The read is audited as the timeline's are: one activity.read per admin and view+filters per 60 s, decided in the
 * store so it holds across workers, with the filters in its params.
 */
async function noteRead(ctx: Pick<RouteContext<unknown, object, unknown>, 'svc' | 'actor' | 'req' | 'query'>, view: string) {
  const filters = Object.fromEntries(Object.entries(ctx.query).filter(([, v]) => v !== undefined))
  await recordActivityRead(ctx.svc, ctx.actor, {
    what: `${view}:${JSON.stringify(Object.entries(filters).sort())}`, params: { view, filters },
    correlationId: ctx.req.correlationId, clientIp: ctx.req.ip, startedAt: ctx.req.startedAt,
  })
}

/**
 * One Activity insight view: an admin GET whose answer is computed at the one clock's now and whose read is audited
 * as the timeline's are (see noteRead).
 */
function insightView<Q extends object, R>(
  view: 'usage' | 'queries' | 'performance',
  summary: string,
  query: z.ZodType<Q>,
  read: (svc: Services, q: Q, now: Date) => Promise<R>,
) {
  return defineRoute<Record<string, never>, Q>({
    method: 'GET', url: `/api/admin/activity/${view}`, auth: 'admin', action: null, selfAudit: 'activity.read', tag: 'activity',
    summary, query,
    handler: async (ctx) => {
      const out = await read(ctx.svc, ctx.query, ctx.svc.clock.now())
      await noteRead(ctx, view)
      return out
    },
  })
}

export const insightRoutes = [
  insightView(
    'usage',
      'Who uses Agnes and whether they come back, over `days` UTC days (today included): definition (every figure in words, the ' +
      'active_actions that make a person active), summary (DAU, WAU, MAU, stickiness of the last complete day), series (the same per ' +
      'day), lifecycle (new, returning, resurrecting, dormant per period), people (active days, queries, downloads, uploads, syncs, ' +
      'reports, sessions, last active, and the timeline filter that lists their activity), tools (calls, errors, error rate, the sessions ' +
      'where each failed).',
    usageQuerySchema, usage,
  ),
  insightView(
    'queries',
      'query.run calls grouped by fingerprint (DuckDB\'s parse tree without constants, IN-list lengths, whitespace, comments or case), ' +
      'for the timeline\'s since, until, user_id and client_kind, sorted by total_time, calls, p95 or errors: example SQL (masked), calls, ' +
      'errors and the last error, p50/p95/total time, rows, people, client kinds, tables, first and last seen, and the timeline filter ' +
      'that lists the calls; tables: per table, calls and people. definition says what each figure counts.',
    queriesQuerySchema, queries,
  ),
  insightView(
    'performance',
      'Latency of every request (audited or not) per method and route template from per-minute histograms: requests, errors (5xx), ' +
      'client errors (4xx), p50/p95/p99, and the same for the previous window of equal length; with route (and method) that route\'s ' +
      'p95 per time bucket; the scheduler\'s jobs (runs, p95, overruns); the audit writer (rows written, failed batches and rows, spool).',
    performanceQuerySchema, performance,
  ),
]
