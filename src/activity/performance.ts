import { z } from 'zod'
import { readFileSync } from 'node:fs'
import type { Services } from '../services.ts'
import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, type LatencyCounts, type RouteLatency } from '../store/repositories/request-metrics.ts'
import { activityQuerySchema, toFilters } from './filters.ts'
import { bucketSecondsFor } from './histogram.ts'

/** The query string of GET /api/admin/activity/performance: the timeline's time range, and a route for its p95 chart. */
export const performanceQuerySchema = activityQuerySchema.pick({ since: true, until: true }).extend({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER']).optional(),
  route: z.string().min(1).max(300).describe('a route template as listed in routes[].route, for its p95 series').optional(),
})
export type PerformanceQuery = z.infer<typeof performanceQuerySchema>

/** Every figure of the Performance view, in words; the API returns it as `definition` and docs/insights.md repeats it. */
export const PERFORMANCE_DEFINITION = {
  requests: 'responses sent in the window, every request counted (audited or not: pages, static files, health polls, 404s), by method and route template',
  window: 'the per-minute histograms whose minute starts in [since, until); previous: the window of the same length just before since',
  errors: 'responses with a 5xx status (the server failed); client_errors: 4xx responses (refused or invalid requests); error_rate: errors / requests',
  latency: 'from the request arriving to the response sent (Fastify\'s elapsed time), counted in fixed buckets; p50/p95/p99 are interpolated within the bucket the rank falls in, as Prometheus\' histogram_quantile does; a rank in the last, open bucket reports its lower bound (30000 ms)',
  slow_examples: 'per route, its slowest request in each of up to 3 minutes of the window, slowest first: the minute, the duration, the status class and the correlation id; audited says whether audit rows carry that id (pages, static files and health polls write none), timeline is the filter that lists them',
  scheduler: 'one row per job from its run_… audit rows in the window: runs, p95 and max duration, errors (error.*), budget overruns (error.timeout: the tick ran past AGNES_JOB_BUDGET_SECONDS), skipped ticks',
  audit_writer: 'batches/rows: the audit writer\'s commits in the window and the rows they held, every worker\'s (replays of the spool included); failed_batches/failed_rows: writes the store refused in the window (those rows were spooled, not lost), counted with the first commit after them; another worker\'s commits are counted at most a second after they happen; last_error: the newest refusal\'s message (state/audit-failures.ndjson); rows_written: audit rows stored with a timestamp in the window; spool_pending_rows: spooled rows not yet replayed into the store',
} as const

/** Slow examples shown per route. */
const SLOW_EXAMPLES = 3
const MINUTE_MS = 60_000

const round = (v: number | null, digits = 3) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits)

/**
 * A quantile (0 < q < 1) of a latency histogram, as Prometheus' histogram_quantile computes it: find the bucket the
 * rank q × count falls in and interpolate linearly between its bounds (the first bucket starts at 0). A rank in the
 * last, open-ended bucket answers that bucket's lower bound: all that is known is that it took longer. Null when empty.
 */
export function quantileFromBuckets(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0)
  if (!total) return null
  const rank = q * total
  let below = 0
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i]
    if (n > 0 && below + n >= rank) {
      if (i >= LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]
      return lower + ((LATENCY_BOUNDS_MS[i] - lower) * (rank - below)) / n
    }
    below += n
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]
}

interface RouteFigures {
  requests: number
  errors: number
  client_errors: number
  error_rate: number
  p50_ms: number | null
  p95_ms: number | null
  p99_ms: number | null
  mean_ms: number | null
}

function figures(c: LatencyCounts & { errors: number; client_errors: number }): RouteFigures {
  return {
    requests: c.requests,
    errors: c.errors,
    client_errors: c.client_errors,
    error_rate: c.requests ? round(c.errors / c.requests, 4)! : 0,
    p50_ms: round(quantileFromBuckets(c.buckets, 0.5)),
    p95_ms: round(quantileFromBuckets(c.buckets, 0.95)),
    p99_ms: round(quantileFromBuckets(c.buckets, 0.99)),
    mean_ms: c.requests ? round(c.duration_ms_sum / c.requests) : null,
  }
}

/** The status classes of one method and route added together. */
function byRoute(rows: RouteLatency[]) {
  const out = new Map<string, LatencyCounts & { method: string; route: string; errors: number; client_errors: number; status_classes: Record<string, number> }>()
  for (const r of rows) {
    const key = `${r.method} ${r.route}`
    let c = out.get(key)
    if (!c) {
      c = { method: r.method, route: r.route, requests: 0, duration_ms_sum: 0, buckets: new Array(LATENCY_BUCKETS).fill(0), errors: 0, client_errors: 0, status_classes: {} }
      out.set(key, c)
    }
    c.requests += r.requests
    c.duration_ms_sum += r.duration_ms_sum
    r.buckets.forEach((n, i) => (c.buckets[i] += n))
    if (r.status_class === '5xx') c.errors += r.requests
    if (r.status_class === '4xx') c.client_errors += r.requests
    c.status_classes[r.status_class] = (c.status_classes[r.status_class] ?? 0) + r.requests
  }
  return out
}

/** Rows waiting in the audit spool (the files a store outage left, not yet replayed). */
export function spooledRows(svc: Pick<Services, 'audit'>): number {
  let n = 0
  for (const f of svc.audit.spool.pendingFiles()) {
    try {
      n += readFileSync(f, 'utf8').split('\n').filter(Boolean).length
    } catch {
      // replayed and removed between the listing and the read
    }
  }
  return n
}

