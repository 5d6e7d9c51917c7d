import type { Db } from '../db.ts'
import { activityWhere, type ActivityFilters } from './activity.ts'
import { CHAIN_HEAD_SQL } from './audit.ts'

const RUN_PREFIX = `action LIKE 'run\\_%' ESCAPE '\\'`
const PROCESSOR_PREFIX = `action LIKE 'run\\_session\\_processor:%' ESCAPE '\\'`

/**
 * What the instance itself did, read from the rows it keeps (audit_log, sync_history, session_findings,
 * audit_chain) so that every worker answers the same: the scheduler's ticks for the Performance view, and the
 * counters GET /metrics serves.
 */
export function opsMetricsRepository(db: Db) {
  return {
    /**
     * Scheduler ticks (run_… rows) per job under the timeline's WHERE: runs, p95 and max duration, errors,
     * budget overruns (error.timeout) and skipped ticks (another run still going).
     */
    async jobStats(f: ActivityFilters) {
      const w = activityWhere(db, { ...f, action_prefix: 'run_' })
      const rows = await db.all<Record<string, unknown>>(
        `SELECT action, count(*) AS runs,
                count(*) FILTER (WHERE result LIKE 'error.%') AS errors,
                count(*) FILTER (WHERE result = 'error.timeout') AS overruns,
                count(*) FILTER (WHERE result = 'skipped') AS skipped,
                ${db.dialect.percentile('duration_ms', 0.95)} AS p95, max(duration_ms) AS max_ms
         FROM audit_log WHERE ${w.sql} GROUP BY action ORDER BY action`,
        w.params,
      )
      return rows.map((r) => ({
        action: String(r.action), runs: Number(r.runs), errors: Number(r.errors), overruns: Number(r.overruns), skipped: Number(r.skipped),
        p95_ms: r.p95 === null ? null : Number(r.p95), max_ms: r.max_ms === null ? null : Number(r.max_ms),
      }))
    },

    /** Audit rows stored with a timestamp in [since, until) (the reads of the Activity Center included). */
    async auditRowsBetween(since: string, until: string): Promise<number> {
      const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM audit_log WHERE timestamp >= $1 AND timestamp < $2`, [since, until])
      return Number(r?.n ?? 0)
    },

    /**
     * The audit writer's per-minute counts over the minutes that start in [since, until), every worker's added up:
     * batches committed and their rows, and writes the store refused (recorded with the first commit after them).
     */
    async auditWrites(since: string, until: string) {
      const r = await db.one<Record<string, unknown>>(
        `SELECT sum(batches) AS batches, sum(rows) AS rows, sum(failed_batches) AS failed_batches, sum(failed_rows) AS failed_rows
         FROM audit_writes WHERE minute >= $1 AND minute < $2`,
        [since, until],
      )
      return { batches: Number(r?.batches ?? 0), rows: Number(r?.rows ?? 0), failed_batches: Number(r?.failed_batches ?? 0), failed_rows: Number(r?.failed_rows ?? 0) }
    },

    /** Which of these correlation ids have audit rows with a time in [since, until) (indexed by correlation id). */
    async auditedCorrelations(ids: string[], since: string, until: string): Promise<Set<string>> {
      if (ids.length === 0) return new Set()
      const params: unknown[] = [since, until]
      const rows = await db.all<{ c: string }>(
        `SELECT DISTINCT correlation_id AS c FROM audit_log WHERE correlation_id IN (${ids.map((id) => `$${params.push(id)}`).join(', ')}) AND timestamp >= $1 AND timestamp < $2`,
        params,
      )
      return new Set(rows.map((r) => r.c))
    },

    /** Deletes the audit writer's minutes before `before` (a row a minute at most). */
    async purgeAuditWritesBefore(before: string): Promise<number> {
      return db.run(`DELETE FROM audit_writes WHERE minute < $1`, [before])
    },

    /**
     * Audit rows ever committed: the chain's sequence (it counts every row chained since migration 11, and does not
     * go down when retention deletes old rows) plus the rows from before the chain that are still kept.
     */
    async auditRowsWritten(): Promise<number> {
      const r = await db.one<{ seq: number | string; before: number | string }>(
        `SELECT (SELECT seq FROM (${CHAIN_HEAD_SQL}) h) AS seq, (SELECT count(*) FROM audit_log WHERE chain_seq IS NULL) AS before`,
      )
      return Number(r?.seq ?? 0) + Number(r?.before ?? 0)
    },

    /**
     * Every kept scheduler tick's duration per job as a cumulative histogram over `boundsMs` (`le[i]`: ticks that
     * took at most boundsMs[i]); ticks without a duration are left out.
     */
    async jobDurations(boundsMs: readonly number[]) {
      const params = [...boundsMs]
      const le = boundsMs.map((_, i) => `count(*) FILTER (WHERE duration_ms <= CAST($${i + 1} AS DOUBLE PRECISION)) AS le${i}`).join(', ')
      const rows = await db.all<Record<string, unknown>>(
        `SELECT action, count(*) AS n, sum(duration_ms) AS sum_ms, ${le},
                count(*) FILTER (WHERE result = 'error.timeout') AS overruns
         FROM audit_log WHERE ${RUN_PREFIX} AND duration_ms IS NOT NULL GROUP BY action ORDER BY action`,
        params,
      )
      return rows.map((r) => ({
        action: String(r.action), count: Number(r.n), sum_ms: Number(r.sum_ms ?? 0), overruns: Number(r.overruns),
        le: boundsMs.map((_, i) => Number(r[`le${i}`])),
      }))
    },

    /** Sync runs and failed runs per table, over the kept sync history. */
    async syncRuns() {
      const rows = await db.all<Record<string, unknown>>(
        `SELECT table_id, count(*) AS runs, count(*) FILTER (WHERE status <> 'success') AS failures FROM sync_history GROUP BY table_id ORDER BY table_id`,
      )
      return rows.map((r) => ({ table_id: String(r.table_id), runs: Number(r.runs), failures: Number(r.failures) }))
    },

    /** Session processor ticks per processor and result, and the sessions they processed, over the kept audit rows. */
    async processorRuns() {
      const rows = await db.all<Record<string, unknown>>(
        `SELECT action, result, count(*) AS runs FROM audit_log WHERE ${PROCESSOR_PREFIX} GROUP BY action, result ORDER BY action, result`,
      )
      return rows.map((r) => ({ processor: String(r.action).slice('run_session_processor:'.length), result: String(r.result), runs: Number(r.runs) }))
    },

    /** Findings stored now, per type. */
    async findingCounts() {
      const rows = await db.all<Record<string, unknown>>(`SELECT finding_type, count(*) AS n FROM session_findings GROUP BY finding_type ORDER BY finding_type`)
      return rows.map((r) => ({ finding_type: String(r.finding_type), count: Number(r.n) }))
    },
  }
}
