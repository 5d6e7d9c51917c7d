import { test } from 'node:test'
import assert from 'node:assert/strict'
import { computeHealth, THRESHOLDS, type HealthInputs } from './health.ts'

const now = new Date('2026-11-24T12:00:00.000Z')
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString()
const MIN = 60_000

function inputs(over: Partial<HealthInputs> = {}): HealthInputs {
  return {
    schedulerEnabled: true,
    lastSchedulerRunAt: ago(MIN),
    sync24h: { ok: 10, failed: 0 },
    activeUsersToday: 3,
    lastProcessorRun: { at: ago(5 * MIN), result: 'success' },
    processorCadenceMinutes: 60,
    ingest: { uploads_24h: 2, processed_24h: 2, pending: 0, oldest_pending: null },
    auditFailures24h: { batches: 0, rows: 0, last_error: null },
    warnings: [],
    ...over,
  }
}
const field = (i: HealthInputs, key: string) => computeHealth(i, now).fields.find((f) => f.key === key)!

test('all green reads as all good', () => {
  const h = computeHealth(inputs(), now)
  assert.equal(h.status, 'green')
  assert.deepEqual(h.fields.map((f) => f.key), ['scheduler', 'sync_24h', 'active_users_today', 'memory_pipeline', 'session_ingest', 'audit_writes', 'diagnose_warnings', 'audit_chain'])
  assert.match(h.sentence, /^All good/)
  assert.equal(h.generated_at, now.toISOString())
})

test('scheduler: green up to 30 min, yellow up to 2 h, red after, yellow when it never ran', () => {
  assert.equal(field(inputs({ lastSchedulerRunAt: ago(THRESHOLDS.schedulerYellowMs) }), 'scheduler').color, 'green')
  assert.equal(field(inputs({ lastSchedulerRunAt: ago(THRESHOLDS.schedulerYellowMs + 1) }), 'scheduler').color, 'yellow')
  assert.equal(field(inputs({ lastSchedulerRunAt: ago(THRESHOLDS.schedulerRedMs) }), 'scheduler').color, 'yellow')
  assert.equal(field(inputs({ lastSchedulerRunAt: ago(THRESHOLDS.schedulerRedMs + 1) }), 'scheduler').color, 'red')
  assert.equal(field(inputs({ schedulerEnabled: false, lastSchedulerRunAt: ago(MIN) }), 'scheduler').color, 'yellow', 'off is worth a look even right after a run')
  assert.equal(field(inputs({ schedulerEnabled: false, lastSchedulerRunAt: ago(THRESHOLDS.schedulerRedMs + 1) }), 'scheduler').color, 'red')
  const never = field(inputs({ lastSchedulerRunAt: null }), 'scheduler')
  assert.deepEqual([never.color, never.value], ['yellow', 'never ran'])
  assert.deepEqual(never.click_filter, { action_prefix: 'run_' })
})

test('sync_24h: green without failures, yellow above 95 % ok, red at or below, yellow with no runs', () => {
  assert.equal(field(inputs({ sync24h: { ok: 5, failed: 0 } }), 'sync_24h').color, 'green')
  assert.equal(field(inputs({ sync24h: { ok: 96, failed: 4 } }), 'sync_24h').color, 'yellow')
  assert.equal(field(inputs({ sync24h: { ok: 95, failed: 5 } }), 'sync_24h').color, 'red', 'exactly 95 % is not above 95 %')
  assert.equal(field(inputs({ sync24h: { ok: 0, failed: 1 } }), 'sync_24h').color, 'red')
  const none = field(inputs({ sync24h: { ok: 0, failed: 0 } }), 'sync_24h')
  assert.deepEqual([none.color, none.value], ['yellow', 'no runs'])
  assert.deepEqual(field(inputs({ sync24h: { ok: 1, failed: 1 } }), 'sync_24h').click_filter, { action_in: 'sync.run', result_class: 'error' })
})

test('active_users_today counts people since UTC midnight and links to the calls that made them active', () => {
  const f = field(inputs({ activeUsersToday: 0 }), 'active_users_today')
  assert.deepEqual([f.value, f.color], ['0', 'grey'])
  assert.deepEqual(f.click_filter, { since: '2026-11-24T00:00:00.000Z', action_in: 'query.run,data.download,session.upload,sync.trigger,feedback.report', result_class: 'success' })
  assert.equal(field(inputs({ activeUsersToday: 4 }), 'active_users_today').color, 'green')
})

