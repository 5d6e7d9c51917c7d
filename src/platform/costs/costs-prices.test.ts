import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PRICE_TABLE } from './price-table.ts'
import { canonicalModel, costOf, effectivePrices, priceFor, promptThresholds, type PriceChoice } from './prices.ts'

const table = effectivePrices({})
const ctx = (over: Partial<Parameters<typeof costOf>[2]> = {}) => ({
  band: 0, thresholds: promptThresholds(table), speed: null, inferenceGeo: null, geoMultipliers: PRICE_TABLE.inference_geo_multipliers, ...over,
})
const M = 1_000_000
const round = (v: number) => Math.round(v * 1e9) / 1e9

test('transcript model names are priced under their id without date or provider decorations', () => {
  assert.equal(canonicalModel('claude-sonnet-4-5-20250929'), 'claude-sonnet-4-5')
  assert.equal(canonicalModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), 'claude-sonnet-4-5')
  assert.equal(canonicalModel('anthropic.claude-3-5-haiku-20241022-v1:0'), 'claude-3-5-haiku')
  assert.equal(canonicalModel('claude-opus-4-1@20250805'), 'claude-opus-4-1')
  assert.equal(canonicalModel('claude-opus-4-6[1m]'), 'claude-opus-4-6')
  assert.equal(canonicalModel('claude-opus-4-0'), 'claude-opus-4')
  assert.equal(canonicalModel('claude-3-7-sonnet-latest'), 'claude-3-7-sonnet')
  assert.equal(canonicalModel('Claude-Opus-4-6'), 'claude-opus-4-6')
})

test('every model of the table has a price, and a model no one knows has none', () => {
  for (const m of PRICE_TABLE.models) assert.ok(priceFor(table, m.model, '2026-11-29'), m.model)
  assert.equal(priceFor(table, 'claude-nova-9', '2026-02-16'), null)
  assert.equal(priceFor(table, '(unknown)', '2026-02-16'), null)
  assert.ok(PRICE_TABLE.as_of.match(/^\d{4}-\d{2}-\d{2}$/))
})

test('a price change applies from its day: Sonnet 5.5 cache reads before and after 2026-10-07', () => {
  assert.equal(priceFor(table, 'claude-sonnet-5-5', '2026-10-06')?.rates.cache_read, 0.2)
  assert.equal(priceFor(table, 'claude-sonnet-5-5', '2026-10-07')?.rates.cache_read, 0.1)
  assert.equal(priceFor(table, 'claude-sonnet-5-5', null)?.rates.cache_read, 0.2, 'an undated response gets the first price')
})

test('an admin override wins for every date, by exact name first, then by id; a malformed one is ignored and named', () => {
  const p = effectivePrices({
    'cost_price:claude-opus-4-6': { input: 4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.4 },
    'cost_price:claude-opus-4-6-20990101': { input: 1, output: 1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1 },
    'cost_price:claude-sonnet-4-5': { input: 'cheap' },
    instance_name: 'x',
  })
  assert.deepEqual(p.ignored, ['cost_price:claude-sonnet-4-5'])
  assert.equal(priceFor(p, 'claude-opus-4-6', '2026-02-10')?.rates.input, 4)
  assert.equal(priceFor(p, 'claude-opus-4-6', '2026-02-10')?.from, 'override:claude-opus-4-6')
  assert.equal(priceFor(p, 'claude-opus-4-6-20990101', '2026-02-10')?.rates.input, 1, 'the exact name before the id')
  assert.equal(priceFor(p, 'claude-sonnet-4-5-20250929', '2026-02-10')?.from, `table:v${PRICE_TABLE.version}`)
})

test('cost per kind: input, output, 5-minute and 1-hour cache writes, cache reads (Opus 4.6, by hand)', () => {
  const price = priceFor(table, 'claude-opus-4-6', '2026-02-10') as PriceChoice
  const c = costOf({ input: M, output: M, cacheWrite5m: M, cacheWrite1h: M, cacheRead: M }, price, ctx())!
  assert.deepEqual(c, { input: 5, output: 25, cache_creation: 6.25 + 10, cache_read: 0.5, total: 46.75 })
})

test('a prompt over a tier\'s threshold prices the whole request at the tier: Sonnet 4.5 over 200K, Haiku 5.5 over 100K', () => {
  const thresholds = promptThresholds(table)
  assert.deepEqual(thresholds, [100_000, 200_000])
  const sonnet = priceFor(table, 'claude-sonnet-4-5-20250929', '2026-02-15') as PriceChoice
  const t = { input: 150_000, output: 1000, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 100_000 }
  // By hand: over 200K (band 2) every token at $6 / $22.50 / $0.60; under it (band 0 or 1) at $3 / $15 / $0.30.
  assert.equal(round(costOf(t, sonnet, ctx({ band: 2 }))!.total), round(0.9 + 0.0225 + 0.06))
  assert.equal(round(costOf(t, sonnet, ctx({ band: 1 }))!.total), round(0.45 + 0.015 + 0.03))
  const haiku = priceFor(table, 'claude-haiku-5-5', '2026-02-15') as PriceChoice
  const h = { input: 120_000, output: 2000, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 }
  assert.equal(round(costOf(h, haiku, ctx({ band: 1 }))!.total), round(0.06 + 0.005))
  assert.equal(round(costOf(h, haiku, ctx({ band: 0 }))!.total), round(0.012 + 0.001))
})

test('fast mode multiplies where the model has a fast price and is unpriced where it has none; US-only inference costs 1.1×', () => {
  const opus = priceFor(table, 'claude-opus-4-6', '2026-02-16') as PriceChoice
  const t = { input: 1000, output: 1000, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 }
  assert.equal(round(costOf(t, opus, ctx({ speed: 'fast' }))!.total), 0.18)
  assert.equal(round(costOf(t, opus, ctx({ inferenceGeo: 'us' }))!.total), 0.033)
  assert.equal(round(costOf(t, opus, ctx({ inferenceGeo: 'global' }))!.total), 0.03)
  const opus45 = priceFor(table, 'claude-opus-4-5-20251101', '2026-02-16') as PriceChoice
  assert.equal(costOf(t, opus45, ctx({ speed: 'fast' })), null)
})
