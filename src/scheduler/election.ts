import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import type { Services } from '../services.ts'
import { startScheduler, type Job } from './index.ts'

/** The store lease whose holder runs the scheduler. */
export const SCHEDULER_LEASE = 'scheduler'

export interface ElectedScheduler {
  /** True while this process holds the lease and runs the jobs. */
  isLeader(): boolean
  readonly holder: string
  /** Stops the jobs and hands the lease back (release: false leaves it to expire, as a crash would). */
  stop(opts?: { release?: boolean }): Promise<void>
}

/**
 * The scheduler for a store several processes share (workers of one server, or servers on several hosts): every
 * process competes for the store lease `scheduler`, and only its holder runs the jobs. The holder renews it every
 * `renewMs`; when the holder dies, the lease expires after `ttlMs` and another process takes over, so scheduled work
 * survives a worker dying. Each job still takes its own `job:<name>` lease, so even a holder that lost the lease
 * mid-run cannot make a job overlap itself.
 */
export function startElectedScheduler(
  svc: Services,
  jobs: Job[],
  opts: { ttlMs?: number; renewMs?: number; holder?: string } = {},
): ElectedScheduler {
  const ttlMs = opts.ttlMs ?? 30_000
  const renewMs = opts.renewMs ?? Math.max(100, Math.floor(ttlMs / 3))
  const holder = opts.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const locks = svc.store.locks
  let inner: { stop(): Promise<void> } | null = null
  let lastRenewed = 0
  let stopped = false
  let ticking: Promise<void> = Promise.resolve()

  const stepDown = async (why: string) => {
    const s = inner
    inner = null
    svc.log.warn({ holder, why }, 'this process no longer runs the scheduler')
    await s?.stop()
  }

  const tick = async () => {
    if (stopped) return
    try {
      if (inner) {
        if (await locks.renew(SCHEDULER_LEASE, holder, ttlMs)) lastRenewed = Date.now()
        else await stepDown('another process holds the scheduler lease')
      } else if (await locks.acquire(SCHEDULER_LEASE, holder, ttlMs)) {
        if (stopped) return
        lastRenewed = Date.now()
        svc.log.info({ holder }, 'this process runs the scheduler')
        inner = startScheduler(svc, jobs)
      }
    } catch (e) {
      svc.log.warn({ holder, err: e instanceof Error ? e.message : String(e) }, 'scheduler lease check failed')
      // Unable to renew for a whole lease time: someone else may hold it by now.
      if (inner && Date.now() - lastRenewed >= ttlMs) await stepDown('the scheduler lease could not be renewed')
    }
  }
  const run = () => {
    ticking = ticking.then(tick)
  }
  run()
  const timer = setInterval(run, renewMs)
  timer.unref()

  return {
    holder,
    isLeader: () => inner !== null,
    async stop({ release = true } = {}) {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      await ticking
      const wasLeader = inner !== null
      await inner?.stop()
      inner = null
      if (wasLeader && release) await locks.release(SCHEDULER_LEASE, holder).catch(() => {})
    },
  }
}
