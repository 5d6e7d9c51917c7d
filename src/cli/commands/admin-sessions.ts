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
}

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
  return collect<FindingRow>(
    client, '/api/admin/sessions/findings',
    { username: opts.user, finding_type: opts.type, since: opts.since, until: opts.until, session_file: opts.session },
    opts.limit ?? 100,
  )
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
