// The Costs tab: what Claude Code costs the team, estimated from the uploaded transcripts (GET /api/admin/costs and
// /budget). Its own range and grouping (kept in the URL as co_since, co_until, co_by): spend over time stacked by model
// (uPlot, as the events chart), by person, by project, the most expensive sessions linking to their replay, the share
// of cost that is cache reads against fresh input, unpriced models with their tokens, and the monthly budget.
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { byId, el, fmtInt, getJson, input, pad, plural, select } from '../../dom.ts'
import { timeEl } from '../../time.ts'
import type { CostBudget, CostReport, CostRow } from '../../api.ts'
import { costEl, fmtUsd, totalTokens } from '../../cost-format.ts'
import { color, fmtPct } from '../format.ts'
import type { ActivityPage } from '../page.ts'
import type { ActivityTab } from './index.ts'
import './costs.css'

const API = '/api/admin/costs'
const GROUPS = ['day', 'week', 'month'] as const
type Group = (typeof GROUPS)[number]
const DAY = 86_400_000
/** Figures change only when transcripts are uploaded: a polling round reloads them at most this often. */
const REFRESH_MS = 5 * 60_000
/** Models drawn each in its own colour; the rest are one "other models" band. */
const MAX_MODELS = 6
const COLORS = ['#2d5bd7', '#1f9d55', '#c98a00', '#8e44ad', '#d64545', '#1b9aaa', '#9aa3b2']

const state = { since: '', until: '', group: 'day' as Group, loadedKey: '', loadedAt: 0, gen: 0 }
let plot: uPlot | null = null
let series: { labels: string[]; keys: string[]; costs: number[][] } = { labels: [], keys: [], costs: [] }

const today = () => new Date().toISOString().slice(0, 10)
const daysBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * DAY).toISOString().slice(0, 10)

function readUrl() {
  const sp = new URLSearchParams(location.search)
  const day = (v: string | null) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : '')
  state.until = day(sp.get('co_until')) || today()
  state.since = day(sp.get('co_since')) || daysBefore(state.until, 29)
  const g = sp.get('co_by')
  state.group = (GROUPS as readonly string[]).includes(g ?? '') ? (g as Group) : 'day'
}
/** The controls in the URL, beside the Activity Center's own state (a link to the tab shows the same figures). */
function saveUrl() {
  const sp = new URLSearchParams(location.search)
  sp.set('co_since', state.since)
  sp.set('co_until', state.until)
  if (state.group === 'day') sp.delete('co_by')
  else sp.set('co_by', state.group)
  history.replaceState(null, '', `${location.pathname}?${sp}`)
}
function fillForm() {
  input('co-since').value = state.since
  input('co-until').value = state.until
  select('co-group').value = state.group
  const span = Math.round((Date.parse(state.until) - Date.parse(state.since)) / DAY) + 1
  for (const b of document.querySelectorAll('#co-controls [data-days]')) b.classList.toggle('on', state.until === today() && Number(b.getAttribute('data-days')) === span)
}

const query = (extra: Record<string, string | number>) => new URLSearchParams({ since: state.since, until: state.until, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) })

/** Every row of a grouping (time groups over a long range can take more than one page). */
async function allRows(group: string): Promise<CostReport> {
  const first = await getJson<CostReport>(`${API}?${query({ group_by: group, limit: 500 })}`)
  let cursor = first.next_cursor
  const rows = [...first.rows]
  for (let pages = 1; cursor && pages < 10; pages++) {
    const next = await getJson<CostReport>(`${API}?${query({ group_by: group, limit: 500, cursor })}`)
    rows.push(...next.rows)
    cursor = next.next_cursor
  }
  return { ...first, rows, next_cursor: cursor }
}

// ---- the chart ----

