// The Performance tab: every route's requests, errors and latency from the per-minute histograms
// (GET /api/admin/activity/performance) for the filter bar's time range, against the previous window of the same
// length; a chosen route's p95 over time (kept in the URL as pf_route, pf_method); each route's slowest requests
// leading to their audit rows by correlation id; the scheduler's jobs and the audit writer.
import { byId, el, fmtInt, getJson } from '../../dom.ts'
import { fmtShort } from '../../time.ts'
import type { Performance, PerfRoute } from '../../api.ts'
import { fmtMs, fmtPct } from '../format.ts'
import { API, type ActivityPage } from '../page.ts'
import { fillDefinitions, lineChart, timelineLink } from './insights.ts'
import type { ActivityTab } from './index.ts'

let gen = 0
let current: Performance | null = null
let draw: ReturnType<typeof lineChart> | null = null

function chosen(): { route: string; method: string } | null {
  const sp = new URLSearchParams(location.search)
  const route = sp.get('pf_route')
  return route ? { route, method: sp.get('pf_method') || 'GET' } : null
}

function change(r: PerfRoute): HTMLElement {
  if (r.p95_change === null || r.p95_change === undefined) return el('span', { class: 'muted', title: r.previous ? 'no p95 in the previous window' : 'no requests in the previous window' }, '—')
  const pct = Math.round(r.p95_change * 100)
  const text = pct === 0 ? 'same' : `${pct > 0 ? '+' : ''}${pct}%`
  return el('span', { class: `pf-change ${pct > 0 ? 'worse' : pct < 0 ? 'better' : ''}`, 'data-change': text, title: `p95 ${fmtMs(r.previous?.p95_ms)} in the previous window` }, text)
}

function routeRow(page: ActivityPage, r: PerfRoute): HTMLElement {
  const c = chosen()
  const on = c?.route === r.route && c.method === r.method
  const prev = (v: string) => el('span', { class: 'pf-prev' }, `was ${v}`)
  const slow = r.slow_examples.map((e) => {
    const label = `${fmtMs(e.duration_ms)} at ${fmtShort(e.minute)}`
    return e.audited
      ? timelineLink(page, e.timeline, label)
      : el('span', { class: 'muted', title: `correlation id ${e.correlation_id}: this request wrote no audit row` }, label)
  })
  return el('tr', {
    class: `pf-route${on ? ' on' : ''}`, 'data-route': r.route, 'data-method': r.method, tabindex: '0', title: 'Show this route\u2019s p95 over time',
    onclick: (e: MouseEvent) => {
      if ((e.target as Element).closest('a')) return
      choose(page, r)
    },
    onkeydown: (e: KeyboardEvent) => {
      if (e.key === 'Enter') choose(page, r)
    },
  },
  el('td', { class: 'c-route mono' }, `${r.method} ${r.route}`),
  el('td', { class: 'num', 'data-label': 'Requests', 'data-col': 'requests' }, fmtInt(r.requests), r.previous ? prev(fmtInt(r.previous.requests)) : null),
  el('td', { class: `num${r.errors ? ' bad' : ''}`, 'data-label': 'Errors (5xx)', 'data-col': 'errors' }, fmtInt(r.errors), r.errors ? ` (${fmtPct(r.error_rate)})` : '', r.previous ? prev(fmtInt(r.previous.errors)) : null),
  el('td', { class: 'num', 'data-label': '4xx', 'data-col': 'client_errors' }, fmtInt(r.client_errors)),
  el('td', { class: 'num', 'data-label': 'p50', 'data-col': 'p50' }, fmtMs(r.p50_ms)),
  el('td', { class: 'num', 'data-label': 'p95', 'data-col': 'p95' }, fmtMs(r.p95_ms), r.previous ? prev(fmtMs(r.previous.p95_ms)) : null),
  el('td', { class: 'num', 'data-label': 'p99', 'data-col': 'p99' }, fmtMs(r.p99_ms)),
  el('td', { class: 'num', 'data-label': 'p95 vs previous' }, change(r)),
  el('td', { class: 'pf-slow', 'data-label': 'Slowest requests' }, slow.length ? slow : el('span', { class: 'muted' }, '—')))
}

function choose(page: ActivityPage, r: PerfRoute) {
  const sp = new URLSearchParams(location.search)
  sp.set('pf_route', r.route)
  sp.set('pf_method', r.method)
  history.replaceState(null, '', `${location.pathname}?${sp}`)
  void load(page)
}

