import type { Db } from '../db.ts'
import { activeRow, activityWhere } from './activity.ts'
import { parseJsonColumn } from './json.ts'

/** Subagent transcripts (agent-*.jsonl, or pushed as …__agent-*.jsonl) belong to their parent session. */
const MAIN_SESSION = `u.filename NOT LIKE 'agent-%' AND u.filename NOT LIKE '%\\_\\_agent-%' ESCAPE '\\'`
/** When a transcript's session happened: its first line's time, else when it was uploaded. */
const SESSION_TIME = 'coalesce(s.started_at, u.uploaded_at)'

/**
 * The Usage view's reads. "Active" is decided by the caller's list of actions (src/activity/usage.ts holds the one
 * definition): a successful row of one of them, by a person (activeRow), the rows the timeline lists with action_in and
 * result_class=success, so a person's figures can be opened in the timeline and counted again there.
 */
export function usageRepository(db: Db) {
  const active = (actions: readonly string[], since: string, until: string) => {
    const w = activityWhere(db, { since, until })
    const params = [...w.params]
    return { sql: `${w.sql} AND ${activeRow(actions, (v) => `$${params.push(v)}`)}`, params }
  }

  return {
    /** How many people were active in [since, until): the health pulse's "active today". */
    async activePeople(actions: readonly string[], since: string, until: string): Promise<number> {
      const w = active(actions, since, until)
      const r = await db.one<{ n: number | string }>(`SELECT count(DISTINCT user_id) AS n FROM audit_log WHERE ${w.sql}`, w.params)
      return Number(r?.n ?? 0)
    },

    /** The UTC days (epoch day numbers) each person was active on in [since, until). */
    async activeDays(actions: readonly string[], since: string, until: string): Promise<Array<{ user_id: string; day: number }>> {
      const w = active(actions, since, until)
      const rows = await db.all<{ user_id: string; day: number | string }>(
        `SELECT user_id, floor(extract(epoch FROM timestamp) / 86400) AS day FROM audit_log WHERE ${w.sql} GROUP BY 1, 2`,
        w.params,
      )
      return rows.map((r) => ({ user_id: r.user_id, day: Number(r.day) }))
    },

    /** Each person's first and newest active moments in the kept audit log (lifecycle; the Users page's "last active"). */
    async activeSpan(actions: readonly string[], until: string): Promise<Map<string, { first: string; last: string }>> {
      const w = active(actions, '1970-01-01T00:00:00.000Z', until)
      const rows = await db.all<{ user_id: string; first: string; last: string }>(
        `SELECT user_id, min(timestamp) AS first, max(timestamp) AS last FROM audit_log WHERE ${w.sql} GROUP BY user_id`,
        w.params,
      )
      return new Map(rows.map((r) => [r.user_id, { first: String(r.first), last: String(r.last) }]))
    },

    /** Per person and action in [since, until): successful calls, the newest, and the e-mail the rows carry. */
    async personActions(actions: readonly string[], since: string, until: string) {
      const w = active(actions, since, until)
      const rows = await db.all<Record<string, unknown>>(
        `SELECT user_id, action, count(*) AS n, max(timestamp) AS last_at, max(user_email) AS email FROM audit_log WHERE ${w.sql} GROUP BY user_id, action`,
        w.params,
      )
      return rows.map((r) => ({ user_id: String(r.user_id), action: String(r.action), count: Number(r.n), last_at: String(r.last_at), email: r.email === null ? null : String(r.email) }))
    },

    /** Transcripts whose session happened in [since, until) (first line's time, else upload time), per person. */
    async sessionsByPerson(since: string, until: string) {
      const rows = await db.all<Record<string, unknown>>(
        `SELECT u.user_id, max(u.username) AS username, count(*) FILTER (WHERE ${MAIN_SESSION}) AS sessions, count(*) AS transcripts
         FROM session_uploads u LEFT JOIN session_usage s ON s.session_file = u.session_file
         WHERE ${SESSION_TIME} >= $1 AND ${SESSION_TIME} < $2 GROUP BY u.user_id`,
        [since, until],
      )
      return rows.map((r) => ({ user_id: String(r.user_id), username: String(r.username), sessions: Number(r.sessions), transcripts: Number(r.transcripts) }))
    },

    /** The tool calls counted in each processed transcript (session_usage.tools) of sessions in [since, until). */
    async toolCalls(since: string, until: string): Promise<Array<{ session_file: string; tools: Record<string, number> }>> {
      const rows = await db.all<{ session_file: string; tools: unknown }>(
        `SELECT u.session_file, s.tools FROM session_uploads u JOIN session_usage s ON s.session_file = u.session_file
         WHERE ${SESSION_TIME} >= $1 AND ${SESSION_TIME} < $2`,
        [since, until],
      )
      return rows.map((r) => ({ session_file: r.session_file, tools: parseJsonColumn<Record<string, number>>(r.tools) ?? {} }))
    },

    /**
     * The start of each failed tool call's finding (tool_error, permission_denied) in the processed transcripts of
     * sessions in [since, until): failure_scan writes them as `Tool(target): output`, so the start names the tool.
     */
    async toolFailures(since: string, until: string): Promise<Array<{ session_file: string; head: string }>> {
      const rows = await db.all<{ session_file: string; head: string | null }>(
        `SELECT f.session_file, substr(f.excerpt, 1, 200) AS head FROM session_findings f
         JOIN session_uploads u ON u.session_file = f.session_file JOIN session_usage s ON s.session_file = f.session_file
         WHERE f.finding_type IN ('tool_error', 'permission_denied') AND ${SESSION_TIME} >= $1 AND ${SESSION_TIME} < $2`,
        [since, until],
      )
      return rows.map((r) => ({ session_file: r.session_file, head: r.head ?? '' }))
    },
  }
}
