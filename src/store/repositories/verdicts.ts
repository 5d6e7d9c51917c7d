import type { Db } from '../db.ts'
import { toAuditRow, type AuditRow } from './audit.ts'

export type VerdictValue = 'confirmed' | 'dismissed'

/** Where a finding is, as its verdict is keyed: failure_scan finds it again at the same transcript, type and line. */
export interface FindingKey {
  session_file: string
  finding_type: string
  line: number
}

/** An admin's verdict on a finding (`finding_verdicts`). */
export interface FindingVerdictRecord extends FindingKey {
  username: string
  verdict: VerdictValue
  note: string | null
  /** The stored file's SHA-256 when the verdict was given (the transcript may have grown since). */
  file_sha256: string | null
  decided_by: string | null
  decided_by_email: string | null
  decided_at: string
}

/** Per finding type: current findings and the verdicts on them. */
export interface VerdictCounts {
  finding_type: string
  findings: number
  confirmed: number
  dismissed: number
}

/** A time window around one finding, in which the finding's user's command-line requests are looked for. */
export interface EventWindow {
  /** The caller's key for the window (a finding id). */
  key: number
  username: string
  fromIso: string
  toIso: string
}

/** A finding near an audit event, for the Activity drawer's link back to the transcript. */
export interface FindingNearEvent {
  id: number
  session_file: string
  username: string
  finding_type: string
  line: number
  excerpt: string | null
  occurred_at: string
}

/** The SQL condition "this finding (alias `f`) has a dismissed verdict". */
export const DISMISSED = (f: string) =>
  `EXISTS (SELECT 1 FROM finding_verdicts v WHERE v.session_file = ${f}.session_file AND v.finding_type = ${f}.finding_type
     AND v.line = ${f}.line AND v.verdict = 'dismissed')`

/** Most audit rows one lookup of windows returns (a user hammering the command line cannot make a page unbounded). */
const EVENTS_MAX = 5000

/**
 * Verdicts on findings, kept apart from `session_findings` (which a re-scan replaces) and joined to them by
 * (session_file, finding_type, line); and the joins between findings and the audit rows of the same person.
 */
export function verdictsRepository(db: Db) {
  return {
    async get(k: FindingKey): Promise<FindingVerdictRecord | undefined> {
      return db.one<FindingVerdictRecord>(
        `SELECT * FROM finding_verdicts WHERE session_file = $1 AND finding_type = $2 AND line = $3`,
        [k.session_file, k.finding_type, k.line],
      )
    },
    /** Gives or replaces the verdict at a finding's place. */
    async set(v: FindingVerdictRecord): Promise<void> {
      await db.run(
        `INSERT INTO finding_verdicts (session_file, finding_type, line, username, verdict, note, file_sha256, decided_by, decided_by_email, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (session_file, finding_type, line) DO UPDATE SET username = excluded.username, verdict = excluded.verdict,
           note = excluded.note, file_sha256 = excluded.file_sha256, decided_by = excluded.decided_by,
           decided_by_email = excluded.decided_by_email, decided_at = excluded.decided_at`,
        [v.session_file, v.finding_type, v.line, v.username, v.verdict, v.note, v.file_sha256, v.decided_by, v.decided_by_email, v.decided_at],
      )
    },
    /** Removes the verdict at a finding's place; resolves to whether there was one. */
    async clear(k: FindingKey): Promise<boolean> {
      return (await db.run(`DELETE FROM finding_verdicts WHERE session_file = $1 AND finding_type = $2 AND line = $3`, [k.session_file, k.finding_type, k.line])) > 0
    },
    /** The verdicts of some transcripts, for attaching to their findings. */
    async forFiles(sessionFiles: string[]): Promise<FindingVerdictRecord[]> {
      const files = [...new Set(sessionFiles)]
      if (files.length === 0) return []
      return db.all<FindingVerdictRecord>(
        `SELECT * FROM finding_verdicts WHERE session_file IN (${files.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY session_file, line, finding_type`,
        files,
      )
    },
    /** Per type, the current findings and how many of them were confirmed and dismissed (verdicts on findings a re-scan no longer finds are left out). */
    async counts(): Promise<VerdictCounts[]> {
      const rows = await db.all<VerdictCounts>(
        `SELECT f.finding_type AS finding_type, count(*) AS findings,
           sum(CASE WHEN v.verdict = 'confirmed' THEN 1 ELSE 0 END) AS confirmed,
           sum(CASE WHEN v.verdict = 'dismissed' THEN 1 ELSE 0 END) AS dismissed
         FROM session_findings f
         LEFT JOIN finding_verdicts v ON v.session_file = f.session_file AND v.finding_type = f.finding_type AND v.line = f.line
         GROUP BY f.finding_type ORDER BY f.finding_type`,
      )
      return rows.map((r) => ({ finding_type: r.finding_type, findings: Number(r.findings), confirmed: Number(r.confirmed ?? 0), dismissed: Number(r.dismissed ?? 0) }))
    },

    /**
     * The command-line requests (client_kind 'cli') of each window's user within the window, oldest first, as
     * (window key, audit row) pairs. Users are matched by username; a deleted user's rows are not found.
     */
    async cliEventsIn(windows: EventWindow[]): Promise<Array<{ key: number; row: AuditRow }>> {
      if (windows.length === 0) return []
      const params: unknown[] = []
      const values = windows.map((w) => {
        const b = params.push(w.key, w.username, w.fromIso, w.toIso)
        return `(CAST($${b - 3} AS BIGINT), CAST($${b - 2} AS VARCHAR), CAST($${b - 1} AS TIMESTAMPTZ), CAST($${b} AS TIMESTAMPTZ))`
      })
      params.push(EVENTS_MAX)
      const rows = await db.all<Record<string, unknown>>(
        `WITH w (k, username, lo, hi) AS (VALUES ${values.join(', ')})
         SELECT w.k AS window_key, a.id, a.timestamp, a.user_id, a.user_email, a.action, a.resource, a.params, a.params_before, a.result,
           a.duration_ms, a.client_ip, a.client_kind, a.correlation_id
         FROM w JOIN users u ON u.username = w.username
         JOIN audit_log a ON a.user_id = u.id AND a.timestamp >= w.lo AND a.timestamp <= w.hi
         WHERE a.client_kind = 'cli'
         ORDER BY a.timestamp, a.id
         LIMIT $${params.length}`,
        params,
      )
      return rows.map((r) => {
        const { window_key, ...rest } = r
        return { key: Number(window_key), row: toAuditRow(rest) }
      })
    },
    /** Findings of one user whose evidence is dated within [fromIso, toIso], oldest first. */
    async findingsOfUserBetween(userId: string, fromIso: string, toIso: string, limit: number): Promise<FindingNearEvent[]> {
      const rows = await db.all<FindingNearEvent>(
        `SELECT f.id, f.session_file, f.username, f.finding_type, f.line, f.excerpt, f.occurred_at
         FROM session_findings f JOIN users u ON u.username = f.username
         WHERE u.id = $1 AND f.occurred_at >= $2 AND f.occurred_at <= $3
         ORDER BY f.occurred_at, f.id LIMIT $4`,
        [userId, fromIso, toIso, limit],
      )
      return rows.map((r) => ({ ...r, id: Number(r.id) }))
    },
  }
}