/** The newest refused audit write's message with a time in [since, until), from the failure log beside the store. */
function lastAuditError(svc: Pick<Services, 'audit'>, since: Date, until: Date) {
  const from = svc.audit.failures.since(since)
  return from.batches > svc.audit.failures.since(until).batches ? from.last_error : null
}

/**
 * Request latency per route for a window and the window of the same length before it, the scheduler's jobs and the
 * audit writer; with `route` (and `method`, GET by default) also that route's p95 per time bucket.
 */
export async function performance(svc: Pick<Services, 'store' | 'audit' | 'config'>, q: PerformanceQuery, now: Date) {
  const filters = toFilters({ since: q.since, until: q.until }, now)
  const since = filters.since
  const until = filters.until ?? now.toISOString()
  const length = Date.parse(until) - Date.parse(since)
  const prevSince = new Date(Date.parse(since) - length).toISOString()
  // This worker's commits not yet counted go in first, so its own figures are exact (src/audit/writer.ts).
  await svc.audit.flushCounts()
  const [cur, prev, jobs, rowsWritten, writes, slow] = await Promise.all([
    svc.store.requestMetrics.window(since, until),
    svc.store.requestMetrics.window(prevSince, since),
    svc.store.opsMetrics.jobStats(filters),
    svc.store.opsMetrics.auditRowsBetween(since, until),
    svc.store.opsMetrics.auditWrites(since, until),
    svc.store.requestMetrics.slowest(since, until, SLOW_EXAMPLES),
  ])
  // A request's audit rows are stamped between its start (its duration before the minute it ended in) and its end.
  const rangeOf = (e: (typeof slow)[number]) => ({
    since: new Date(Date.parse(e.minute) - Math.ceil(e.duration_ms / MINUTE_MS) * MINUTE_MS).toISOString(),
    until: new Date(Date.parse(e.minute) + 2 * MINUTE_MS).toISOString(),
  })
  const audited = slow.length
    ? await svc.store.opsMetrics.auditedCorrelations([...new Set(slow.map((e) => e.correlation_id))], slow.reduce((m, e) => (rangeOf(e).since < m ? rangeOf(e).since : m), since), new Date(Date.parse(until) + 2 * MINUTE_MS).toISOString())
    : new Set<string>()
  const examplesOf = new Map<string, Array<{ minute: string; duration_ms: number; status_class: string; correlation_id: string; audited: boolean; timeline: Record<string, string> }>>()
  for (const e of slow) {
    const key = `${e.method} ${e.route}`
    const list = examplesOf.get(key) ?? []
    // Its own reads of the Activity Center are hidden from an admin by default: the link asks for them too.
    list.push({ minute: e.minute, duration_ms: round(e.duration_ms)!, status_class: e.status_class, correlation_id: e.correlation_id, audited: audited.has(e.correlation_id), timeline: { correlation_id: e.correlation_id, ...rangeOf(e), include_self_reads: 'true' } })
    examplesOf.set(key, list)
  }
  const prevBy = byRoute(prev)
  const routes = [...byRoute(cur).values()].map((c) => {
    const p = prevBy.get(`${c.method} ${c.route}`)
    const f = figures(c)
    const pf = p ? figures(p) : null
    return {
      method: c.method,
      route: c.route,
      ...f,
      status_classes: c.status_classes,
      previous: pf,
      p95_change: pf?.p95_ms && f.p95_ms !== null ? round(f.p95_ms / pf.p95_ms - 1, 4) : null,
      slow_examples: examplesOf.get(`${c.method} ${c.route}`) ?? [],
    }
  })
  routes.sort((a, b) => (b.p95_ms ?? -1) - (a.p95_ms ?? -1) || b.requests - a.requests || `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`))

  let series = null
  if (q.route) {
    const method = q.method ?? 'GET'
    const size = bucketSecondsFor(Date.parse(since), Date.parse(until))
    const rows = await svc.store.requestMetrics.series(since, until, size, method, q.route)
    const by = new Map(rows.map((r) => [r.bucket, r]))
    const first = Math.floor(Date.parse(since) / 1000 / size)
    const last = Math.max(first, Math.ceil(Date.parse(until) / 1000 / size) - 1)
    const buckets = []
    for (let b = first; b <= last; b++) {
      const r = by.get(b)
      buckets.push({ start: new Date(b * size * 1000).toISOString(), requests: r?.requests ?? 0, p95_ms: r ? round(quantileFromBuckets(r.buckets, 0.95)) : null })
    }
    series = { method, route: q.route, bucket_seconds: size, buckets }
  }

  const budgetMs = svc.config.schedule.jobBudgetSeconds * 1000
  return {
    definition: PERFORMANCE_DEFINITION,
    period: { since, until },
    previous: { since: prevSince, until: since },
    bucket_bounds_ms: LATENCY_BOUNDS_MS,
    routes,
    series,
    scheduler: jobs.map((j) => ({
      job: j.action.replace(/^run_/, ''), action: j.action, runs: j.runs, p95_ms: round(j.p95_ms), max_ms: round(j.max_ms),
      budget_ms: budgetMs, overruns: j.overruns, errors: j.errors, skipped: j.skipped,
    })),
    audit_writer: { ...writes, last_error: lastAuditError(svc, new Date(since), new Date(until)), rows_written: rowsWritten, spool_pending_rows: spooledRows(svc) },
  }
}