function chart(p: Performance) {
  const box = byId('pf-chart')
  const s = p.series
  draw ??= lineChart(box, (i) => {
    const b = i === null ? undefined : current?.series?.buckets[i]
    byId('pf-readout').textContent = b ? `${fmtShort(b.start)}: ${fmtInt(b.requests)} requests, p95 ${fmtMs(b.p95_ms)}` : ''
  })
  if (!s) {
    byId('pf-chart-route').textContent = 'choose a route below'
    byId('pf-chart-note').textContent = ''
    box.setAttribute('data-ready', 'false')
    box.hidden = true
    return
  }
  box.hidden = false
  const xs = s.buckets.map((b) => Date.parse(b.start) / 1000)
  draw(xs, [{ label: 'p95', color: '#2d5bd7', values: s.buckets.map((b) => b.p95_ms) }], [Date.parse(p.period.since) / 1000, Date.parse(p.period.until) / 1000])
  byId('pf-chart-route').textContent = `${s.method} ${s.route}`
  const per = s.bucket_seconds >= 86400 ? `${s.bucket_seconds / 86400} d` : s.bucket_seconds >= 3600 ? `${s.bucket_seconds / 3600} h` : `${s.bucket_seconds / 60} min`
  byId('pf-chart-note').textContent = `ms, per ${per}, UTC`
  box.setAttribute('data-route', s.route)
  box.setAttribute('data-ready', 'true')
}

function writer(p: Performance) {
  const w = p.audit_writer
  const item = (key: string, label: string, value: string, bad = false) => [el('dt', null, label), el('dd', { 'data-key': key, class: bad ? 'bad' : null }, value)]
  byId('pf-writer').replaceChildren(
    ...item('batches', 'Batches committed', fmtInt(w.batches)),
    ...item('rows', 'Rows in them', fmtInt(w.rows)),
    ...item('failed_batches', 'Writes refused', fmtInt(w.failed_batches), w.failed_batches > 0),
    ...item('failed_rows', 'Rows refused (spooled)', fmtInt(w.failed_rows), w.failed_rows > 0),
    ...item('spool_pending_rows', 'Waiting in the spool', fmtInt(w.spool_pending_rows), w.spool_pending_rows > 0),
    ...item('rows_written', 'Audit rows stamped in the window', fmtInt(w.rows_written)),
    ...(w.last_error ? item('last_error', 'Last refusal', w.last_error, true) : []))
}

async function load(page: ActivityPage): Promise<void> {
  const mine = ++gen
  const f = page.state.filters
  const c = chosen()
  const q = new URLSearchParams({ ...(f.since ? { since: f.since } : {}), ...(f.until ? { until: f.until } : {}), ...(c ? { route: c.route, method: c.method } : {}) })
  try {
    const p = await getJson<Performance>(`${API}/performance${q.size ? `?${q}` : ''}`)
    if (mine !== gen) return
    current = p
    byId<HTMLTableElement>('pf-routes').tBodies[0].replaceChildren(...(p.routes.length ? p.routes.map((r) => routeRow(page, r))
      : [el('tr', { class: 'ac-empty' }, el('td', { colspan: '9' }, 'No requests in this window.'))]))
    byId('pf-count').textContent = `${fmtInt(p.routes.length)} routes, slowest p95 first; previous window ${fmtShort(p.previous.since)} to ${fmtShort(p.previous.until)}`
    byId<HTMLTableElement>('pf-jobs').tBodies[0].replaceChildren(...(p.scheduler.length ? p.scheduler.map((j) => el('tr', { 'data-job': j.job },
      el('td', { class: 'mono' }, timelineLink(page, { since: p.period.since, until: p.period.until, action_in: j.action }, j.job)),
      el('td', { class: 'num', 'data-label': 'Runs', 'data-col': 'runs' }, fmtInt(j.runs)),
      el('td', { class: 'num', 'data-label': 'p95', 'data-col': 'p95' }, fmtMs(j.p95_ms)),
      el('td', { class: 'num', 'data-label': 'Max' }, fmtMs(j.max_ms)),
      el('td', { class: `num${j.overruns ? ' bad' : ''}`, 'data-label': 'Overruns' }, fmtInt(j.overruns)),
      el('td', { class: `num${j.errors ? ' bad' : ''}`, 'data-label': 'Errors' }, fmtInt(j.errors)),
      el('td', { class: 'num', 'data-label': 'Skipped' }, fmtInt(j.skipped))))
      : [el('tr', { class: 'ac-empty' }, el('td', { colspan: '7' }, 'No scheduler runs in this window.'))]))
    byId('pf-budget').textContent = p.scheduler[0] ? `budget ${fmtMs(p.scheduler[0].budget_ms)} a tick` : ''
    writer(p)
    chart(p)
    byId('pf-note').textContent = `Every request the server answered from ${fmtShort(p.period.since)} to ${fmtShort(p.period.until)} (the filter bar's time range; its other filters are about audit rows), audited or not. Click a route for its p95 over time; a slow request's time opens its audit rows.`
    fillDefinitions('pf-definition-list', p.definition)
    byId('pf-routes').setAttribute('data-ready', 'true')
    page.setError('performance', null)
  } catch (e) {
    if (mine === gen) page.setError('performance', e)
  }
}

export const performanceTab: ActivityTab = { load, filters: true }
