// The Usage tab: who uses Agnes and whether they come back (GET /api/admin/activity/usage). Its own window in whole
// UTC days (kept in the URL as us_days), the API's definition of "active" printed as it words it, DAU with WAU and MAU
// and stickiness on a second scale, the lifecycle per week, the people table (sortable; each person opens the timeline
// on exactly the calls counted), and the tools Claude used, each linking to the sessions where it failed.
import { byId, el, fmtInt, getJson } from '../../dom.ts'
import { fmtShort, timeEl } from '../../time.ts'
import type { Usage, UsagePerson, UsageTool } from '../../api.ts'
import { fmtPct } from '../format.ts'
import { API, type ActivityPage } from '../page.ts'
import { legend, lineChart, sortable, timelineLink, type Line } from './insights.ts'
import type { ActivityTab } from './index.ts'

const DAY = 86_400_000
const WINDOWS = [7, 30, 90]
const REFRESH_MS = 60_000
const state = { days: 30, gen: 0, loadedKey: '', loadedAt: 0 }
let current: Usage | null = null
let draw: ReturnType<typeof lineChart> | null = null
let drawPeople: ((rows: UsagePerson[]) => void) | null = null

function readUrl() {
  const d = Number(new URLSearchParams(location.search).get('us_days'))
  state.days = WINDOWS.includes(d) ? d : 30
}
function saveUrl() {
  const sp = new URLSearchParams(location.search)
  if (state.days === 30) sp.delete('us_days')
  else sp.set('us_days', String(state.days))
  history.replaceState(null, '', `${location.pathname}?${sp}`)
}

/** A change in percentage points, as the KPI strip words changes. */
function points(cur: number | null, prev: number | null): { text: string; dir: 'up' | 'down' | 'same' } | null {
  if (cur === null || prev === null) return null
  const d = Math.round((cur - prev) * 1000) / 10
  return d === 0 ? { text: 'same', dir: 'same' } : { text: `${d > 0 ? '+' : ''}${d} pts`, dir: d > 0 ? 'up' : 'down' }
}

function kpis(u: Usage) {
  const s = u.summary
  // The trend: the last complete day's stickiness against the same figure a week earlier (in the series when the
  // window reaches that far).
  const weekBefore = u.series.find((d) => d.day === new Date(Date.parse(s.day) - 7 * DAY).toISOString().slice(0, 10))
  const trend = points(s.stickiness, weekBefore?.stickiness ?? null)
  const kpi = (key: string, label: string, value: string, note: string, change: ReturnType<typeof points> = null) =>
    el('div', { class: 'ac-kpi', 'data-kpi': key },
      el('div', { class: 'ac-kpi-label' }, label),
      el('div', { class: 'ac-kpi-value' }, value),
      change ? el('div', { class: `ac-kpi-change ${change.dir}`, 'data-change': change.text }, change.dir === 'up' ? '▲ ' : change.dir === 'down' ? '▼ ' : '', change.text, el('span', { class: 'muted' }, ' vs a week before')) : null,
      el('div', { class: 'ac-kpi-note' }, note))
  byId('us-kpis').replaceChildren(
    kpi('dau', 'Daily active', fmtInt(s.dau), s.day),
    kpi('wau', 'Weekly active', fmtInt(s.wau), `7 days to ${s.day}`),
    kpi('mau', 'Monthly active', fmtInt(s.mau), `30 days to ${s.day}`),
    kpi('stickiness', 'Stickiness', fmtPct(s.stickiness), 'mean DAU / MAU over 30 days', trend),
  )
  byId('us-kpis').setAttribute('data-ready', 'true')
}

function chart(u: Usage) {
  const box = byId('us-chart')
  draw ??= lineChart(box, (i) => {
    const d = i === null ? undefined : current?.series[i]
    byId('us-readout').textContent = d
      ? `${d.day}${d.partial ? ' (today, so far)' : ''}: ${fmtInt(d.dau)} daily, ${fmtInt(d.wau)} weekly, ${fmtInt(d.mau)} monthly active; stickiness ${fmtPct(d.stickiness)}`
      : 'Point at a day for its figures.'
  })
  const xs = u.series.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000)
  const lines: Line[] = [
    { label: 'DAU', color: '#2d5bd7', values: u.series.map((d) => d.dau) },
    { label: 'WAU', color: '#1f9d55', values: u.series.map((d) => d.wau) },
    { label: 'MAU', color: '#8e44ad', values: u.series.map((d) => d.mau) },
    { label: 'Stickiness (right axis)', color: '#c98a00', values: u.series.map((d) => d.stickiness), ratio: true, dash: [5, 4] },
  ]
  draw(xs, lines, [xs[0], xs[xs.length - 1]])
  legend('us-legend', lines)
  byId('us-chart-note').textContent = `${u.series.length} UTC days; today is partial`
  box.setAttribute('data-days', String(u.series.length))
  box.setAttribute('data-ready', 'true')
}

