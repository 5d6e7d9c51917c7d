import type { Db } from '../db.ts'
import { parseJsonColumn, toJsonColumn } from './json.ts'
import { DISMISSED } from './verdicts.ts'

/** Where one processor stands with one stored transcript (`session_processor_state`). */
export interface ProcessorStateRecord {
  processor: string
  session_file: string
  /** SHA-256 of the stored file the processor last ran over (the `session_uploads` hash at that time). */
  file_sha256: string
  file_bytes: number
  status: 'ok' | 'error'
  items: number
  error: string | null
  processed_at: string
}

/** One detected failure signal (`session_findings`). */
export interface SessionFindingRecord {
  id: number
  session_file: string
  username: string
  finding_type: string
  turn_index: number
  line: number
  severity: string
  excerpt: string | null
  /** When the run that found it started; every finding of one run carries the same value. */
  detected_at: string
  /** The evidence's own timestamp in the transcript, when it had one. */
  occurred_at: string | null
}

export type NewSessionFinding = Omit<SessionFindingRecord, 'id'>

/** Per-session usage figures (`session_usage`). */
export interface SessionUsageRecord {
  session_file: string
  username: string
  started_at: string | null
  ended_at: string | null
  turns: number
  tool_calls: number
  tool_errors: number
  tools: Record<string, number>
  tokens: Record<string, number>
  models: string[]
  active_seconds: number | null
  claude_version: string | null
  malformed_lines: number
  processed_at: string
}

/** A stored transcript a processor has not yet handled in its current content. */
export interface PendingSessionFile {
  session_file: string
  username: string
  filename: string
  sha256: string
  bytes: number
  /** The processor's previous status for this file: null when never run, 'error' when the last run failed. */
  prior_status: string | null
}

/** One session as the admin list shows it, before its per-type finding counts are attached. */
export interface SessionListRecord {
  session_file: string
  username: string
  filename: string
  uploaded_at: string
  started_at: string | null
  ended_at: string | null
  turns: number | null
  tool_calls: number | null
  tool_errors: number | null
  /** started_at, else uploaded_at: what `sort=recent` and the date filters use. */
  sort_time: string
  findings_total: number
}

export type SessionSort = 'recent' | 'findings' | 'user'

export interface SessionListQuery {
  username?: string
  /** Sessions whose span [started_at, ended_at] ends at or after this instant. */
  sinceIso?: string
  /** Sessions whose span starts before this instant (exclusive). */
  untilIso?: string
  findingType?: string
  /** Leave out findings an admin dismissed: from the counts, and from what finding_type matches. */
  hideDismissed?: boolean
  sort: SessionSort
  /** The last row of the previous page, in the order's own keys. */
  after?: { sort_time: string; session_file: string; findings_total?: number; username?: string }
  limit: number
}

export interface FindingListQuery {
  sessionFile?: string
  findingType?: string
  username?: string
  sinceIso?: string
  untilIso?: string
  /** Leave out findings an admin dismissed. */
  hideDismissed?: boolean
  /** Only findings with this verdict ('none': without one). */
  verdict?: 'confirmed' | 'dismissed' | 'none'
  /** The last row of the previous page: its event time and id. */
  after?: { time: string; id: number }
  limit: number
}

/** Finding rows with their event time (occurred_at, else detected_at), which the list is ordered by. */
export type FindingListRecord = SessionFindingRecord & { event_time: string }

/** Inserts per statement: keeps one statement's parameter list bounded for sessions with many findings. */
const INSERT_CHUNK = 200
const FINDING_COLS = 'session_file, username, finding_type, turn_index, line, severity, excerpt, detected_at, occurred_at'
const EVENT_TIME = 'COALESCE(occurred_at, detected_at)'

const toUsage = (r: Record<string, unknown>): SessionUsageRecord => ({
  ...(r as unknown as SessionUsageRecord),
  tools: parseJsonColumn<Record<string, number>>(r.tools) ?? {},
  tokens: parseJsonColumn<Record<string, number>>(r.tokens) ?? {},
  models: parseJsonColumn<string[]>(r.models) ?? [],
})

/**
 * The session pipeline's tables: per-processor state, findings and usage, and the admin read models over
 * them joined with `session_uploads`. Portable SQL only (no engine-specific date or JSON aggregate functions).
 */
