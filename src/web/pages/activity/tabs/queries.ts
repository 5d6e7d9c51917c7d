// The Queries tab: query.run calls grouped by query shape (GET /api/admin/activity/queries) under the filter bar's
// time range, person and client (the filters the API takes), in the chosen order (kept in the URL as qs_sort): the
// slowest in total or at p95, the most frequent, the most failing. Each shape opens its calls in the timeline; per
// table, how often it is read and by how many people.
import { byId, el, fmtInt, getJson, select } from '../../dom.ts'
import { timeEl } from '../../time.ts'
import type { QueryShape, Queries } from '../../api.ts'
import { fmtMs, fmtPct } from '../format.ts'
import { API, type ActivityPage } from '../page.ts'
import { fillDefinitions, timelineLink } from './insights.ts'
import type { ActivityTab } from './index.ts'

const SORTS = ['total_time', 'p95', 'calls', 'errors']
/** The filter bar's filters this API takes; the others (action, result, search) are about other rows. */
const KEYS = ['since', 'until', 'user_id', 'client_kind'] as const
let gen = 0

const sortOf = () => {
  const s = new URLSearchParams(location.search).get('qs_sort') ?? ''
  return SORTS.includes(s) ? s : 'total_time'
}

function row(page: ActivityPage, r: QueryShape): HTMLElement {
  const sql = el('code', { title: r.fingerprint }, r.example_sql ?? '(no text kept)')
  const kinds = Object.entries(r.client_kinds).map(([k, n]) => `${k} ${fmtInt(n as number)}`).join(', ')
  return el('tr', { 'data-fingerprint': r.fingerprint },
    el('td', { class: 'c-sql' }, r.timeline ? timelineLink(page, r.timeline, sql) : sql,
      r.last_error ? el('div', { class: 'qs-err' }, `last error ${r.last_error.result}: ${r.last_error.message ?? ''}`) : null),
    el('td', { class: 'num', 'data-label': 'Calls', 'data-col': 'calls' }, fmtInt(r.calls)),
    el('td', { class: `num${r.errors ? ' bad' : ''}`, 'data-label': 'Errors', 'data-col': 'errors', title: `error rate ${fmtPct(r.error_rate)}${r.denied ? `; ${r.denied} refused` : ''}` },
      fmtInt(r.errors), r.errors ? ` (${fmtPct(r.error_rate)})` : ''),
    el('td', { class: 'num', 'data-label': 'p50', 'data-col': 'p50' }, fmtMs(r.p50_ms)),
    el('td', { class: 'num', 'data-label': 'p95', 'data-col': 'p95' }, fmtMs(r.p95_ms)),
    el('td', { class: 'num', 'data-label': 'Total time', 'data-col': 'total' }, fmtMs(r.total_ms)),
    el('td', { class: 'num', 'data-label': 'Rows', 'data-col': 'rows' }, fmtInt(r.rows)),
    el('td', { class: 'num', 'data-label': 'People', 'data-col': 'people' }, fmtInt(r.people)),
    el('td', { 'data-label': 'Clients' }, kinds || '—'),
    el('td', { class: 'mono', 'data-label': 'Tables' }, r.tables.join(', ') || '—'),
    el('td', { 'data-label': 'Last seen' }, timeEl(r.last_seen)))
}

async function load(page: ActivityPage): Promise<void> {
  const mine = ++gen
  const sort = sortOf()
  select('qs-sort').value = sort
  const f = page.state.filters
  const q = new URLSearchParams({ sort, ...Object.fromEntries(KEYS.filter((k) => f[k]).map((k) => [k, f[k]])) })
  const others = Object.keys(f).filter((k) => !(KEYS as readonly string[]).includes(k))
  try {
    const r = await getJson<Queries>(`${API}/queries?${q}`)
    if (mine !== gen) return
    const body = byId<HTMLTableElement>('qs-rows').tBodies[0]
    body.replaceChildren(...(r.rows.length ? r.rows.map((x) => row(page, x)) : [el('tr', { class: 'ac-empty' }, el('td', { colspan: '11' }, 'No queries ran under these filters.'))]))
    byId('qs-count').textContent = `${fmtInt(r.rows.length)} of ${fmtInt(r.total_fingerprints)} shapes`
    byId<HTMLTableElement>('qs-tables').tBodies[0].replaceChildren(...(r.tables.length
      ? r.tables.map((t) => el('tr', { 'data-table': t.table },
        el('td', { class: 'mono' }, t.table),
        el('td', { class: 'num', 'data-label': 'Calls', 'data-col': 'calls' }, fmtInt(t.calls)),
        el('td', { class: 'num', 'data-label': 'People', 'data-col': 'people' }, fmtInt(t.people))))
      : [el('tr', { class: 'ac-empty' }, el('td', { colspan: '3' }, 'No table was read.'))]))
    byId('qs-note').textContent = `query.run calls from ${r.period.since.slice(0, 16).replace('T', ' ')} to ${r.period.until.slice(0, 16).replace('T', ' ')} UTC, following the filter bar's time range, user and client` +
      (others.length ? ` (not: ${others.join(', ')})` : '') + '. Each query opens its calls in the timeline.'
    fillDefinitions('qs-definition-list', r.definition)
    byId('qs-rows').setAttribute('data-ready', 'true')
    byId('qs-rows').setAttribute('data-sort', r.sort)
    page.setError('queries', null)
  } catch (e) {
    if (mine === gen) page.setError('queries', e)
  }
}

export const queriesTab: ActivityTab = {
  load,
  filters: true,
  wire(page) {
    select('qs-sort').addEventListener('change', () => {
      const sp = new URLSearchParams(location.search)
      sp.set('qs_sort', select('qs-sort').value)
      history.replaceState(null, '', `${location.pathname}?${sp}`)
      byId('qs-rows').setAttribute('data-ready', 'false')
      void load(page)
    })
  },
}
