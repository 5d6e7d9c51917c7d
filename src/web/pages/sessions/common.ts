// What the two sessions pages share: finding types, their badges, durations and sizes.
import { el, fmtInt, pad } from '../dom.ts'

export const API = '/api/admin/sessions'
export const TYPES = ['tool_error', 'permission_denied', 'user_rejection', 'loop', 'abrupt_end'] as const
const TYPE_LABEL: Record<string, string> = {
  tool_error: 'Tool error', permission_denied: 'Permission denied', user_rejection: 'User rejection', loop: 'Loop', abrupt_end: 'Abrupt end',
}

export const typeLabel = (t: string) => TYPE_LABEL[t] ?? String(t)
export const typeClass = (t: string) => ((TYPES as readonly string[]).includes(t) ? t : 'other')

export function typeBadge(t: string, count?: number): HTMLElement {
  return el('span', { class: `sx-badge t-${typeClass(t)}`, 'data-type': t, title: typeLabel(t) }, typeLabel(t), count !== undefined ? el('b', null, fmtInt(count)) : null)
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`
}

/** Milliseconds from a to b; null when either is missing. */
export function span(a: string | null | undefined, b: string | null | undefined): number | null {
  if (!a || !b) return null
  const ms = new Date(b).getTime() - new Date(a).getTime()
  return Number.isFinite(ms) ? ms : null
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—'
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

/** "line 12 · turn 3". */
export const whereText = (f: { line: number; turn_index: number | null }) =>
  `line ${f.line}${f.turn_index !== null && f.turn_index !== undefined ? ` · turn ${f.turn_index + 1}` : ''}`