/** The buckets of the range, so a day without spend shows as an empty slot. */
function bucketKeys(group: Group): string[] {
  const keys: string[] = []
  let t = Date.parse(`${state.since}T00:00:00Z`)
  const end = Date.parse(`${state.until}T00:00:00Z`)
  if (group === 'week') t -= ((new Date(t).getUTCDay() + 6) % 7) * DAY
  if (group === 'month') {
    const d = new Date(t)
    for (let y = d.getUTCFullYear(), m = d.getUTCMonth(); Date.UTC(y, m, 1) <= end; m === 11 ? (y++, (m = 0)) : m++) keys.push(`${y}-${pad(m + 1)}`)
    return keys
  }
  for (; t <= end && keys.length < 2000; t += (group === 'week' ? 7 : 1) * DAY) keys.push(new Date(t).toISOString().slice(0, 10))
  return keys
}
const keyTime = (k: string) => Date.parse(`${k.length === 7 ? `${k}-01` : k}T00:00:00Z`) / 1000

function buildSeries(r: CostReport, group: Group) {
  const byModel = new Map<string, number>()
  for (const row of r.rows) for (const m of row.by_model ?? []) if (m.cost_usd !== null) byModel.set(m.model, (byModel.get(m.model) ?? 0) + m.cost_usd)
  const ranked = [...byModel].sort((a, b) => b[1] - a[1]).map(([m]) => m)
  const shown = ranked.length > MAX_MODELS ? ranked.slice(0, MAX_MODELS - 1) : ranked
  const labels = ranked.length > shown.length ? [...shown, 'other models'] : shown
  const keys = bucketKeys(group)
  const at = new Map(keys.map((k, i) => [k, i]))
  const costs = labels.map(() => new Array<number>(keys.length).fill(0))
  for (const row of r.rows) {
    const i = at.get(row.key ?? '')
    if (i === undefined) continue
    for (const m of row.by_model ?? []) {
      if (m.cost_usd === null) continue
      const s = shown.indexOf(m.model)
      costs[s >= 0 ? s : labels.length - 1][i] += m.cost_usd
    }
  }
  series = { labels, keys, costs }
}

/** Stacked sums, top of the stack first (uPlot paints in order, each lower band over the one above). */
function stacked(): uPlot.AlignedData {
  const xs = series.keys.map(keyTime)
  const n = series.labels.length
  const sums = series.labels.map((_, i) => series.keys.map((_k, j) => series.costs.slice(0, n - i).reduce((s, c) => s + c[j], 0)))
  return [xs, ...sums]
}

function readout(idx: number | null | undefined) {
  const box = byId('co-readout')
  if (idx === null || idx === undefined || !series.keys[idx]) {
    box.textContent = 'Point at a bar for its spend per model.'
    return
  }
  const parts = series.labels.map((l, i) => [l, series.costs[i][idx]] as const).filter(([, v]) => v > 0).map(([l, v]) => `${l} ${fmtUsd(v)}`)
  const total = series.costs.reduce((s, c) => s + c[idx], 0)
  box.textContent = `${series.keys[idx]}: ${parts.length ? `${fmtUsd(total)} (${parts.join(', ')})` : 'no spend'}`
}

function chartSize(box: HTMLElement) {
  const width = Math.max(200, box.clientWidth)
  return { width, height: width < 600 ? 150 : 200 }
}

