import { z } from 'zod'
import type { Services } from '../services.ts'
import { activityQuerySchema, toFilters } from './filters.ts'
import { maskValue } from './mask.ts'
import { UNPARSED_PREFIX } from './fingerprint.ts'

export const QUERY_SORTS = ['total_time', 'calls', 'p95', 'errors'] as const
export const MAX_QUERY_ROWS = 200

/** The query string of GET /api/admin/activity/queries: the timeline's time range, person and client kind, a sort and a row count. */
export const queriesQuerySchema = activityQuerySchema.pick({ since: true, until: true, user_id: true, client_kind: true }).extend({
  sort: z.enum(QUERY_SORTS).default('total_time'),
  limit: z.coerce.number().int().min(1).max(MAX_QUERY_ROWS).default(50),
})
export type QueriesQuery = z.infer<typeof queriesQuerySchema>

/** Every figure of the Queries view, in words; the API returns it as `definition` and docs/insights.md repeats it. */
export const QUERIES_DEFINITION = {
  calls: 'query.run audit rows in the window, whatever their result (the timeline with action_in=query.run and the same filters lists the same rows)',
  fingerprint:
    'one per query shape: DuckDB parses the SQL (json_serialize_sql) and the tree is hashed with constants, IN-list lengths, whitespace, comments and the case of keywords and names taken out; recorded with each call (params.fingerprint). SQL the parser refuses is fingerprinted by its exact text (raw-…); rows from before fingerprints by their stored text (sql-…)',
  example_sql: "the newest call's SQL as the timeline shows it: string literals as ?, cut at 128 characters",
  errors: "calls whose result is error.* (invalid SQL, timeouts, too large, out of memory…); denied calls (a table the caller may not read) are counted apart; last_error is the newest failed call's result and message",
  time: 'duration_ms of the audit row (the whole request); p50/p95 are continuous percentiles over the calls that have one; total_ms their sum',
  rows: 'rows returned, summed over the successful calls',
  people: 'distinct people who ran it',
  client_kinds: 'calls per client kind (cli, api, agent, web)',
  tables: 'the tables its calls read (params.tables of its newest call that got as far as reading; the fingerprint names the tables, so its calls read the same), and per table in `tables` below: calls that read it and the distinct people who ran them',
} as const

const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000)

function tableList(text: string): string[] {
  try {
    const v = JSON.parse(text)
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []
  } catch {
    return []
  }
}

/**
 * query.run calls grouped by fingerprint under the timeline's filters, in the chosen order: the slowest in total, the
 * most frequent, the slowest at p95, or the most failing; and the tables they read with how often and by how many.
 */
export async function queries(svc: Pick<Services, 'store'>, q: QueriesQuery, now: Date) {
  const filters = toFilters({ since: q.since, until: q.until, user_id: q.user_id, client_kind: q.client_kind }, now)
  const { rows, total } = await svc.store.queryStats.groups(filters, q.sort, q.limit)
  const moments = rows.flatMap((r) => [r.last_seen, r.last_error_at, r.last_ok_at].filter((t): t is string => t !== null))
  const [calls, use] = await Promise.all([svc.store.queryStats.callsAt(filters, moments), svc.store.queryStats.tableUse(filters)])
  /** A fingerprint's call at a moment (its newest, newest failed, newest successful): the last written on a tie. */
  const at = (fp: string, t: string | null, accept: (result: string) => boolean = () => true) => {
    if (!t) return undefined
    const ms = Date.parse(t)
    return calls.filter((c) => c.fingerprint === fp && Date.parse(c.timestamp) === ms && accept(c.result)).sort((a, b) => b.id - a.id)[0]
  }
  const perTable = new Map<string, { calls: number; people: Set<string> }>()
  for (const u of use) {
    const tables = u.resource === 'tables' ? tableList(u.tables ?? '[]') : [u.resource.slice('table:'.length)]
    for (const t of new Set(tables)) {
      const e = perTable.get(t) ?? { calls: 0, people: new Set() }
      e.calls += u.calls
      if (u.user_id) e.people.add(u.user_id)
      perTable.set(t, e)
    }
  }
  const window = { since: filters.since, ...(filters.until ? { until: filters.until } : {}) }
  return {
    definition: QUERIES_DEFINITION,
    period: { since: filters.since, until: filters.until ?? now.toISOString() },
    sort: q.sort,
    total_fingerprints: total,
    rows: rows.map((r) => {
      const newest = at(r.fingerprint, r.last_seen)
      const err = at(r.fingerprint, r.last_error_at, (result) => result.startsWith('error.'))
      // The tables are part of the fingerprint's text, so its calls read the same ones: those of a call that got that far.
      const tablesFrom = [at(r.fingerprint, r.last_ok_at, (result) => result === 'success'), newest, err].find((c) => c?.tables)
      const recorded = !r.fingerprint.startsWith('sql-')
      return {
        fingerprint: r.fingerprint,
        parsed: recorded && !r.fingerprint.startsWith(UNPARSED_PREFIX),
        example_sql: maskValue(newest?.sql ?? null, 'sql') as string | null,
        calls: r.calls,
        errors: r.errors,
        denied: r.denied,
        error_rate: r.calls ? Math.round((r.errors / r.calls) * 10_000) / 10_000 : 0,
        last_error: err ? { at: err.timestamp, result: err.result, message: maskValue(err.error, 'error') as string | null } : null,
        p50_ms: round(r.p50_ms),
        p95_ms: round(r.p95_ms),
        total_ms: round(r.total_ms),
        rows: r.rows,
        people: r.people,
        client_kinds: r.client_kinds,
        tables: tableList(tablesFrom?.tables ?? '[]').sort(),
        first_seen: r.first_seen,
        last_seen: r.last_seen,
        // The fingerprint is in each call's params, so the timeline's text search finds exactly these calls.
        timeline: recorded ? { ...window, action_in: 'query.run', q: r.fingerprint, ...(filters.user_id ? { user_id: filters.user_id } : {}), ...(filters.client_kind ? { client_kind: filters.client_kind } : {}) } : null,
      }
    }),
    tables: [...perTable.entries()]
      .map(([table, e]) => ({ table, calls: e.calls, people: e.people.size }))
      .sort((a, b) => b.calls - a.calls || a.table.localeCompare(b.table)),
  }
}
