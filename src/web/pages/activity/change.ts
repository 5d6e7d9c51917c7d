// A KPI's change against the previous period of the same length, as the KPI strip words it.

export type ChangeKind = 'count' | 'rate' | 'duration'
export interface Change {
  /** "+25%", "−3%", "+1.2 pp", "new", "same"; '' when there is nothing to compare. */
  text: string
  dir: 'up' | 'down' | 'same' | 'none'
}

const MINUS = '\u2212'
const signed = (n: number, digits: number) => `${n > 0 ? '+' : n < 0 ? MINUS : ''}${Math.abs(n).toFixed(digits)}`

/**
 * How `cur` differs from `prev`: counts and durations by percent (a rise from zero is "new"), rates (0..1) by
 * percentage points. Either figure missing (no timed event, say) gives no change.
 */
export function kpiChange(cur: number | null | undefined, prev: number | null | undefined, kind: ChangeKind): Change {
  if (cur === null || cur === undefined || prev === null || prev === undefined || !Number.isFinite(cur) || !Number.isFinite(prev)) return { text: '', dir: 'none' }
  if (kind === 'rate') {
    const pp = (cur - prev) * 100
    if (Math.abs(pp) < 0.05) return { text: 'same', dir: 'same' }
    return { text: `${signed(pp, Math.abs(pp) < 10 ? 1 : 0)} pp`, dir: pp > 0 ? 'up' : 'down' }
  }
  if (prev === 0) return cur === 0 ? { text: 'same', dir: 'same' } : { text: 'new', dir: 'up' }
  const pct = ((cur - prev) / prev) * 100
  if (Math.abs(pct) < 0.5) return { text: 'same', dir: 'same' }
  return { text: `${signed(pct, Math.abs(pct) < 10 ? 1 : 0)}%`, dir: pct > 0 ? 'up' : 'down' }
}

/** A period's length in words: "45 min", "24 h", "7 d". */
export function fmtSpan(ms: number): string {
  const min = ms / 60_000
  if (min < 120) return `${Math.max(1, Math.round(min))} min`
  const h = min / 60
  if (h < 72) return `${Math.round(h)} h`
  return `${Math.round(h / 24)} d`
}
