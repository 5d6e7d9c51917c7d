import type { Db } from '../db.ts'

/**
 * Upper bounds, in milliseconds, of the request latency buckets; one more bucket takes everything slower. Fixed:
 * the tables have one column per bucket (migration 13), so changing them needs a new migration.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000]
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1

/** The bucket a duration falls in: the first whose upper bound it does not exceed (Prometheus' `le`). */
export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]) return i
  return LATENCY_BOUNDS_MS.length
}

export interface RouteKey {
  method: string
  /** The route template (`/api/admin/activity/events/:id`), or `(unmatched)` for a URL no route answers. */
  route: string
  /** 1xx … 5xx. */
  status_class: string
}

export interface LatencyCounts {
  requests: number
  duration_ms_sum: number
  /** Requests per bucket (not cumulative), LATENCY_BUCKETS of them. */
  buckets: number[]
}

export type RouteLatency = RouteKey & LatencyCounts
export type MinuteLatency = RouteLatency & {
  /** Start of the minute, ISO UTC. */
  minute: string
  /** The slowest of these requests and its correlation id, so it can be found in the audit log (when audited). */
  slowest?: { ms: number; correlation_id: string } | null
}

/** One minute's slowest request of a route: an example a slow route links to its audit rows by. */
export interface SlowExample {
  method: string
  route: string
  status_class: string
  minute: string
  duration_ms: number
  correlation_id: string
}

const BUCKET_COLS = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `b${i}`)
const COUNT_COLS = ['requests', 'duration_ms_sum', ...BUCKET_COLS]
/** Per minute only (migration 16): the minute's slowest request of the key. */
const SLOWEST_COLS = ['slowest_ms', 'slowest_correlation_id']
/** Rows per INSERT statement: 23 parameters each, so a statement stays well under both engines' limits. */
const CHUNK = 100
const DAY_MS = 86_400_000

const sumCols = (prefix = '') => COUNT_COLS.map((c) => `sum(${prefix}${c}) AS ${c}`).join(', ')

function toCounts(r: Record<string, unknown>): LatencyCounts {
  return { requests: Number(r.requests ?? 0), duration_ms_sum: Number(r.duration_ms_sum ?? 0), buckets: BUCKET_COLS.map((c) => Number(r[c] ?? 0)) }
}

const keyOf = (r: RouteKey) => `${r.method}\u0000${r.route}\u0000${r.status_class}`

/**
 * Request latency histograms: per minute (what the Performance view reads, purged with the audit log's retention)
 * and since the beginning (what GET /metrics serves as counters). Both are only ever added to, by an upsert that
 * adds the new counts to the stored ones, so several workers flushing the same minute add up.
 */
