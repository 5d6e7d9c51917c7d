// The KPI strip's wording of a change against the previous period.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fmtSpan, kpiChange } from './change.ts'

test('counts and durations change by percent; a rise from zero is new; nothing to compare gives nothing', () => {
  assert.deepEqual(kpiChange(15, 12, 'count'), { text: '+25%', dir: 'up' })
  assert.deepEqual(kpiChange(15, 16, 'count'), { text: '\u22126.3%', dir: 'down' })
  assert.deepEqual(kpiChange(3, 3, 'count'), { text: 'same', dir: 'same' })
  assert.deepEqual(kpiChange(0, 0, 'count'), { text: 'same', dir: 'same' })
  assert.deepEqual(kpiChange(4, 0, 'count'), { text: 'new', dir: 'up' })
  assert.deepEqual(kpiChange(0, 4, 'count'), { text: '\u2212100%', dir: 'down' })
  assert.deepEqual(kpiChange(120, 80, 'duration'), { text: '+50%', dir: 'up' })
  assert.deepEqual(kpiChange(null, 80, 'duration'), { text: '', dir: 'none' })
  assert.deepEqual(kpiChange(80, null, 'duration'), { text: '', dir: 'none' })
})

test('rates change by percentage points', () => {
  assert.deepEqual(kpiChange(0.2, 0.1875, 'rate'), { text: '+1.3 pp', dir: 'up' })
  assert.deepEqual(kpiChange(0.05, 0.25, 'rate'), { text: '\u221220 pp', dir: 'down' })
  assert.deepEqual(kpiChange(0.1, 0.1002, 'rate'), { text: 'same', dir: 'same' })
})

test('a period is named by its length', () => {
  assert.equal(fmtSpan(3600_000), '60 min')
  assert.equal(fmtSpan(24 * 3600_000 + 1500), '24 h')
  assert.equal(fmtSpan(7 * 86400_000), '7 d')
  assert.equal(fmtSpan(30 * 86400_000), '30 d')
  assert.equal(fmtSpan(10_000), '1 min')
})
