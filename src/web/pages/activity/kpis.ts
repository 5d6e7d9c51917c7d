// The KPI strip: each figure for the current filters with its change against the previous period of the same length.
import { byId, el, fmtInt, getJson } from '../dom.ts'
import { fmtAbsolute } from '../time.ts'
import type { Kpis } from '../api.ts'
import { fmtSpan, kpiChange, type ChangeKind } from './change.ts'
import { fmtMs, fmtPct } from './format.ts'
import type { ActivityPage } from './page.ts'

interface Item {
  key: string
  label: string
  value: string
  bad: boolean
  note: string | null
  cur: number | null
  prev: number | null
  kind: ChangeKind
  /** Whether a rise is bad news (errors), good news never: the others are neutral. */
  riseIsBad: boolean
}

export async function loadKpis(page: ActivityPage, gen: number): Promise<void> {
  try {
    const k = await getJson<Kpis>(page.apiUrl('kpis'))
    if (gen !== page.state.gen) return
    const p = k.previous
    const items: Item[] = [
      { key: 'events', label: 'Events', value: fmtInt(k.events), bad: false, note: null, cur: k.events, prev: p?.events, kind: 'count', riseIsBad: false },
      { key: 'errors', label: 'Errors', value: fmtInt(k.errors), bad: k.errors > 0, note: null, cur: k.errors, prev: p?.errors, kind: 'count', riseIsBad: true },
      { key: 'error_rate', label: 'Error rate', value: fmtPct(k.error_rate), bad: k.errors > 0, note: null, cur: k.error_rate, prev: p?.error_rate, kind: 'rate', riseIsBad: true },
      { key: 'active_users', label: 'Active users', value: fmtInt(k.active_users), bad: false, note: null, cur: k.active_users, prev: p?.active_users, kind: 'count', riseIsBad: false },
      {
        key: 'p95_duration_ms', label: 'p95 duration', value: fmtMs(k.p95_duration_ms), bad: false,
        note: k.duration_coverage === null || k.duration_coverage === undefined ? null : `${fmtPct(k.duration_coverage)} of events timed`,
        cur: k.p95_duration_ms, prev: p?.p95_duration_ms, kind: 'duration', riseIsBad: true,
      },
    ]
    const span = p ? fmtSpan(Date.parse(p.until) - Date.parse(p.since)) : ''
    const prevTitle = p ? `previous period: ${fmtAbsolute(p.since)} to ${fmtAbsolute(p.until)}` : ''
    byId('ac-kpis').setAttribute('data-ready', 'true')
    byId('ac-kpis').replaceChildren(...items.map((it) => {
      const c = p ? kpiChange(it.cur, it.prev, it.kind) : { text: '', dir: 'none' as const }
      const tone = c.dir === 'up' ? (it.riseIsBad ? 'worse' : 'up') : c.dir === 'down' ? (it.riseIsBad ? 'better' : 'down') : c.dir
      const prevValue = it.kind === 'rate' ? fmtPct(it.prev) : it.kind === 'duration' ? fmtMs(it.prev) : fmtInt(it.prev)
      return el('div', { class: `ac-kpi${it.bad ? ' bad' : ''}`, 'data-kpi': it.key },
        el('div', { class: 'ac-kpi-label' }, it.label),
        el('div', { class: 'ac-kpi-value' }, it.value),
        c.text ? el('div', { class: `ac-kpi-change ${tone}`, 'data-change': c.text, title: `${prevValue} in the ${prevTitle}` },
          c.dir === 'up' ? '▲ ' : c.dir === 'down' ? '▼ ' : '', c.text, el('span', { class: 'muted' }, ` vs previous ${span}`)) : null,
        it.note ? el('div', { class: 'ac-kpi-note' }, it.note) : null)
    }))
    page.setError('the figures', null)
  } catch (e) {
    page.setError('the figures', e)
  }
}
