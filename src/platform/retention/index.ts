import type { Services } from '../../services.ts'

const BATCH = 10_000
const DAY_MS = 86_400_000

export interface PurgeReport {
  audit_rows: number
  /** Kept change states (for rollback) that only purged audit rows referred to. */
  change_states: number
  /** Per-minute request latency rows (the Performance view's histograms), kept as long as the audit log. */
  request_metric_rows: number
  /** Per-minute counts of the audit writer's commits and refused writes, kept as long as the audit log. */
  audit_write_minutes: number
  findings: number
  feedback_excerpts: number
  /** What was kept, when a setting is unset: nothing is purged without a configured retention. */
  kept_forever: string[]
  cutoffs: Record<string, string>
}

/**
 * Deletes what is older than the configured retention (AGNES_AUDIT_RETENTION_DAYS,
 * AGNES_FINDINGS_RETENTION_DAYS, AGNES_FEEDBACK_EXCERPT_RETENTION_DAYS). Unset means keep forever.
 * Works in bounded batches and stops at the deadline; what is left is purged on the next run. The
 * scheduler's run_retention_purge row records what this run removed, so the purge itself is audited.
 */
export async function purgeExpired(svc: Services, opts: { now?: Date; deadline?: number } = {}): Promise<PurgeReport> {
  const now = opts.now ?? new Date()
  const r = svc.config.retention
  const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString()
  const report: PurgeReport = { audit_rows: 0, change_states: 0, request_metric_rows: 0, audit_write_minutes: 0, findings: 0, feedback_excerpts: 0, kept_forever: [], cutoffs: {} }
  const inTime = () => !opts.deadline || Date.now() < opts.deadline
  if (r.auditDays) {
    report.cutoffs.audit = cutoff(r.auditDays)
    for (let n = BATCH; n === BATCH && inTime(); report.audit_rows += n) n = await svc.store.audit.purgeBefore(report.cutoffs.audit, BATCH)
    for (let n = BATCH; n === BATCH && inTime(); report.change_states += n) n = await svc.store.changeStates.purgeUnusedBefore(report.cutoffs.audit, BATCH)
    // A day of minutes per call, until none is left before the cutoff.
    for (let n = 1; n > 0 && inTime(); report.request_metric_rows += n) n = await svc.store.requestMetrics.purgeBefore(report.cutoffs.audit)
    if (inTime()) report.audit_write_minutes = await svc.store.opsMetrics.purgeAuditWritesBefore(report.cutoffs.audit)
  } else report.kept_forever.push('audit')
  if (r.findingsDays) {
    report.cutoffs.findings = cutoff(r.findingsDays)
    for (let n = BATCH; n === BATCH && inTime(); report.findings += n) n = await svc.store.sessions.purgeFindingsBefore(report.cutoffs.findings, BATCH)
  } else report.kept_forever.push('findings')
  if (r.feedbackExcerptDays) {
    report.cutoffs.feedback_excerpts = cutoff(r.feedbackExcerptDays)
    report.feedback_excerpts = await svc.store.feedback.purgeExcerptsBefore(report.cutoffs.feedback_excerpts)
  } else report.kept_forever.push('feedback_excerpts')
  return report
}