function drawChart(group: Group) {
  const box = byId('co-chart')
  const data = stacked()
  const n = series.labels.length
  const bars = uPlot.paths.bars!({ size: [0.86, 48], align: 0, gap: 1 })
  const step = group === 'month' ? 31 * DAY : group === 'week' ? 7 * DAY : DAY
  const xs = data[0] as number[]
  const range: [number, number] = xs.length ? [xs[0], xs[xs.length - 1] + step / 1000] : [0, 1]
  plot?.destroy()
  plot = new uPlot({
    ...chartSize(box),
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: true, range: () => range }, y: { range: (_u, _min, max) => [0, Math.max(0.01, max) * 1.08] } },
    axes: [
      { stroke: '#5d6678', grid: { show: false }, ticks: { stroke: '#e3e6ec' }, font: '11px system-ui, sans-serif' },
      { stroke: '#5d6678', grid: { stroke: '#eef0f4' }, ticks: { show: false }, font: '11px system-ui, sans-serif', size: 56, values: (_u, vals) => vals.map((v) => `$${v.toFixed(v !== 0 && Math.abs(v) < 0.1 ? 3 : 2)}`) },
    ],
    series: [{}, ...series.labels.map((l, i) => {
      const c = COLORS[(n - 1 - i) % COLORS.length]
      return { label: series.labels[n - 1 - i] ?? l, fill: c, stroke: c, width: 0, paths: bars, points: { show: false } }
    })],
    hooks: { setCursor: [(u) => readout(u.cursor.idx)] },
  }, data, box)
  byId('co-legend').replaceChildren(...series.labels.map((l, i) => el('span', { class: 'ac-legend-item', 'data-model': l },
    el('i', { class: 'ac-swatch', style: `background:${COLORS[i % COLORS.length]}` }), `${l} ${fmtUsd(series.costs[i].reduce((s, v) => s + v, 0))}`)))
  const total = series.costs.reduce((s, c) => s + c.reduce((a, v) => a + v, 0), 0)
  box.setAttribute('data-total-usd', String(Math.round(total * 1e6) / 1e6))
  box.setAttribute('data-models', series.labels.join(','))
  box.setAttribute('data-buckets', String(series.keys.length))
  box.setAttribute('data-ready', 'true')
  byId('co-chart-note').textContent = series.labels.length ? `per ${group}, UTC, priced models` : 'no priced spend in this range'
}

// ---- figures ----

function kpi(label: string, value: Node | string, note: string, attrs: Record<string, string> = {}) {
  return el('div', { class: 'ac-kpi', ...attrs }, el('div', { class: 'ac-kpi-label' }, label), el('div', { class: 'ac-kpi-value' }, value), el('div', { class: 'ac-kpi-note' }, note))
}

function drawKpis(r: CostReport) {
  const t = r.totals
  const b = t.cost_breakdown_usd
  const priced = b.input + b.output + b.cache_creation + b.cache_read
  const share = (v: number) => (priced > 0 ? v / priced : null)
  const parts = [['fresh input', b.input, 'input'], ['cache writes', b.cache_creation, 'cache_creation'], ['cache reads', b.cache_read, 'cache_read'], ['output', b.output, 'output']] as const
  const bar = el('div', { class: 'co-share-bar', role: 'img', 'aria-label': parts.map(([l, v]) => `${l} ${fmtPct(share(v))}`).join(', ') },
    parts.map(([l, v, k]) => el('span', { class: `co-share s-${k}`, style: `width:${(share(v) ?? 0) * 100}%`, title: `${l}: ${fmtUsd(v)} (${fmtPct(share(v))})` })))
  const tc = t.transcript_cost
  const kpis: HTMLElement[] = [
    kpi('Estimated cost', costEl(t), plural(t.responses, 'API response'), { 'data-kpi': 'cost' }),
    kpi('Tokens', fmtInt(totalTokens(t)), `${fmtInt(t.input_tokens)} in · ${fmtInt(t.output_tokens)} out · ${fmtInt(t.cache_creation_tokens)} cache writes · ${fmtInt(t.cache_read_tokens)} cache reads`, { 'data-kpi': 'tokens', 'data-tokens': String(totalTokens(t)) }),
    el('div', { class: 'ac-kpi co-kpi-share', 'data-kpi': 'cache', 'data-cache-read-share': String(share(b.cache_read) ?? ''), 'data-input-share': String(share(b.input) ?? '') },
      el('div', { class: 'ac-kpi-label' }, 'Where the cost goes'),
      el('div', { class: 'ac-kpi-value' }, `${fmtPct(share(b.cache_read))} cache reads`),
      el('div', { class: 'ac-kpi-note' }, `fresh input ${fmtPct(share(b.input))} · cache writes ${fmtPct(share(b.cache_creation))} · output ${fmtPct(share(b.output))}`), bar),
  ]
  if (tc) kpis.push(kpi('Transcripts\u2019 own costUSD', fmtUsd(tc.transcript_usd),
      tc.estimate_usd === null ? `${plural(tc.responses, 'response')}; some without a price here` : `our estimate ${fmtUsd(tc.estimate_usd)} (${tc.difference_usd! >= 0 ? '+' : '−'}${fmtUsd(Math.abs(tc.difference_usd!))})`, { 'data-kpi': 'transcript' }))
  byId('co-kpis').replaceChildren(...kpis)
  byId('co-kpis').setAttribute('data-ready', 'true')
  const u = t.unpriced
  const box = byId('co-unpriced')
  box.hidden = !u
  if (u) {
    box.replaceChildren(el('strong', null, 'Not priced: '), el('span', { class: 'mono', 'data-models': u.models.join(',') }, u.models.join(', ')),
      ` (${plural(u.responses, 'response')}: ${fmtInt(u.input_tokens)} input, ${fmtInt(u.output_tokens)} output, ${fmtInt(u.cache_creation_tokens)} cache-write and ${fmtInt(u.cache_read_tokens)} cache-read tokens). No known price, so the cost above leaves them out rather than count them as free; an admin can price a model (PUT /api/admin/costs/prices/<model>).`)
  }
  byId('co-note').replaceChildren(el('strong', null, `Estimates, prices as of ${r.prices_as_of}.`), ` ${r.estimate_note.replace(/^Estimates: ?(.)/, (_m, c: string) => c.toUpperCase())}`)
}

