/**
 * Anthropic's list prices, kept in the repository so an estimate can always say which prices it used.
 *
 * USD per million tokens for each kind of token Claude Code's transcripts count. A change to any figure bumps
 * `version` and `as_of` (the day the figures were read), and the commit says what changed; an admin can override
 * any model in the instance settings (contract discounts, Bedrock or Vertex rates) without touching this file.
 *
 * Read on 2026-11-29 from copies of Anthropic's pages: the pricing page ("Model pricing", "Long context pricing"),
 * the per-model overview pages, the fast-mode page and the data-residency notes. `source` says which, per entry;
 * "secondary" marks figures that Anthropic's own pages we could read gave only in part (input and output), with
 * the cache rates taken from release notes of price-tracking tools that cite the pricing page.
 *
 * Deliberately absent (their tokens are shown as unpriced, never as $0): models whose full price we could not
 * read (e.g. Claude Fable 5.2 / Mythos 5.2), and batch pricing (Claude Code does not use the Batch API).
 */

/** USD per million tokens. */
export interface Rates {
  input: number
  output: number
  /** Cache writes with the 5-minute TTL (the API's default; also what an unsplit cache write is priced at). */
  cache_write_5m: number
  cache_write_1h: number
  /** Cache hits and refreshes. */
  cache_read: number
}

export interface ModelPrice {
  /** The model id without date or provider decorations (see canonicalModel). */
  model: string
  label: string
  rates: Rates
  /**
   * A request whose prompt (input + cache writes + cache reads) is over `above_prompt_tokens` is priced at these
   * rates for every token, output included (Anthropic's long-context and long-prompt tiers).
   */
  long_context?: { above_prompt_tokens: number; rates: Rates }
  /** `usage.speed: "fast"`: every rate times this. A fast response of a model without one is unpriced. */
  fast_multiplier?: number
  /** First UTC day (YYYY-MM-DD) these figures apply; the entry for the same model with the latest `from` not after a response's day wins. */
  from?: string
  source: 'anthropic-pricing-page' | 'anthropic-model-page' | 'secondary'
  note?: string
}

export interface PriceTable {
  version: number
  /** The day the figures were read from Anthropic's published prices. */
  as_of: string
  source_url: string
  /** Multipliers for `usage.inference_geo` values (US-only inference costs 1.1× on models that support it). */
  inference_geo_multipliers: Record<string, number>
  models: ModelPrice[]
}

const r = (input: number, cache_write_5m: number, cache_write_1h: number, cache_read: number, output: number): Rates => ({
  input, output, cache_write_5m, cache_write_1h, cache_read,
})

const OPUS_45 = r(5, 6.25, 10, 0.5, 25)
const OPUS_4 = r(15, 18.75, 30, 1.5, 75)
const SONNET_4 = r(3, 3.75, 6, 0.3, 15)
/** Sonnet 4 and 4.5 with the 1M-token context beta, prompts over 200K tokens. */
const SONNET_4_LONG = { above_prompt_tokens: 200_000, rates: r(6, 7.5, 12, 0.6, 22.5) }
const FABLE_5 = r(10, 12.5, 20, 1, 50)
const FABLE_51 = r(10, 12.5, 20, 0.25, 50)

