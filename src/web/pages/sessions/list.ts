// The sessions list (/admin/sessions): filters in the URL, KPIs, precision per type, the heatmap, rows with "load more",
// the findings with their verdicts, the failure scan. Dismissed findings count nowhere unless "show dismissed" is on.
import { button, byId, cleanFilters, el, errorBanner, fmtInt, getJson, input, plural, readFilters, select, sendJson, toQuery, type Filters } from '../dom.ts'
import { timeEl } from '../time.ts'
import type { Heatmap, ProcessorRun, SessionList, SessionRow } from '../api.ts'
import { API, TYPES, fmtDuration, span, typeBadge, typeClass, typeLabel } from './common.ts'
import { addDays, drawHeatmap } from './heatmap.ts'
import { findingsList } from './findings.ts'
import { costEl, totalTokens } from '../cost-format.ts'
import { loadQuality } from './quality.ts'

const FILTER_KEYS = ['username', 'since', 'until', 'finding_type', 'include_dismissed', 'sort']
const PAGE = 50
const KPI_PAGE = 500
const KPI_MAX_PAGES = 20
const WEEK_CHOICES = ['8', '12', '26', '52']

export function listPage(): void {
  const state = {
    filters: {} as Filters, weeks: '12', rows: 0, cursor: null as string | null, gen: 0, users: new Set<string>(),
    heat: null as Heatmap | null, heatUser: '',
  }
  const setError = errorBanner(byId('sx-banner'), 'Could not ')

  function readUrl() {
    const sp = new URLSearchParams(location.search)
    const f = readFilters(sp, FILTER_KEYS)
    if (f.sort === 'recent') delete f.sort
    state.filters = f
    const w = sp.get('weeks') ?? ''
    state.weeks = WEEK_CHOICES.includes(w) ? w : '12'
  }
  const query = (filters: Filters, extra?: Record<string, string | number | null>) => toQuery(FILTER_KEYS, filters, extra)
  function saveUrl() {
    const q = query(state.filters, { weeks: state.weeks === '12' ? null : state.weeks })
    const u = location.pathname + (q ? `?${q}` : '')
    if (u !== location.pathname + location.search) history.pushState(null, '', u)
  }
  const apiUrl = (extra?: Record<string, string | number | null>) => {
    const q = query(state.filters, extra)
    return `${API}${q ? `?${q}` : ''}`
  }

  const dayOf = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : '')
  function fillForm() {
    const f = state.filters
    if (document.activeElement !== input('f-username')) input('f-username').value = f.username ?? ''
    input('f-since').value = dayOf(f.since)
    input('f-until').value = dayOf(f.until)
    select('f-type').value = f.finding_type ?? ''
    select('f-sort').value = f.sort ?? 'recent'
    select('f-weeks').value = state.weeks
    input('f-dismissed').checked = f.include_dismissed === 'true'
  }
  function readForm(): Filters {
    const f: Filters = { ...state.filters }
    f.username = input('f-username').value.trim()
    // A time in the URL (from a shared link) is kept while its day is unchanged in the date field.
    for (const k of ['since', 'until']) {
      const v = input(`f-${k}`).value
      if (v !== dayOf(f[k])) f[k] = v
    }
    f.finding_type = select('f-type').value
    f.sort = select('f-sort').value === 'recent' ? '' : select('f-sort').value
    f.include_dismissed = input('f-dismissed').checked ? 'true' : ''
    return f
  }
  function setFilters(f: Record<string, unknown>, opts: { force?: boolean } = {}) {
    const clean = cleanFilters(FILTER_KEYS, f)
    if (query(clean) === query(state.filters) && !opts.force) return
    state.filters = clean
    saveUrl()
    fillForm()
    void reloadList()
    void findings.reload()
    if (heatKey() !== state.heatUser) void loadHeatmap()
    else markHeatSelection()
  }
  /** What the heatmap depends on among the filters: the user, and whether dismissed findings count. */
  const heatKey = () => `${state.filters.username ?? ''}|${state.filters.include_dismissed ?? ''}`

  // ---- rows ----
  function rowEl(r: SessionRow): HTMLElement {
    const [user, ...rest] = String(r.session_file).split('/')
    const name = rest.join('/') || r.session_file
    const href = `/admin/sessions/${encodeURIComponent(r.username || user)}/${encodeURIComponent(name)}`
    const types = Object.entries(r.findings ?? {}).filter(([, n]) => Number(n) > 0)
    types.sort((a, b) => TYPES.indexOf(a[0] as (typeof TYPES)[number]) - TYPES.indexOf(b[0] as (typeof TYPES)[number]))
    const total = types.reduce((s, [, n]) => s + Number(n), 0)
    // Usage not computed yet (the usage processor has not seen this upload): no figures rather than zeros.
    const unprocessed = !r.started_at && !r.ended_at && !r.turns && !r.tool_calls
    const usage = (n: number) => (unprocessed ? '—' : fmtInt(n))
    return el('tr', { class: `sx-row${total ? ' has-findings' : ''}`, 'data-session': r.session_file, 'data-findings': String(total) },
      el('td', { class: 'c-session', 'data-label': 'Session' }, el('a', { href, title: r.session_file }, name)),
      el('td', { class: 'c-user', 'data-label': 'User' }, r.username || user),
      el('td', { class: 'c-time', 'data-label': 'Started' }, r.started_at ? timeEl(r.started_at) : el('span', { class: 'muted', title: 'usage not processed yet' }, 'pending')),
      el('td', { class: 'num', 'data-label': 'Duration' }, fmtDuration(span(r.started_at, r.ended_at))),
      el('td', { class: 'num', 'data-label': 'Turns' }, usage(r.turns)),
      el('td', { class: 'num', 'data-label': 'Tool calls' }, usage(r.tool_calls)),
      el('td', { class: `num${Number(r.tool_errors) > 0 ? ' bad' : ''}`, 'data-label': 'Tool errors' }, usage(r.tool_errors)),
      ...costCells(r),
      el('td', { class: 'c-findings', 'data-label': 'Findings' }, types.length ? types.map(([t, n]) => typeBadge(t, Number(n))) : el('span', { class: 'muted' }, 'none')),
      el('td', { class: 'c-time muted', 'data-label': 'Uploaded' }, timeEl(r.uploaded_at)))
  }
  /** Tokens and cost of the session, as the Costs tab counts them; a subagent's transcript names its session instead. */
  function costCells(r: SessionRow): HTMLElement[] {
    if (r.cost) {
      return [el('td', { class: 'num c-tokens', 'data-label': 'Tokens' }, fmtInt(totalTokens(r.cost))),
        el('td', { class: 'num c-cost', 'data-label': 'Cost', title: r.cost.files > 1 ? `with ${plural(r.cost.files - 1, 'subagent transcript')}` : null }, costEl(r.cost))]
    }
    const note = r.counted_in ? `counted in ${r.counted_in}` : 'costs not processed yet'
    return [el('td', { class: 'num c-tokens muted', 'data-label': 'Tokens', title: note }, r.counted_in ? 'in session' : '—'),
      el('td', { class: 'num c-cost muted', 'data-label': 'Cost', title: note }, '—')]
  }
  function addRows(rows: SessionRow[]) {
    const tbody = byId('sx-rows')
    tbody.querySelector('tr.sx-empty')?.remove()
    for (const r of rows) if (r.username) state.users.add(r.username)
    tbody.append(...rows.map(rowEl))
    state.rows += rows.length
    if (!state.rows) {
      const filtered = Object.keys(state.filters).some((k) => k !== 'sort')
      tbody.replaceChildren(el('tr', { class: 'sx-empty' }, el('td', { colspan: '11' }, filtered ? 'No sessions match these filters.' : 'No transcripts have been uploaded yet (agnes sessions push).')))
    }
    byId('sx-count').textContent = `${fmtInt(state.rows)} shown${state.cursor ? ', more below' : ''}`
    byId('sx-user-list').replaceChildren(...[...state.users].sort().map((u) => el('option', { value: u })))
  }
  async function reloadList() {
    const gen = ++state.gen
    byId('sx-table').style.opacity = '0.55'
    try {
      const page = await getJson<SessionList>(apiUrl({ limit: PAGE }))
      if (gen !== state.gen) return
      state.rows = 0
      state.cursor = page.next_cursor ?? null
      byId('sx-rows').replaceChildren()
      addRows(page.rows ?? [])
      byId('sx-more').hidden = !state.cursor
      setError('load the sessions', null)
      void loadKpis(gen, page)
    } catch (e) {
      if (gen !== state.gen) return
      setError('load the sessions', e)
      byId('sx-rows').replaceChildren(el('tr', { class: 'sx-empty' }, el('td', { colspan: '11' }, 'The sessions could not be loaded.')))
      byId('sx-kpis').replaceChildren()
    } finally {
      if (gen === state.gen) byId('sx-table').style.opacity = ''
    }
  }
  async function loadMore() {
    if (!state.cursor) return
    const gen = state.gen
    const btn = button('sx-more')
    btn.disabled = true
    btn.textContent = 'Loading…'
    try {
      const page = await getJson<SessionList>(apiUrl({ limit: PAGE, cursor: state.cursor }))
      if (gen !== state.gen) return
      state.cursor = page.next_cursor ?? null
      addRows(page.rows ?? [])
      setError('load more sessions', null)
    } catch (e) {
      setError('load more sessions', e)
    } finally {
      btn.disabled = false
      btn.textContent = 'Load more'
      btn.hidden = !state.cursor
    }
  }

  // ---- KPIs: counted over every session that matches the filters (pages of 500, at most 20) ----
  async function loadKpis(gen: number, firstPage: SessionList) {
    let rows = firstPage.rows ?? []
    let cursor = firstPage.next_cursor ?? null
    let capped = false
    try {
      if (cursor) {
        rows = []
        cursor = null
        let pages = 0
        do {
          const p: SessionList = await getJson<SessionList>(apiUrl({ limit: KPI_PAGE, sort: 'recent', cursor }))
          if (gen !== state.gen) return
          rows = rows.concat(p.rows ?? [])
          cursor = p.next_cursor ?? null
          pages++
        } while (cursor && pages < KPI_MAX_PAGES)
        capped = Boolean(cursor)
      }
    } catch (e) {
      if (gen === state.gen) setError('count the sessions', e)
      return
    }
    if (gen !== state.gen) return
    setError('count the sessions', null)
    const byType: Record<string, number> = Object.fromEntries(TYPES.map((t) => [t, 0]))
    let withFindings = 0
    for (const r of rows) {
      let any = false
      for (const [t, n] of Object.entries(r.findings ?? {})) {
        if (!(Number(n) > 0)) continue
        byType[t] = (byType[t] ?? 0) + Number(n)
        any = true
      }
      if (any) withFindings++
    }
    const plus = capped ? '+' : ''
    const share = rows.length ? Math.round((withFindings / rows.length) * 100) : 0
    byId('sx-kpis').replaceChildren(
      el('div', { class: 'sx-kpi', 'data-kpi': 'sessions' }, el('div', { class: 'sx-kpi-label' }, 'Sessions'), el('div', { class: 'sx-kpi-value' }, fmtInt(rows.length) + plus)),
      el('div', { class: `sx-kpi${withFindings ? ' bad' : ''}`, 'data-kpi': 'with_findings' }, el('div', { class: 'sx-kpi-label' }, 'Sessions with findings'),
        el('div', { class: 'sx-kpi-value' }, fmtInt(withFindings) + plus), el('div', { class: 'sx-kpi-note' }, rows.length ? `${share}% of sessions` : '')),
      ...Object.keys(byType).map((t) => {
        const on = state.filters.finding_type === t
        return el('button', {
          type: 'button', class: `sx-kpi sx-kpi-type t-${typeClass(t)}${byType[t] ? ' has' : ''}${on ? ' on' : ''}`, 'data-kpi': t,
          title: on ? 'Show every session' : `Show the sessions with a ${typeLabel(t).toLowerCase()}`,
          onclick: () => setFilters({ ...state.filters, finding_type: on ? '' : t }),
        }, el('span', { class: 'sx-kpi-label' }, el('i', { class: 'sx-swatch' }), typeLabel(t)), el('span', { class: 'sx-kpi-value' }, fmtInt(byType[t]) + (byType[t] ? plus : '')))
      }))
  }

  // ---- heatmap: it follows the list's user filter (a cell click filters by type and week, so the type filter only highlights) ----
  async function loadHeatmap() {
    const box = byId('sx-heatmap')
    const user = state.filters.username ?? ''
    const key = heatKey()
    state.heatUser = key
    const dismissed = state.filters.include_dismissed === 'true'
    byId('sx-heat-note').textContent =
      `${user ? `${user}'s sessions` : 'every session'}, by the time of the evidence${dismissed ? ', dismissed findings included' : ''}; weeks start Monday (UTC) · click a cell to list those sessions`
    try {
      const h = await getJson<Heatmap>(`${API}/heatmap?${toQuery(['weeks', 'username', 'include_dismissed'], { weeks: state.weeks, username: user, include_dismissed: dismissed ? 'true' : '' })}`)
      if (key !== state.heatUser) return // a newer load for other filters is under way
      state.heat = h
      redrawHeatmap()
      setError('load the heatmap', null)
    } catch (e) {
      setError('load the heatmap', e)
      box.replaceChildren(el('p', { class: 'muted' }, 'The heatmap could not be loaded.'))
    }
  }
  function redrawHeatmap() {
    if (!state.heat) return
    drawHeatmap(byId('sx-heatmap'), state.heat, (t, w) => {
      setFilters({ ...state.filters, finding_type: t, since: w, until: addDays(w, 6) })
      byId('sx-table').scrollIntoView({ block: 'start', behavior: 'smooth' })
    })
    markHeatSelection()
  }
  function markHeatSelection() {
    const f = state.filters
    for (const g of document.querySelectorAll('#sx-heatmap .sx-cell')) {
      const w = g.getAttribute('data-week') ?? ''
      const on = f.finding_type === g.getAttribute('data-type') && dayOf(f.since) === w && dayOf(f.until) === addDays(w, 6)
      g.classList.toggle('selected', on)
    }
  }

  // ---- the failure scan ----
  async function runScan() {
    const btn = button('sx-scan')
    const note = byId('sx-scan-note')
    btn.disabled = true
    btn.textContent = 'Scanning…'
    note.textContent = ''
    try {
      const r = await sendJson<ProcessorRun>('POST', '/api/admin/run-session-processor?processor=failure_scan')
      note.textContent = `Scan done: ${plural(r.sessions_processed, 'transcript')} scanned, ${plural(r.items, 'finding')}.`
      setError('run the failure scan', null)
      void reloadList()
      void loadHeatmap()
      void findings.reload()
      void reloadQuality()
    } catch (e) {
      setError('run the failure scan', e)
    } finally {
      btn.disabled = false
      btn.textContent = 'Run failure scan now'
    }
  }

  // ---- precision per type, and the findings with their verdicts ----
  async function reloadQuality() {
    try {
      await loadQuality(byId('sx-quality'))
      setError('load the precision figures', null)
    } catch (e) {
      setError('load the precision figures', e)
    }
  }
  const findings = findingsList({
    filters: () => state.filters,
    setError,
    // A verdict changes the precision, and (a dismissal) what the counts and the heatmap hold.
    onVerdict: () => {
      void reloadQuality()
      void loadHeatmap()
      void reloadList()
    },
  })

  readUrl()
  fillForm()
  const form = byId<HTMLFormElement>('sx-filters')
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    setFilters(readForm())
  })
  form.addEventListener('change', () => setFilters(readForm()))
  byId('sx-clear').addEventListener('click', () => setFilters({}))
  byId('sx-more').addEventListener('click', () => void loadMore())
  byId('sx-scan').addEventListener('click', () => void runScan())
  select('f-weeks').addEventListener('change', () => {
    state.weeks = select('f-weeks').value
    saveUrl()
    void loadHeatmap()
  })
  window.addEventListener('popstate', () => {
    const before = query(state.filters)
    const weeks = state.weeks
    readUrl()
    fillForm()
    if (query(state.filters) !== before) {
      void reloadList()
      void findings.reload()
    }
    if (state.weeks !== weeks || heatKey() !== state.heatUser) void loadHeatmap()
    else markHeatSelection()
  })
  let resizing: ReturnType<typeof setTimeout> | undefined
  window.addEventListener('resize', () => {
    clearTimeout(resizing)
    resizing = setTimeout(redrawHeatmap, 150)
  })
  void reloadList()
  void loadHeatmap()
  void reloadQuality()
  void findings.reload()
}
