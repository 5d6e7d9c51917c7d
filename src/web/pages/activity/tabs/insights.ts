// What the Usage, Queries and Performance tabs share: links that open the timeline on a filter the API gave, the
// API's definitions as a list, a sortable table, and a line chart over time (uPlot, like the events chart).
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { byId, el, fmtInt } from '../../dom.ts'
import { axisLabels } from '../chart.ts'
import { FILTER_KEYS, query, type ActivityPage } from '../page.ts'
import './insights.css'

/**
 * A link to the timeline filtered as the API says: a real address (open in a new tab, copy), and on a plain click the
 * page switches to the timeline with those filters, as the URL would.
 */
export function timelineLink(page: ActivityPage, filters: Record<string, string | undefined>, ...children: Array<Node | string>): HTMLAnchorElement {
  const clean = Object.fromEntries(Object.entries(filters).filter(([k, v]) => FILTER_KEYS.includes(k) && v))
  return el('a', {
    href: `/admin/activity?${query(clean)}`, class: 'ac-tl-link', title: 'Open these calls in the timeline',
    onclick: (e: MouseEvent) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return
      e.preventDefault()
      page.setFilters(clean, { tab: 'timeline', force: true })
    },
  }, ...children)
}

/** The API's `definition` object as a list of terms. */
export function fillDefinitions(id: string, def: Record<string, string>): void {
  byId(id).replaceChildren(...Object.entries(def).flatMap(([k, v]) => [el('dt', null, k.replaceAll('_', ' ')), el('dd', null, v)]))
}

/** Rows sorted by the clicked column (again: the other way); numbers largest first, text A to Z first. */
export function sortable<T>(table: HTMLTableElement, draw: (rows: T[]) => void, value: (row: T, key: string) => string | number | null) {
  let rows: T[] = []
  let key = ''
  let dir = 1
  const redraw = () => {
    const sorted = key ? [...rows].sort((a, b) => {
      const x = value(a, key)
      const y = value(b, key)
      if (x === y) return 0
      if (x === null) return 1
      if (y === null) return -1
      return (x < y ? -1 : 1) * dir
    }) : rows
    for (const th of table.querySelectorAll('th[data-sort]')) th.setAttribute('aria-sort', th.getAttribute('data-sort') === key ? (dir === 1 ? 'ascending' : 'descending') : 'none')
    draw(sorted)
  }
  for (const th of table.querySelectorAll<HTMLElement>('th[data-sort]')) {
    th.querySelector('button')?.addEventListener('click', () => {
      const k = th.getAttribute('data-sort')!
      const numeric = th.classList.contains('num')
      dir = k === key ? -dir : numeric ? -1 : 1
      key = k
      redraw()
    })
  }
  return (next: T[]) => {
    rows = next
    redraw()
  }
}

export interface Line {
  label: string
  color: string
  values: Array<number | null>
  /** A second scale, drawn against the right axis (a ratio shown as a percentage). */
  ratio?: boolean
  dash?: number[]
}

/**
 * A line chart over time in `box`, redrawn on new data and kept as wide as its card. `readout` is called with the
 * index under the cursor (null when it leaves).
 */
export function lineChart(box: HTMLElement, readout: (idx: number | null) => void) {
  let plot: uPlot | null = null
  let shape = ''
  const size = () => ({ width: Math.max(200, box.clientWidth), height: box.clientWidth < 600 ? 140 : 180 })
  new ResizeObserver(() => plot?.setSize(size())).observe(box)
  return (xs: number[], lines: Line[], range: [number, number]) => {
    const data: uPlot.AlignedData = [xs, ...lines.map((l) => l.values)]
    const sig = lines.map((l) => l.label).join('|')
    if (plot && sig === shape) {
      plot.setData(data)
      return
    }
    plot?.destroy()
    shape = sig
    const ratio = lines.some((l) => l.ratio)
    const axis = { stroke: '#5d6678', font: '11px system-ui, sans-serif' }
    plot = new uPlot({
      ...size(),
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      legend: { show: false },
      cursor: { points: { size: 6 } },
      scales: { x: { time: true, range: () => range }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] }, r: { range: [0, 1] } },
      axes: [
        { ...axis, grid: { show: false }, ticks: { stroke: '#e3e6ec' }, values: axisLabels },
        { ...axis, grid: { stroke: '#eef0f4' }, ticks: { show: false }, size: 48, values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? fmtInt(v) : '')) },
        ...(ratio ? [{ ...axis, scale: 'r', side: 1 as const, grid: { show: false }, ticks: { show: false }, size: 40, values: (_u: uPlot, vals: number[]) => vals.map((v) => `${Math.round(v * 100)}%`) }] : []),
      ],
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, dash: l.dash, scale: l.ratio ? 'r' : 'y', spanGaps: false, points: { show: l.values.filter((v) => v !== null).length < 40 } }))],
      hooks: { setCursor: [(u) => readout(u.cursor.idx ?? null)] },
    }, data, box)
  }
}

/** The chart's legend: a swatch and a label per line. */
export function legend(id: string, lines: Line[]): void {
  byId(id).replaceChildren(...lines.map((l) => el('span', { class: 'ac-legend-item' }, el('i', { class: 'ac-swatch', style: `background:${l.color}` }), l.label)))
}
