import { randomUUID } from 'node:crypto'
import type { Actor, AuditNote, Services } from '../../services.ts'
import type { AuditRow, FeedbackListRecord, FeedbackReportRecord, FeedbackStatus } from '../../store/index.ts'
import { FEEDBACK_SORTS, type FeedbackFilters, type FeedbackKeyset, type FeedbackSort } from '../../store/repositories/feedback.ts'
import { AppError, badRequest, notFound } from '../../errors.ts'
import { redactSecrets } from '../../redaction/index.ts'
import { presentRow } from '../../activity/index.ts'
import { parseTranscript } from '../../sessions/transcript.ts'
import { presentEvent } from '../sessions/index.ts'
import { queueReportNotifications, sendInBackground } from '../../integrations/telegram/index.ts'
import { fingerprint } from './fingerprint.ts'
import { checkReportRate, rateLimited } from './rate-limit.ts'
import { statusChange } from './status.ts'
import { presentComment } from './comments.ts'
import { tellReporter } from './reporter.ts'
import { presentReport } from './present.ts'
import { reportChanges, resolveAssignee } from './report-changes.ts'

export { fingerprint, lastErrorExcerpt, normalizeForFingerprint } from './fingerprint.ts'
export { checkReportRate, reportsPerHour, DEFAULT_REPORTS_PER_HOUR } from './rate-limit.ts'
export { FEEDBACK_STATUSES, isActive, statusChange } from './status.ts'
export { presentReport } from './present.ts'
export { addComment, COMMENT_MAX_CHARS } from './comments.ts'
export { bulkUpdate, BULK_MAX_IDS, type BulkChange } from './bulk.ts'
export { sendToGithub, applyGithubIssueState, syncGithubIssues, handleGithubWebhook, type GithubSendOptions } from './github.ts'
export { FEEDBACK_SORTS, type FeedbackSort }

export const MESSAGE_MAX_CHARS = 10_000
export const EXCERPT_MAX_BYTES = 1024 * 1024
/** Tags: lower-case words of letters, digits and _ . : - (so a tag filter is an exact element match). */
export const TAG = /^[a-z0-9][a-z0-9_.:-]{0,39}$/
export const TAGS_MAX = 20
/** How a stored transcript is named: USERNAME/FILENAME, FILENAME as `agnes sessions push` stores it. */
const SESSION_FILENAME = /^[A-Za-z0-9._-]{1,200}$/

type User = NonNullable<Actor['user']>

const requireUser = (actor: Actor): User => {
  if (!actor.user) throw new AppError(401, 'unauthorized', 'authentication required')
  return actor.user
}

export interface NewReportInput {
  message: string
  ack_preview: true
  session_excerpt?: string | null
  session_file?: string | null
  environment?: Record<string, unknown> | null
  tags?: string[]
}

/** Redacts secrets from a JSON-able value (the redaction keeps JSON valid, so it runs over the serialized text). */
function redactJson<T>(value: T): { value: T; kinds: Record<string, number> } {
  const r = redactSecrets(JSON.stringify(value))
  return { value: JSON.parse(r.text) as T, kinds: r.kinds }
}

function mergeKinds(...all: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const k of all) for (const [kind, n] of Object.entries(k)) out[kind] = (out[kind] ?? 0) + n
  return out
}

/** Where a reported transcript would be stored: USERNAME/FILENAME (the caller's own folder). */
function sessionFileFor(user: User, given: string | null | undefined): string | null {
  if (!given) return null
  const name = given.startsWith(`${user.username}/`) ? given.slice(user.username.length + 1) : given
  if (!SESSION_FILENAME.test(name)) {
    throw badRequest("body field 'session_file': a transcript name as `agnes sessions push` stores it (letters, digits, . _ -)", 'session_file')
  }
  return `${user.username}/${name}`
}

/**
 * Files a report: rate limit, secret redaction (message, excerpt, environment), fingerprint and duplicate, then
 * one insert. Telegram notifications are queued in the outbox and tried in the background: the caller gets its
 * 201 as soon as the report is stored, whatever Telegram does.
 */
