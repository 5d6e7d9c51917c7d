import type { Db } from '../db.ts'
import { activityWhere, type ActivityFilters } from './activity.ts'

export type QuerySort = 'total_time' | 'calls' | 'p95' | 'errors'

/** One fingerprint's figures, as the store adds them up. */
export interface QueryGroupRecord {
  fingerprint: string
  calls: number
  errors: number
  denied: number
  p50_ms: number | null
  p95_ms: number | null
  total_ms: number
  timed_calls: number
  rows: number
  people: number
  first_seen: string
  last_seen: string
  /** The newest failed (error.*) and successful call, to look up their text, error and tables. */
  last_error_at: string | null
  last_ok_at: string | null
  client_kinds: Record<string, number>
}

const ORDER: Record<QuerySort, string> = {
  total_time: 'total_ms DESC',
  calls: 'calls DESC',
  p95: 'p95_ms DESC NULLS LAST',
  errors: 'errors DESC',
}
const KINDS = ['cli', 'api', 'agent', 'web', 'scheduler', 'system'] as const

/**
 * The query.run rows grouped by fingerprint: params.fingerprint (written with each row since it was introduced), else,
 * for older rows, `sql-` and the MD5 of the stored SQL text: those are grouped by their exact text.
 */
const FINGERPRINT = `coalesce((params->>'fingerprint'), 'sql-' || md5(coalesce((params->>'sql'), '')))`

/** The Queries view: query.run audit rows under the timeline's WHERE, one group per fingerprint. */
export function queryStatsRepository(db: Db) {
  const where = (f: ActivityFilters) => activityWhere(db, { ...f, action_in: ['query.run'] })
  const tablesText = db.dialect.jsonText(`params->'tables'`)

  return {
    /** Up to `limit` fingerprints in the sort's order, and how many fingerprints there are in all. */
    async groups(f: ActivityFilters, sort: QuerySort, limit: number): Promise<{ rows: QueryGroupRecord[]; total: number }> {
      const w = where(f)
      const params = [...w.params, limit]
      const rows = await db.all<Record<string, unknown>>(
        `SELECT ${FINGERPRINT} AS fingerprint, count(*) AS calls,
                count(*) FILTER (WHERE result LIKE 'error.%') AS errors,
                count(*) FILTER (WHERE result = 'denied') AS denied,
                ${db.dialect.percentile('duration_ms', 0.5)} AS p50_ms,
                ${db.dialect.percentile('duration_ms', 0.95)} AS p95_ms,
                coalesce(sum(duration_ms), 0) AS total_ms, count(duration_ms) AS timed_calls,
                coalesce(sum(CAST((params->>'rows') AS DOUBLE PRECISION)), 0) AS rows_returned,
                count(DISTINCT user_id) AS people, min(timestamp) AS first_seen, max(timestamp) AS last_seen,
                max(timestamp) FILTER (WHERE result LIKE 'error.%') AS last_error_at, max(timestamp) FILTER (WHERE result = 'success') AS last_ok_at,
                ${KINDS.map((k) => `count(*) FILTER (WHERE client_kind = '${k}') AS kind_${k}`).join(', ')},
                count(*) OVER () AS total_groups
         FROM audit_log WHERE ${w.sql}
         GROUP BY 1 ORDER BY ${ORDER[sort]}, fingerprint LIMIT $${params.length}`,
        params,
      )
      return {
        total: rows.length ? Number(rows[0].total_groups) : 0,
        rows: rows.map((r) => ({
          fingerprint: String(r.fingerprint), calls: Number(r.calls), errors: Number(r.errors), denied: Number(r.denied),
          p50_ms: r.p50_ms === null ? null : Number(r.p50_ms), p95_ms: r.p95_ms === null ? null : Number(r.p95_ms),
          total_ms: Number(r.total_ms), timed_calls: Number(r.timed_calls), rows: Number(r.rows_returned), people: Number(r.people),
          first_seen: String(r.first_seen), last_seen: String(r.last_seen),
          last_error_at: r.last_error_at === null ? null : String(r.last_error_at), last_ok_at: r.last_ok_at === null ? null : String(r.last_ok_at),
          client_kinds: Object.fromEntries(KINDS.map((k) => [k, Number(r[`kind_${k}`])]).filter(([, n]) => (n as number) > 0)),
        })),
      }
    },

    /**
     * The calls at the given moments (a fingerprint's newest call, newest failure, newest success: found by groups()),
     * with their stored SQL, result, error message and tables. Read by time, which the audit log is indexed on, so
     * only these rows' params are parsed; the caller picks each fingerprint's row (the highest id on a tie).
     */
    async callsAt(f: ActivityFilters, moments: string[]) {
      const times = [...new Set(moments)]
      if (!times.length) return []
      const w = where(f)
      const params = [...w.params]
      // Each moment as the millisecond it names: stored times may carry microseconds the ISO text leaves out.
      const within = times.map((t) => `(timestamp >= $${params.push(t)} AND timestamp < $${params.push(new Date(Date.parse(t) + 1).toISOString())})`)
      const rows = await db.all<Record<string, unknown>>(
        `SELECT id, timestamp, ${FINGERPRINT} AS fingerprint, (params->>'sql') AS sql, result, ((params->'error')->>'message') AS error, ${tablesText} AS tables
         FROM audit_log WHERE ${w.sql} AND (${within.join(' OR ')})`,
        params,
      )
      return rows.map((r) => ({
        id: Number(r.id), timestamp: String(r.timestamp), fingerprint: String(r.fingerprint), sql: r.sql === null ? null : String(r.sql),
        result: String(r.result), error: r.error === null ? null : String(r.error), tables: r.tables === null ? null : String(r.tables),
      }))
    },

    /**
     * Calls per table list and person, for how often each table is read and by how many people. A call that read one
     * table names it in its resource (`table:<id>`), so only calls over several tables have their params.tables read.
     */
    async tableUse(f: ActivityFilters) {
      const w = where(f)
      const rows = await db.all<Record<string, unknown>>(
        `SELECT resource, CASE WHEN resource = 'tables' THEN ${tablesText} END AS tables, user_id, count(*) AS calls
         FROM audit_log WHERE ${w.sql} AND (resource = 'tables' OR resource LIKE 'table:%') GROUP BY 1, 2, 3`,
        w.params,
      )
      return rows.map((r) => ({
        resource: String(r.resource), tables: r.tables === null ? null : String(r.tables), user_id: r.user_id === null ? null : String(r.user_id), calls: Number(r.calls),
      }))
    },
  }
}
