import type { Services } from '../../services.ts'
import type { AuditRow } from '../../store/index.ts'
import { presentFinding, type FindingRow } from './read.ts'

/** Most findings linked from one run's audit event. */
export const RELATED_FINDINGS_MAX = 500

const FAILURE_SCAN_RUN = 'run_session_processor:failure_scan'
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/**
 * The findings a `run_session_processor:failure_scan` audit event produced, for the Activity Center's
 * "related records" (shape of its RelatedResolver: register with `registerRelatedResolver`). Other events: [].
 *
 * How the link is exact: every finding a run writes carries the run's start as `detected_at`, and that start is
 * unique per processor (runs of one processor never overlap: they hold a store lease, and a run's start is at
 * least 1 ms after the previous one's). The run reports its start as `run_at`, which is in the event's params
 * (the scheduler's row and the HTTP route's row both carry the run report). An event without `run_at` (a run
 * that timed out before reporting) falls back to the window [timestamp - duration, timestamp] on detected_at.
 * Findings a later run replaced (the file changed) are no longer there, so they are not listed.
 */
export async function relatedForProcessorEvent(svc: Services, event: AuditRow): Promise<Array<{ kind: 'session_finding'; record: FindingRow }>> {
  if (event.action !== FAILURE_SCAN_RUN) return []
  const runAt = event.params?.run_at
  let found
  if (typeof runAt === 'string' && ISO_UTC.test(runAt)) {
    found = await svc.store.sessions.findingsDetectedAt(runAt)
  } else {
    const end = Date.parse(event.timestamp)
    if (Number.isNaN(end)) return []
    const start = end - Math.max(0, Number(event.duration_ms ?? 0))
    found = await svc.store.sessions.findingsDetectedBetween(new Date(Math.floor(start)).toISOString(), new Date(end).toISOString())
  }
  return found.slice(0, RELATED_FINDINGS_MAX).map((f) => ({ kind: 'session_finding' as const, record: presentFinding(f) }))
}
