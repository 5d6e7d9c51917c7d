import { firstReadInWindow } from '../../audit/index.ts'
import { createReadStream } from 'node:fs'
import { z } from 'zod'
import { defineRoute, type RouteContext } from '../route.ts'
import { AppError, badRequest } from '../../errors.ts'
import {
  DATE_FILTER_MESSAGE, FINDING_TYPES, dateRangeProblem, findProcessor, findingHeatmap, findingQuality, isDateFilter, listFindings, listSessions,
  rawSession, runSessionProcessor, sessionDetail, setFindingVerdict, DEFAULT_PROCESSORS, NOTE_MAX, VERDICTS,
} from '../../platform/sessions/index.ts'

/** How long one admin's reads of one transcript count as a single `sessions.read`. */

const dateFilter = z.string().max(40).refine(isDateFilter, DATE_FILTER_MESSAGE)
const findingType = z.enum(FINDING_TYPES)
const limit = z.coerce.number().int().min(1).max(500).default(100)
const cursor = z.string().min(1).max(1000)
const username = z.string().min(1).max(200)
const sessionParams = z.strictObject({ username, filename: z.string().min(1).max(200) })
const includeDismissed = z.enum(['true', 'false']).transform((v) => v === 'true').optional()

/** until before since is a 400 on `until`. */
function checkRange(q: { since?: string; until?: string }, ctx: z.RefinementCtx) {
  const problem = dateRangeProblem(q.since, q.until)
  if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['until'] })
}

const sessionsQuery = z
  .strictObject({
    username: username.optional(), since: dateFilter.optional(), until: dateFilter.optional(), finding_type: findingType.optional(),
    include_dismissed: includeDismissed, sort: z.enum(['recent', 'findings', 'user']).default('recent'), cursor: cursor.optional(), limit,
  })
  .superRefine(checkRange)

const findingsQuery = z
  .strictObject({
    session_file: z.string().min(1).max(500).optional(), finding_type: findingType.optional(), username: username.optional(),
    since: dateFilter.optional(), until: dateFilter.optional(), include_dismissed: includeDismissed,
    verdict: z.enum([...VERDICTS, 'none']).optional(), cursor: cursor.optional(), limit,
  })
  .superRefine(checkRange)

/**
 * Reading a transcript is audited as `sessions.read` at most once per admin and transcript per minute: the
 * route is self-audited (action null), and the row is written here only when this read claims the window.
 * Refused and failed reads (403, 404, 400) are written by the audit hook, as for every self-audited route.
 */
async function recordRead(ctx: RouteContext<unknown, unknown, unknown>, sessionFile: string): Promise<void> {
  const user = ctx.actor.user
  if (!(await firstReadInWindow(ctx.svc.store, `sessions.read:${user?.id ?? ctx.actor.via}:${sessionFile}`))) return
  await ctx.svc.audit.record({
    action: 'sessions.read',
    result: 'success',
    user_id: user?.id ?? null,
    user_email: user?.email ?? null,
    resource: ctx.note.resource ?? null,
    params: ctx.note.params ?? null,
    duration_ms: Number(process.hrtime.bigint() - ctx.req.startedAt) / 1e6,
    client_ip: ctx.req.ip,
    client_kind: ctx.actor.clientKind,
    correlation_id: ctx.req.correlationId,
  })
}

