// The time range the events-over-time chart draws, in seconds.
import type { Histogram } from '../api.ts'

/**
 * The histogram's [since, until] widened to whole buckets. Each bar is drawn from its bucket's start to its end, and
 * the newest bucket usually ends after `until` (now): with the range ending at `until`, a bucket that began a few
 * seconds ago was drawn as a sliver at the right edge, or not at all.
 */
export function drawnRange(h: Pick<Histogram, 'since' | 'until' | 'bucket_seconds' | 'buckets'>): [number, number] {
  const since = Date.parse(h.since) / 1000
  const until = Date.parse(h.until) / 1000
  if (h.buckets.length === 0) return [since, until]
  const first = Date.parse(h.buckets[0].start) / 1000
  const lastEnd = Date.parse(h.buckets[h.buckets.length - 1].start) / 1000 + h.bucket_seconds
  return [Math.min(since, first), Math.max(until, lastEnd)]
}
