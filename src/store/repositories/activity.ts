import type { Db } from '../db.ts'
import { toAuditRow, type AuditRow } from './audit.ts'

/** Timeline filters after validation (src/activity/filters.ts). Every listing and count uses the same WHERE. */
export interface ActivityFilters {
  since: string
  until?: string | null
  user_id?: string
  action_prefix?: string
  action_in?: string[]
  resource?: string
  resource_prefix?: string
  result_pattern?: string
  result_class?: 'success' | 'error' | 'denied' | 'other'
  client_kind?: string
  correlation_id?: string
  q?: string
  include_self_reads?: boolean
  /** The admin looking: unless include_self_reads, their own reads (list, read, heatmap, …) are left out. */
  viewer_id?: string
}

export interface Keyset {
  timestamp: string
  id: number
}

/** The admins' reading of the Activity Center; hidden unless asked for, so reading does not drown what happened. */
export const SELF_READ_ACTIONS = ['activity.read']
/**
 * What counts as the viewer's own reading anywhere (Sessions, Feedback, users, costs …): actions whose last part is
 * read, list, heatmap or findings, or starts with read_ or list_. Hidden for the admin who is looking, unless asked.
 */
const READ_ACTION = `(action LIKE '%.read' OR action LIKE '%.read\\_%' ESCAPE '\\' OR action LIKE '%.list' OR action LIKE '%.list\\_%' ESCAPE '\\' OR action LIKE '%.heatmap' OR action LIKE '%.findings')`

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Rows that name a person: never the scheduler or the system, whatever user their row carries. */
export const PERSON_ROW = `user_id IS NOT NULL AND client_kind NOT IN ('scheduler', 'system')`

/**
 * A row that makes its person active (src/activity/usage.ts holds the one list of actions): a successful row of one
 * of `actions` by a person. Every "active" figure (the Usage view, the KPI strip, the health pulse) counts with it.
 */
export function activeRow(actions: readonly string[], p: (v: unknown) => string): string {
  return `action IN (${actions.map((a) => p(a)).join(', ')}) AND result = 'success' AND ${PERSON_ROW}`
}

/** Builds the one WHERE clause shared by the timeline, KPIs, facets and export, so their counts agree. */
export function activityWhere(db: Db, f: ActivityFilters, startAt = 1): { sql: string; params: unknown[] } {
  const where: string[] = []
  const params: unknown[] = []
  const p = (v: unknown) => {
    params.push(v)
    return `$${startAt + params.length - 1}`
  }
  where.push(`timestamp >= ${p(f.since)}`)
  if (f.until) where.push(`timestamp < ${p(f.until)}`)
  if (f.user_id) where.push(`user_id = ${p(f.user_id)}`)
  if (f.action_prefix) where.push(`action LIKE ${p(escapeLike(f.action_prefix) + '%')} ESCAPE '\\'`)
  if (f.action_in?.length) where.push(`action IN (${f.action_in.map((a) => p(a)).join(', ')})`)
  if (f.resource) where.push(`resource = ${p(f.resource)}`)
  if (f.resource_prefix) where.push(`resource LIKE ${p(escapeLike(f.resource_prefix) + '%')} ESCAPE '\\'`)
  if (f.result_pattern) where.push(`result LIKE ${p(f.result_pattern)}`)
  if (f.result_class === 'success') where.push(`result = 'success'`)
  if (f.result_class === 'denied') where.push(`result = 'denied'`)
  if (f.result_class === 'error') where.push(`result LIKE 'error.%'`)
  if (f.result_class === 'other') where.push(`result NOT IN ('success', 'denied') AND result NOT LIKE 'error.%'`)
  if (f.client_kind) where.push(`client_kind = ${p(f.client_kind)}`)
  if (f.correlation_id) where.push(`correlation_id = ${p(f.correlation_id)}`)
  // Spaces are ignored on both sides: PostgreSQL's JSONB prints `"k": v, ` where DuckDB keeps `"k":v,`, and a
  // search pasted from either form should find the same rows. A q of only spaces filters nothing.
  const q = f.q?.replaceAll(' ', '')
  if (q) where.push(db.dialect.ilike(`replace(coalesce(${db.dialect.jsonText('params')}, ''), ' ', '')`, p(`%${escapeLike(q)}%`)) + ` ESCAPE '\\'`)
  if (!f.include_self_reads) {
    where.push(`action NOT IN (${SELF_READ_ACTIONS.map((a) => p(a)).join(', ')})`)
    if (f.viewer_id) where.push(`NOT (coalesce(user_id, '') = ${p(f.viewer_id)} AND ${READ_ACTION})`)
  }
  return { sql: where.join(' AND '), params }
}

