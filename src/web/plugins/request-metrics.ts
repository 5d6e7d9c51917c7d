import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'
import { redactAuditString } from '../../audit/caps.ts'
import { LATENCY_BUCKETS, latencyBucket, type MinuteLatency } from '../../store/repositories/request-metrics.ts'

/** How long counts wait in memory before they are added to the store: what a crash can lose at most. */
export const FLUSH_MS = 2_000
/** Keys (minute × method × route × status class) held at most while the store refuses writes; the oldest go first. */
const MAX_PENDING_KEYS = 20_000
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
/** The route label of a URL no route answers, so scanners probing random paths cannot grow the table. */
export const UNMATCHED_ROUTE = '(unmatched)'

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's request latency counts on their way to the store (flush() for tests and shutdown). */
    requestMetrics: RequestMetricsRecorder
  }
}

/**
 * Counts every request's latency per minute, method, route template and status class, and adds the counts to the
 * store every FLUSH_MS with one upsert per key (repositories/request-metrics.ts), so every worker's requests add up
 * in the same rows. The map here only merges requests between two flushes: it is a write buffer, never read by
 * anything but the flush, and what a restart can lose is at most one FLUSH_MS of counts.
 */
export class RequestMetricsRecorder {
  private pending = new Map<string, MinuteLatency>()
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> | null = null
  private failing = false

  constructor(private svc: Pick<Services, 'store' | 'clock' | 'log'>, private flushMs = FLUSH_MS) {}

  /** Counts one response; `correlationId` names it as the slowest of its minute and key if it is. */
  record(method: string, route: string | undefined, status: number, ms: number, correlationId?: string): void {
    const minuteMs = Math.floor(this.svc.clock.now().getTime() / 60_000) * 60_000
    const row = {
      minute: new Date(minuteMs).toISOString(),
      method: METHODS.has(method) ? method : 'OTHER',
      route: route || UNMATCHED_ROUTE,
      status_class: `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`,
    }
    const key = `${row.minute} ${row.method} ${row.status_class} ${row.route}`
    let counts = this.pending.get(key)
    if (!counts) {
      counts = { ...row, requests: 0, duration_ms_sum: 0, buckets: new Array(LATENCY_BUCKETS).fill(0), slowest: null }
      this.pending.set(key, counts)
    }
    const d = Number.isFinite(ms) && ms > 0 ? ms : 0
    counts.requests += 1
    counts.duration_ms_sum += d
    counts.buckets[latencyBucket(d)] += 1
    if (correlationId && (!counts.slowest || d > counts.slowest.ms)) counts.slowest = { ms: d, correlation_id: correlationId }
    this.schedule()
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.flush()
    }, this.flushMs)
    this.timer.unref()
  }

  /** Adds what is pending to the store now; resolves when it is stored (or put back after a refused write). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing
    if (this.pending.size === 0) return
    const batch = [...this.pending.values()]
    this.pending = new Map()
    this.flushing = (async () => {
      try {
        await this.svc.store.requestMetrics.add(batch)
        if (this.failing) this.svc.log.info('request metrics are being stored again')
        this.failing = false
      } catch (e) {
        // The store refused (unavailable, or a concurrent writer's conflict on DuckDB): keep the counts for the next flush.
        if (!this.failing) this.svc.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'request metrics not stored; retrying')
        this.failing = true
        this.putBack(batch)
      }
    })()
    try {
      await this.flushing
    } finally {
      this.flushing = null
    }
    if (this.pending.size) this.schedule()
  }

  private putBack(batch: MinuteLatency[]): void {
    for (const r of batch) {
      const key = `${r.minute} ${r.method} ${r.status_class} ${r.route}`
      const cur = this.pending.get(key)
      if (!cur) this.pending.set(key, r)
      else {
        cur.requests += r.requests
        cur.duration_ms_sum += r.duration_ms_sum
        r.buckets.forEach((n, i) => (cur.buckets[i] += n))
        if (r.slowest && (!cur.slowest || r.slowest.ms > cur.slowest.ms)) cur.slowest = r.slowest
      }
    }
    if (this.pending.size > MAX_PENDING_KEYS) {
      const keys = [...this.pending.keys()].sort() // minute first: the oldest counts are dropped
      for (const k of keys.slice(0, this.pending.size - MAX_PENDING_KEYS)) this.pending.delete(k)
      this.svc.log.warn({ kept: MAX_PENDING_KEYS }, 'request metrics: the store has refused writes for long; oldest counts dropped')
    }
  }

  /** Stops the timer and stores what is pending. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.flush()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}

/**
 * Times every request the app answers (routes, pages, static files, health polls, 404s alike) by Fastify's own
 * measure from arrival to the response sent, and records it under its route template.
 */
export function requestMetrics(app: FastifyInstance, svc: Services): RequestMetricsRecorder {
  const recorder = new RequestMetricsRecorder(svc)
  app.decorate('requestMetrics', recorder)
  app.addHook('onResponse', async (req, reply) => {
    // As the audit writer stores it (redacted like any string a caller chose), so the example finds its audit rows.
    recorder.record(req.method, req.routeOptions.url, reply.statusCode, reply.elapsedTime, redactAuditString(req.correlationId))
  })
  app.addHook('onClose', async () => recorder.close())
  return recorder
}