export const PRICE_TABLE: PriceTable = {
  version: 1,
  as_of: '2026-11-29',
  source_url: 'https://platform.claude.com/docs/en/about-claude/pricing',
  inference_geo_multipliers: { us: 1.1 },
  models: [
    { model: 'claude-fable-5-1', label: 'Claude Fable 5.1', rates: FABLE_51, source: 'anthropic-pricing-page' },
    { model: 'claude-mythos-5-1', label: 'Claude Mythos 5.1', rates: FABLE_51, source: 'anthropic-pricing-page' },
    { model: 'claude-fable-5', label: 'Claude Fable 5', rates: FABLE_5, source: 'anthropic-pricing-page' },
    { model: 'claude-mythos-5', label: 'Claude Mythos 5', rates: FABLE_5, source: 'anthropic-pricing-page' },
    {
      model: 'claude-opus-5-5', label: 'Claude Opus 5.5', rates: r(4, 5, 8, 0.2, 20), source: 'secondary',
      note: 'input and output from Anthropic\'s model comparison; cache hits at 0.05× input as tracked by pricing-page readers',
    },
    { model: 'claude-opus-5', label: 'Claude Opus 5', rates: OPUS_45, source: 'anthropic-model-page' },
    { model: 'claude-opus-4-8', label: 'Claude Opus 4.8', rates: OPUS_45, source: 'anthropic-pricing-page' },
    { model: 'claude-opus-4-7', label: 'Claude Opus 4.7', rates: OPUS_45, source: 'anthropic-pricing-page' },
    {
      model: 'claude-opus-4-6', label: 'Claude Opus 4.6', rates: OPUS_45, fast_multiplier: 6, source: 'anthropic-pricing-page',
      note: 'fast mode at 6× standard rates (fast-mode page)',
    },
    { model: 'claude-opus-4-5', label: 'Claude Opus 4.5', rates: OPUS_45, source: 'anthropic-pricing-page' },
    { model: 'claude-opus-4-1', label: 'Claude Opus 4.1', rates: OPUS_4, source: 'anthropic-pricing-page' },
    { model: 'claude-opus-4', label: 'Claude Opus 4', rates: OPUS_4, source: 'anthropic-pricing-page' },
    { model: 'claude-3-opus', label: 'Claude Opus 3', rates: OPUS_4, source: 'anthropic-pricing-page' },
    {
      model: 'claude-sonnet-5-5', label: 'Claude Sonnet 5.5', rates: r(2, 2.5, 4, 0.2, 10), source: 'anthropic-model-page',
    },
    {
      model: 'claude-sonnet-5-5', label: 'Claude Sonnet 5.5', rates: r(2, 2.5, 4, 0.1, 10), from: '2026-10-07', source: 'secondary',
      note: 'cache hits cut from $0.20 to $0.10 on 2026-10-07, as tracked by pricing-page readers',
    },
    { model: 'claude-sonnet-5', label: 'Claude Sonnet 5', rates: r(2, 2.5, 4, 0.2, 10), source: 'anthropic-model-page' },
    { model: 'claude-sonnet-4-6', label: 'Claude Sonnet 4.6', rates: SONNET_4, source: 'anthropic-pricing-page' },
    { model: 'claude-sonnet-4-5', label: 'Claude Sonnet 4.5', rates: SONNET_4, long_context: SONNET_4_LONG, source: 'anthropic-pricing-page' },
    { model: 'claude-sonnet-4', label: 'Claude Sonnet 4', rates: SONNET_4, long_context: SONNET_4_LONG, source: 'anthropic-pricing-page' },
    { model: 'claude-3-7-sonnet', label: 'Claude Sonnet 3.7', rates: SONNET_4, source: 'anthropic-pricing-page' },
    { model: 'claude-3-5-sonnet', label: 'Claude Sonnet 3.5', rates: SONNET_4, source: 'anthropic-pricing-page' },
    {
      model: 'claude-haiku-5-5', label: 'Claude Haiku 5.5', rates: r(0.1, 0.125, 0.2, 0.01, 0.5),
      long_context: { above_prompt_tokens: 100_000, rates: r(0.5, 0.625, 1, 0.05, 2.5) }, source: 'secondary',
      note: 'Anthropic lists "from $0.10 / $0.50"; the two prompt-length bands as tracked by pricing-page readers',
    },
    { model: 'claude-haiku-4-5', label: 'Claude Haiku 4.5', rates: r(1, 1.25, 2, 0.1, 5), source: 'anthropic-pricing-page' },
    { model: 'claude-3-5-haiku', label: 'Claude Haiku 3.5', rates: r(0.8, 1, 1.6, 0.08, 4), source: 'anthropic-pricing-page' },
    { model: 'claude-3-haiku', label: 'Claude Haiku 3', rates: r(0.25, 0.3, 0.5, 0.03, 1.25), source: 'anthropic-pricing-page' },
  ],
}
