import { stat } from 'node:fs/promises'
import type { AuditNote, Services } from '../../services.ts'
import { notFound } from '../../errors.ts'
import { FINDING_TYPES } from '../../sessions/failure-scan.ts'
import { streamTranscript, type TranscriptEvent } from '../../sessions/transcript.ts'
import type { SessionFindingRecord, SessionSort, SessionUsageRecord } from '../../store/repositories/sessions.ts'
import type { SessionUploadRecord } from '../../store/repositories/session-uploads.ts'
import { sessionFilePath, userSessionsDir } from '../uploads/names.ts'
import { dateRange, decodeCursor, encodeCursor } from './params.ts'
import { presentReviewedFindings } from './verdicts.ts'
import { sessionCosts } from '../costs/report.ts'

export { FINDING_TYPES }
export type { SessionSort }

/** A finding as the API shows it. */
export function presentFinding(f: SessionFindingRecord) {
  return {
    id: Number(f.id), session_file: f.session_file, username: f.username, finding_type: f.finding_type, turn_index: f.turn_index,
    line: f.line, severity: f.severity, excerpt: f.excerpt, detected_at: f.detected_at,
  }
}
export type FindingRow = ReturnType<typeof presentFinding>

function presentUsage(u: SessionUsageRecord) {
  return {
    started_at: u.started_at, ended_at: u.ended_at, turns: u.turns, tool_calls: u.tool_calls, tool_errors: u.tool_errors, tools: u.tools,
    tokens: u.tokens, models: u.models, active_seconds: u.active_seconds, claude_version: u.claude_version,
    malformed_lines: u.malformed_lines, processed_at: u.processed_at,
  }
}

export interface SessionListParams {
  username?: string
  since?: string
  until?: string
  finding_type?: string
  /** Count (and match finding_type with) the findings an admin dismissed too; by default they are left out. */
  include_dismissed?: boolean
  sort: SessionSort
  cursor?: string
  limit: number
}

/**
 * Stored transcripts, with their usage and per-type finding counts. A transcript not yet processed is listed
 * with null times and zero counts. since/until keep sessions whose span [started_at, ended_at] (before
 * processing: the upload time) overlaps the range. Sorts: recent (newest start first), findings (most first),
 * user (by username, then newest).
 */
export async function listSessions(svc: Services, note: AuditNote, q: SessionListParams) {
  const listing = `sessions:${q.sort}`
  const kinds = q.sort === 'findings' ? (['count', 'instant', 'text'] as const) : q.sort === 'user' ? (['text', 'instant', 'text'] as const) : (['instant', 'text'] as const)
  let after: { sort_time: string; session_file: string; findings_total?: number; username?: string } | undefined
  if (q.cursor !== undefined) {
    const k = decodeCursor(q.cursor, listing, [...kinds])
    after =
      q.sort === 'findings' ? { findings_total: k[0] as number, sort_time: k[1] as string, session_file: k[2] as string }
      : q.sort === 'user' ? { username: k[0] as string, sort_time: k[1] as string, session_file: k[2] as string }
      : { sort_time: k[0] as string, session_file: k[1] as string }
  }
  const range = dateRange(q.since, q.until)
  const hideDismissed = !q.include_dismissed
  const page = await svc.store.sessions.listSessions({
    username: q.username, ...range, findingType: q.finding_type, hideDismissed, sort: q.sort, after, limit: q.limit + 1,
  })
  const more = page.length > q.limit
  const rows = page.slice(0, q.limit)
  const [counts, costs] = await Promise.all([
    svc.store.sessions.findingCounts(rows.map((r) => r.session_file), { hideDismissed }),
    sessionCosts(svc.store, rows.map((r) => r.session_file)),
  ])
  const last = rows[rows.length - 1]
  const next_cursor =
    more && last
      ? encodeCursor(listing, q.sort === 'findings' ? [last.findings_total, last.sort_time, last.session_file]
        : q.sort === 'user' ? [last.username, last.sort_time, last.session_file]
        : [last.sort_time, last.session_file])
      : null
  note.resource = q.username ? `session:${q.username}` : 'session'
  note.params = { filters: filtersOf(q), rows: rows.length }
  return {
    rows: rows.map((r) => ({
      session_file: r.session_file, username: r.username, started_at: r.started_at, ended_at: r.ended_at,
      turns: r.turns ?? 0, tool_calls: r.tool_calls ?? 0, tool_errors: r.tool_errors ?? 0,
      findings: counts.get(r.session_file) ?? {}, uploaded_at: r.uploaded_at,
      // Tokens and estimated cost of the session, as the Costs tab counts them (null before the costs processor ran).
      ...(costs.get(r.session_file) ?? { cost: null, counted_in: null }),
    })),
    next_cursor,
  }
}

