import { z } from 'zod'
import { PRICE_TABLE, type ModelPrice, type PriceTable, type Rates } from './price-table.ts'

/** Instance settings keys holding one model's price override: `cost_price:<model as the transcripts name it, or its canonical id>`. */
export const OVERRIDE_KEY_PREFIX = 'cost_price:'

/** A model name as it may appear in an override key or a filter. */
export const modelName = z.string().min(1).max(200).regex(/^[A-Za-z0-9._:@[\]-]+$/, 'a model id: letters, digits and . _ : @ [ ] -')

const usdPerMTok = z.number().min(0).max(100_000)
const rates = z.strictObject({
  input: usdPerMTok, output: usdPerMTok, cache_write_5m: usdPerMTok, cache_write_1h: usdPerMTok, cache_read: usdPerMTok,
})

/** An admin's price for one model (USD per million tokens), replacing the table's entry for every date. */
export const priceOverrideSchema = z.strictObject({
  input: usdPerMTok,
  output: usdPerMTok,
  cache_write_5m: usdPerMTok,
  cache_write_1h: usdPerMTok,
  cache_read: usdPerMTok,
  long_context: z.strictObject({ above_prompt_tokens: z.number().int().min(1).max(100_000_000), rates }).optional(),
  fast_multiplier: z.number().min(0).max(1000).optional(),
  note: z.string().max(500).optional(),
})
export type PriceOverride = z.infer<typeof priceOverrideSchema>

/**
 * The model id a transcript's model name is priced under: provider decorations dropped (Bedrock's
 * `us.anthropic.` prefix and `-v1:0` suffix, Vertex's `@20250929`, a `[1m]` context marker), then the release date
 * (`-20250929`) or `-latest`, then the aliases Anthropic gives the same model (`claude-opus-4-0`).
 */
export function canonicalModel(raw: string): string {
  let m = raw.trim().toLowerCase()
  m = m.replace(/^.*?anthropic[./]/, '')
  m = m.replace(/\[[^\]]*\]$/, '')
  m = m.replace(/@.*$/, '')
  m = m.replace(/-v\d+(:\d+)?$/, '')
  m = m.replace(/-(\d{8}|latest)$/, '')
  return ALIASES[m] ?? m
}

const ALIASES: Record<string, string> = {
  'claude-opus-4-0': 'claude-opus-4',
  'claude-sonnet-4-0': 'claude-sonnet-4',
  'claude-3-opus-latest': 'claude-3-opus',
}

/** The prices in force: the repository's table and the admin's overrides (settings key → override). */
export interface EffectivePrices {
  table: PriceTable
  overrides: Map<string, PriceOverride>
}

/** Reads the overrides out of the instance settings; a malformed one (written around the API) is ignored and named. */
export function effectivePrices(config: Record<string, unknown>, table: PriceTable = PRICE_TABLE): EffectivePrices & { ignored: string[] } {
  const overrides = new Map<string, PriceOverride>()
  const ignored: string[] = []
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(OVERRIDE_KEY_PREFIX)) continue
    const parsed = priceOverrideSchema.safeParse(value)
    if (parsed.success) overrides.set(key.slice(OVERRIDE_KEY_PREFIX.length), parsed.data)
    else ignored.push(key)
  }
  return { table, overrides, ignored }
}

/** How a model's tokens are priced on one day: the rates and where they come from. */
export interface PriceChoice {
  model: string
  rates: Rates
  long_context?: { above_prompt_tokens: number; rates: Rates }
  fast_multiplier?: number
  /** 'override:<key>' or 'table:v<version>'. */
  from: string
}

/** The price of a model on a UTC day, or null when neither an override nor the table knows it. */
export function priceFor(prices: EffectivePrices, rawModel: string, day: string | null): PriceChoice | null {
  const canonical = canonicalModel(rawModel)
  for (const key of [rawModel, canonical]) {
    const o = prices.overrides.get(key)
    if (o) {
      const { long_context, fast_multiplier, note: _note, ...rates } = o
      return { model: canonical, rates, long_context, fast_multiplier, from: `override:${key}` }
    }
  }
  let best: ModelPrice | null = null
  for (const p of prices.table.models) {
    if (p.model !== canonical) continue
    if (p.from && day !== null && p.from > day) continue
    if (p.from && day === null) continue
    if (!best || (p.from ?? '') > (best.from ?? '')) best = p
  }
  if (!best) return null
  return { model: canonical, rates: best.rates, long_context: best.long_context, fast_multiplier: best.fast_multiplier, from: `table:v${prices.table.version}` }
}

/** The distinct prompt thresholds of every tier in force, ascending: the store counts how many a response exceeds. */
export function promptThresholds(prices: EffectivePrices): number[] {
  const t = new Set<number>()
  for (const p of prices.table.models) if (p.long_context) t.add(p.long_context.above_prompt_tokens)
  for (const o of prices.overrides.values()) if (o.long_context) t.add(o.long_context.above_prompt_tokens)
  return [...t].sort((a, b) => a - b)
}

/** Tokens of one kind-split, as priced. */
export interface Tokens {
  input: number
  output: number
  cacheWrite5m: number
  cacheWrite1h: number
  cacheRead: number
}

export interface CostParts {
  input: number
  output: number
  cache_creation: number
  cache_read: number
  total: number
}

/**
 * The cost of tokens at one price. `band` is how many of `thresholds` the responses' prompts exceeded (the store
 * groups by it), so a tier applies when its threshold is among those exceeded. Null when the responses ran in fast
 * mode and the price has no fast multiplier: such tokens are unpriced rather than guessed.
 */
export function costOf(
  t: Tokens,
  price: PriceChoice,
  ctx: { band: number; thresholds: number[]; speed: string | null; inferenceGeo: string | null; geoMultipliers: Record<string, number> },
): CostParts | null {
  let rates = price.rates
  if (price.long_context) {
    const i = ctx.thresholds.indexOf(price.long_context.above_prompt_tokens)
    if (i >= 0 && ctx.band > i) rates = price.long_context.rates
  }
  let multiplier = 1
  if (ctx.speed === 'fast') {
    if (price.fast_multiplier === undefined) return null
    multiplier *= price.fast_multiplier
  }
  if (ctx.inferenceGeo) multiplier *= ctx.geoMultipliers[ctx.inferenceGeo] ?? 1
  const usd = (tokens: number, perMTok: number) => (tokens * perMTok * multiplier) / 1_000_000
  const parts = {
    input: usd(t.input, rates.input),
    output: usd(t.output, rates.output),
    cache_creation: usd(t.cacheWrite5m, rates.cache_write_5m) + usd(t.cacheWrite1h, rates.cache_write_1h),
    cache_read: usd(t.cacheRead, rates.cache_read),
  }
  return { ...parts, total: parts.input + parts.output + parts.cache_creation + parts.cache_read }
}
