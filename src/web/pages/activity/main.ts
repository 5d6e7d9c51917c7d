// Entry of the Activity Center's bundle (dist/web/static/activity.js, /admin/activity): the health pulse, the filters
// held in the URL, the chart, KPIs, facets and timeline for them, the event drawer, and the Sync tab. Every value from
// the server is inserted as text.
import { byId, cleanFilters, errorBanner, onReady, readFilters } from '../dom.ts'
import { startClock } from '../time.ts'
import { loadChart, watchChartSize } from './chart.ts'
import { closeDrawer, openEvent } from './drawer.ts'
import { loadFacets } from './facets.ts'
import { fillForm, wireFilterBar } from './filter-bar.ts'
import { loadKpis } from './kpis.ts'
import { apiPath, FILTER_KEYS, query, type ActivityPage, type State, type Tab } from './page.ts'
import { loadPulse, wirePulseTarget, wirePulseToggle } from './pulse.ts'
import { loadSync } from './sync.ts'
import { checkNew, loadMore, loadTimeline, showNew, wireRows } from './timeline.ts'
import { drawViews, loadViews, wireViews } from './views.ts'
import { EXTRA_TABS, extraTab, isExtraTab } from './tabs/index.ts'
import '../page.css'
import './activity.css'

const POLL_MS = 30000

/** A tab named in the URL or on a button; anything else is the timeline. */
function parseTab(t: string | null): Tab {
  return t === 'sync' || (t !== null && isExtraTab(t)) ? t : 'timeline'
}