export async function submitReport(svc: Services, note: AuditNote, actor: Actor, input: NewReportInput, correlationId: string) {
  const user = requireUser(actor)
  note.resource = 'feedback'
  note.params = { ack_preview: input.ack_preview }
  const now = svc.clock.now()
  const rate = await checkReportRate(svc, user.id, now)

  const message = redactSecrets(input.message)
  const excerpt = input.session_excerpt ? redactSecrets(input.session_excerpt) : null
  const env = input.environment ? redactJson(input.environment) : null
  const redactions = mergeKinds(message.kinds, excerpt?.kinds ?? {}, env?.kinds ?? {})
  const fp = fingerprint(message.text, excerpt?.text)
  const duplicateOf = await svc.store.feedback.firstActiveWithFingerprint(fp)
  const nowIso = now.toISOString()
  const report: FeedbackReportRecord = {
    id: randomUUID(),
    created_at: nowIso,
    updated_at: nowIso,
    reporter_user: user.id,
    reporter_email: user.email,
    message: message.text,
    session_excerpt: excerpt?.text ?? null,
    session_file: sessionFileFor(user, input.session_file),
    environment: env?.value ?? null,
    fingerprint: fp,
    duplicate_of: duplicateOf,
    status: 'open',
    assignee: null,
    tags: [...new Set(input.tags ?? [])],
    resolution: null,
    resolved_at: null,
    resolved_by: null,
    correlation_id: correlationId,
    github_repo: null,
    github_issue_number: null,
    github_issue_url: null,
    github_linked_at: null,
    resolved_via: null,
    reporter_update_at: null,
    reporter_seen_at: null,
  }
  const stored = await svc.store.feedback.insertReportWithinLimit(report, rate.limit, rate.sinceIso)
  if (!stored.inserted) throw rateLimited(stored.recent, rate.limit)
  note.resource = `feedback:${report.id}`
  note.params = {
    ack_preview: input.ack_preview, report_id: report.id, fingerprint: fp, duplicate_of: duplicateOf,
    message_chars: report.message.length, excerpt_chars: report.session_excerpt?.length ?? 0, session_file: report.session_file,
    tags: report.tags, redactions,
  }
  try {
    const due = await queueReportNotifications(svc, report, now)
    await svc.store.feedback.markNotified(report.id, svc.clock.now().toISOString())
    sendInBackground(svc, due, correlationId)
  } catch (e) {
    // The report is stored; a notification problem must not turn that into an error. The report stays unmarked,
    // so the telegram_outbox job queues its notifications on its next run.
    svc.log.error({ err: e, report: report.id }, 'feedback: could not queue the Telegram notifications; the outbox job will')
  }
  return { id: report.id, fingerprint: fp, duplicate_of: duplicateOf }
}

/**
 * The caller's own reports, newest first, with what they were told: the status and resolution, the admins' replies, the
 * GitHub issue it went to, and `news` (changed since they last looked). Reading them counts as looking.
 */
export async function listMyReports(svc: Services, note: AuditNote, actor: Actor) {
  const user = requireUser(actor)
  note.resource = 'feedback'
  const rows = await svc.store.feedback.list({ reporter: user.id }, 500, null, 'newest')
  const replies = await svc.store.feedback.comments(rows.map((r) => r.id), 'reply')
  const byReport = new Map<string, typeof replies>()
  for (const c of replies) byReport.set(c.report_id, [...(byReport.get(c.report_id) ?? []), c])
  const news = rows.filter((r) => r.reporter_update_at && (!r.reporter_seen_at || r.reporter_seen_at < r.reporter_update_at)).length
  note.params = { count: rows.length, news }
  if (news) await svc.store.feedback.markSeenByReporter(user.id, svc.clock.now().toISOString())
  return {
    rows: rows.map((r) => ({
      id: r.id, created_at: r.created_at, updated_at: r.updated_at, status: r.status, message: r.message, tags: r.tags,
      resolution: r.resolution, resolved_at: r.resolved_at, duplicate_of: r.duplicate_of, session_file: r.session_file,
      replies: (byReport.get(r.id) ?? []).map((c) => ({ id: c.id, body: c.body, created_at: c.created_at, from: c.author_email })),
      github_issue: r.github_issue_number !== null && r.github_issue_url ? { repo: r.github_repo, number: r.github_issue_number, url: r.github_issue_url } : null,
      updated_for_you_at: r.reporter_update_at,
      news: Boolean(r.reporter_update_at && (!r.reporter_seen_at || r.reporter_seen_at < r.reporter_update_at)),
    })),
    next_cursor: null,
  }
}

