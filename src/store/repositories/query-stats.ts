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
          client_kinds: Object.fromEntries(KINDS.map((k) => [k, Number(r[`kind_${k}`])]).filter(([, n]) => (n as number) > 0)),
        })),
      }
    },

    /**
     * For the given fingerprints: the newest call's SQL (as stored: capped and redacted) and the newest failed call's
     * result and error message.
     */
    async latest(f: ActivityFilters, fingerprints: string[]) {
      if (!fingerprints.length) return []
      const w = where(f)
      const params = [...w.params, ...fingerprints]
      const marks = fingerprints.map((_, i) => `$${w.params.length + i + 1}`).join(', ')
      const rows = await db.all<Record<string, unknown>>(
        `SELECT fingerprint, sql, result, error, timestamp, rn, ern FROM (
           SELECT ${FINGERPRINT} AS fingerprint, (params->>'sql') AS sql, result, ((params->'error')->>'message') AS error, timestamp,
                  row_number() OVER (PARTITION BY ${FINGERPRINT} ORDER BY timestamp DESC, id DESC) AS rn,
                  row_number() OVER (PARTITION BY ${FINGERPRINT}, result LIKE 'error.%' ORDER BY timestamp DESC, id DESC) AS ern
           FROM audit_log WHERE ${w.sql} AND ${FINGERPRINT} IN (${marks})
         ) x WHERE rn = 1 OR (ern = 1 AND result LIKE 'error.%')`,
        params,
      )
      return rows.map((r) => ({
        fingerprint: String(r.fingerprint), sql: r.sql === null ? null : String(r.sql), result: String(r.result),
        error: r.error === null ? null : String(r.error), timestamp: String(r.timestamp), newest: Number(r.rn) === 1,
        newest_error: Number(r.ern) === 1 && String(r.result).startsWith('error.'),
      }))
    },

    /**
     * Calls per fingerprint (null: every fingerprint), table list (params.tables as JSON text) and person: enough to
     * know which tables each fingerprint read, and how often each table is read and by how many people.
     */
    async tableUse(f: ActivityFilters, fingerprints: string[] | null) {
      const w = where(f)
      const params = [...w.params, ...(fingerprints ?? [])]
      const only = fingerprints ? ` AND ${FINGERPRINT} IN (${fingerprints.map((_, i) => `$${w.params.length + i + 1}`).join(', ')})` : ''
      if (fingerprints && !fingerprints.length) return []
      const rows = await db.all<Record<string, unknown>>(
        `SELECT ${fingerprints ? FINGERPRINT : `''`} AS fingerprint, ${tablesText} AS tables, user_id, count(*) AS calls
         FROM audit_log WHERE ${w.sql} AND (params->'tables') IS NOT NULL${only} GROUP BY 1, 2, 3`,
        params,
      )
      return rows.map((r) => ({ fingerprint: String(r.fingerprint), tables: String(r.tables), user_id: r.user_id === null ? null : String(r.user_id), calls: Number(r.calls) }))
    },
  }
}
