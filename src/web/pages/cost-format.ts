// How the pages write an estimated cost (the Costs tab, the sessions list and replay): one way, so a session's figure
// reads the same everywhere it appears.
import { el } from './dom.ts'

/** Dollars: cents from $1 up (and for nothing), four decimals below (a short session costs fractions of a cent). */
export function fmtUsd(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  const abs = Math.abs(v)
  return `$${abs >= 1 || abs === 0 ? v.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : v.toFixed(4)}`
}

/** What a figure with tokens of each kind adds up to. */
export interface TokenCounts { input_tokens: number; output_tokens: number; cache_creation_tokens: number; cache_read_tokens: number }
export const totalTokens = (t: TokenCounts) => t.input_tokens + t.output_tokens + t.cache_creation_tokens + t.cache_read_tokens

/** A priced figure as the API gives it: null cost (no model of it has a price), or a part when some models have none. */
export interface PricedFigure { cost_usd: number | null; cost_complete: boolean; unpriced: { models: string[] } | null }

/**
 * The cost as text in an element carrying the exact figure (data-usd): "unpriced" when no model has a price, a "+"
 * when models without a price are left out (named on hover).
 */
export function costEl(f: PricedFigure, tag: 'span' | 'strong' = 'span'): HTMLElement {
  const missing = f.unpriced?.models.join(', ') ?? ''
  if (f.cost_usd === null) return el(tag, { class: 'cost unpriced', 'data-usd': '', title: `no known price for ${missing}` }, 'unpriced')
  return el(tag, { class: `cost${f.cost_complete ? '' : ' partial'}`, 'data-usd': String(f.cost_usd), title: f.cost_complete ? null : `leaves out ${missing}, which have no known price` },
    `${fmtUsd(f.cost_usd)}${f.cost_complete ? '' : '+'}`)
}