export interface AdminListQuery {
  status?: FeedbackStatus[]
  tag?: string
  assignee?: string
  fingerprint?: string
  sort?: FeedbackSort
  cursor?: string
  limit: number
}

function encodeCursor(sort: FeedbackSort, k: FeedbackKeyset): string {
  return Buffer.from(JSON.stringify([sort, k.key, k.created_at, k.id])).toString('base64url')
}

/** A cursor of this list's sort (a cursor of another sort would skip or repeat rows). */
function decodeCursor(c: string | undefined, sort: FeedbackSort): FeedbackKeyset | null {
  if (!c) return null
  try {
    const [s, key, created_at, id] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'))
    if (s === sort && Number.isInteger(key) && key >= 0 && typeof created_at === 'string' && !Number.isNaN(Date.parse(created_at)) && typeof id === 'string') {
      return { key, created_at, id }
    }
  } catch {
    // fall through
  }
  throw badRequest("query field 'cursor': not a cursor this endpoint returned for this sort", 'cursor', 'invalid_cursor')
}

/** The filters as the store takes them; assignee `me` is the caller, `none` nobody. */
export function toFeedbackFilters(q: Omit<AdminListQuery, 'cursor' | 'limit'>, actor: Actor): FeedbackFilters {
  return {
    status: q.status,
    tag: q.tag,
    assignee: q.assignee === undefined ? undefined : q.assignee === 'none' ? null : q.assignee === 'me' ? (actor.user?.id ?? null) : q.assignee,
    fingerprint: q.fingerprint,
  }
}

/** Every report matching the filters in the asked order (default: open and triaged first, then newest first); each with its duplicate_count. */
export async function listReports(svc: Services, actor: Actor, q: AdminListQuery) {
  const sort = q.sort ?? 'active'
  const rows = await svc.store.feedback.list(toFeedbackFilters(q, actor), q.limit + 1, decodeCursor(q.cursor, sort), sort)
  const page = rows.slice(0, q.limit)
  const last = page[page.length - 1]
  return {
    sort,
    rows: page.map((r) => presentReport(r)),
    next_cursor: rows.length > q.limit && last ? encodeCursor(sort, { key: last.sort_key, created_at: last.created_at, id: last.id }) : null,
  }
}

/**
 * A Claude Code excerpt as the events the session replay shows (the same reader and presentation), with how many
 * of its lines were read and skipped; null when there is no excerpt or none of it is Claude Code JSONL (plain text).
 */
function excerptReplay(excerpt: string | null) {
  if (!excerpt) return null
  const { events, counts } = parseTranscript(excerpt)
  if (counts.parsed === 0) return null
  return { events: events.map(presentEvent), lines: counts.parsed, malformed: counts.malformed + counts.oversized }
}

/**
 * One report in full: its excerpt (and its replay), how many other reports share its fingerprint, the failure_scan findings of
 * its stored transcript (when it was pushed and processed) and the audit events of the request that filed it.
 */
