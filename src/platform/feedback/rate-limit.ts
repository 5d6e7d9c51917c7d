import type { Services } from '../../services.ts'
import { tooManyRequests } from '../../errors.ts'

/** Reports one user may file per hour unless `feedback_reports_per_hour` (instance config) says otherwise. */
export const DEFAULT_REPORTS_PER_HOUR = 10
const HOUR_MS = 3_600_000

/** The configured per-user hourly limit. */
export async function reportsPerHour(svc: Pick<Services, 'store'>): Promise<number> {
  const v = (await svc.store.instance.getConfig()).feedback_reports_per_hour
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : DEFAULT_REPORTS_PER_HOUR
}

/**
 * Refuses (429) a report from a user who already filed the limit in the last hour, before any work is done on it.
 * Counted from the stored reports themselves, so every worker sees the same figure and a restart forgets nothing.
 * The report is then stored with insertReportWithinLimit, which counts again in its own transaction, so two
 * reports racing past this check cannot both be stored at the limit.
 */
export async function checkReportRate(svc: Pick<Services, 'store'>, userId: string, now = new Date()): Promise<{ limit: number; sinceIso: string }> {
  const limit = await reportsPerHour(svc)
  const sinceIso = new Date(now.getTime() - HOUR_MS).toISOString()
  const recent = await svc.store.feedback.countByReporterSince(userId, sinceIso)
  if (recent >= limit) throw rateLimited(recent, limit)
  return { limit, sinceIso }
}

/** The 429 for a reporter at the limit. */
export function rateLimited(recent: number, limit: number) {
  return tooManyRequests(`you sent ${recent} report(s) in the last hour, the most this instance accepts (${limit}); try again later`)
}
