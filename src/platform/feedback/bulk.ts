import type { Actor, AuditNote, Services } from '../../services.ts'
import type { FeedbackStatus } from '../../store/index.ts'
import { AppError, badRequest } from '../../errors.ts'
import { presentReport } from './present.ts'
import { reportChanges, resolveAssignee } from './report-changes.ts'
import { tellReporter } from './reporter.ts'

/** Most reports one bulk action changes. */
export const BULK_MAX_IDS = 200

export interface BulkChange {
  ids: string[]
  add_tags?: string[]
  remove_tags?: string[]
  /** A user id or e-mail, `me`, or null to unassign. */
  assignee?: string | null
  status?: FeedbackStatus
  resolution?: string | null
}

/**
 * One change applied to a selection of reports (tag, assign, resolve): every id must exist, or nothing changes (404
 * naming the missing ones). One `feedback.bulk_update` audit row holds the change, the ids, and each report's previous
 * values in params_before. Reporters of reports it closes are told, as with a single change.
 */
export async function bulkUpdate(svc: Services, note: AuditNote, actor: Actor, change: BulkChange, correlationId: string) {
  const ids = [...new Set(change.ids)]
  note.resource = 'feedback'
  const { ids: _ids, ...what } = change
  if (Object.values(what).every((v) => v === undefined)) throw badRequest('body: give at least one of add_tags, remove_tags, assignee, status, resolution')
  const reports = await svc.store.feedback.byIds(ids)
  const found = new Set(reports.map((r) => r.id))
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length) throw new AppError(404, 'not_found', `no report ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''}: nothing was changed`)
  const assignee = await resolveAssignee(svc, actor, change.assignee)
  const now = svc.clock.now().toISOString()
  const before: Record<string, Record<string, unknown>> = {}
  const told: string[] = []
  const after = []
  for (const r of reports) {
    before[r.id] = { status: r.status, assignee: r.assignee, tags: r.tags, resolution: r.resolution }
    const tags = change.add_tags || change.remove_tags
      ? [...new Set([...r.tags.filter((t) => !(change.remove_tags ?? []).includes(t)), ...(change.add_tags ?? [])])]
      : undefined
    const { changes, news } = reportChanges(r, { status: change.status, assignee, tags, resolution: change.resolution }, actor.user?.id ?? null, now)
    await svc.store.feedback.update(r.id, changes, now)
    const updated = (await svc.store.feedback.byId(r.id))!
    if (news) {
      told.push(r.id)
      await tellReporter(svc, updated, news, correlationId)
    }
    after.push(updated)
  }
  note.params_before = { reports: before }
  note.params = { ids, ...what, ...(assignee !== undefined ? { assignee } : {}), updated: after.length, reporters_told: told }
  return { updated: after.length, rows: after.map((r) => presentReport(r)) }
}
