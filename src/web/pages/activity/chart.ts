// The events-over-time chart above the timeline: bars per time bucket stacked by result class (success, error, denied,
// other), from GET /api/admin/activity/histogram with the timeline's filters. Dragging across it (the brush) sets the
// time range filter to the buckets it covers: the URL follows and the table, KPIs and facets reload.
// uPlot draws on a canvas; bucket counts are shown as text in the legend and the readout, never as HTML.
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { byId, el, fmtInt, getJson } from '../dom.ts'
import { fmtAbsolute, fmtShort } from '../time.ts'
import type { Histogram } from '../api.ts'
import type { ActivityPage } from './page.ts'
import { drawnRange } from './chart-range.ts'

const CLASSES = [
  { key: 'success', label: 'Success', color: '#1f9d55' },
  { key: 'error', label: 'Error', color: '#d64545' },
  { key: 'denied', label: 'Denied', color: '#c98a00' },
  { key: 'other', label: 'Other', color: '#9aa3b2' },
] as const
type ClassKey = (typeof CLASSES)[number]['key']

let plot: uPlot | null = null
let current: Histogram | null = null
/** The x range drawn (drawnRange): the histogram's [since, until] in whole buckets, so an empty stretch shows as empty. */
let range: [number, number] = [0, 1]

/** Stacked series, top of the stack first (uPlot paints in order, so each lower band is drawn over the one above). */
function stacked(h: Histogram): uPlot.AlignedData {
  const xs = h.buckets.map((b) => Date.parse(b.start) / 1000)
  const order = [...CLASSES].reverse()
  const sums = order.map((_, i) => h.buckets.map((b) => order.slice(i).reduce((s, c) => s + b[c.key as ClassKey], 0)))
  return [xs, ...sums]
}

function readout(idx: number | null | undefined) {
  const box = byId('ac-chart-readout')
  if (!current || idx === null || idx === undefined || !current.buckets[idx]) {
    box.textContent = 'Drag across the chart to show that time range.'
    return
  }
  const b = current.buckets[idx]
  const end = new Date(Date.parse(b.start) + current.bucket_seconds * 1000).toISOString()
  const counts = CLASSES.filter((c) => b[c.key] > 0).map((c) => `${fmtInt(b[c.key])} ${c.label.toLowerCase()}`)
  box.textContent = `${fmtShort(b.start)} to ${fmtShort(end)}: ${counts.length ? counts.join(', ') : 'no events'}`
}

function legend(h: Histogram) {
  const totals = Object.fromEntries(CLASSES.map((c) => [c.key, h.buckets.reduce((s, b) => s + b[c.key], 0)]))
  byId('ac-chart-legend').replaceChildren(...CLASSES.map((c) => el('span', { class: 'ac-legend-item', 'data-class': c.key },
    el('i', { class: `ac-swatch s-${c.key}` }), `${c.label} ${fmtInt(totals[c.key])}`)))
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (n: number) => String(n).padStart(2, '0')
/** The time axis in UTC and 24 h: "14:00", with the day under the first tick of each day; whole days as "Nov 20". */
export function axisLabels(_u: uPlot, ticks: number[]): string[] {
  let lastDay = ''
  return ticks.map((t) => {
    const d = new Date(t * 1000)
    const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`
    const midnight = d.getUTCHours() === 0 && d.getUTCMinutes() === 0
    const wholeDays = ticks.length > 1 && ticks[1] - ticks[0] >= 86400
    const label = wholeDays ? day : `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}${day !== lastDay || midnight ? `\n${day}` : ''}`
    lastDay = day
    return label
  })
}

function size(box: HTMLElement) {
  const width = Math.max(200, box.clientWidth)
  return { width, height: width < 600 ? 130 : 170 }
}

function create(page: ActivityPage, box: HTMLElement, data: uPlot.AlignedData): uPlot {
  const bars = uPlot.paths.bars!({ size: [0.92, 64], align: 1, gap: 1 })
  const order = [...CLASSES].reverse()
  const opts: uPlot.Options = {
    ...size(box),
    // Times on the axis in UTC, as everywhere on the pages.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
    select: { show: true, left: 0, top: 0, width: 0, height: 0 },
    scales: { x: { time: true, range: () => range }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.08] } },
    axes: [
      { stroke: '#5d6678', grid: { show: false }, ticks: { stroke: '#e3e6ec' }, font: '11px system-ui, sans-serif', values: axisLabels },
      { stroke: '#5d6678', grid: { stroke: '#eef0f4' }, ticks: { show: false }, font: '11px system-ui, sans-serif', size: 44, values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? fmtInt(v) : '')) },
    ],
    series: [{}, ...order.map((c) => ({ label: c.label, fill: c.color, stroke: c.color, width: 0, paths: bars, points: { show: false } }))],
    hooks: {
      setCursor: [(u) => readout(u.cursor.idx)],
      setSelect: [(u) => {
        if (!current || u.select.width < 3) return
        const size = current.bucket_seconds
        const from = u.posToVal(u.select.left, 'x')
        const to = u.posToVal(u.select.left + u.select.width, 'x')
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
        // Whole buckets: the table then lists exactly the bars that were covered.
        const since = Math.max(Math.floor(from / size) * size, Date.parse(current.since) / 1000)
        const until = Math.min(Math.ceil(to / size) * size, Date.parse(current.until) / 1000)
        if (until <= since) return
        page.setFilters({ ...page.state.filters, since: new Date(since * 1000).toISOString(), until: new Date(until * 1000).toISOString() })
      }],
    },
  }
  return new uPlot(opts, data, box)
}

/** Loads and draws the chart for the current filters. */
export async function loadChart(page: ActivityPage, gen: number): Promise<void> {
  const box = byId('ac-chart')
  try {
    const h = await getJson<Histogram>(page.apiUrl('histogram'))
    if (gen !== page.state.gen) return
    current = h
    range = drawnRange(h)
    const data = stacked(h)
    if (plot) plot.setData(data)
    else plot = create(page, box, data)
    legend(h)
    readout(null)
    const per = h.bucket_seconds >= 86400 ? `${h.bucket_seconds / 86400} d` : h.bucket_seconds >= 3600 ? `${h.bucket_seconds / 3600} h` : `${h.bucket_seconds / 60} min`
    byId('ac-chart-note').textContent = `${fmtInt(h.total)} events, ${per} per bar, UTC`
    byId('ac-chart-note').title = `${fmtAbsolute(h.since, { seconds: true })} to ${fmtAbsolute(h.until, { seconds: true })}`
    // The drawn range and figures, for the browser tests and anyone inspecting the page.
    box.setAttribute('data-since', h.since)
    box.setAttribute('data-until', h.until)
    box.setAttribute('data-bucket-seconds', String(h.bucket_seconds))
    box.setAttribute('data-total', String(h.total))
    box.setAttribute('data-buckets', String(h.buckets.length))
    box.setAttribute('data-ready', 'true')
    page.setError('the chart', null)
  } catch (e) {
    if (gen !== page.state.gen) return
    page.setError('the chart', e)
  }
}

/** Keeps the chart as wide as its card. */
export function watchChartSize(): void {
  const box = byId('ac-chart')
  let last = 0
  new ResizeObserver(() => {
    const s = size(box)
    if (!plot || s.width === last) return
    last = s.width
    plot.setSize(s)
  }).observe(box)
}