test('memory_pipeline: green within two cadences, yellow idle or never, red when the last run failed', () => {
  assert.equal(field(inputs({ lastProcessorRun: { at: ago(120 * MIN), result: 'success' } }), 'memory_pipeline').color, 'green')
  assert.equal(field(inputs({ lastProcessorRun: { at: ago(120 * MIN + 1), result: 'success' } }), 'memory_pipeline').color, 'yellow')
  assert.equal(field(inputs({ lastProcessorRun: null }), 'memory_pipeline').color, 'yellow')
  assert.equal(field(inputs({ lastProcessorRun: { at: ago(MIN), result: 'error.exception' } }), 'memory_pipeline').color, 'red')
})

test('session_ingest: uploads waiting for processing past the grace period are yellow', () => {
  const waiting = (ms: number) => field(inputs({ ingest: { uploads_24h: 3, processed_24h: 1, pending: 2, oldest_pending: ago(ms) } }), 'session_ingest')
  assert.equal(waiting(THRESHOLDS.ingestGraceMs).color, 'green')
  assert.equal(waiting(THRESHOLDS.ingestGraceMs + 1).color, 'yellow')
  assert.equal(waiting(THRESHOLDS.ingestGraceMs + 1).value, '3 uploaded, 1 processed, 2 waiting')
})

test('audit_writes is red above zero failures; diagnose is yellow with warnings; the worst colour wins', () => {
  const h = computeHealth(inputs({ auditFailures24h: { batches: 1, rows: 4, last_error: 'disk full' }, warnings: ['source folder missing: /x'] }), now)
  assert.equal(h.fields.find((f) => f.key === 'audit_writes')!.color, 'red')
  assert.equal(h.fields.find((f) => f.key === 'diagnose_warnings')!.color, 'yellow')
  assert.equal(h.status, 'red')
  assert.match(h.sentence, /^Needs attention: audit writes \(24 h\) 4 row\(s\) failed to write: disk full; diagnose 1 warning\(s\) \(source folder missing: \/x\)\.$/)
})

test('each card leads to its evidence: evidence older than the timeline\'s 24 h gets its own start; no sync runs lead to the Sync tab', () => {
  const HOUR = 60 * MIN
  const old = ago(30 * HOUR)
  assert.deepEqual(field(inputs({ lastSchedulerRunAt: ago(3 * HOUR) }), 'scheduler').click_filter, { action_prefix: 'run_' })
  assert.deepEqual(field(inputs({ lastSchedulerRunAt: old }), 'scheduler').click_filter, { action_prefix: 'run_', since: old })
  assert.deepEqual(field(inputs({ lastProcessorRun: { at: old, result: 'success' } }), 'memory_pipeline').click_filter, { action_prefix: 'run_session_processor', since: old })
  assert.deepEqual(field(inputs({ lastProcessorRun: { at: ago(3 * HOUR), result: 'error.exception' } }), 'memory_pipeline').click_filter, { action_prefix: 'run_session_processor' })
  const chain = (at: string) => field(inputs({ auditChain: { ok: false, rows_checked: 9, verified_at: at, first_bad: { id: 4, seq: 4, reason: 'the row does not match its hash' } } }), 'audit_chain')
  assert.deepEqual(chain(ago(HOUR)).click_filter, { action_in: 'run_audit_verify,audit.verify' })
  assert.deepEqual(chain(old).click_filter, { action_in: 'run_audit_verify,audit.verify', since: old })
  const none = field(inputs({ sync24h: { ok: 0, failed: 0 } }), 'sync_24h')
  assert.deepEqual([none.click_filter, none.click_tab], [null, 'sync'])
  assert.equal(field(inputs({ sync24h: { ok: 1, failed: 1 } }), 'sync_24h').click_tab, undefined)
  // Explained in place by the page, from raw: the failure counts, and the warnings themselves.
  const h = computeHealth(inputs({ auditFailures24h: { batches: 1, rows: 4, last_error: 'disk full' }, warnings: ['overdue tables: orders'] }), now)
  assert.deepEqual(h.fields.find((f) => f.key === 'audit_writes')!.raw, { batches: 1, rows: 4, last_error: 'disk full' })
  assert.deepEqual(h.fields.find((f) => f.key === 'diagnose_warnings')!.raw, ['overdue tables: orders'])
})
