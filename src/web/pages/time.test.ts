// The one time convention of the pages: relative when recent, absolute (UTC, named) otherwise, UTC filter inputs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fmtAbsolute, fmtClock, fmtRelative, fmtShort, fmtWhen, isoToUtcInput, utcInputToIso } from './time.ts'

const now = Date.parse('2026-11-20T14:03:05Z')

test('recent times are relative, older ones absolute with the zone named', () => {
  assert.equal(fmtWhen('2026-11-20T14:03:02Z', now), 'just now')
  assert.equal(fmtWhen('2026-11-20T14:02:35Z', now), '30 s ago')
  assert.equal(fmtWhen('2026-11-20T14:00:05Z', now), '3 min ago')
  assert.equal(fmtWhen('2026-11-20T09:03:05Z', now), '5 h ago')
  assert.equal(fmtWhen('2026-11-20T16:03:05Z', now), 'in 2 h')
  assert.equal(fmtWhen('2026-11-18T09:30:00Z', now), '2026-11-18 09:30 UTC')
  assert.equal(fmtWhen(null, now), '—')
  assert.equal(fmtRelative('2026-11-20T14:02:35Z', now, { coarse: true }), 'just now')
})

test('absolute forms are in UTC whatever the browser zone', () => {
  assert.equal(fmtAbsolute('2026-11-20T14:03:05.123+02:00', { seconds: true }), '2026-11-20 12:03:05 UTC')
  assert.equal(fmtShort('2026-11-20T14:03:05Z'), 'Nov 20, 14:03 UTC')
  assert.equal(fmtClock('2026-11-20T23:59:58Z'), '23:59:58')
})

test('the filter inputs read and write UTC', () => {
  assert.equal(isoToUtcInput('2026-11-20T14:03:05.000Z'), '2026-11-20T14:03:05')
  assert.equal(utcInputToIso('2026-11-20T14:03:05'), '2026-11-20T14:03:05.000Z')
  assert.equal(utcInputToIso('2026-11-20T14:03'), '2026-11-20T14:03:00.000Z')
  assert.equal(utcInputToIso(''), '')
  assert.equal(utcInputToIso('nonsense'), '')
})
