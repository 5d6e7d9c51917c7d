import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import type { Store } from '../../src/store/index.ts'
import { costsProcessor, costReport, checkBudget, budgetStatus, type CostQuery } from '../../src/platform/costs/index.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'

/**
 * Costs over both engines: the `costs` processor's rows and the priced reads over them, on the hand-written
 * accounting fixtures (test/fixtures/transcripts/costs/README.md says what each holds and how it counts).
 */

const COSTS = fileURLToPath(new URL('../fixtures/transcripts/costs/', import.meta.url))
const RUN_AT = '2026-02-20T00:00:00.000Z'
const SINCE = { since: '2026-01-01', until: '2026-02-28' }

async function addUser(store: Store, id: string, username: string, admin = false) {
  const at = '2026-01-01T00:00:00.000Z'
  await store.users.insert({ id, email: `${username}@example.com`, username, name: null, is_admin: admin, password_hash: null, created_at: at, updated_at: at })
}

async function process(store: Store, username: string, file: string, as = file) {
  return costsProcessor.processSession(`${COSTS}${file}`, username, `${username}/${as}`, store, { runAt: RUN_AT })
}

const report = (store: Store, q: Partial<CostQuery>) => costReport({ store }, null, { group_by: 'day', limit: 100, ...SINCE, ...q }, new Date(RUN_AT))

/** A row's tokens per kind and cost, the figures every test compares. */
const figures = (r: { key: string | null; input_tokens: number; output_tokens: number; cache_creation_tokens: number; cache_read_tokens: number; cost_usd: number | null }) =>
  [r.key, r.input_tokens, r.output_tokens, r.cache_creation_tokens, r.cache_read_tokens, r.cost_usd]

