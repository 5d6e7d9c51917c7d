import { randomUUID } from 'node:crypto'
import { recordAuditVerification } from '../audit/chain-check.ts'
import type { Actor, Services } from '../services.ts'
import { syncDue } from '../platform/sync/index.ts'
import { runDueScripts } from '../platform/scripts/index.ts'
import { runTelegramOutbox } from '../integrations/telegram/index.ts'
import { purgeExpired } from '../platform/retention/index.ts'
import { syncGithubIssues } from '../platform/feedback/index.ts'

/** What the scheduler runs: a named job, how often, with how much time, writing one audit row per tick. */
export interface Job {
  name: string
  /** The audit action of each tick (run_…). */
  action: string
  everyMs: number
  budgetMs: number
  /** Does bounded work and reports what it did; `deadline` is when it should stop starting new work. */
  run(ctx: { svc: Services; actor: Actor; correlationId: string; deadline: number }): Promise<Record<string, unknown>>
}

/** A session processor as the scheduler sees it (the sessions pipeline fills this slot). */
export interface ProcessorJob {
  name: string
  cadenceMinutes: number
  run(svc: Services, opts: { deadline: number; actor: Actor; correlationId: string }): Promise<Record<string, unknown>>
}

export const SCHEDULER_ACTOR: Actor = { user: null, via: 'scheduler', clientKind: 'scheduler' }

export function coreJobs(svc: Services, processors: ProcessorJob[] = []): Job[] {
  const budgetMs = svc.config.schedule.jobBudgetSeconds * 1000
  return [
    {
      name: 'sync_due', action: 'run_sync_due', everyMs: svc.config.schedule.syncDueSeconds * 1000, budgetMs,
      run: async ({ svc, actor }) => syncDue(svc, actor),
    },
    {
      name: 'scripts_due', action: 'run_scripts_due', everyMs: svc.config.schedule.scriptsDueSeconds * 1000, budgetMs,
      run: async ({ svc, actor, correlationId, deadline }) => runDueScripts(svc, actor, { correlationId, deadline }),
    },
    {
      // Report notifications: retries of failed sends (with backoff) and digests whose 5 minutes are up.
      name: 'telegram_outbox', action: 'run_telegram_outbox', everyMs: 60_000, budgetMs,
      run: async ({ svc, correlationId, deadline }) => runTelegramOutbox(svc, { correlationId, deadline }),
    },
    {
      // GitHub issues of reports: closed ones resolve their reports, reopened ones reopen them. Every 5 minutes without a
      // webhook; hourly with one (deliveries GitHub could not make). Does nothing without GITHUB_TOKEN.
      name: 'github_sync', action: 'run_github_sync', everyMs: svc.config.github.webhookSecret ? 3600_000 : 300_000, budgetMs,
      run: async ({ svc, correlationId, deadline }) => syncGithubIssues(svc, { correlationId, deadline }),
    },
    {
      // Retention: deletes what is older than the configured AGNES_*_RETENTION_DAYS (nothing when unset).
      name: 'retention_purge', action: 'run_retention_purge', everyMs: 6 * 3600_000, budgetMs,
      run: async ({ svc, deadline }) => ({ ...(await purgeExpired(svc, { deadline })) }),
    },
    {
      // The audit log's tamper-evident chain, walked end to end once a day; the result shows in the health pulse.
      name: 'audit_verify', action: 'run_audit_verify', everyMs: 24 * 3600_000, budgetMs,
      run: async ({ svc }) => {
        const out = await recordAuditVerification(svc)
        return { ok: out.ok, rows_checked: out.rows_checked, first_bad: out.first_bad ?? null, failed: out.ok ? 0 : 1 }
      },
    },
    ...processors.map((p) => ({
      name: `session_processor:${p.name}`,
      action: `run_session_processor:${p.name}`,
      everyMs: (svc.config.schedule.sessionProcessorsSeconds ?? p.cadenceMinutes * 60) * 1000,
      budgetMs,
      run: ({ svc, actor, correlationId, deadline }: { svc: Services; actor: Actor; correlationId: string; deadline: number }) => p.run(svc, { deadline, actor, correlationId }),
    })),
  ]
}

class TimeoutError extends Error {}

/**
 * Runs one tick of a job: takes the job's store lease (so two workers never run it at once), runs it
 * within its budget and writes the run_… audit row with result and duration. Never throws.
 */
export async function runJobOnce(svc: Services, job: Job): Promise<{ result: string; output: Record<string, unknown> }> {
  const correlationId = `sched-${randomUUID()}`
  const holder = correlationId
  const t0 = performance.now()
  let result = 'success'
  let output: Record<string, unknown> = {}
  const leased = await svc.store.locks.acquire(`job:${job.name}`, holder, job.budgetMs * 2).catch(() => false)
  if (!leased) {
    result = 'skipped'
    output = { reason: 'another run of this job is still going' }
  } else {
    let timer: NodeJS.Timeout | undefined
    let released: Promise<void> = Promise.resolve()
    try {
      const work = job.run({ svc, actor: SCHEDULER_ACTOR, correlationId, deadline: Date.now() + job.budgetMs })
      // The lease stays until the work really ends, even when the tick gives up waiting for it.
      released = work.finally(() => svc.store.locks.release(`job:${job.name}`, holder).catch(() => {})).then(() => {}, () => {})
      output = await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutError(`the job ran past its ${Math.round(job.budgetMs / 1000)} s budget`)), job.budgetMs)
        }),
      ])
      // Jobs report failures as a list (sync, scripts) or a count (session processors).
      const failed = output.failed
      if ((Array.isArray(failed) && failed.length) || (typeof failed === 'number' && failed > 0)) result = 'error.partial'
    } catch (e) {
      result = e instanceof TimeoutError ? 'error.timeout' : 'error.exception'
      output = { error: (e instanceof Error ? e.message : String(e)).slice(0, 500) }
      svc.log.error({ job: job.name, err: e }, 'scheduled job failed')
    } finally {
      clearTimeout(timer)
    }
    // A run that ended within its budget lets go of its lease before it says it is done, so the next run can start
    // at once (it was let go of afterwards, and a run started right after could find it still held and skip).
    if (result !== 'error.timeout') await released
  }
  await svc.audit.record({
    action: job.action, result, resource: `job:${job.name}`, params: output, duration_ms: performance.now() - t0,
    client_kind: 'scheduler', correlation_id: correlationId,
  })
  return { result, output }
}

/**
 * The in-process scheduler: each job on its own timer, never overlapping itself. Work is asynchronous
 * (DuckDB runs on its own threads), so a slow job does not hold up HTTP requests.
 */
export function startScheduler(svc: Services, jobs: Job[]): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = []
  const running = new Set<Promise<unknown>>()
  let stopped = false
  for (const job of jobs) {
    let busy = false
    const tick = () => {
      if (stopped || busy) return
      busy = true
      const p = runJobOnce(svc, job).finally(() => {
        busy = false
        running.delete(p)
      })
      running.add(p)
    }
    const first = setTimeout(tick, 1000)
    const every = setInterval(tick, job.everyMs)
    first.unref()
    every.unref()
    timers.push(first, every)
  }
  return {
    async stop() {
      stopped = true
      for (const t of timers) clearTimeout(t)
      await Promise.allSettled([...running])
    },
  }
}