export const sessionRoutes = [
  defineRoute({
    method: 'GET', url: '/api/admin/sessions', auth: 'admin', action: 'sessions.list', tag: 'sessions',
    summary:
      'Stored transcripts with usage and finding counts per type, unprocessed ones too (null times, zero counts). Filters: username, ' +
      'since/until (the session overlaps the range), finding_type; sort=recent|findings|user; opaque cursor, limit (default 100, at most 500). ' +
      'Dismissed findings are not counted unless include_dismissed=true.',
    query: sessionsQuery,
    handler: async ({ svc, note, query }) => listSessions(svc, note, query),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/sessions/findings', auth: 'admin', action: 'sessions.findings', tag: 'sessions',
    summary:
      `Findings (${FINDING_TYPES.join(', ')}), newest event first; line is the 1-based line of the stored file. Filters: session_file ` +
      '(username/filename), finding_type, username, since/until (event time), verdict=confirmed|dismissed|none; opaque cursor, limit. ' +
      'Each finding carries its verdict (null: none), the LLM judge\'s judgement (null: not judged) and related_events: the audit rows of ' +
      'its user\'s command-line requests from 5 minutes before its time to 1 minute after. Dismissed findings are left out unless ' +
      'include_dismissed=true (or verdict=dismissed).',
    query: findingsQuery,
    handler: async ({ svc, note, query }) => listFindings(svc, note, query),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/sessions/heatmap', auth: 'admin', action: 'sessions.heatmap', tag: 'sessions',
    summary:
      'Findings per week (Mondays, UTC; the current week last) and type, by the event\'s time (else when detected): {weeks, types, cells[type][week]}. ' +
      'Filters: username, finding_type (as the list\'s).',
    query: z.strictObject({
      weeks: z.coerce.number().int().min(1).max(104).default(12), username: username.optional(), finding_type: findingType.optional(),
      include_dismissed: includeDismissed,
    }),
    handler: async ({ svc, note, query }) => {
      note.resource = 'session'
      note.params = {
        weeks: query.weeks, ...(query.username ? { username: query.username } : {}), ...(query.finding_type ? { finding_type: query.finding_type } : {}),
        ...(query.include_dismissed ? { include_dismissed: true } : {}),
      }
      return findingHeatmap(svc, query.weeks, { username: query.username, findingType: query.finding_type, includeDismissed: query.include_dismissed })
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/sessions/findings/quality', auth: 'admin', action: 'sessions.quality', tag: 'sessions',
    summary:
      'Precision on this instance, per finding type: the current findings, how many an admin confirmed and dismissed, the unreviewed rest, ' +
      'and precision = confirmed / (confirmed + dismissed) (null before any verdict); with the LLM judge, its labels of the same findings, ' +
      'its status (model, prompt version, tokens today against the daily budget, a budget stop, the last API error) and the failures it ' +
      'found in sampled transcripts that the scan missed.',
    query: z.strictObject({}),
    handler: async ({ svc, note }) => findingQuality(svc, note),
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/sessions/findings/:id/verdict', auth: 'admin', action: 'finding.verdict', tag: 'sessions',
    summary:
      'Confirm or dismiss a finding, with an optional note (secrets in it are redacted): {"verdict": "confirmed"|"dismissed"|null, "note"?}; ' +
      'null takes a verdict back. The verdict is kept by the finding\'s place (transcript, type, line), so it stays with the finding when ' +
      'the transcript is scanned again. Answers the finding as the findings list shows it. Audited as finding.verdict, with the verdict ' +
      'it replaced in params_before.',
    params: z.strictObject({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
    body: z.strictObject({ verdict: z.enum(VERDICTS).nullable(), note: z.string().max(NOTE_MAX).nullable().optional() }),
    handler: async ({ svc, note, actor, params, body }) => setFindingVerdict(svc, note, actor, params.id, body),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/sessions/:username/:filename', auth: 'admin', action: null, selfAudit: 'sessions.read', tag: 'sessions',
    summary:
      'One transcript as events (kind, line, turn_index, timestamp, text; tool name and input; tool result and is_error; long text cut), ' +
      'with its findings, usage and processing state. At most 2000 events per answer: continue with ?from_line=next_from_line. ' +
      'Audited as sessions.read at most once a minute per admin and transcript.',
    params: sessionParams,
    query: z.strictObject({ from_line: z.coerce.number().int().min(1).max(100_000_000).optional() }),
    handler: async (ctx) => {
      const out = await sessionDetail(ctx.svc, ctx.note, ctx.params.username, ctx.params.filename, { fromLine: ctx.query.from_line })
      await recordRead(ctx, out.session_file)
      return out
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/sessions/:username/:filename/raw', auth: 'admin', action: 'sessions.download', tag: 'sessions',
    summary: 'The stored transcript file (redacted at upload) as application/x-ndjson.',
    params: sessionParams,
    query: z.strictObject({}),
    handler: async ({ svc, note, params, reply }) => {
      const file = await rawSession(svc, note, params.username, params.filename)
      return reply
        .header('content-type', 'application/x-ndjson')
        .header('content-length', String(file.bytes))
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(createReadStream(file.path))
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/run-session-processor', auth: 'admin', action: 'run_session_processor', tag: 'sessions',
    summary:
      `Run one session processor now (${DEFAULT_PROCESSORS.map((p) => p.name).join(', ')}) over the transcripts it has not handled yet: ` +
      '{"processor", "sessions_processed", "items"}. Audited as run_session_processor:<name> with the full run report. 409 while it is running.',
    query: z.strictObject({ processor: z.string().min(1).max(100) }),
    body: z.strictObject({}),
    handler: async ({ svc, note, query }) => {
      const processor = findProcessor(query.processor)
      note.resource = `job:session_processor:${processor?.name ?? 'unknown'}`
      if (!processor) {
        note.params = { processor: query.processor.slice(0, 100) }
        throw badRequest(`unknown processor '${query.processor.slice(0, 100)}'; known: ${DEFAULT_PROCESSORS.map((p) => p.name).join(', ')}`, 'processor')
      }
      note.action = `run_session_processor:${processor.name}`
      const report = await runSessionProcessor(svc, processor, { deadline: Date.now() + svc.config.schedule.jobBudgetSeconds * 1000 })
      note.params = { ...report }
      if (report.off) throw new AppError(409, 'processor_off', report.off)
      if (report.busy) throw new AppError(409, 'processor_busy', `processor ${processor.name} is already running; try again when it has finished`)
      return { processor: processor.name, sessions_processed: report.sessions_processed, items: report.items }
    },
  }),
]
