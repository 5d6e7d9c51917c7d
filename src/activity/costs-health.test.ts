import { test } from 'node:test'
import assert from 'node:assert/strict'
import { computeHealth, THRESHOLDS, type HealthInputs } from './health.ts'

const now = new Date('2026-11-24T12:00:00.000Z')

function inputs(costBudget?: HealthInputs['costBudget']): HealthInputs {
  return {
    schedulerEnabled: true,
    lastSchedulerRunAt: new Date(now.getTime() - 60_000).toISOString(),
    sync24h: { ok: 10, failed: 0 },
    activeUsersToday: 3,
    lastProcessorRun: { at: new Date(now.getTime() - 300_000).toISOString(), result: 'success' },
    processorCadenceMinutes: 60,
    ingest: { uploads_24h: 2, processed_24h: 2, pending: 0, oldest_pending: null },
    auditFailures24h: { batches: 0, rows: 0, last_error: null },
    warnings: [],
    auditChain: { ok: true, rows_checked: 10, verified_at: now.toISOString() },
    ...(costBudget !== undefined ? { costBudget } : {}),
  }
}
const spend = (spent: number, budget: number | null, unpriced = 0) => ({
  month: '2026-11', spent_usd: spent, budget_usd: budget, share: budget === null ? null : spent / budget, unpriced_tokens: unpriced, prices_as_of: '2026-11-29',
})
const field = (i: HealthInputs) => computeHealth(i, now).fields.find((f) => f.key === 'cost_budget')

test('cost_budget: green under 80 % of the budget, yellow from 80 %, red from 100 %', () => {
  assert.equal(THRESHOLDS.budgetYellowShare, 0.8)
  assert.equal(THRESHOLDS.budgetRedShare, 1)
  assert.deepEqual([field(inputs(spend(399.99, 500)))?.color, field(inputs(spend(399.99, 500)))?.value], ['green', '$399.99 of $500.00 (79 %)'])
  assert.deepEqual([field(inputs(spend(400, 500)))?.color, field(inputs(spend(400, 500)))?.value], ['yellow', '$400.00 of $500.00 (80 %)'])
  assert.equal(field(inputs(spend(499.99, 500)))?.color, 'yellow')
  assert.deepEqual([field(inputs(spend(500, 500)))?.color, field(inputs(spend(612.5, 500)))?.value], ['red', '$612.50 of $500.00 (122 %)'])
})

test('cost_budget turns the pulse yellow, then red, and says so in its sentence', () => {
  const yellow = computeHealth(inputs(spend(450, 500)), now)
  assert.equal(yellow.status, 'yellow')
  assert.match(yellow.sentence, /^Worth a look: spend this month \$450\.00 of \$500\.00 \(90 %\)\.$/)
  const red = computeHealth(inputs(spend(501, 500)), now)
  assert.equal(red.status, 'red')
  assert.deepEqual(red.fields.find((f) => f.key === 'cost_budget')?.raw, spend(501, 500))
})

test('cost_budget: no field while no budget is set; grey when the spend cannot be worked out; unpriced models are mentioned', () => {
  assert.equal(field(inputs()), undefined)
  const none = field(inputs(spend(12.3, null)))
  assert.deepEqual([none?.color, none?.value], ['grey', '$12.30 (no budget set)'])
  assert.equal(field(inputs(spend(100, 500, 5000)))?.value, '$100.00 of $500.00 (20 %), plus tokens of unpriced models')
  assert.deepEqual([field(inputs(null))?.color, field(inputs(null))?.value], ['grey', 'not available'])
  assert.equal(computeHealth(inputs(spend(12.3, null)), now).status, 'green', 'grey does not colour the pulse')
  assert.deepEqual(field(inputs(spend(1, 2)))?.click_filter, { action_prefix: 'run_session_processor:costs' })
})