function drawBudget(b: CostBudget) {
  const box = byId('co-budget')
  box.hidden = false
  const unpriced = b.unpriced_tokens ? `, not counting ${fmtInt(b.unpriced_tokens)} tokens of ${b.unpriced_models.join(', ')} (no price)` : ''
  if (b.budget_usd === null) {
    box.className = 'co-budget card'
    box.setAttribute('data-share', '')
    box.replaceChildren(el('strong', null, `This month (${b.month}): ${fmtUsd(b.spent_usd)} spent`), `${unpriced}. No monthly budget is set (instance setting cost_monthly_budget_usd).`)
    return
  }
  const c = color(b.share! >= 1 ? 'red' : b.share! >= 0.8 ? 'yellow' : 'green')
  box.className = `co-budget card c-${c}`
  box.setAttribute('data-share', String(b.share))
  box.replaceChildren(el('span', { class: `ac-dot ac-dot-${c}`, 'aria-hidden': 'true' }),
    el('strong', null, `This month (${b.month}): ${fmtUsd(b.spent_usd)} of ${fmtUsd(b.budget_usd)} budget (${fmtPct(b.share)})`), unpriced,
    el('span', { class: 'co-meter', role: 'img', 'aria-label': `${fmtPct(b.share)} of the budget` }, el('span', { style: `width:${Math.min(1, b.share!) * 100}%` })))
}

function shareOf(row: CostRow, total: number | null) {
  return row.cost_usd === null || !total ? '—' : fmtPct(row.cost_usd / total)
}

function table(id: string, rows: CostRow[], total: number | null, cells: (r: CostRow) => Node[], empty: string, cols: number) {
  const tbody = byId(id).querySelector('tbody')!
  tbody.replaceChildren(...rows.map((r) => el('tr', { 'data-key': r.key ?? '' }, ...cells(r),
    el('td', { class: 'num', 'data-label': 'Tokens' }, fmtInt(totalTokens(r))),
    el('td', { class: 'num', 'data-label': 'Cost' }, costEl(r)),
    id === 'co-sessions' ? null : el('td', { class: 'num', 'data-label': 'Share' }, shareOf(r, total)))))
  if (!rows.length) tbody.replaceChildren(el('tr', { class: 'ac-empty' }, el('td', { colspan: String(cols) }, empty)))
}