describeStores('costs', (h) => {
  test('a transcript processed again replaces its rows; a response repeated in a resumed session counts once, in the original, whichever file comes first', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana')
    assert.deepEqual(await process(s, 'ana', 'resumed-continued.jsonl'), { items: 3, malformedLines: 0 })
    await process(s, 'ana', 'resumed-original.jsonl')
    await process(s, 'ana', 'resumed-continued.jsonl')
    assert.equal((await s.costs.forFile('ana/resumed-continued.jsonl')).length, 3, 'the second run replaced the first')
    const sessions = await report(s, { group_by: 'session' })
    h.answer('resumed.sessions', sessions)
    assert.deepEqual(sessions.rows.map((r) => [r.session_file, r.session_id, r.responses, r.input_tokens, r.output_tokens, r.files]), [
      ['ana/resumed-original.jsonl', 'a3a3a3a3-0000-4000-8000-000000000003', 2, 120, 80, 1],
      ['ana/resumed-continued.jsonl', 'a3a3a3a3-0000-4000-8000-00000000003b', 1, 7, 70, 1],
    ])
    // Haiku 4.5 by hand: (120 × 1 + 80 × 5 + 1000 × 1.25 + 1000 × 0.1) / 1e6 and (7 × 1 + 70 × 5 + 1100 × 0.1) / 1e6.
    assert.deepEqual(sessions.rows.map((r) => r.cost_usd), [0.00187, 0.000467])
    assert.equal(sessions.totals.responses, 3)
    assert.equal(sessions.totals.cost_usd, 0.002337)
  })

  test('streamed snapshots and duplicated lines, by day, week and month', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana')
    await process(s, 'ana', 'streamed-snapshots.jsonl')
    await process(s, 'ana', 'duplicated-lines.jsonl')
    const days = await report(s, { group_by: 'day' })
    h.answer('days', days)
    // Opus 4.6: 4 × 5 + 792 × 25 + 300 × 6.25 + 2000 × 10 + 22000 × 0.5 = 52 695 µ$; Sonnet 4.5: 14 × 3 + 49 × 15 + 5000 × 3.75 + 5000 × 0.3 = 21 027 µ$.
    assert.deepEqual(days.rows.map(figures), [
      ['2026-02-10', 4, 792, 2300, 22000, 0.052695],
      ['2026-02-11', 14, 49, 5000, 5000, 0.021027],
    ])
    assert.deepEqual([days.rows[0].cache_creation_5m_tokens, days.rows[0].cache_creation_1h_tokens], [300, 2000])
    assert.deepEqual(days.rows[0].cost_breakdown_usd, { input: 0.00002, output: 0.0198, cache_creation: 0.021875, cache_read: 0.011 })
    const weeks = await report(s, { group_by: 'week' })
    assert.deepEqual(weeks.rows.map((r) => [r.key, r.responses, r.cost_usd]), [['2026-02-09', 4, 0.073722]])
    const months = await report(s, { group_by: 'month' })
    assert.deepEqual(months.rows.map((r) => [r.key, r.responses, r.cost_usd]), [['2026-02', 4, 0.073722]])
    assert.equal(days.prices_as_of, '2026-11-29')
    assert.match(days.estimate_note, /^Estimates: .* as of 2026-11-29/)
  })

  test('a subagent transcript joins its parent session; by model, person and project', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana')
    await addUser(s, 'u2', 'bob')
    await process(s, 'ana', 'agent-b7c1d2e.jsonl', 'shop__a4a4__subagents__agent-b7c1d2e.jsonl')
    await process(s, 'ana', 'subagent-parent.jsonl')
    await process(s, 'bob', 'duplicated-lines.jsonl')
    const sessions = await report(s, { group_by: 'session' })
    h.answer('subagent.sessions', sessions)
    assert.deepEqual(sessions.rows.map((r) => [r.session_file, r.username, r.files, r.models, r.started_at, r.ended_at]), [
      ['ana/subagent-parent.jsonl', 'ana', 2, ['claude-haiku-4-5-20251001', 'claude-opus-4-6'], '2026-02-14T11:00:02.000Z', '2026-02-14T11:02:02.000Z'],
      ['bob/duplicated-lines.jsonl', 'bob', 1, ['claude-sonnet-4-5-20250929'], '2026-02-11T10:00:02.000Z', '2026-02-11T10:00:09.000Z'],
    ])
    assert.deepEqual(sessions.rows.map(figures)[0], ['ana/subagent-parent.jsonl', 21, 315, 13200, 53000, 0.081962])
    const models = await report(s, { group_by: 'model' })
    h.answer('subagent.models', models)
    assert.deepEqual(models.rows.map((r) => [r.key, r.priced_as, r.responses, r.cost_usd]), [
      ['claude-opus-4-6', 'claude-opus-4-6', 2, 0.06927],
      ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5', 2, 0.021027],
      ['claude-haiku-4-5-20251001', 'claude-haiku-4-5', 2, 0.012692],
    ])
    const people = await report(s, { group_by: 'user' })
    assert.deepEqual(people.rows.map((r) => [r.key, r.user_id, r.email, r.cost_usd]), [['ana', 'u1', 'ana@example.com', 0.081962], ['bob', 'u2', 'bob@example.com', 0.021027]])
    const projects = await report(s, { group_by: 'project' })
    assert.deepEqual(projects.rows.map((r) => [r.key, r.responses]), [['/home/ana/projects/shop', 6]])
    // Filters: a person (by id), a model, a time range.
    assert.deepEqual((await report(s, { group_by: 'user', user_id: 'u2' })).rows.map((r) => r.key), ['bob'])
    assert.deepEqual((await report(s, { group_by: 'user', user_id: 'nobody' })).rows, [])
    assert.deepEqual((await report(s, { group_by: 'session', model: 'claude-haiku-4-5-20251001' })).rows.map((r) => [r.session_file, r.responses]), [
      ['ana/subagent-parent.jsonl', 2],
    ])
    assert.deepEqual((await report(s, { group_by: 'day', since: '2026-02-12', until: '2026-02-28' })).rows.map((r) => r.key), ['2026-02-14'])
    assert.deepEqual((await report(s, { group_by: 'day', since: '2026-02-14T11:01:00Z', until: '2026-02-14T11:05:00Z' })).rows.map((r) => r.responses), [1])
  })

  test('a deleted person\'s spend stays theirs: the user_id filter finds their retired username', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'admin', true)
    await addUser(s, 'u9', 'cara')
    await process(s, 'cara', 'duplicated-lines.jsonl')
    await s.users.delete('u9')
    const r = await report(s, { group_by: 'user', user_id: 'u9' })
    assert.deepEqual(r.rows.map((x) => [x.key, x.user_id, x.responses]), [['cara', null, 2]])
  })

  test('transcript costUSD beside the estimate; long prompts at their tier; fast mode, US-only inference and unpriced models', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana')
    await process(s, 'ana', 'transcript-cost.jsonl')
    await process(s, 'ana', 'long-context.jsonl')
    await process(s, 'ana', 'fast-geo-unknown.jsonl')
    const sessions = await report(s, { group_by: 'session' })
    h.answer('pricing.sessions', sessions)
    const by = new Map(sessions.rows.map((r) => [r.session_file, r]))
    // Sonnet 4: (1000 × 3 + 500 × 15 + 2000 × 3.75) + (10 × 3 + 100 × 15 + 3000 × 0.3) = 18 000 + 2 430 µ$; the transcript says 0.0185 + 0.0024.
    const old = by.get('ana/transcript-cost.jsonl')!
    assert.equal(old.cost_usd, 0.02043)
    assert.deepEqual(old.transcript_cost, { responses: 2, transcript_usd: 0.0209, estimate_usd: 0.02043, difference_usd: -0.00047 })
    // Sonnet 4.5: the 250K prompt at $6 / $22.50 / $0.60 for every token (0.9825), the 150K one at $3 / $15 (0.465);
    // Haiku 5.5's 120K prompt in its upper band: 120 000 × 0.5 + 2000 × 2.5 = 0.065.
    const long = by.get('ana/long-context.jsonl')!
    assert.equal(long.cost_usd, 1.5125)
    assert.equal(long.transcript_cost, null)
    // Opus 4.6: fast at 6× (0.18), US-only at 1.1× (0.033); claude-nova-9 has no price: shown with its tokens, not as $0.
    const mixed = by.get('ana/fast-geo-unknown.jsonl')!
    assert.equal(mixed.cost_usd, 0.213)
    assert.equal(mixed.cost_complete, false)
    assert.deepEqual(mixed.unpriced, { models: ['claude-nova-9'], responses: 1, input_tokens: 500, output_tokens: 50, cache_creation_tokens: 0, cache_read_tokens: 700 })
    const models = await report(s, { group_by: 'model' })
    const nova = models.rows.find((r) => r.key === 'claude-nova-9')!
    assert.deepEqual([nova.cost_usd, nova.priced_as, nova.input_tokens, models.rows[models.rows.length - 1].key], [null, null, 500, 'claude-nova-9'], 'unpriced last')
    assert.equal(sessions.totals.cost_complete, false)
    assert.deepEqual(sessions.totals.unpriced?.models, ['claude-nova-9'])
  })

  test('an admin\'s price for a model applies to past usage at once', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana')
    await process(s, 'ana', 'fast-geo-unknown.jsonl')
    await s.instance.setConfig({ 'cost_price:claude-nova-9': { input: 1, output: 10, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1 } }, 'u1', RUN_AT)
    const r = await report(s, { group_by: 'model', model: 'claude-nova-9' })
    assert.deepEqual([r.rows[0].cost_usd, r.rows[0].price_from, r.price_overrides], [0.00107, 'override:claude-nova-9', ['claude-nova-9']])
    assert.match(r.estimate_note, /with the admin's prices for claude-nova-9/)
  })

  test('pages of groups follow an opaque cursor; the totals cover every group', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana')
    for (const f of ['streamed-snapshots.jsonl', 'duplicated-lines.jsonl', 'resumed-original.jsonl']) await process(s, 'ana', f)
    const first = await report(s, { group_by: 'session', limit: 2 })
    assert.equal(first.rows.length, 2)
    assert.ok(first.next_cursor)
    const second = await report(s, { group_by: 'session', limit: 2, cursor: first.next_cursor! })
    assert.deepEqual([second.rows.length, second.next_cursor], [1, null])
    assert.deepEqual([...first.rows, ...second.rows].map((r) => r.session_file), [
      'ana/streamed-snapshots.jsonl', 'ana/duplicated-lines.jsonl', 'ana/resumed-original.jsonl',
    ])
    assert.equal(first.totals.responses, 6)
    await assert.rejects(report(s, { group_by: 'day', cursor: first.next_cursor! }), /cursor/)
  })

  test('budget: this month\'s spend; one Telegram note per threshold in the outbox, only once an admin has linked a chat', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'admin', true)
    await addUser(s, 'u2', 'ana')
    await process(s, 'ana', 'streamed-snapshots.jsonl')
    const now = new Date('2026-02-20T12:00:00.000Z')
    assert.equal(await checkBudget(s, { now }), null, 'no budget, nothing to check')
    assert.deepEqual(await budgetStatus(s, now), {
      month: '2026-02', since: '2026-02-01T00:00:00.000Z', until: '2026-03-01T00:00:00.000Z', spent_usd: 0.052695, budget_usd: null, share: null,
      unpriced_tokens: 0, unpriced_models: [], prices_as_of: '2026-11-29',
    })
    await s.instance.setConfig({ cost_monthly_budget_usd: 0.06 }, 'u1', RUN_AT)
    assert.equal((await checkBudget(s, { now }))?.share, 0.052695 / 0.06)
    assert.deepEqual(await s.feedback.notificationsFor('u1'), [], 'under 80 %: no note')
    await process(s, 'ana', 'duplicated-lines.jsonl') // now 0.073722: over 100 %, but nobody linked a chat
    assert.deepEqual(await s.feedback.notificationsFor('u1'), [])
    await s.feedback.setTelegramLink('u1', '1001', RUN_AT)
    await checkBudget(s, { now })
    await checkBudget(s, { now })
    const notes = await s.feedback.notificationsFor('u1')
    assert.deepEqual(notes.map((n) => [n.kind, n.chat_id, n.status, n.report_ids]), [['budget', '1001', 'pending', []]], 'both thresholds at once: one note, the 100 % one')
    assert.match(notes[0].text, /reached 100 % of the monthly budget/)
    assert.match(notes[0].text, /2026-02 so far: \$0\.07 of \$0\.06 \(123 %\)/)
    // A new budget amount is a new threshold to reach.
    await s.instance.setConfig({ cost_monthly_budget_usd: 0.09 }, 'u1', RUN_AT)
    await checkBudget(s, { now })
    const texts = (await s.feedback.notificationsFor('u1')).map((n) => n.text.split('\n')[0]).sort()
    assert.deepEqual(texts, [
      '<b>Agnes: Claude Code spend reached 100 % of the monthly budget</b>',
      '<b>Agnes: Claude Code spend reached 80 % of the monthly budget</b>',
    ])
  })
})

testEnginesAgree()