const COLS = 'id, timestamp, user_id, user_email, action, resource, params, params_before, result, duration_ms, client_ip, client_kind, correlation_id'

export function activityRepository(db: Db) {
  return {
    /** One page, newest first, after `after` (exclusive) in (timestamp, id) order: stable while new rows arrive. */
    async timeline(f: ActivityFilters, limit: number, after: Keyset | null): Promise<AuditRow[]> {
      const w = activityWhere(db, f)
      const params = [...w.params]
      let keyset = ''
      if (after) {
        params.push(after.timestamp, after.id)
        const t = `$${params.length - 1}`
        const i = `$${params.length}`
        keyset = ` AND (timestamp < ${t} OR (timestamp = ${t} AND id < ${i}))`
      }
      params.push(limit)
      const rows = await db.all(`SELECT ${COLS} FROM audit_log WHERE ${w.sql}${keyset} ORDER BY timestamp DESC, id DESC LIMIT $${params.length}`, params)
      return rows.map(toAuditRow)
    },
    /** The KPI strip's figures under the timeline's WHERE; active_users: the people active (activeRow) among its rows. */
    async kpis(f: ActivityFilters, activeActions: readonly string[]) {
      const w = activityWhere(db, f)
      const params = [...w.params]
      const active = activeRow(activeActions, (v) => `$${params.push(v)}`)
      const r = await db.one<{ events: number; errors: number; active_users: number; p95: number | null; with_duration: number }>(
        `SELECT count(*) AS events,
                count(*) FILTER (WHERE result LIKE 'error.%') AS errors,
                count(DISTINCT user_id) FILTER (WHERE ${active}) AS active_users,
                ${db.dialect.percentile('duration_ms', 0.95)} AS p95,
                count(duration_ms) AS with_duration
         FROM audit_log WHERE ${w.sql}`,
        params,
      )
      return r!
    },
    async facets(f: ActivityFilters) {
      const w = activityWhere(db, f)
      const group = (expr: string, extra = '') =>
        db.all<{ value: string | null; label?: string | null; count: number }>(
          `SELECT ${expr} AS value${extra}, count(*) AS count FROM audit_log WHERE ${w.sql} GROUP BY 1 ORDER BY count DESC, value LIMIT 50`,
          w.params,
        )
      const [action_prefix, result_class, client_kind, user] = await Promise.all([
        group(`CASE WHEN strpos(action, '.') > 0 THEN split_part(action, '.', 1) WHEN strpos(action, ':') > 0 THEN split_part(action, ':', 1) ELSE action END`),
        group(`CASE WHEN result = 'success' THEN 'success' WHEN result = 'denied' THEN 'denied' WHEN result LIKE 'error.%' THEN 'error' ELSE 'other' END`),
        group('client_kind'),
        group('user_id', ', max(user_email) AS label'),
      ])
      return { action_prefix, result_class, client_kind, user }
    },
    /**
     * Counts per time bucket and result class under the timeline's WHERE (so the bars add up to its rows): bucket is
     * floor(epoch seconds / bucketSeconds), i.e. buckets aligned to UTC multiples of their size.
     */
    async histogram(f: ActivityFilters, bucketSeconds: number) {
      const w = activityWhere(db, f)
      const params = [...w.params, bucketSeconds]
      return db.all<{ bucket: number; result_class: 'success' | 'error' | 'denied' | 'other'; count: number }>(
        `SELECT floor(extract(epoch FROM timestamp) / CAST($${params.length} AS INTEGER)) AS bucket,
                CASE WHEN result = 'success' THEN 'success' WHEN result = 'denied' THEN 'denied' WHEN result LIKE 'error.%' THEN 'error' ELSE 'other' END AS result_class,
                count(*) AS count
         FROM audit_log WHERE ${w.sql} GROUP BY 1, 2 ORDER BY 1, 2`,
        params,
      )
    },
    /** The newest `perTable` sync runs of every table, oldest first within a table, for the sync grid's run strip. */
    async recentSyncRuns(perTable: number) {
      return db.all<{ table_id: string; synced_at: string; status: string; error: string | null; duration_ms: number | null; rows: number | null }>(
        `SELECT table_id, synced_at, status, error, duration_ms, rows FROM (
           SELECT table_id, synced_at, status, error, duration_ms, rows, id,
                  row_number() OVER (PARTITION BY table_id ORDER BY synced_at DESC, id DESC) AS rn
           FROM sync_history
         ) ranked WHERE rn <= $1 ORDER BY table_id, synced_at, id`,
        [perTable],
      )
    },
    async byId(id: number): Promise<AuditRow | undefined> {
      const r = await db.one(`SELECT ${COLS} FROM audit_log WHERE id = $1`, [id])
      return r ? toAuditRow(r) : undefined
    },
    /** The newest row among actions with a prefix, for the health pulse. */
    async latest(actionPrefix: string): Promise<AuditRow | undefined> {
      const r = await db.one(`SELECT ${COLS} FROM audit_log WHERE action LIKE $1 ESCAPE '\\' ORDER BY timestamp DESC, id DESC LIMIT 1`, [escapeLike(actionPrefix) + '%'])
      return r ? toAuditRow(r) : undefined
    },
    async syncCountsSince(since: string): Promise<{ ok: number; failed: number }> {
      const r = await db.one<{ ok: number; failed: number }>(
        `SELECT count(*) FILTER (WHERE status = 'success') AS ok, count(*) FILTER (WHERE status <> 'success') AS failed FROM sync_history WHERE synced_at >= $1`,
        [since],
      )
      return { ok: r?.ok ?? 0, failed: r?.failed ?? 0 }
    },
    async syncStatsSince(since: string) {
      return db.all<{ table_id: string; runs: number; failures: number }>(
        `SELECT table_id, count(*) AS runs, count(*) FILTER (WHERE status <> 'success') AS failures FROM sync_history WHERE synced_at >= $1 GROUP BY table_id`,
        [since],
      )
    },
    /** Uploads whose current content failure_scan has not processed yet. */
    async sessionIngest(since: string) {
      const r = await db.one<{ uploads_24h: number; processed_24h: number; pending: number; oldest_pending: string | null }>(
        `SELECT
           (SELECT count(*) FROM session_uploads WHERE updated_at >= $1) AS uploads_24h,
           (SELECT count(*) FROM session_processor_state WHERE processor = 'failure_scan' AND processed_at >= $1) AS processed_24h,
           (SELECT count(*) FROM session_uploads u WHERE NOT EXISTS (SELECT 1 FROM session_processor_state s WHERE s.processor = 'failure_scan' AND s.session_file = u.session_file AND s.file_sha256 = u.sha256 AND s.status = 'ok')) AS pending,
           (SELECT min(updated_at) FROM session_uploads u WHERE NOT EXISTS (SELECT 1 FROM session_processor_state s WHERE s.processor = 'failure_scan' AND s.session_file = u.session_file AND s.file_sha256 = u.sha256 AND s.status = 'ok')) AS oldest_pending`,
        [since],
      )
      return r!
    },
  }
}