const NONE = 'No uploaded transcript has API responses in this range.'

function sessionLink(r: CostRow): HTMLElement {
  const file = r.session_file ?? r.key ?? ''
  const slash = file.indexOf('/')
  const [user, name] = slash > 0 ? [file.slice(0, slash), file.slice(slash + 1)] : [r.username ?? '', file]
  return el('a', { class: 'mono', href: `/admin/sessions/${encodeURIComponent(user)}/${encodeURIComponent(name)}`, title: r.project ?? file }, name)
}

async function load(page: ActivityPage, force = false): Promise<void> {
  const key = `${state.since}|${state.until}|${state.group}`
  if (!force && key === state.loadedKey && Date.now() - state.loadedAt < REFRESH_MS) return
  const gen = ++state.gen
  for (const id of ['co-kpis', 'co-chart']) byId(id).setAttribute('data-ready', 'false')
  try {
    const group = state.group
    const [time, users, projects, sessions, budget] = await Promise.all([
      allRows(group),
      getJson<CostReport>(`${API}?${query({ group_by: 'user', limit: 50 })}`),
      getJson<CostReport>(`${API}?${query({ group_by: 'project', limit: 50 })}`),
      getJson<CostReport>(`${API}?${query({ group_by: 'session', limit: 10 })}`),
      getJson<CostBudget>(`${API}/budget`),
    ])
    if (gen !== state.gen) return
    const total = time.totals.cost_usd
    drawKpis(time)
    buildSeries(time, group)
    drawChart(group)
    drawBudget(budget)
    table('co-users', users.rows, total, (r) => [el('td', { 'data-label': 'Person' }, r.email ?? `${r.username ?? r.key} (deleted)`)], NONE, 4)
    table('co-projects', projects.rows, total, (r) => [el('td', { class: 'mono co-project', 'data-label': 'Project', title: r.project ?? '' }, r.project ?? 'no working directory')], NONE, 4)
    table('co-sessions', sessions.rows, total, (r) => [
      el('td', { class: 'co-session', 'data-label': 'Session' }, sessionLink(r)),
      el('td', { 'data-label': 'Person' }, r.username ?? '—'),
      el('td', { class: 'c-time', 'data-label': 'Started' }, r.started_at ? timeEl(r.started_at) : '—'),
      el('td', { class: 'num', 'data-label': 'Files', title: 'the transcript and its subagents\u2019' }, fmtInt(r.files ?? 1)),
    ], NONE, 6)
    state.loadedKey = key
    state.loadedAt = Date.now()
    byId('co-controls').setAttribute('data-loaded', key)
    page.setError('the costs', null)
  } catch (e) {
    if (gen !== state.gen) return
    page.setError('the costs', e)
  }
}

function wire(page: ActivityPage) {
  readUrl()
  fillForm()
  const changed = () => {
    const since = input('co-since').value
    const until = input('co-until').value
    if (!since || !until || since > until) return
    state.since = since
    state.until = until
    state.group = select('co-group').value as Group
    saveUrl()
    fillForm()
    void load(page, true)
  }
  byId('co-controls').addEventListener('change', changed)
  byId('co-controls').addEventListener('submit', (e) => e.preventDefault())
  for (const b of document.querySelectorAll<HTMLElement>('#co-controls [data-days]')) {
    b.addEventListener('click', () => {
      input('co-until').value = today()
      input('co-since').value = daysBefore(today(), Number(b.getAttribute('data-days')) - 1)
      changed()
    })
  }
  let last = 0
  new ResizeObserver(() => {
    const s = chartSize(byId('co-chart'))
    if (!plot || s.width === last) return
    last = s.width
    plot.setSize(s)
  }).observe(byId('co-chart'))
}

export const costsTab: ActivityTab = {
  load: (page) => load(page),
  wire,
}