export async function reportDetail(svc: Services, id: string) {
  const r = await svc.store.feedback.byId(id)
  if (!r) throw notFound('report')
  const [sharing, findings, events, comments, issue] = await Promise.all([
    svc.store.feedback.countWithFingerprint(r.fingerprint),
    r.session_file && svc.store.sessions ? svc.store.sessions.findingsForFile(r.session_file) : Promise.resolve([]),
    r.correlation_id ? svc.store.audit.find({ correlationId: r.correlation_id, limit: 200 }) : Promise.resolve([] as AuditRow[]),
    svc.store.feedback.comments([r.id]),
    r.github_repo && r.github_issue_number !== null ? svc.store.feedback.githubIssue(r.github_repo, r.github_issue_number) : Promise.resolve(undefined),
  ])
  return {
    ...presentReport(r, { excerpt: true }),
    excerpt_replay: excerptReplay(r.session_excerpt),
    duplicate_count: Math.max(0, sharing - 1),
    findings: findings.map((f) => ({
      id: Number(f.id), finding_type: f.finding_type, severity: f.severity, turn_index: f.turn_index, line: f.line,
      excerpt: f.excerpt, detected_at: f.detected_at, occurred_at: f.occurred_at,
    })),
    events: events.map((e) => presentRow(e)).reverse(),
    notes: comments.filter((c) => c.kind === 'note').map(presentComment),
    replies: comments.filter((c) => c.kind === 'reply').map(presentComment),
    /** The linked issue's state as last seen (webhook or github_sync). */
    github_issue_state: issue ? { state: issue.state, state_reason: issue.state_reason, checked_at: issue.checked_at } : null,
    github: { configured: Boolean(svc.config.github.token && svc.config.github.repo), repo: svc.config.github.repo },
  }
}

export interface ReportPatch {
  status?: FeedbackStatus
  assignee?: string | null
  tags?: string[]
  resolution?: string | null
}

/** Changes a report's status, assignee, tags or resolution; the previous values go to params_before. */
export async function updateReport(svc: Services, note: AuditNote, actor: Actor, id: string, patch: ReportPatch, correlationId = '') {
  note.resource = `feedback:${id}`
  const before = await svc.store.feedback.byId(id)
  if (!before) throw notFound('report')
  if (Object.values(patch).every((v) => v === undefined)) throw badRequest('body: give at least one of status, assignee, tags, resolution')
  const assignee = await resolveAssignee(svc, actor, patch.assignee)
  const now = svc.clock.now().toISOString()
  const { changes, news } = reportChanges(before, { ...patch, assignee }, actor.user?.id ?? null, now)
  const keys = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined)
  note.params_before = Object.fromEntries(keys.map((k) => [k, (before as unknown as Record<string, unknown>)[k] ?? null]))
  note.params = { ...patch, ...(assignee !== undefined ? { assignee } : {}) }
  if (changes.status !== undefined) note.params = { ...note.params, resolved_at: changes.resolved_at ?? null }
  if (news) note.params = { ...note.params, reporter_told: news.kind }
  await svc.store.feedback.update(id, changes, now)
  const after = await svc.store.feedback.byId(id)
  if (news) await tellReporter(svc, after!, news, correlationId)
  return presentReport(after!, { excerpt: false })
}

/** Links (or, with null, unlinks) the calling admin's Telegram chat for report notifications. */
export async function linkTelegram(svc: Services, note: AuditNote, actor: Actor, chatId: string | null) {
  const user = requireUser(actor)
  const before = await svc.store.feedback.telegramLink(user.id)
  note.resource = `telegram_link:${user.id}`
  note.params_before = { chat_id: before?.chat_id ?? null }
  note.params = { chat_id: chatId }
  const now = svc.clock.now().toISOString()
  await svc.store.feedback.setTelegramLink(user.id, chatId, now)
  return { user_id: user.id, chat_id: chatId, linked_at: chatId === null ? null : now, telegram_configured: Boolean(svc.config.telegram.botToken) }
}

/** The report a `feedback.*` audit event refers to, for the Activity Center (register with registerRelatedResolver). */
export async function relatedForFeedbackEvent(svc: Services, event: AuditRow): Promise<Array<{ kind: string; record: unknown }>> {
  if (!event.action.startsWith('feedback.') || !event.resource?.startsWith('feedback:')) return []
  const r = await svc.store.feedback.byId(event.resource.slice('feedback:'.length))
  return r ? [{ kind: 'feedback_report', record: presentReport(r) }] : []
}
