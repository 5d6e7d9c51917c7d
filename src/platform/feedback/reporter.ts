import type { Services } from '../../services.ts'
import type { FeedbackReportRecord } from '../../store/index.ts'
import { queueReporterNotification, sendInBackground } from '../../integrations/telegram/index.ts'

export type ReporterNews = { kind: 'reply' | 'resolved' | 'wontfix'; text: string | null }

/** The news a status change is for the reporter: closing a report (resolved, won't fix) is; anything else is not. */
export function newsOfStatusChange(before: Pick<FeedbackReportRecord, 'status'>, after: Pick<FeedbackReportRecord, 'status' | 'resolution'>): ReporterNews | null {
  if (before.status === after.status) return null
  if (after.status === 'resolved' || after.status === 'wontfix') return { kind: after.status, text: after.resolution }
  return null
}

/**
 * Tells a reporter on Telegram (when they linked a chat) about their report: queued in the outbox and tried at once in
 * the background, retried by the telegram_outbox job. Their dashboard and `agnes reports` show the same news from the
 * report itself (reporter_update_at), so a notification that cannot even be queued is logged, not raised.
 */
export async function tellReporter(svc: Services, report: Pick<FeedbackReportRecord, 'id' | 'message' | 'reporter_user'>, news: ReporterNews, correlationId: string): Promise<void> {
  try {
    const due = await queueReporterNotification(svc, report, news, svc.clock.now())
    sendInBackground(svc, due, correlationId)
  } catch (e) {
    svc.log.error({ err: e, report: report.id }, 'feedback: could not queue the Telegram message to the reporter')
  }
}
