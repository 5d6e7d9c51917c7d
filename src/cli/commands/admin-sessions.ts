import type { ApiClient } from '../client.ts'
import { CliError } from '../client.ts'

/** A session row of `GET /api/admin/sessions`. */
export type SessionRow = {
  session_file: string
  username: string
  started_at: string | null
  ended_at: string | null
  turns: number
  tool_calls: number
  tool_errors: number
  findings: Record<string, number>
  uploaded_at: string
}

/** A finding row of `GET /api/admin/sessions/findings`. */
export type FindingRow = {
  id: number
  session_file: string
  username: string
  finding_type: string
  turn_index: number
  line: number
  severity: string
  excerpt: string | null
  detected_at: string
  occurred_at: string | null
  verdict: { verdict: 'confirmed' | 'dismissed'; note: string | null; decided_at: string; decided_by: string | null } | null
  judgement: { label: string; root_cause: string | null; explanation: string | null; model: string; prompt_version: string } | null
  related_events: Array<{ id: number; timestamp: string; action: string; resource: string | null; result: string; error: { code: string | null; message: string | null } | null }>
}

export const VERDICT_FILTERS = ['confirmed', 'dismissed', 'none'] as const

export interface Page<T> {
  rows: T[]
  next_cursor: string | null
}

export interface ListSessionsOptions {
  user?: string
  type?: string
  since?: string
  until?: string
  sort?: string
  /** Rows wanted in all (default 100); more than one page is fetched by following next_cursor. */
  limit?: number
}

export interface ListFindingsOptions {
  user?: string
  type?: string
  since?: string
  until?: string
  /** username/filename */
  session?: string
  /** confirmed, dismissed or none (not reviewed yet). */
  verdict?: string
  /** List dismissed findings too. */
  includeDismissed?: boolean
  limit?: number
}

const PAGE_MAX = 500

function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** Fetches up to `limit` rows, following the server's cursor across pages. */
async function collect<T>(client: ApiClient, path: string, filters: Record<string, string | undefined>, limit: number): Promise<Page<T>> {
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive whole number', 2)
  const rows: T[] = []
  let cursor: string | undefined
  for (;;) {
    const want = Math.min(PAGE_MAX, limit - rows.length)
    const page = await client.request<Page<T>>('GET', `${path}${queryString({ ...filters, limit: want, cursor })}`)
    rows.push(...page.rows)
    if (!page.next_cursor || rows.length >= limit) return { rows, next_cursor: page.next_cursor }
    cursor = page.next_cursor
  }
}

/** `agnes admin sessions list`: stored transcripts with usage and finding counts. */
export async function listSessions(client: ApiClient, opts: ListSessionsOptions = {}): Promise<Page<SessionRow>> {
  return collect<SessionRow>(
    client, '/api/admin/sessions',
    { username: opts.user, finding_type: opts.type, since: opts.since, until: opts.until, sort: opts.sort },
    opts.limit ?? 100,
  )
}

/** `agnes admin sessions findings`: findings, newest first. */
export async function listFindings(client: ApiClient, opts: ListFindingsOptions = {}): Promise<Page<FindingRow>> {
  if (opts.verdict !== undefined && !(VERDICT_FILTERS as readonly string[]).includes(opts.verdict)) {
    throw new CliError(`--verdict takes ${VERDICT_FILTERS.join(', ')}, got "${opts.verdict}"`, 2)
  }
  return collect<FindingRow>(
    client, '/api/admin/sessions/findings',
    {
      username: opts.user, finding_type: opts.type, since: opts.since, until: opts.until, session_file: opts.session, verdict: opts.verdict,
      include_dismissed: opts.includeDismissed ? 'true' : undefined,
    },
    opts.limit ?? 100,
  )
}

/**
 * One exported finding as a JSON line: where it is, what the scan said, the admin's verdict and note, and the LLM
 * judge's label. No e-mail addresses: a line is meant to be sent to the Agnes project as a test case.
 */