function lifecycle(u: Usage) {
  const max = Math.max(1, ...u.lifecycle.map((p) => p.active + p.dormant))
  const part = (cls: string, n: number, label: string) => (n ? el('span', { class: cls, style: `width:${(n / max) * 100}%`, title: `${fmtInt(n)} ${label}` }) : null)
  byId('us-lifecycle').replaceChildren(...u.lifecycle.map((p) => el('li', { class: 'us-bar', 'data-start': p.start },
    el('span', { class: 'mono' }, p.start === p.end ? p.start : `${p.start} – ${p.end.slice(5)}`),
    el('span', { class: 'us-track', role: 'img', 'aria-label': `${p.new} new, ${p.returning} returning, ${p.resurrecting} resurrecting, ${p.dormant} dormant` },
      part('us-new', p.new, 'new'), part('us-returning', p.returning, 'returning'), part('us-resurrecting', p.resurrecting, 'resurrecting'), part('us-dormant', p.dormant, 'dormant')),
    el('span', { class: 'us-figs', 'data-figs': `${p.active},${p.new},${p.returning},${p.resurrecting},${p.dormant}` },
      `${fmtInt(p.active)} active: ${fmtInt(p.new)} new, ${fmtInt(p.returning)} returning, ${fmtInt(p.resurrecting)} resurrecting · ${fmtInt(p.dormant)} dormant`))))
  byId('us-lifecycle-note').textContent = u.period.lifecycle_period === 'week' ? '7-day periods ending today' : 'per UTC day'
}

const personName = (p: UsagePerson) => p.email ?? p.username ?? p.user_id

function peopleTable(page: ActivityPage) {
  const table = byId<HTMLTableElement>('us-people')
  return sortable<UsagePerson>(table, (rows) => {
    const num = (label: string, key: string, n: number) => el('td', { class: 'num', 'data-label': label, 'data-col': key }, fmtInt(n))
    table.tBodies[0].replaceChildren(...(rows.length ? rows.map((p) => el('tr', { 'data-user': p.user_id },
      el('td', { 'data-col': 'person' }, timelineLink(page, p.timeline, personName(p))),
      num('Active days', 'active_days', p.active_days), num('Queries', 'queries', p.queries), num('Downloads', 'downloads', p.downloads),
      num('Uploads', 'uploads', p.uploads), num('Syncs', 'syncs', p.syncs), num('Reports', 'reports', p.reports), num('Sessions', 'sessions', p.sessions),
      el('td', { 'data-label': 'Last active', 'data-col': 'last_active' }, p.last_active ? timeEl(p.last_active) : 'not in the window')))
      : [el('tr', { class: 'ac-empty' }, el('td', { colspan: '9' }, 'Nobody was active in this window.'))]))
  }, (p, key) => (key === 'person' ? personName(p).toLowerCase() : key === 'last_active' ? p.last_active : (p[key as keyof UsagePerson] as number)))
}

function tools(u: Usage) {
  const failed = (t: UsageTool) => (t.failed_sessions.length
    ? t.failed_sessions.map((s) => el('a', { href: s.url, title: `${s.errors} failed call${s.errors === 1 ? '' : 's'} in this transcript` }, `${s.session_file} (${fmtInt(s.errors)})`))
    : el('span', { class: 'muted' }, '—'))
  byId<HTMLTableElement>('us-tools').tBodies[0].replaceChildren(...(u.tools.length ? u.tools.map((t) => el('tr', { 'data-tool': t.tool },
    el('td', { class: 'mono' }, t.tool),
    el('td', { class: 'num', 'data-label': 'Calls' }, fmtInt(t.calls)),
    el('td', { class: 'num', 'data-label': 'Sessions' }, fmtInt(t.sessions)),
    el('td', { class: `num${t.errors ? ' bad' : ''}`, 'data-label': 'Errors' }, fmtInt(t.errors)),
    el('td', { class: 'num', 'data-label': 'Error rate' }, fmtPct(t.error_rate)),
    el('td', { class: 'us-failed', 'data-label': 'Failed in' }, failed(t))))
    : [el('tr', { class: 'ac-empty' }, el('td', { colspan: '6' }, 'No processed transcripts of sessions in this window.'))]))
  byId('us-tools-note').textContent = `${plural(u.sessions.total, 'session')} by ${plural(u.sessions.people, 'person', 'people')} in the window`
}

const plural = (n: number, one: string, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`

function definition(u: Usage) {
  byId('us-definition').replaceChildren(
    el('strong', null, 'Active'), ' means ', u.definition.active, '. ',
    el('span', { class: 'muted' }, `The actions: ${u.active_actions.join(', ')}. Stickiness: ${u.definition.stickiness}. The figures above are of ${u.summary.day}, the last complete UTC day.`))
  byId('us-definition').setAttribute('data-actions', u.active_actions.join(','))
}

function fillControls() {
  for (const b of document.querySelectorAll('#us-controls [data-days]')) b.classList.toggle('on', Number(b.getAttribute('data-days')) === state.days)
}

async function load(page: ActivityPage): Promise<void> {
  readUrl()
  fillControls()
  const key = String(state.days)
  // Figures move slowly: a polling round reloads them at most once a minute.
  if (key === state.loadedKey && Date.now() - state.loadedAt < REFRESH_MS) return
  const gen = ++state.gen
  try {
    const u = await getJson<Usage>(`${API}/usage?days=${state.days}`)
    if (gen !== state.gen) return
    current = u
    state.loadedKey = key
    state.loadedAt = Date.now()
    definition(u)
    kpis(u)
    chart(u)
    lifecycle(u)
    drawPeople ??= peopleTable(page)
    drawPeople(u.people)
    byId('us-people-note').textContent = `${plural(u.people.length, 'person', 'people')} active or with sessions since ${fmtShort(u.period.since)}; each opens the calls counted`
    tools(u)
    byId('ac-panel-usage').setAttribute('data-ready', 'true')
    page.setError('usage', null)
  } catch (e) {
    if (gen === state.gen) page.setError('usage', e)
  }
}

export const usageTab: ActivityTab = {
  load,
  wire(page) {
    for (const b of document.querySelectorAll('#us-controls [data-days]')) {
      b.addEventListener('click', () => {
        state.days = Number(b.getAttribute('data-days'))
        saveUrl()
        byId('ac-panel-usage').setAttribute('data-ready', 'false')
        void load(page)
      })
    }
  },
}
