import { z } from 'zod'
import { defineRoute, type RouteContext } from '../route.ts'
import { noQuery } from './schemas.ts'
import { recordActivityRead } from '../../activity/index.ts'
import {
  BULK_MAX_IDS, COMMENT_MAX_CHARS, EXCERPT_MAX_BYTES, FEEDBACK_SORTS, FEEDBACK_STATUSES, MESSAGE_MAX_CHARS, TAG, TAGS_MAX, addComment, bulkUpdate,
  linkTelegram, listMyReports, listReports, reportDetail, sendToGithub, submitReport, updateReport,
} from '../../platform/feedback/index.ts'

/** The excerpt may be 1 MB, and JSON escaping (quotes in JSONL) makes it larger on the wire. */
const FEEDBACK_BODY_LIMIT = 2 * 1024 * 1024 + 256 * 1024

const tag = z.string().regex(TAG, 'tags are lower-case letters, digits and _ . : - (at most 40 characters, starting with a letter or digit)')
const tags = z.array(tag).max(TAGS_MAX)
const reportParam = z.strictObject({ id: z.string().min(1).max(100) })
const STATUS_LIST = new RegExp(`^(${FEEDBACK_STATUSES.join('|')})(,(${FEEDBACK_STATUSES.join('|')}))*$`)

const newReport = z.strictObject({
  message: z.string().trim().min(1, 'must not be empty').max(MESSAGE_MAX_CHARS, `at most ${MESSAGE_MAX_CHARS} characters`),
  ack_preview: z.literal(true, 'must be true: the reporter saw the preview of what is sent'),
  session_excerpt: z
    .string()
    .max(EXCERPT_MAX_BYTES, 'at most 1 MB')
    .refine((s) => Buffer.byteLength(s, 'utf8') <= EXCERPT_MAX_BYTES, 'at most 1 MB')
    .nullable()
    .optional(),
  session_file: z.string().min(1).max(300).nullable().optional(),
  environment: z
    .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
    .refine((o) => Object.keys(o).length <= 50, 'at most 50 entries')
    .nullable()
    .optional(),
  tags: tags.optional(),
})

const adminListQuery = z.strictObject({
  status: z
    .string()
    .regex(STATUS_LIST, `one or more of ${FEEDBACK_STATUSES.join(', ')}, separated by commas`)
    .transform((s) => s.split(',') as Array<(typeof FEEDBACK_STATUSES)[number]>)
    .optional(),
  tag: tag.optional(),
  assignee: z.string().min(1).max(254).optional(),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'a fingerprint: 64 lower-case hex characters').optional(),
  sort: z.enum(FEEDBACK_SORTS).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

/** An empty patch is a 400 too, after the report was found (an unknown id is a 404 whatever the body). */
const reportPatch = z.strictObject({
  status: z.enum(FEEDBACK_STATUSES).optional(),
  assignee: z.string().min(1).max(254).nullable().optional(),
  tags: tags.optional(),
  resolution: z.string().max(MESSAGE_MAX_CHARS, `at most ${MESSAGE_MAX_CHARS} characters`).nullable().optional(),
})

const commentBody = z.strictObject({
  body: z.string().trim().min(1, 'must not be empty').max(COMMENT_MAX_CHARS, `at most ${COMMENT_MAX_CHARS} characters`),
})

const bulkBody = z.strictObject({
  ids: z.array(z.string().min(1).max(100)).min(1, 'select at least one report').max(BULK_MAX_IDS, `at most ${BULK_MAX_IDS} reports at once`),
  add_tags: tags.optional(),
  remove_tags: tags.optional(),
  assignee: z.string().min(1).max(254).nullable().optional(),
  status: z.enum(FEEDBACK_STATUSES).optional(),
  resolution: z.string().max(MESSAGE_MAX_CHARS, `at most ${MESSAGE_MAX_CHARS} characters`).nullable().optional(),
})

const githubBody = z.strictObject({
  dry_run: z.boolean().optional(),
  include_excerpt: z.boolean().optional(),
  reopen: z.boolean().optional(),
})

/** This server as the caller reached it: the link back to a report that a GitHub issue carries. */
const originOf = (req: RouteContext<unknown, unknown, unknown>['req']) => `${req.protocol}://${req.host}`

const chatId = z.union([
  z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/, 'a Telegram chat id (a number) or @channelname'),
  z.number().int().refine((n) => Number.isSafeInteger(n), 'a Telegram chat id'),
])

