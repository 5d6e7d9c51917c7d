import { randomUUID } from 'node:crypto'
import type { Actor, AuditNote, Services } from '../../services.ts'
import type { FeedbackCommentRecord } from '../../store/repositories/feedback.ts'
import { notFound } from '../../errors.ts'
import { redactSecrets } from '../../redaction/index.ts'
import { tellReporter } from './reporter.ts'

/** Longest note or reply. */
export const COMMENT_MAX_CHARS = 10_000

/** A note or reply as the API shows it. */
export function presentComment(c: FeedbackCommentRecord) {
  return { id: c.id, kind: c.kind, author_user: c.author_user, author_email: c.author_email, body: c.body, created_at: c.created_at }
}

/**
 * Adds an internal note (`note`: admins only, never shown to the reporter) or a reply to the reporter (`reply`: shown
 * in `agnes reports` and on their dashboard, and sent on Telegram when they linked a chat). Replies are apart from the
 * resolution: a report may get several before it is closed. Secrets are redacted as in the report itself.
 */
export async function addComment(svc: Services, note: AuditNote, actor: Actor, reportId: string, kind: FeedbackCommentRecord['kind'], text: string, correlationId: string) {
  note.resource = `feedback:${reportId}`
  const report = await svc.store.feedback.byId(reportId)
  if (!report) throw notFound('report')
  const body = redactSecrets(text)
  const now = svc.clock.now().toISOString()
  const c = { id: randomUUID(), report_id: reportId, kind, author_user: actor.user?.id ?? null, body: body.text, created_at: now }
  await svc.store.feedback.addComment(c)
  note.params = { report_id: reportId, [`${kind}_id`]: c.id, body: c.body, chars: c.body.length, ...(Object.keys(body.kinds).length ? { redactions: body.kinds } : {}) }
  if (kind === 'reply') {
    await svc.store.feedback.update(reportId, { reporter_update_at: now }, now)
    await tellReporter(svc, report, { kind: 'reply', text: c.body }, correlationId)
  }
  return presentComment({ ...c, author_email: actor.user?.email ?? null })
}
