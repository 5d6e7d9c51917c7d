// The chart's drawn range: every bar whole, the newest included.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { drawnRange } from './chart-range.ts'

const at = (iso: string) => Date.parse(iso) / 1000
const bucket = (start: string) => ({ start, success: 1, error: 0, denied: 0, other: 0 })

test('the range reaches the end of the newest bucket, so a bucket that began seconds ago is drawn whole', () => {
  const h = {
    since: '2026-11-29T02:45:10.000Z', until: '2026-11-30T02:45:10.000Z', bucket_seconds: 900,
    buckets: [bucket('2026-11-29T02:45:00.000Z'), bucket('2026-11-30T02:30:00.000Z'), bucket('2026-11-30T02:45:00.000Z')],
  }
  assert.deepEqual(drawnRange(h), [at('2026-11-29T02:45:00.000Z'), at('2026-11-30T03:00:00.000Z')])
})

test('without buckets, or with buckets inside it, the range is the histogram\u2019s own', () => {
  const empty = { since: '2026-11-29T00:00:00.000Z', until: '2026-11-30T00:00:00.000Z', bucket_seconds: 3600, buckets: [] }
  assert.deepEqual(drawnRange(empty), [at(empty.since), at(empty.until)])
  const inside = { ...empty, buckets: [bucket('2026-11-29T00:00:00.000Z'), bucket('2026-11-29T23:00:00.000Z')] }
  assert.deepEqual(drawnRange(inside), [at(empty.since), at(empty.until)])
})
