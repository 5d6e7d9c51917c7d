// How the Activity Center writes durations, ratios, results and JSON.
import { el } from '../dom.ts'

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—'
  const n = Number(ms)
  if (!Number.isFinite(n)) return '—'
  if (n < 10) return `${n.toFixed(1)} ms`
  if (n < 1000) return `${Math.round(n)} ms`
  if (n < 60000) return `${(n / 1000).toFixed(n < 10000 ? 2 : 1)} s`
  return `${(n / 60000).toFixed(1)} min`
}

/** A ratio (0..1) as a percentage. */
export function fmtPct(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(Number(r))) return '—'
  const p = Number(r) * 100
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`
}

const COLORS = ['green', 'yellow', 'red', 'grey']
export const color = (c: string) => (COLORS.includes(c) ? c : 'grey')

export function resultClass(result: string | null | undefined): 'success' | 'error' | 'denied' | 'other' {
  if (result === 'success') return 'success'
  if (result === 'denied') return 'denied'
  if (typeof result === 'string' && result.startsWith('error')) return 'error'
  return 'other'
}
export const badge = (result: string | null | undefined) => el('span', { class: `ac-badge r-${resultClass(result)}`, title: result ?? '' }, result ?? '—')

export function json(v: unknown): string {
  if (typeof v === 'string') {
    try {
      return JSON.stringify(JSON.parse(v), null, 2)
    } catch {
      return v
    }
  }
  return JSON.stringify(v, null, 2)
}
export const show = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v))