export function sessionsRepository(db: Db) {
  const j = db.dialect.json
  return {
    /**
     * Stored transcripts this processor still has to handle: never processed, changed since (hash differs),
     * or failed last time. Never-tried and changed files come before ones that failed, so a file that keeps
     * failing cannot starve the rest under the per-run cap.
     */
    async pending(processor: string, limit: number): Promise<PendingSessionFile[]> {
      return db.all<PendingSessionFile>(
        `SELECT u.session_file, u.username, u.filename, u.sha256, u.bytes, s.status AS prior_status
         FROM session_uploads u
         LEFT JOIN session_processor_state s ON s.processor = $1 AND s.session_file = u.session_file
         WHERE s.session_file IS NULL OR s.file_sha256 <> u.sha256 OR s.status <> 'ok'
         ORDER BY CASE WHEN s.status = 'error' AND s.file_sha256 = u.sha256 THEN 1 ELSE 0 END, u.updated_at, u.session_file
         LIMIT $2`,
        [processor, limit],
      )
    },
    /** How many stored transcripts `pending` would return without a limit. */
    async countPending(processor: string): Promise<number> {
      const r = await db.one<{ n: number }>(
        `SELECT count(*) AS n FROM session_uploads u
         LEFT JOIN session_processor_state s ON s.processor = $1 AND s.session_file = u.session_file
         WHERE s.session_file IS NULL OR s.file_sha256 <> u.sha256 OR s.status <> 'ok'`,
        [processor],
      )
      return Number(r?.n ?? 0)
    },
    /** Stored transcripts whose current content this processor has already handled. */
    async countUpToDate(processor: string): Promise<number> {
      const r = await db.one<{ n: number }>(
        `SELECT count(*) AS n FROM session_uploads u
         JOIN session_processor_state s ON s.processor = $1 AND s.session_file = u.session_file
         WHERE s.file_sha256 = u.sha256 AND s.status = 'ok'`,
        [processor],
      )
      return Number(r?.n ?? 0)
    },
    async recordState(s: ProcessorStateRecord): Promise<void> {
      await db.run(
        `INSERT INTO session_processor_state (processor, session_file, file_sha256, file_bytes, status, items, error, processed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (processor, session_file) DO UPDATE SET file_sha256 = excluded.file_sha256, file_bytes = excluded.file_bytes,
           status = excluded.status, items = excluded.items, error = excluded.error, processed_at = excluded.processed_at`,
        [s.processor, s.session_file, s.file_sha256, s.file_bytes, s.status, s.items, s.error, s.processed_at],
      )
    },
    async statesForFile(sessionFile: string): Promise<ProcessorStateRecord[]> {
      return db.all<ProcessorStateRecord>(`SELECT * FROM session_processor_state WHERE session_file = $1 ORDER BY processor`, [sessionFile])
    },
    async state(processor: string, sessionFile: string): Promise<ProcessorStateRecord | undefined> {
      return db.one<ProcessorStateRecord>(`SELECT * FROM session_processor_state WHERE processor = $1 AND session_file = $2`, [processor, sessionFile])
    },

    /** Replaces every finding of one transcript with `findings`, in one transaction. */
    async replaceFindings(sessionFile: string, findings: NewSessionFinding[]): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run(`DELETE FROM session_findings WHERE session_file = $1`, [sessionFile])
        for (let i = 0; i < findings.length; i += INSERT_CHUNK) {
          const chunk = findings.slice(i, i + INSERT_CHUNK)
          const params: unknown[] = []
          const values = chunk.map((f) => {
            const b = params.length
            params.push(f.session_file, f.username, f.finding_type, f.turn_index, f.line, f.severity, f.excerpt, f.detected_at, f.occurred_at)
            return `(${Array.from({ length: 9 }, (_, k) => `$${b + k + 1}`).join(', ')})`
          })
          await tx.run(`INSERT INTO session_findings (${FINDING_COLS}) VALUES ${values.join(', ')}`, params)
        }
      })
    },
    /** Deletes findings detected before a moment, at most `limit` of them. */
    async purgeFindingsBefore(beforeIso: string, limit: number): Promise<number> {
      return db.run(
        `DELETE FROM session_findings WHERE id IN (SELECT id FROM session_findings WHERE detected_at < $1 ORDER BY detected_at, id LIMIT $2)`,
        [beforeIso, limit],
      )
    },
    async findingById(id: number): Promise<SessionFindingRecord | undefined> {
      return db.one<SessionFindingRecord>(`SELECT * FROM session_findings WHERE id = $1`, [id])
    },
    async findingsForFile(sessionFile: string): Promise<SessionFindingRecord[]> {
      return db.all<SessionFindingRecord>(`SELECT * FROM session_findings WHERE session_file = $1 ORDER BY line, id`, [sessionFile])
    },
    /** Findings written by one run (every finding of a run carries the run's start as detected_at). */
    async findingsDetectedAt(detectedAt: string): Promise<SessionFindingRecord[]> {
      return db.all<SessionFindingRecord>(`SELECT * FROM session_findings WHERE detected_at = $1 ORDER BY session_file, line, id`, [detectedAt])
    },
    /** Findings detected within [fromIso, toIso], both inclusive. */
    async findingsDetectedBetween(fromIso: string, toIso: string): Promise<SessionFindingRecord[]> {
      return db.all<SessionFindingRecord>(
        `SELECT * FROM session_findings WHERE detected_at >= $1 AND detected_at <= $2 ORDER BY session_file, line, id`,
        [fromIso, toIso],
      )
    },
    /** Per-type finding counts of the given transcripts (without the dismissed ones with hideDismissed). */
    async findingCounts(sessionFiles: string[], opts: { hideDismissed?: boolean } = {}): Promise<Map<string, Record<string, number>>> {
      const out = new Map<string, Record<string, number>>()
      if (sessionFiles.length === 0) return out
      const marks = sessionFiles.map((_, i) => `$${i + 1}`).join(', ')
      const rows = await db.all<{ session_file: string; finding_type: string; n: number }>(
        `SELECT session_file, finding_type, count(*) AS n FROM session_findings f WHERE session_file IN (${marks})
         ${opts.hideDismissed ? `AND NOT ${DISMISSED('f')}` : ''}
         GROUP BY session_file, finding_type ORDER BY session_file, finding_type`,
        sessionFiles,
      )
      for (const r of rows) {
        const m = out.get(r.session_file) ?? {}
        m[r.finding_type] = Number(r.n)
        out.set(r.session_file, m)
      }
      return out
    },

    async upsertUsage(u: SessionUsageRecord): Promise<void> {
      await db.run(
        `INSERT INTO session_usage (session_file, username, started_at, ended_at, turns, tool_calls, tool_errors, tools, tokens, models,
           active_seconds, claude_version, malformed_lines, processed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, ${j('$8')}, ${j('$9')}, ${j('$10')}, $11, $12, $13, $14)
         ON CONFLICT (session_file) DO UPDATE SET username = excluded.username, started_at = excluded.started_at, ended_at = excluded.ended_at,
           turns = excluded.turns, tool_calls = excluded.tool_calls, tool_errors = excluded.tool_errors, tools = excluded.tools,
           tokens = excluded.tokens, models = excluded.models, active_seconds = excluded.active_seconds,
           claude_version = excluded.claude_version, malformed_lines = excluded.malformed_lines, processed_at = excluded.processed_at`,
        [
          u.session_file, u.username, u.started_at, u.ended_at, u.turns, u.tool_calls, u.tool_errors,
          toJsonColumn(u.tools), toJsonColumn(u.tokens), toJsonColumn(u.models),
          u.active_seconds, u.claude_version, u.malformed_lines, u.processed_at,
        ],
      )
    },
    async usageFor(sessionFile: string): Promise<SessionUsageRecord | undefined> {
      const r = await db.one(`SELECT * FROM session_usage WHERE session_file = $1`, [sessionFile])
      return r ? toUsage(r) : undefined
    },

    /**
     * One page of stored transcripts with their usage (null before the usage processor ran) and finding
     * total, keyset-paginated. Fetch limit + 1 to know whether another page follows.
     */
    async listSessions(q: SessionListQuery): Promise<SessionListRecord[]> {
      const where: string[] = []
      const params: unknown[] = []
      const p = (v: unknown) => {
        params.push(v)
        return `$${params.length}`
      }
      if (q.username !== undefined) where.push(`s.username = ${p(q.username)}`)
      if (q.sinceIso !== undefined) where.push(`COALESCE(s.ended_at, s.sort_time) >= ${p(q.sinceIso)}`)
      if (q.untilIso !== undefined) where.push(`s.sort_time < ${p(q.untilIso)}`)
      if (q.findingType !== undefined) {
        where.push(
          `EXISTS (SELECT 1 FROM session_findings f WHERE f.session_file = s.session_file AND f.finding_type = ${p(q.findingType)}` +
            `${q.hideDismissed ? ` AND NOT ${DISMISSED('f')}` : ''})`,
        )
      }
      const a = q.after
      if (a) {
        const byTime = () => `(s.sort_time < ${p(a.sort_time)} OR (s.sort_time = ${p(a.sort_time)} AND s.session_file > ${p(a.session_file)}))`
        if (q.sort === 'findings') {
          where.push(`(s.findings_total < ${p(a.findings_total)} OR (s.findings_total = ${p(a.findings_total)} AND ${byTime()}))`)
        } else if (q.sort === 'user') {
          where.push(`(s.username > ${p(a.username)} OR (s.username = ${p(a.username)} AND ${byTime()}))`)
        } else {
          where.push(byTime())
        }
      }
      const order =
        q.sort === 'findings' ? 's.findings_total DESC, s.sort_time DESC, s.session_file'
        : q.sort === 'user' ? 's.username, s.sort_time DESC, s.session_file'
        : 's.sort_time DESC, s.session_file'
      const rows = await db.all<SessionListRecord>(
        `SELECT * FROM (
           SELECT u.session_file, u.username, u.filename, u.uploaded_at, us.started_at, us.ended_at, us.turns, us.tool_calls, us.tool_errors,
             COALESCE(us.started_at, u.uploaded_at) AS sort_time,
             (SELECT count(*) FROM session_findings f WHERE f.session_file = u.session_file${q.hideDismissed ? ` AND NOT ${DISMISSED('f')}` : ''}) AS findings_total
           FROM session_uploads u LEFT JOIN session_usage us ON us.session_file = u.session_file
         ) s
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${order}
         LIMIT ${p(q.limit)}`,
        params,
      )
      return rows.map((r) => ({ ...r, findings_total: Number(r.findings_total) }))
    },

    /** One page of findings, newest event first (occurred_at, else detected_at), keyset-paginated. */
    async listFindings(q: FindingListQuery): Promise<FindingListRecord[]> {
      const where: string[] = []
      const params: unknown[] = []
      const p = (v: unknown) => {
        params.push(v)
        return `$${params.length}`
      }
      if (q.sessionFile !== undefined) where.push(`session_file = ${p(q.sessionFile)}`)
      if (q.findingType !== undefined) where.push(`finding_type = ${p(q.findingType)}`)
      if (q.username !== undefined) where.push(`username = ${p(q.username)}`)
      if (q.sinceIso !== undefined) where.push(`${EVENT_TIME} >= ${p(q.sinceIso)}`)
      if (q.untilIso !== undefined) where.push(`${EVENT_TIME} < ${p(q.untilIso)}`)
      if (q.hideDismissed) where.push(`NOT ${DISMISSED('f')}`)
      if (q.verdict === 'none') {
        where.push(`NOT EXISTS (SELECT 1 FROM finding_verdicts v WHERE v.session_file = f.session_file AND v.finding_type = f.finding_type AND v.line = f.line)`)
      } else if (q.verdict !== undefined) {
        where.push(
          `EXISTS (SELECT 1 FROM finding_verdicts v WHERE v.session_file = f.session_file AND v.finding_type = f.finding_type AND v.line = f.line AND v.verdict = ${p(q.verdict)})`,
        )
      }
      if (q.after) where.push(`(${EVENT_TIME} < ${p(q.after.time)} OR (${EVENT_TIME} = ${p(q.after.time)} AND id < ${p(q.after.id)}))`)
      return db.all<FindingListRecord>(
        `SELECT *, ${EVENT_TIME} AS event_time FROM session_findings f
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${EVENT_TIME} DESC, id DESC
         LIMIT ${p(q.limit)}`,
        params,
      )
    },

    /**
     * Finding counts per bucket and type, by event time (occurred_at, else detected_at). `bounds` are
     * ascending instants; bucket i is [bounds[i], bounds[i+1]).
     */
    async findingCountsByBucket(
      bounds: string[],
      only: { username?: string; findingType?: string; hideDismissed?: boolean } = {},
    ): Promise<Array<{ bucket: number; finding_type: string; n: number }>> {
      if (bounds.length < 2) return []
      const params: unknown[] = [...bounds]
      const buckets = bounds.slice(0, -1).map((_, i) => `(${i}, CAST($${i + 1} AS TIMESTAMPTZ), CAST($${i + 2} AS TIMESTAMPTZ))`)
      const where: string[] = []
      if (only.username) where.push(`f.username = $${params.push(only.username)}`)
      if (only.findingType) where.push(`f.finding_type = $${params.push(only.findingType)}`)
      if (only.hideDismissed) where.push(`NOT ${DISMISSED('f')}`)
      const rows = await db.all<{ bucket: number; finding_type: string; n: number }>(
        `WITH buckets (bucket, starts, ends) AS (VALUES ${buckets.join(', ')})
         SELECT b.bucket AS bucket, f.finding_type AS finding_type, count(*) AS n
         FROM buckets b JOIN session_findings f
           ON COALESCE(f.occurred_at, f.detected_at) >= b.starts AND COALESCE(f.occurred_at, f.detected_at) < b.ends
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         GROUP BY b.bucket, f.finding_type`,
        params,
      )
      return rows.map((r) => ({ bucket: Number(r.bucket), finding_type: r.finding_type, n: Number(r.n) }))
    },
  }
}