export function exportRecord(f: FindingRow) {
  return {
    session_file: f.session_file, line: f.line, turn_index: f.turn_index, finding_type: f.finding_type, severity: f.severity, excerpt: f.excerpt,
    occurred_at: f.occurred_at, verdict: f.verdict?.verdict ?? null, note: f.verdict?.note ?? null, decided_at: f.verdict?.decided_at ?? null,
    judge_label: f.judgement?.label ?? null, judge_root_cause: f.judgement?.root_cause ?? null,
  }
}

/** `agnes admin sessions verdict ID confirmed|dismissed|clear [--note …]`: gives (or, with clear, takes back) a verdict. */
export async function setVerdict(client: ApiClient, id: string, verdict: string, note?: string): Promise<FindingRow> {
  if (!/^[1-9]\d{0,15}$/.test(id)) throw new CliError(`name a finding by its id (a whole number, as the findings list shows it), got "${id}"`, 2)
  if (!['confirmed', 'dismissed', 'clear'].includes(verdict)) throw new CliError(`the verdict is confirmed, dismissed or clear, got "${verdict}"`, 2)
  return client.request<FindingRow>('POST', `/api/admin/sessions/findings/${id}/verdict`, {
    verdict: verdict === 'clear' ? null : verdict, ...(note !== undefined ? { note } : {}),
  })
}

/** A quality row of `GET /api/admin/sessions/findings/quality`. */
export type QualityRow = {
  finding_type: string
  findings: number
  confirmed: number
  dismissed: number
  unreviewed: number
  precision: number | null
  judge: { real_failure: number; false_alarm: number; unsure: number }
}

/** `agnes admin sessions quality`: precision per finding type on this instance, and the LLM judge's status. */
export async function findingQuality(client: ApiClient) {
  return client.request<{
    types: QualityRow[]
    total: Omit<QualityRow, 'finding_type' | 'judge'>
    judge: { enabled: boolean; off_reason: string | null; model: string | null; tokens_today: number; daily_token_budget: number; budget_stop: unknown; last_error: unknown }
  }>('GET', '/api/admin/sessions/findings/quality')
}

/** Quality rows for a table: precision as a percentage. */
export function qualityTableRows(rows: QualityRow[]): Array<Record<string, unknown>> {
  return rows.map((r) => ({
    ...r, precision: r.precision === null ? '—' : `${Math.round(r.precision * 100)}%`,
    judge: r.judge.real_failure + r.judge.false_alarm + r.judge.unsure ? `${r.judge.real_failure} real, ${r.judge.false_alarm} false` : '',
  }))
}

/** `agnes admin sessions show USER/FILE`: one transcript with findings, usage and (first page of) events. */
export async function showSession(client: ApiClient, sessionFile: string) {
  const m = /^([^/]+)\/([^/]+)$/.exec(sessionFile)
  if (!m) throw new CliError(`name a session as USERNAME/FILENAME (as the list shows it), got "${sessionFile}"`, 2)
  return client.request<{
    session_file: string
    username: string
    filename: string
    bytes: number
    uploaded_at: string
    updated_at: string
    usage: Record<string, unknown> | null
    findings: FindingRow[]
    processing: Array<{ processor: string; status: string; error: string | null; processed_at: string; up_to_date: boolean }>
    events: Array<Record<string, unknown>>
    next_from_line: number | null
  }>('GET', `/api/admin/sessions/${encodeURIComponent(m[1])}/${encodeURIComponent(m[2])}`)
}

/** Session rows flattened for a table: finding counts as one "type×n" cell. */
export function sessionTableRows(rows: SessionRow[]): Array<Record<string, unknown>> {
  return rows.map((r) => ({
    ...r,
    findings: Object.entries(r.findings).map(([t, n]) => `${t}×${n}`).join(' '),
  }))
}
