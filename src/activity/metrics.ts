import type { Services } from '../services.ts'
import { LATENCY_BOUNDS_MS } from '../store/repositories/request-metrics.ts'
import { VERSION } from '../version.ts'
import { spooledRows } from './performance.ts'

/** Upper bounds (seconds) of the scheduler job duration histogram. */
export const JOB_DURATION_BOUNDS_S = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900] as const

/** A label value as the exposition format wants it: backslash, double quote and line feed escaped. */
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const labels = (l: Record<string, string>) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN')

class Exposition {
  private lines: string[] = []
  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`)
    return this
  }
  sample(name: string, l: Record<string, string>, value: number): this {
    this.lines.push(`${name}${labels(l)} ${num(value)}`)
    return this
  }
  /** One histogram series from cumulative counts per upper bound, its count and sum. */
  histogram(name: string, l: Record<string, string>, bounds: readonly number[], cumulative: number[], count: number, sum: number): this {
    bounds.forEach((b, i) => this.sample(`${name}_bucket`, { ...l, le: String(b) }, cumulative[i]))
    this.sample(`${name}_bucket`, { ...l, le: '+Inf' }, count)
    this.sample(`${name}_sum`, l, sum)
    return this.sample(`${name}_count`, l, count)
  }
  text(): string {
    return this.lines.join('\n') + '\n'
  }
}

/**
 * The instance's metrics in the Prometheus text format (0.0.4). Every figure is read from the store or from the
 * files beside it (the audit failure log and spool), never from this process's memory, so any worker answers a
 * scrape for the whole instance. docs/insights.md describes each metric.
 */
export async function prometheusText(svc: Pick<Services, 'store' | 'audit'>): Promise<string> {
  const jobBoundsMs = JOB_DURATION_BOUNDS_S.map((s) => s * 1000)
  const [http, written, syncs, jobs, processors, findings] = await Promise.all([
    svc.store.requestMetrics.totals(),
    svc.store.opsMetrics.auditRowsWritten(),
    svc.store.opsMetrics.syncRuns(),
    svc.store.opsMetrics.jobDurations(jobBoundsMs),
    svc.store.opsMetrics.processorRuns(),
    svc.store.opsMetrics.findingCounts(),
  ])
  const failures = svc.audit.failures.since(new Date(0))
  const out = new Exposition()

  out.family('agnes_build_info', 'gauge', 'Always 1; the version label names the Agnes release serving the scrape.').sample('agnes_build_info', { version: VERSION }, 1)

  out.family(
    'agnes_http_request_duration_seconds', 'histogram',
    'Time from a request arriving to its response sent, for every request any worker answered (audited or not), by method, route template and status class.',
  )
  const boundsS = LATENCY_BOUNDS_MS.map((ms) => ms / 1000)
  for (const r of http) {
    let cum = 0
    const cumulative = r.buckets.slice(0, LATENCY_BOUNDS_MS.length).map((n) => (cum += n))
    out.histogram('agnes_http_request_duration_seconds', { method: r.method, route: r.route, status_class: r.status_class }, boundsS, cumulative, r.requests, r.duration_ms_sum / 1000)
  }

  out.family('agnes_audit_rows_written_total', 'counter', 'Audit rows committed to the store (spooled rows count once replayed).').sample('agnes_audit_rows_written_total', {}, written)
  out.family('agnes_audit_write_failures_total', 'counter', 'Audit batches the store refused; their rows were spooled to disk for replay.').sample('agnes_audit_write_failures_total', {}, failures.batches)
  out.family('agnes_audit_rows_failed_total', 'counter', 'Audit rows in batches the store refused (each was spooled, so none is lost unless the spool failed too).').sample('agnes_audit_rows_failed_total', {}, failures.rows)
  out.family('agnes_audit_spool_rows', 'gauge', 'Audit rows in the spool now, waiting to be replayed into the store.').sample('agnes_audit_spool_rows', {}, spooledRows(svc))

  out.family('agnes_sync_runs_total', 'counter', 'Table sync runs in the kept sync history, by table.')
  for (const s of syncs) out.sample('agnes_sync_runs_total', { table: s.table_id }, s.runs)
  out.family('agnes_sync_failures_total', 'counter', 'Table sync runs that did not succeed, by table.')
  for (const s of syncs) out.sample('agnes_sync_failures_total', { table: s.table_id }, s.failures)

  out.family('agnes_scheduler_job_duration_seconds', 'histogram', 'Duration of each scheduler tick (its run_ audit row), by job, over the kept audit log.')
  for (const j of jobs) out.histogram('agnes_scheduler_job_duration_seconds', { job: j.action.replace(/^run_/, '') }, JOB_DURATION_BOUNDS_S, j.le, j.count, j.sum_ms / 1000)
  out.family('agnes_scheduler_job_budget_overruns_total', 'counter', 'Scheduler ticks that ran past their time budget (error.timeout), by job.')
  for (const j of jobs) out.sample('agnes_scheduler_job_budget_overruns_total', { job: j.action.replace(/^run_/, '') }, j.overruns)

  out.family('agnes_session_processor_runs_total', 'counter', 'Session processor runs, by processor and audit result (success, skipped, error.*).')
  for (const p of processors) out.sample('agnes_session_processor_runs_total', { processor: p.processor, result: p.result }, p.runs)
  out.family('agnes_session_findings', 'gauge', 'Findings stored now (failure_scan), by type.')
  for (const f of findings) out.sample('agnes_session_findings', { type: f.finding_type }, f.count)
  return out.text()
}
