import type { Services } from '../services.ts'
import { toFilters, type ActivityQuery } from './filters.ts'

/** The bucket sizes a histogram may use (seconds): each a divisor of the next day or week boundary in UTC. */
const BUCKET_SIZES = [60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 7 * 86_400]
/** At most this many bars: enough to see a shape at 1440 px, few enough to stay readable at 390 px. */
export const MAX_BUCKETS = 120

export const RESULT_CLASSES = ['success', 'error', 'denied', 'other'] as const
export type ResultClass = (typeof RESULT_CLASSES)[number]

/**
 * The smallest bucket size that splits [since, until) into about MAX_BUCKETS buckets at most. A range a little longer
 * than a preset (30 days chosen a second before the server's now) keeps the preset's size: 1 % slack.
 */
export function bucketSecondsFor(sinceMs: number, untilMs: number): number {
  const span = Math.max(1, (untilMs - sinceMs) / 1000)
  for (const size of BUCKET_SIZES) if (span / size <= MAX_BUCKETS * 1.01) return size
  return Math.ceil(span / MAX_BUCKETS / 86_400) * 86_400
}

export interface HistogramBucket {
  /** Start of the bucket (UTC, a multiple of bucket_seconds since the epoch). */
  start: string
  success: number
  error: number
  denied: number
  other: number
}

/**
 * Events per time bucket and result class for the timeline's filters: the same WHERE as the timeline, so the buckets
 * add up to the rows it lists. Every bucket from the one holding `since` to the one before `until` is present (zeros
 * included), so a chart can draw it as it comes.
 */
export async function histogram(svc: Services, q: ActivityQuery, now = new Date(), viewerId?: string) {
  const filters = toFilters(q, now, viewerId)
  const sinceMs = Date.parse(filters.since)
  const untilMs = filters.until ? Date.parse(filters.until) : now.getTime()
  const size = bucketSecondsFor(sinceMs, untilMs)
  const rows = await svc.store.activity.histogram(filters, size)
  const first = Math.floor(sinceMs / 1000 / size)
  const last = Math.max(first, Math.ceil(untilMs / 1000 / size) - 1)
  const buckets: HistogramBucket[] = []
  for (let b = first; b <= last; b++) buckets.push({ start: new Date(b * size * 1000).toISOString(), success: 0, error: 0, denied: 0, other: 0 })
  let total = 0
  for (const r of rows) {
    const i = Number(r.bucket) - first
    const n = Number(r.count)
    total += n
    // A row exactly at `until` cannot match the WHERE, so every bucket is in range; kept defensive all the same.
    const bucket = buckets[Math.min(Math.max(i, 0), buckets.length - 1)]
    bucket[RESULT_CLASSES.includes(r.result_class) ? r.result_class : 'other'] += n
  }
  return { since: filters.since, until: new Date(untilMs).toISOString(), bucket_seconds: size, total, buckets }
}