const filtersOf = (q: object) => Object.fromEntries(Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'cursor'))

export interface FindingListParams {
  session_file?: string
  finding_type?: string
  username?: string
  since?: string
  until?: string
  /** List the findings an admin dismissed too (they are hidden by default). */
  include_dismissed?: boolean
  /** Only findings with this verdict; 'none': not reviewed yet. */
  verdict?: 'confirmed' | 'dismissed' | 'none'
  cursor?: string
  limit: number
}

/**
 * Findings, newest event first (the evidence's timestamp, else when it was detected), each with its verdict, the LLM
 * judge's judgement and the person's command-line requests around it. Dismissed findings are left out unless
 * include_dismissed or verdict=dismissed asks for them.
 */
export async function listFindings(svc: Services, note: AuditNote, q: FindingListParams) {
  let after: { time: string; id: number } | undefined
  if (q.cursor !== undefined) {
    const [time, id] = decodeCursor(q.cursor, 'findings', ['instant', 'id'])
    after = { time: time as string, id: id as number }
  }
  const page = await svc.store.sessions.listFindings({
    sessionFile: q.session_file, findingType: q.finding_type, username: q.username, ...dateRange(q.since, q.until),
    hideDismissed: !q.include_dismissed && q.verdict !== 'dismissed', verdict: q.verdict, after, limit: q.limit + 1,
  })
  const rows = page.slice(0, q.limit)
  const last = rows[rows.length - 1]
  note.resource = q.session_file ? `session:${q.session_file}` : q.username ? `session:${q.username}` : 'session'
  note.params = { filters: filtersOf(q), rows: rows.length }
  return {
    rows: await presentReviewedFindings(svc, rows),
    next_cursor: page.length > q.limit && last ? encodeCursor('findings', [last.event_time, Number(last.id)]) : null,
  }
}

const DAY_MS = 86_400_000
const WEEK_MS = 7 * DAY_MS

/** Midnight UTC of the Monday of `now`'s week. */
export function weekStart(now: Date): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7
  return new Date(midnight - sinceMonday * DAY_MS)
}

/**
 * Findings per week and type over the last `weeks` weeks (the current one included), by event time:
 * the evidence's timestamp in the transcript, else when it was detected. Weeks start on Monday, UTC.
 * Dismissed findings are not counted unless `includeDismissed`.
 */
export async function findingHeatmap(
  svc: Services, weeks: number, only: { username?: string; findingType?: string; includeDismissed?: boolean } = {}, now = new Date(),
) {
  const first = weekStart(now).getTime() - (weeks - 1) * WEEK_MS
  const bounds = Array.from({ length: weeks + 1 }, (_, i) => new Date(first + i * WEEK_MS).toISOString())
  const cells = FINDING_TYPES.map(() => new Array<number>(weeks).fill(0))
  const filter = { username: only.username, findingType: only.findingType, hideDismissed: !only.includeDismissed }
  for (const r of await svc.store.sessions.findingCountsByBucket(bounds, filter)) {
    const t = (FINDING_TYPES as readonly string[]).indexOf(r.finding_type)
    if (t >= 0) cells[t][r.bucket] = r.n
  }
  return { weeks: bounds.slice(0, -1).map((b) => b.slice(0, 10)), types: [...FINDING_TYPES], cells }
}

/** Longest text kept per event in the transcript view; the rest is cut with a note of how much. */
export const EVENT_TEXT_MAX = 4000
/** Longest tool input (as JSON) shown as a value; longer inputs are shown as a cut JSON string. */
export const EVENT_INPUT_MAX = 4000
/** Events per transcript response; `next_from_line` continues. */
export const EVENTS_PER_PAGE = 2000

