import type { Actor, Services } from '../../services.ts'
import type { FeedbackReportRecord, FeedbackStatus } from '../../store/index.ts'
import { badRequest } from '../../errors.ts'
import { statusChange } from './status.ts'
import { newsOfStatusChange } from './reporter.ts'

/** A user id or e-mail (or `me`) as the user id a report is assigned to; null stays null (nobody). */
export async function resolveAssignee(svc: Services, actor: Actor, given: string | null | undefined): Promise<string | null | undefined> {
  let assignee = given
  if (assignee === 'me') assignee = actor.user?.id ?? null
  if (assignee) {
    const u = (await svc.store.users.byId(assignee)) ?? (await svc.store.users.byEmail(assignee))
    if (!u) throw badRequest(`body field 'assignee': no user ${assignee}`, 'assignee')
    assignee = u.id
  }
  return assignee
}

/**
 * The stored change for a report: the status workflow's stamps, and, when it is closed, a note for the reporter (their
 * dashboard shows it; Telegram tells them). A status set by hand is no longer GitHub's doing.
 */
export function reportChanges(
  before: FeedbackReportRecord,
  patch: { status?: FeedbackStatus; assignee?: string | null; tags?: string[]; resolution?: string | null },
  by: string | null,
  now: string,
) {
  const changes = {
    ...(patch.status !== undefined ? statusChange(before, patch.status, by, now) : {}),
    ...(patch.assignee !== undefined ? { assignee: patch.assignee } : {}),
    ...(patch.tags !== undefined ? { tags: [...new Set(patch.tags)] } : {}),
    ...(patch.resolution !== undefined ? { resolution: patch.resolution } : {}),
  }
  const news = newsOfStatusChange(before, { status: changes.status ?? before.status, resolution: changes.resolution !== undefined ? changes.resolution : before.resolution })
  return {
    changes: {
      ...changes,
      ...(changes.status !== undefined ? { resolved_via: null } : {}),
      ...(news ? { reporter_update_at: now } : {}),
    },
    news,
  }
}