/** Reads are audited as one `feedback.read` per admin and filters (or report) per 60 s. */
function noteRead(ctx: RouteContext<unknown, unknown, unknown>, what: string, params: Record<string, unknown>) {
  return recordActivityRead(ctx.svc, ctx.actor, {
    action: 'feedback.read', what, params, correlationId: ctx.req.correlationId, clientIp: ctx.req.ip, startedAt: ctx.req.startedAt,
  })
}

export const feedbackRoutes = [
  defineRoute({
    method: 'POST', url: '/api/feedback', auth: 'user', action: 'feedback.report', tag: 'feedback', status: 201,
    summary:
      'Report a problem: {message, ack_preview: true, session_excerpt?, session_file?, environment?, tags?} → {id, fingerprint, duplicate_of}. ' +
      `ack_preview says the reporter saw what is sent. Message at most ${MESSAGE_MAX_CHARS} characters, excerpt at most 1 MB; secrets are ` +
      'redacted before storing. 429 past the per-user hourly limit (instance setting feedback_reports_per_hour, default 10). ' +
      'Linked admins are told on Telegram after the report is stored.',
    query: noQuery,
    body: newReport,
    bodyLimit: FEEDBACK_BODY_LIMIT,
    handler: async ({ svc, note, actor, body, req }) => submitReport(svc, note, actor, body, req.correlationId),
  }),
  defineRoute({
    method: 'GET', url: '/api/feedback/mine', auth: 'user', action: 'feedback.list_mine', tag: 'feedback',
    summary:
      'Your reports, newest first, with their status and resolution, the admins\' replies, the GitHub issue each went to, and news (changed since ' +
      'you last looked; reading them counts as looking).',
    query: noQuery,
    handler: async ({ svc, note, actor }) => listMyReports(svc, note, actor),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/feedback', auth: 'admin', action: null, selfAudit: 'feedback.read', tag: 'feedback',
    summary:
      'Reports, open and triaged first, then newest first, each with duplicate_count (other reports sharing its fingerprint). ' +
      'Filters: status (comma-separated), tag, assignee (user id, e-mail, me or none), fingerprint; sort: active (the default), newest, ' +
      'oldest_open (open and triaged first, the longest waiting first) or duplicates (most first); opaque cursor, limit (default 100, at most 500).',
    query: adminListQuery,
    handler: async (ctx) => {
      const out = await listReports(ctx.svc, ctx.actor, ctx.query)
      const { cursor: _c, limit: _l, ...filters } = ctx.query
      await noteRead(ctx, `list:${JSON.stringify(Object.entries(filters).sort())}`, { view: 'feedback_list', filters })
      return out
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/feedback/:id', auth: 'admin', action: null, selfAudit: 'feedback.read', tag: 'feedback',
    summary:
      'One report in full: its excerpt, excerpt_replay (a Claude Code excerpt as the session replay\'s events, {events, lines, malformed}; ' +
      'null for plain text), duplicate_count, the failure_scan findings of its stored transcript (when pushed and processed), ' +
      'the audit events of the request that filed it (events), internal notes, replies to the reporter, and its GitHub issue.',
    params: reportParam, query: noQuery,
    handler: async (ctx) => {
      const out = await reportDetail(ctx.svc, ctx.params.id)
      await noteRead(ctx, `report:${ctx.params.id}`, { view: 'feedback_report', report_id: ctx.params.id })
      return out
    },
  }),
  defineRoute({
    method: 'PATCH', url: '/api/admin/feedback/:id', auth: 'admin', action: 'feedback.update', tag: 'feedback',
    summary:
      `Change a report: status (${FEEDBACK_STATUSES.join(', ')}), assignee (user id, e-mail, "me" or null), tags, resolution. ` +
      'Resolving (resolved, wontfix) stamps resolved_at/resolved_by and tells the reporter (dashboard, Telegram); reopening clears them. ' +
      'Previous values are audited.',
    params: reportParam, query: noQuery,
    body: reportPatch,
    handler: async ({ svc, note, actor, params, body, req }) => updateReport(svc, note, actor, params.id, body, req.correlationId),
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/feedback/bulk', auth: 'admin', action: 'feedback.bulk_update', tag: 'feedback',
    summary:
      `One change to a selection of reports: {ids (at most ${BULK_MAX_IDS}), add_tags?, remove_tags?, assignee? (user id, e-mail, "me" or null), ` +
      'status?, resolution?} → {updated, rows}. Every id must exist or nothing changes (404). Each report\'s previous values are audited.',
    query: noQuery,
    body: bulkBody,
    handler: async ({ svc, note, actor, body, req }) => bulkUpdate(svc, note, actor, body, req.correlationId),
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/feedback/:id/notes', auth: 'admin', action: 'feedback.note', tag: 'feedback', status: 201,
    summary: 'Add an internal note to a report ({"body"}): admins see it, the reporter never does.',
    params: reportParam, query: noQuery,
    body: commentBody,
    handler: async ({ svc, note, actor, params, body, req }) => addComment(svc, note, actor, params.id, 'note', body.body, req.correlationId),
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/feedback/:id/replies', auth: 'admin', action: 'feedback.reply', tag: 'feedback', status: 201,
    summary:
      'Reply to the reporter ({"body"}): they see it in `agnes reports` and on their dashboard, and on Telegram when they linked a chat. ' +
      'Apart from the resolution: a report may get several replies before it is closed.',
    params: reportParam, query: noQuery,
    body: commentBody,
    handler: async ({ svc, note, actor, params, body, req }) => addComment(svc, note, actor, params.id, 'reply', body.body, req.correlationId),
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/feedback/:id/github', auth: 'admin', action: 'feedback.github_issue', tag: 'feedback',
    summary:
      'Send a report to GitHub ({dry_run?, include_excerpt?, reopen?}). dry_run answers exactly what would be sent (title, body, labels; the "+1" ' +
      'comment when an issue carrying the fingerprint\'s marker exists) and changes nothing (audited as feedback.github_preview); without ' +
      'GITHUB_TOKEN it answers a pre-filled new-issue link (new_issue_url). Otherwise the issue is created, or the comment added (a closed issue ' +
      'reopened only with reopen), and the report linked to it. GitHub down, rate-limited or refusing the token: 502/503 with nothing half-done.',
    params: reportParam, query: noQuery,
    body: githubBody,
    handler: async ({ svc, note, params, body, req }) => sendToGithub(svc, note, params.id, body, { origin: originOf(req), correlationId: req.correlationId }),
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/telegram-link', auth: 'admin', action: 'telegram.link', tag: 'feedback',
    summary: 'Link your Telegram chat ({"chat_id"}) to get report notifications from the bot (TELEGRAM_BOT_TOKEN); null unlinks it.',
    query: noQuery,
    body: z.strictObject({ chat_id: chatId.nullable() }),
    handler: async ({ svc, note, actor, body }) => linkTelegram(svc, note, actor, body.chat_id === null ? null : String(body.chat_id)),
  }),
  defineRoute({
    method: 'POST', url: '/api/me/telegram-link', auth: 'user', action: 'telegram.link', tag: 'feedback',
    summary: 'Link your Telegram chat ({"chat_id"}) to hear from the bot when an admin replies to one of your reports or closes it; null unlinks it.',
    query: noQuery,
    body: z.strictObject({ chat_id: chatId.nullable() }),
    handler: async ({ svc, note, actor, body }) => linkTelegram(svc, note, actor, body.chat_id === null ? null : String(body.chat_id)),
  }),
]