function start() {
  const state: State = {
    filters: {}, tab: 'timeline', event: null, rows: [], ids: new Set(), cursor: null, pending: [], overflow: false, gen: 0, loaded: false,
    users: new Map(), lastPoll: 0,
  }

  // ---- URL state ----
  function readUrl() {
    const sp = new URLSearchParams(location.search)
    state.filters = readFilters(sp, FILTER_KEYS)
    state.tab = parseTab(sp.get('tab'))
    state.event = sp.get('event') || null
  }
  function saveUrl(push: boolean) {
    // The tabs' own settings (us_days, qs_sort, co_by…) stay in the URL: only the filters, tab and event are ours.
    const own = new Set([...FILTER_KEYS, 'tab', 'event'])
    const theirs = [...new URLSearchParams(location.search)].filter(([k]) => !own.has(k))
    const q = [query(state.filters, { tab: state.tab === 'timeline' ? null : state.tab, event: state.event }), new URLSearchParams(theirs).toString()].filter(Boolean).join('&')
    const u = location.pathname + (q ? `?${q}` : '')
    if (u === location.pathname + location.search) return
    history[push ? 'pushState' : 'replaceState'](null, '', u)
  }

  const page: ActivityPage = {
    state,
    setError: errorBanner(byId('ac-banner'), 'Could not load '),
    apiUrl: (path, extra) => apiPath(state.filters, path, extra),
    setFilters(f, opts = {}) {
      const clean = cleanFilters(FILTER_KEYS, f)
      if (query(clean) === query(state.filters) && !opts.force) return
      state.filters = clean
      if (opts.tab) state.tab = opts.tab
      saveUrl(true)
      fillForm(page)
      drawViews(page)
      showTab()
      if (state.tab === 'timeline') reload()
      else {
        // The timeline reloads when it is shown again; a tab that follows the filters reloads now.
        state.gen++
        state.loaded = false
        if (isExtraTab(state.tab) && extraTab(state.tab).filters) void loadTab()
      }
    },
    get gen() { return state.gen },
    openEvent: (id) => void openEvent(page, id, () => saveUrl(false)),
    showTab: (tab) => switchTab(tab),
  }

  /** The timeline and everything that follows its filters, for a new filter. */
  function reload(): Promise<void> {
    const gen = ++state.gen
    // The figures around the rows are stale until they load again after them: say so (and to the browser tests).
    for (const id of ['ac-kpis', 'ac-chart']) byId(id).setAttribute('data-ready', 'false')
    // The rows first: they are what a person came for, and the server answers them fastest when they do not queue
    // behind the figures around them (KPIs, facets, chart), which follow as soon as the rows are on screen.
    return loadTimeline(page, gen).finally(() => {
      if (gen !== state.gen) return
      void loadKpis(page, gen)
      // The facets name the people in this filter: a shared view's owner among them is named too.
      void loadFacets(page, gen).then(() => drawViews(page))
      void loadChart(page, gen)
    })
  }

  // ---- tabs, polling ----
  function showTab() {
    for (const b of document.querySelectorAll('.ac-tab')) b.setAttribute('aria-selected', String(b.getAttribute('data-tab') === state.tab))
    for (const p of document.querySelectorAll<HTMLElement>('.ac-panel')) p.hidden = p.id !== `ac-panel-${state.tab}`
    byId('ac-filter-area').hidden = !(state.tab === 'timeline' || (isExtraTab(state.tab) && extraTab(state.tab).filters))
  }
  /** Loads the open tab (not the timeline, which reload() loads). */
  function loadTab(): Promise<void> {
    if (state.tab === 'sync') return loadSync(page)
    if (isExtraTab(state.tab)) return extraTab(state.tab).load(page)
    return Promise.resolve()
  }
  function switchTab(tab: Tab) {
    if (tab === state.tab) return
    state.tab = tab
    saveUrl(true)
    showTab()
    if (tab === 'timeline') {
      if (!state.loaded) reload()
    } else void loadTab()
  }
  async function poll() {
    state.lastPoll = Date.now()
    const jobs = [loadPulse(page)]
    if (state.tab !== 'timeline') jobs.push(loadTab())
    else if (state.loaded) jobs.push(loadKpis(page, state.gen), loadFacets(page, state.gen), loadChart(page, state.gen), checkNew(page))
    await Promise.all(jobs)
  }

  readUrl()
  fillForm(page)
  showTab()
  wireFilterBar(page)
  wirePulseToggle()
  wirePulseTarget()
  wireViews(page)
  wireRows(page)
  watchChartSize()
  for (const t of Object.values(EXTRA_TABS) as Array<{ wire?: (p: typeof page) => void }>) t.wire?.(page)
  for (const b of document.querySelectorAll('.ac-tab')) b.addEventListener('click', () => switchTab(parseTab(b.getAttribute('data-tab'))))
  byId('ac-more').addEventListener('click', () => void loadMore(page))
  byId('ac-new').addEventListener('click', () => showNew(page, reload))
  byId('ac-drawer-close').addEventListener('click', () => closeDrawer(page, () => saveUrl(false)))
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !byId('ac-drawer').hidden) closeDrawer(page, () => saveUrl(false))
  })
  window.addEventListener('popstate', () => {
    const before = query(state.filters)
    const event = state.event
    readUrl()
    fillForm(page)
    drawViews(page)
    showTab()
    if (state.tab !== 'timeline') void loadTab()
    if (query(state.filters) !== before || (state.tab === 'timeline' && !state.loaded)) reload()
    if (state.event && state.event !== event) page.openEvent(state.event)
    else if (!state.event && event) closeDrawer(page, () => saveUrl(false))
  })

  // The rows' request goes out first (see reload). The pulse (cached by the server) and the saved views are cheap and
  // sit above the table: they load alongside, so they do not push the rows down after someone started reading them.
  const first = state.tab === 'timeline' ? reload() : loadTab()
  void loadPulse(page)
  void loadViews(page)
  void first.finally(() => document.dispatchEvent(new Event('agnes:first-content')))
  if (state.event) page.openEvent(state.event)
  state.lastPoll = Date.now()
  setInterval(() => {
    if (!document.hidden) void poll()
  }, POLL_MS)
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && Date.now() - state.lastPoll >= POLL_MS) void poll()
  })
  // For the browser tests: run one polling round now instead of waiting 30 s.
  ;(window as unknown as { agnesActivity: unknown }).agnesActivity = { poll }
}

onReady(() => {
  startClock()
  start()
})
