import type { ApiClient } from '../client.ts'
import { CliError } from '../client.ts'

/** A report row of `GET /api/admin/feedback`. */
export interface FeedbackRow {
  id: string
  created_at: string
  updated_at: string
  reporter_user: string
  reporter_email: string | null
  status: string
  message: string
  tags: string[]
  assignee: string | null
  resolution: string | null
  resolved_at: string | null
  resolved_by: string | null
  fingerprint: string
  duplicate_of: string | null
  duplicate_count: number
  session_file: string | null
  environment: Record<string, unknown> | null
  excerpt_chars: number
}

export interface FeedbackListOptions {
  status?: string
  tag?: string
  assignee?: string
  fingerprint?: string
  /** Rows wanted in all (default 100); further pages are fetched by following next_cursor. */
  limit?: number
}

const PAGE_MAX = 500

/** Reports, open and triaged first, newest first. */
export async function listFeedback(client: ApiClient, opts: FeedbackListOptions = {}): Promise<{ rows: FeedbackRow[]; next_cursor: string | null }> {
  const want = opts.limit ?? 100
  const rows: FeedbackRow[] = []
  let cursor: string | null = null
  do {
    const q = new URLSearchParams()
    for (const k of ['status', 'tag', 'assignee', 'fingerprint'] as const) if (opts[k]) q.set(k, opts[k]!)
    q.set('limit', String(Math.min(PAGE_MAX, want - rows.length)))
    if (cursor) q.set('cursor', cursor)
    const page: { rows: FeedbackRow[]; next_cursor: string | null } = await client.request('GET', `/api/admin/feedback?${q}`)
    rows.push(...page.rows)
    cursor = page.next_cursor
  } while (cursor && rows.length < want)
  return { rows, next_cursor: cursor }
}

/** A note or a reply as the report shows it. */
export interface FeedbackComment {
  id: string
  author_email: string | null
  body: string
  created_at: string
}

/** One report in full, with its excerpt, findings, audit events, notes, replies and GitHub issue. */
export async function showFeedback(client: ApiClient, id: string) {
  return client.request<FeedbackRow & {
    session_excerpt: string | null
    findings: Array<Record<string, unknown>>
    events: Array<Record<string, unknown>>
    notes: FeedbackComment[]
    replies: FeedbackComment[]
    github_issue: { repo: string; number: number; url: string | null } | null
    github_issue_state: { state: string; state_reason: string | null } | null
  }>('GET', `/api/admin/feedback/${encodeURIComponent(id)}`)
}

/** The lines `agnes admin feedback show` prints about the report's GitHub issue, replies and notes. */
export function conversationLines(r: Awaited<ReturnType<typeof showFeedback>>): string[] {
  const out: string[] = []
  if (r.github_issue) out.push(`GitHub issue: ${r.github_issue.repo}#${r.github_issue.number} (${r.github_issue_state?.state ?? 'open'}) ${r.github_issue.url ?? ''}`.trimEnd())
  const at = (c: FeedbackComment) => c.created_at.slice(0, 16).replace('T', ' ')
  for (const c of r.replies) out.push(`reply from ${c.author_email ?? 'a removed user'} (${at(c)}): ${c.body}`)
  for (const c of r.notes) out.push(`note from ${c.author_email ?? 'a removed user'} (${at(c)}): ${c.body}`)
  return out
}

export interface FeedbackUpdateOptions {
  status?: string
  /** A user id or e-mail, `me`, or `none` to unassign. */
  assignee?: string
  /** Comma-separated; an empty string clears the tags. */
  tags?: string
  /** An empty string clears the resolution. */
  resolution?: string
}

/** The PATCH body for `agnes admin feedback update`. */
export function feedbackPatch(opts: FeedbackUpdateOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (opts.status !== undefined) body.status = opts.status
  if (opts.assignee !== undefined) body.assignee = opts.assignee === 'none' ? null : opts.assignee
  if (opts.tags !== undefined) body.tags = opts.tags.split(',').map((t) => t.trim()).filter(Boolean)
  if (opts.resolution !== undefined) body.resolution = opts.resolution === '' ? null : opts.resolution
  if (Object.keys(body).length === 0) throw new CliError('give at least one of --status, --assignee, --tags, --resolution', 2)
  return body
}