export function requestMetricsRepository(db: Db) {
  async function upsert(tx: Db, table: string, keyCols: string[], rows: Array<Record<string, unknown>>, slowest = false) {
    const cols = [...keyCols, ...COUNT_COLS, ...(slowest ? SLOWEST_COLS : [])]
    // The slower of the stored and the new example wins; SET expressions read the row as it was before the update.
    const keepSlowest = slowest
      ? `, slowest_correlation_id = CASE WHEN excluded.slowest_ms > coalesce(${table}.slowest_ms, -1) THEN excluded.slowest_correlation_id ELSE ${table}.slowest_correlation_id END,
           slowest_ms = CASE WHEN excluded.slowest_ms > coalesce(${table}.slowest_ms, -1) THEN excluded.slowest_ms ELSE ${table}.slowest_ms END`
      : ''
    for (let i = 0; i < rows.length; i += CHUNK) {
      const params: unknown[] = []
      const values = rows.slice(i, i + CHUNK).map((r) => `(${cols.map((c) => `$${params.push(r[c])}`).join(', ')})`)
      await tx.run(
        `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values.join(', ')}
         ON CONFLICT (${keyCols.join(', ')}) DO UPDATE SET ${COUNT_COLS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')}${keepSlowest}`,
        params,
      )
    }
  }
  const flat = (r: RouteLatency & { minute?: string; slowest?: MinuteLatency['slowest'] }) => {
    const o: Record<string, unknown> = {
      minute: r.minute, method: r.method, route: r.route, status_class: r.status_class, requests: r.requests, duration_ms_sum: r.duration_ms_sum,
      slowest_ms: r.slowest?.ms ?? null, slowest_correlation_id: r.slowest?.correlation_id ?? null,
    }
    BUCKET_COLS.forEach((c, i) => (o[c] = r.buckets[i] ?? 0))
    return o
  }

  return {
    /**
     * Adds each row's counts to its minute and to the totals, in one transaction. Each key must appear once. Keys
     * are written in one order, so two workers flushing at once lock rows in the same order and never deadlock.
     */
    async add(rows: MinuteLatency[]): Promise<void> {
      if (rows.length === 0) return
      const sorted = [...rows].sort((a, b) => (a.minute === b.minute ? (keyOf(a) < keyOf(b) ? -1 : 1) : a.minute < b.minute ? -1 : 1))
      const totals = new Map<string, RouteLatency>()
      for (const r of sorted) {
        const t = totals.get(keyOf(r))
        if (!t) totals.set(keyOf(r), { method: r.method, route: r.route, status_class: r.status_class, requests: r.requests, duration_ms_sum: r.duration_ms_sum, buckets: [...r.buckets] })
        else {
          t.requests += r.requests
          t.duration_ms_sum += r.duration_ms_sum
          r.buckets.forEach((n, i) => (t.buckets[i] += n))
        }
      }
      const totalRows = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, t]) => flat(t))
      await db.transaction(async (tx) => {
        await upsert(tx, 'request_metrics', ['minute', 'method', 'route', 'status_class'], sorted.map(flat), true)
        await upsert(tx, 'request_metrics_totals', ['method', 'route', 'status_class'], totalRows)
      })
    },

    /** Counts per method, route and status class over the minutes that start in [since, until). */
    async window(since: string, until: string): Promise<RouteLatency[]> {
      const rows = await db.all(
        `SELECT method, route, status_class, ${sumCols()} FROM request_metrics WHERE minute >= $1 AND minute < $2
         GROUP BY method, route, status_class ORDER BY method, route, status_class`,
        [since, until],
      )
      return rows.map((r) => ({ method: String(r.method), route: String(r.route), status_class: String(r.status_class), ...toCounts(r) }))
    },

    /**
     * One route's counts per time bucket (floor(epoch seconds / bucketSeconds), i.e. aligned to UTC multiples of its
     * size) over the minutes in [since, until), every status class together.
     */
    async series(since: string, until: string, bucketSeconds: number, method: string, route: string): Promise<Array<LatencyCounts & { bucket: number }>> {
      const rows = await db.all(
        `SELECT floor(extract(epoch FROM minute) / CAST($5 AS INTEGER)) AS bucket, ${sumCols()} FROM request_metrics
         WHERE minute >= $1 AND minute < $2 AND method = $3 AND route = $4 GROUP BY 1 ORDER BY 1`,
        [since, until, method, route, bucketSeconds],
      )
      return rows.map((r) => ({ bucket: Number(r.bucket), ...toCounts(r) }))
    },

    /**
     * The slowest recorded requests of the minutes that start in [since, until): for each method and route, its
     * `perRoute` slowest minutes' examples, slowest first.
     */
    async slowest(since: string, until: string, perRoute: number): Promise<SlowExample[]> {
      const rows = await db.all<Record<string, unknown>>(
        `SELECT method, route, status_class, minute, slowest_ms, slowest_correlation_id FROM (
           SELECT method, route, status_class, minute, slowest_ms, slowest_correlation_id,
                  row_number() OVER (PARTITION BY method, route ORDER BY slowest_ms DESC, minute DESC, status_class) AS rn
           FROM request_metrics WHERE minute >= $1 AND minute < $2 AND slowest_correlation_id IS NOT NULL
         ) ranked WHERE rn <= $3 ORDER BY method, route, slowest_ms DESC, minute DESC`,
        [since, until, perRoute],
      )
      return rows.map((r) => ({
        method: String(r.method), route: String(r.route), status_class: String(r.status_class), minute: new Date(String(r.minute)).toISOString(),
        duration_ms: Number(r.slowest_ms), correlation_id: String(r.slowest_correlation_id),
      }))
    },

    /** Every count since the first request, per method, route and status class (never purged). */
    async totals(): Promise<RouteLatency[]> {
      const rows = await db.all(`SELECT method, route, status_class, ${COUNT_COLS.join(', ')} FROM request_metrics_totals ORDER BY method, route, status_class`)
      return rows.map((r) => ({ method: String(r.method), route: String(r.route), status_class: String(r.status_class), ...toCounts(r) }))
    },

    /**
     * Deletes minutes before `before`, at most one day of them per call (a bounded number of rows: a minute holds
     * one row per route template, method and status class). Returns the rows deleted; 0 when nothing is left.
     */
    async purgeBefore(before: string): Promise<number> {
      const first = await db.one<{ m: string | null }>(`SELECT min(minute) AS m FROM request_metrics WHERE minute < $1`, [before])
      if (!first?.m) return 0
      const upTo = new Date(Math.min(Date.parse(before), Date.parse(first.m) + DAY_MS)).toISOString()
      return db.run(`DELETE FROM request_metrics WHERE minute < $1`, [upTo])
    },
  }
}
