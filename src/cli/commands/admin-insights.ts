import type { ApiClient } from '../client.ts'
import { CliError } from '../client.ts'
import type { usage } from '../../activity/usage.ts'
import type { queries } from '../../activity/queries.ts'
import type { performance } from '../../activity/performance.ts'

export type UsageResponse = Awaited<ReturnType<typeof usage>>
export type QueriesResponse = Awaited<ReturnType<typeof queries>>
export type PerformanceResponse = Awaited<ReturnType<typeof performance>>

export const QUERY_SORTS = ['total_time', 'calls', 'p95', 'errors'] as const

/** A bare date means its UTC midnight; the API takes full ISO 8601 times. */
const isoTime = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v)

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

const positive = (name: string, v: number | undefined) => {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new CliError(`${name} must be a positive whole number`, 2)
}

/** `agnes admin usage`: active people per day, week and month, lifecycle, per person, and the tools Claude used. */
export async function adminUsage(client: ApiClient, opts: { days?: number; period?: string } = {}): Promise<UsageResponse> {
  positive('--days', opts.days)
  if (opts.period && !['day', 'week'].includes(opts.period)) throw new CliError(`--period takes day or week; got "${opts.period}"`, 2)
  return client.request('GET', `/api/admin/activity/usage${query({ days: opts.days, period: opts.period })}`)
}

export interface QueriesOptions {
  since?: string
  until?: string
  userId?: string
  clientKind?: string
  sort?: string
  limit?: number
}

/** `agnes admin queries`: query.run calls grouped by fingerprint, slowest (in total) first unless --sort says otherwise. */
export async function adminQueries(client: ApiClient, opts: QueriesOptions = {}): Promise<QueriesResponse> {
  if (opts.sort && !(QUERY_SORTS as readonly string[]).includes(opts.sort)) throw new CliError(`--sort takes one of ${QUERY_SORTS.join(', ')}; got "${opts.sort}"`, 2)
  positive('--limit', opts.limit)
  return client.request('GET', `/api/admin/activity/queries${query({
    since: isoTime(opts.since), until: isoTime(opts.until), user_id: opts.userId, client_kind: opts.clientKind, sort: opts.sort, limit: opts.limit,
  })}`)
}

/** `agnes admin performance`: latency per route against the previous window, scheduler jobs and the audit writer. */
export async function adminPerformance(client: ApiClient, opts: { since?: string; until?: string; route?: string; method?: string } = {}): Promise<PerformanceResponse> {
  return client.request('GET', `/api/admin/activity/performance${query({ since: isoTime(opts.since), until: isoTime(opts.until), route: opts.route, method: opts.method?.toUpperCase() })}`)
}

const ms = (v: number | null) => (v === null ? '' : v >= 100 ? v.toFixed(0) : v.toFixed(1))
const pct = (v: number | null, none = '') => (v === null ? none : `${(v * 100).toFixed(1)}%`)

/** The lines of `agnes admin usage` without --json: a summary, then the people and tools tables' rows. */
export function usageReport(out: UsageResponse) {
  const s = out.summary
  return {
    summary:
      `${s.day}: ${s.dau} active (DAU), ${s.wau} in 7 days (WAU), ${s.mau} in 30 days (MAU), stickiness ${pct(s.stickiness, 'n/a')}. ` +
      `Active means a successful ${out.active_actions.join(', ')} by a person.`,
    people: out.people.map((p) => ({
      person: p.email ?? p.username ?? p.user_id, active_days: p.active_days, last_active: p.last_active ?? '', queries: p.queries,
      downloads: p.downloads, uploads: p.uploads, syncs: p.syncs, reports: p.reports, sessions: p.sessions,
    })),
    lifecycle: out.lifecycle.map((l) => ({ period: `${l.start}…${l.end}`, active: l.active, new: l.new, returning: l.returning, resurrecting: l.resurrecting, dormant: l.dormant })),
    tools: out.tools.slice(0, 20).map((t) => ({ tool: t.tool, calls: t.calls, errors: t.errors, error_rate: pct(t.error_rate), sessions: t.sessions })),
  }
}
export const USAGE_COLUMNS = {
  people: ['person', 'active_days', 'last_active', 'queries', 'downloads', 'uploads', 'syncs', 'reports', 'sessions'],
  lifecycle: ['period', 'active', 'new', 'returning', 'resurrecting', 'dormant'],
  tools: ['tool', 'calls', 'errors', 'error_rate', 'sessions'],
}

/** Rows of `agnes admin queries` without --json. */
export function queryTableRows(out: QueriesResponse) {
  return out.rows.map((r) => ({
    fingerprint: r.fingerprint, calls: r.calls, errors: r.errors, p50_ms: ms(r.p50_ms), p95_ms: ms(r.p95_ms), total_ms: ms(r.total_ms),
    people: r.people, tables: r.tables.join(' '), example_sql: r.example_sql ?? '',
  }))
}
export const QUERY_COLUMNS = ['fingerprint', 'calls', 'errors', 'p50_ms', 'p95_ms', 'total_ms', 'people', 'tables', 'example_sql']

/** Rows of `agnes admin performance` without --json: routes (with the previous window's p95), then jobs. */
export function performanceReport(out: PerformanceResponse) {
  const a = out.audit_writer
  return {
    routes: out.routes.map((r) => ({
      route: `${r.method} ${r.route}`, requests: r.requests, errors: r.errors, p50_ms: ms(r.p50_ms), p95_ms: ms(r.p95_ms), p99_ms: ms(r.p99_ms),
      prev_p95_ms: ms(r.previous?.p95_ms ?? null), p95_change: r.p95_change === null ? '' : `${r.p95_change > 0 ? '+' : ''}${(r.p95_change * 100).toFixed(0)}%`,
    })),
    jobs: out.scheduler.map((j) => ({ job: j.job, runs: j.runs, p95_ms: ms(j.p95_ms), max_ms: ms(j.max_ms), overruns: j.overruns, errors: j.errors, skipped: j.skipped })),
    audit: `audit writer: ${a.rows_written} rows written, ${a.failed_batches} failed batches (${a.failed_rows} rows spooled), ${a.spool_pending_rows} rows waiting in the spool`,
  }
}
export const PERFORMANCE_COLUMNS = {
  routes: ['route', 'requests', 'errors', 'p50_ms', 'p95_ms', 'p99_ms', 'prev_p95_ms', 'p95_change'],
  jobs: ['job', 'runs', 'p95_ms', 'max_ms', 'overruns', 'errors', 'skipped'],
}