export async function updateFeedback(client: ApiClient, id: string, opts: FeedbackUpdateOptions): Promise<FeedbackRow> {
  return client.request<FeedbackRow>('PATCH', `/api/admin/feedback/${encodeURIComponent(id)}`, feedbackPatch(opts))
}

const clip = (s: string | null, n: number) => {
  if (!s) return ''
  const t = s.replace(/\s+/g, ' ').trim()
  return t.length > n ? `${t.slice(0, n - 1)}…` : t
}

/** Rows for the table `agnes admin feedback list` prints. */
export function feedbackTableRows(rows: FeedbackRow[]) {
  return rows.map((r) => ({
    id: r.id, created_at: r.created_at.slice(0, 16).replace('T', ' '), status: r.status, reporter: r.reporter_email ?? r.reporter_user,
    duplicates: r.duplicate_count, tags: r.tags.join(','), message: clip(r.message, 50),
  }))
}

export interface FeedbackGithubOptions {
  dryRun?: boolean
  includeExcerpt?: boolean
  reopen?: boolean
}

/** What POST /api/admin/feedback/{id}/github answers (a dry run, or what was done). */
export type FeedbackGithubResult =
  | {
    dry_run: true
    configured: boolean
    repo: string | null
    action: 'create' | 'comment' | 'linked' | 'unknown'
    existing: { number: number; url: string; state: string } | null
    would_reopen: boolean
    lookup_error: string | null
    title: string
    body: string
    labels: string[]
    comment: string
    redactions: Record<string, number>
    new_issue_url: string | null
  }
  | {
    dry_run: false
    action: 'created' | 'commented' | 'linked' | 'already_linked'
    issue: { number: number; url: string; state: string }
    reopened: boolean
  }

/** Sends a report to GitHub, or (dry run) shows exactly what would be sent. */
export function feedbackGithub(client: ApiClient, id: string, opts: FeedbackGithubOptions = {}): Promise<FeedbackGithubResult> {
  return client.request<FeedbackGithubResult>('POST', `/api/admin/feedback/${encodeURIComponent(id)}/github`, {
    dry_run: opts.dryRun === true, include_excerpt: opts.includeExcerpt === true, reopen: opts.reopen === true,
  })
}

/** The lines `agnes admin feedback github` prints. */
export function feedbackGithubText(r: FeedbackGithubResult): string[] {
  if (!r.dry_run) {
    const did = { created: 'Opened', commented: 'Added a +1 comment to', linked: 'Linked the report to', already_linked: 'The report is already linked to' }[r.action]
    return [`${did} issue #${r.issue.number} (${r.issue.state}${r.reopened ? ', reopened' : ''}): ${r.issue.url}`]
  }
  const out: string[] = []
  if (r.action === 'linked' && r.existing) return [`The report is already linked to issue #${r.existing.number} (${r.existing.state}): ${r.existing.url}`]
  if (!r.configured) {
    out.push(r.new_issue_url
      ? `GITHUB_TOKEN is not set, so Agnes opens no issue itself. Open this pre-filled one instead:\n${r.new_issue_url}`
      : 'GitHub is not configured (GITHUB_TOKEN and GITHUB_REPO are unset).', '')
  } else if (r.lookup_error) {
    out.push(`Could not look for an issue with this fingerprint: ${r.lookup_error}`, '')
  } else if (r.existing) {
    out.push(`Issue #${r.existing.number} (${r.existing.state}) already carries this fingerprint: sending adds this comment to it${r.existing.state === 'closed' ? (r.would_reopen ? ' and reopens it' : ' (it stays closed; --reopen reopens it)') : ''}:`, '', r.comment, '')
    out.push(`(${r.existing.url})`)
    return out
  }
  out.push(`Title:  ${r.title}`, `Labels: ${r.labels.join(', ')}`, `Repo:   ${r.repo ?? 'unset'}`, '', r.body)
  const kinds = Object.entries(r.redactions)
  out.push(kinds.length ? `Redacted: ${kinds.map(([k, n]) => `${k} ×${n}`).join(', ')}` : 'Redacted: nothing looked like a secret.')
  return out
}