function cutText(text: string, max = EVENT_TEXT_MAX): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false }
  return { text: `${text.slice(0, max)}… [${text.length - max} more characters]`, cut: true }
}

/** One transcript event for the viewer: text and tool input cut to a readable size. */
export function presentEvent(e: TranscriptEvent) {
  const text = cutText(e.text)
  let truncated = text.cut
  const out: Record<string, unknown> = { kind: e.kind, line: e.line, turn_index: e.turnIndex, timestamp: e.timestamp, sidechain: e.sidechain, text: text.text }
  if (e.subtype) out.subtype = e.subtype
  if (e.model) out.model = e.model
  if (e.call) {
    const json = JSON.stringify(e.call.input ?? null) ?? 'null'
    const cut = json.length > EVENT_INPUT_MAX
    truncated ||= cut
    out.tool = { id: e.call.id, name: e.call.name, input: cut ? cutText(json, EVENT_INPUT_MAX).text : (e.call.input ?? null), input_truncated: cut }
  }
  if (e.result) {
    out.tool_result = { tool_use_id: e.result.toolUseId, tool_name: e.result.toolName, is_error: e.result.isError }
  }
  if (truncated) out.truncated = true
  return out
}

async function uploadOrNotFound(svc: Services, username: string, filename: string): Promise<{ upload: SessionUploadRecord; path: string }> {
  const upload = await svc.store.sessionUploads.byFile(`${username}/${filename}`)
  if (!upload) throw notFound(`session ${username}/${filename}`)
  const path = sessionFilePath(userSessionsDir(svc.config.dataDir, upload.username), upload.filename)
  const st = await stat(path).catch(() => null)
  if (!st?.isFile()) throw notFound(`the stored file of session ${username}/${filename}`)
  return { upload, path }
}

/**
 * One transcript as events (from `fromLine` on, at most EVENTS_PER_PAGE, never splitting a line's events
 * across pages), with its findings, usage and processing state.
 */
export async function sessionDetail(svc: Services, note: AuditNote, username: string, filename: string, opts: { fromLine?: number } = {}) {
  note.resource = `session:${username}/${filename}`
  const { upload, path } = await uploadOrNotFound(svc, username, filename)
  const fromLine = opts.fromLine ?? 1
  const events: Array<Record<string, unknown>> = []
  let nextFromLine: number | null = null
  const stream = streamTranscript(path)
  for await (const e of stream.events) {
    if (e.line < fromLine) continue
    if (events.length >= EVENTS_PER_PAGE && e.line !== events[events.length - 1].line) {
      nextFromLine = e.line
      break // leaving the loop closes the file
    }
    events.push(presentEvent(e))
  }
  const [usage, findings, states, costs] = await Promise.all([
    svc.store.sessions.usageFor(upload.session_file),
    svc.store.sessions.findingsForFile(upload.session_file),
    svc.store.sessions.statesForFile(upload.session_file),
    sessionCosts(svc.store, [upload.session_file]),
  ])
  note.params = { from_line: fromLine, events: events.length }
  return {
    session_file: upload.session_file, username: upload.username, filename: upload.filename, bytes: Number(upload.bytes), sha256: upload.sha256,
    uploaded_at: upload.uploaded_at, updated_at: upload.updated_at,
    usage: usage ? presentUsage(usage) : null,
    ...(costs.get(upload.session_file) ?? { cost: null, counted_in: null }),
    findings: await presentReviewedFindings(svc, findings),
    processing: states.map((s) => ({
      processor: s.processor, status: s.status, error: s.error, items: s.items, processed_at: s.processed_at, up_to_date: s.file_sha256 === upload.sha256,
    })),
    events,
    next_from_line: nextFromLine,
  }
}

/** The stored file of one transcript, for streaming as a download. */
export async function rawSession(svc: Services, note: AuditNote, username: string, filename: string) {
  note.resource = `session:${username}/${filename}`
  const { upload, path } = await uploadOrNotFound(svc, username, filename)
  const st = await stat(path)
  note.params = { bytes: st.size, sha256: upload.sha256 }
  return { path, bytes: st.size, filename: upload.filename }
}
