import type { FeedbackReportRecord, FeedbackStatus } from '../../store/index.ts'

export const FEEDBACK_STATUSES = ['open', 'triaged', 'resolved', 'wontfix'] as const satisfies readonly FeedbackStatus[]

/** Open and triaged reports are still being worked on; resolved and wontfix ones are closed. */
export const isActive = (s: FeedbackStatus) => s === 'open' || s === 'triaged'

/**
 * The status workflow: any status may follow any other. Closing a report (resolved, wontfix) stamps
 * resolved_at/resolved_by; reopening it (open, triaged) clears them; moving between two closed statuses restamps.
 */
export function statusChange(
  before: Pick<FeedbackReportRecord, 'status'>,
  next: FeedbackStatus,
  by: string | null,
  now: string,
): Partial<Pick<FeedbackReportRecord, 'status' | 'resolved_at' | 'resolved_by'>> {
  if (next === before.status) return {}
  if (isActive(next)) return { status: next, resolved_at: null, resolved_by: null }
  return { status: next, resolved_at: now, resolved_by: by }
}
