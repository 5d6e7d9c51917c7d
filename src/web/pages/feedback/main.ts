// Entry of the feedback inbox's bundle (dist/web/static/feedback.js, /admin/feedback). Reports are user input: every
// value from the server is inserted as text. Filters and the open report (?id=) live in the URL.
import { button, byId, cleanFilters, el, errorBanner, fmtInt, getJson, input, onReady, plural, readFilters, select, toQuery, type Filters } from '../dom.ts'
import { startClock, timeEl } from '../time.ts'
import type { ReportList, ReportRow } from '../api.ts'
import { API, SORT_NOTE, STATUS_LABEL, type Inbox, type InboxState } from './inbox.ts'
import { assignToMe, loadDetail, startResolve, statusBadge } from './detail.ts'
import { startTelegram } from './telegram.ts'
import { rowCheckbox, startBulk, syncBulk } from './bulk.ts'
import { startKeyboard } from './keyboard.ts'
import '../page.css'
import '../transcript/replay.css'
import './feedback.css'

/** The list filters (and the sort) the API accepts; they live in the page's query string, with the open report (id). */
const FILTER_KEYS = ['status', 'tag', 'assignee', 'fingerprint', 'sort']
const PAGE = 50

function start() {
  const root = byId('feedback')
  const me = root.getAttribute('data-me') ?? ''
  const setError = errorBanner(byId('fb-banner'), 'Could not ')
  const state: InboxState = {
    filters: {}, id: null, limit: PAGE, cursor: null, rows: new Map(), tags: new Set(), gen: 0, detail: null, detailGen: 0, busy: false,
    resolveMode: null, admins: new Map(), selected: new Set(),
  }
  for (const o of select('f-assignee').querySelectorAll('option[data-email]')) state.admins.set(o.getAttribute('value') ?? '', o.getAttribute('data-email') ?? '')

  const firstLine = (s: string | null | undefined) => String(s ?? '').trim().split('\n')[0].slice(0, 200)

  // ---- URL state ----
  function readUrl() {
    const sp = new URLSearchParams(location.search)
    state.filters = readFilters(sp, FILTER_KEYS)
    state.id = sp.get('id') || null
    const lim = Number(sp.get('limit'))
    state.limit = Number.isInteger(lim) && lim >= 1 && lim <= 500 ? lim : PAGE
  }
  const query = (filters: Filters, extra?: Record<string, string | number | null>) => toQuery(FILTER_KEYS, filters, extra)
  function pageHref(id: string | null) {
    const q = query(state.filters, { limit: state.limit === PAGE ? null : state.limit, id })
    return location.pathname + (q ? `?${q}` : '')
  }
  function saveUrl() {
    const u = pageHref(state.id)
    if (u !== location.pathname + location.search) history.pushState(null, '', u)
  }
  const listUrl = (cursor: string | null) => `${API}?${query(state.filters, { limit: state.limit, cursor })}`

  // ---- filter bar ----
  /** A select shows the URL's value even when it is not one of its options (a shared link, an unknown user). */
  function selectValue(sel: HTMLSelectElement, v: string | undefined, label?: string) {
    if (v && ![...sel.options].some((o) => o.value === v)) sel.append(el('option', { value: v }, label || v))
    sel.value = v ?? ''
  }
  /** Shows the filters in the bar; a tag being typed is left alone unless the URL changed under it (Back). */
  function fillForm(fromUrl = false) {
    const f = state.filters
    selectValue(select('f-status'), f.status, f.status?.split(',').map((s) => STATUS_LABEL[s] ?? s).join(' or '))
    if (fromUrl || document.activeElement !== input('f-tag')) input('f-tag').value = f.tag ?? ''
    selectValue(select('f-assignee'), f.assignee, f.assignee)
    selectValue(select('f-sort'), f.sort, f.sort)
    byId('fb-list-note').textContent = SORT_NOTE[f.sort ?? ''] ?? f.sort ?? ''
    const extra = byId('fb-extra')
    extra.hidden = !f.fingerprint
    extra.replaceChildren()
    if (f.fingerprint) {
      extra.append(el('span', { class: 'fb-pill', title: `fingerprint ${f.fingerprint}` },
        'Same problem as fingerprint ', el('code', null, `${f.fingerprint.slice(0, 12)}…`),
        el('button', { type: 'button', 'aria-label': 'Remove the fingerprint filter', id: 'fb-fp-clear', onclick: () => setFilters({ ...state.filters, fingerprint: '' }) }, '×')))
    }
  }
  const readForm = () => ({
    ...state.filters, status: select('f-status').value, tag: input('f-tag').value.trim().toLowerCase(), assignee: select('f-assignee').value, sort: select('f-sort').value,
  })
  function setFilters(f: Record<string, unknown>) {
    const clean = cleanFilters(FILTER_KEYS, f)
    if (query(clean) === query(state.filters)) return
    state.filters = clean
    saveUrl()
    fillForm()
    void reloadList()
  }

  // ---- the list ----
  function rowEl(r: ReportRow): HTMLElement {
    const dups = Number(r.duplicate_count) || 0
    const link = el('a', {
      class: 'fb-row-link', href: pageHref(r.id),
      onclick: (e: MouseEvent) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return
        e.preventDefault()
        openReport(r.id)
      },
    },
    el('div', { class: 'fb-row-top' }, statusBadge(r.status), el('span', { class: 'fb-row-msg', title: String(r.message || '').slice(0, 400) }, firstLine(r.message) || '(empty)')),
    el('div', { class: 'fb-row-meta' },
      el('span', { class: 'fb-row-who' }, r.reporter_email || r.reporter_user),
      timeEl(r.created_at, { coarse: true }),
      r.assignee ? el('span', { class: 'fb-row-assignee' }, `→ ${inbox.who(r.assignee)}`) : null,
      r.duplicate_of ? el('span', { class: 'fb-row-dupof', title: `a duplicate of report ${r.duplicate_of}` }, 'duplicate') : null,
      r.excerpt_chars ? el('span', { class: 'fb-row-excerpt', title: `${fmtInt(r.excerpt_chars)} characters of session excerpt` }, 'session excerpt') : null,
      r.github_issue ? el('span', { class: 'fb-row-gh', title: `GitHub issue ${r.github_issue.repo}#${r.github_issue.number}` }, `#${r.github_issue.number}`) : null,
      (r.tags ?? []).map((t) => el('span', { class: 'fb-tag' }, t))))
    const dupBtn = dups > 0
      ? el('button', {
        type: 'button', class: 'fb-dups', 'data-fingerprint': r.fingerprint,
        title: `${plural(dups, 'other report')} with the same fingerprint: show them all`,
        onclick: () => setFilters({ fingerprint: r.fingerprint }),
      }, el('b', null, `+${fmtInt(dups)}`), dups === 1 ? ' duplicate' : ' duplicates')
      : null
    return el('li', {
      class: `fb-row s-${r.status}${r.id === state.id ? ' selected' : ''}${state.selected.has(r.id) ? ' checked' : ''}`,
      'data-id': r.id, 'data-status': r.status, 'data-duplicates': String(dups),
    }, rowCheckbox(inbox, r.id), link, dupBtn)
  }
  function addRows(rows: ReportRow[]) {
    const list = byId('fb-rows')
    list.querySelector('li.fb-empty')?.remove()
    for (const r of rows) {
      state.rows.set(r.id, r)
      for (const t of r.tags ?? []) state.tags.add(t)
    }
    list.append(...rows.map(rowEl))
    if (!state.rows.size) {
      const filtered = Object.keys(state.filters).length > 0
      list.replaceChildren(el('li', { class: 'fb-empty' }, filtered ? 'No reports match these filters.' : 'No reports yet: users send them with agnes report.'))
    }
    byId('fb-count').textContent = `${plural(state.rows.size, 'report')} shown${state.cursor ? ', more below' : ''}`
    byId('fb-tag-list').replaceChildren(...[...state.tags].sort().map((t) => el('option', { value: t })))
    syncBulk(inbox)
  }
  function replaceRow(r: ReportRow) {
    state.rows.set(r.id, r)
    const old = byId('fb-rows').querySelector(`li.fb-row[data-id="${CSS.escape(r.id)}"]`)
    if (old) old.replaceWith(rowEl(r))
  }
  function markSelected() {
    for (const li of byId('fb-rows').querySelectorAll('li.fb-row')) li.classList.toggle('selected', li.getAttribute('data-id') === state.id)
  }
  async function reloadList() {
    const gen = ++state.gen
    root.setAttribute('data-list', 'loading')
    byId('fb-rows').style.opacity = '0.55'
    try {
      const page = await getJson<ReportList>(listUrl(null))
      if (gen !== state.gen) return
      state.rows = new Map()
      state.cursor = page.next_cursor ?? null
      byId('fb-rows').replaceChildren()
      addRows(page.rows ?? [])
      byId('fb-more').hidden = !state.cursor
      setError('load the reports', null)
    } catch (e) {
      if (gen !== state.gen) return
      setError('load the reports', e)
      byId('fb-rows').replaceChildren(el('li', { class: 'fb-empty' }, 'The reports could not be loaded.'))
      byId('fb-more').hidden = true
    } finally {
      if (gen === state.gen) {
        byId('fb-rows').style.opacity = ''
        root.setAttribute('data-list', 'ready')
      }
    }
  }
  async function loadMore() {
    if (!state.cursor) return
    const gen = state.gen
    const btn = button('fb-more')
    btn.disabled = true
    btn.textContent = 'Loading…'
    try {
      const page = await getJson<ReportList>(listUrl(state.cursor))
      if (gen !== state.gen) return
      state.cursor = page.next_cursor ?? null
      addRows((page.rows ?? []).filter((r) => !state.rows.has(r.id)))
      setError('load more reports', null)
    } catch (e) {
      setError('load more reports', e)
    } finally {
      btn.disabled = false
      btn.textContent = 'Load more'
      btn.hidden = !state.cursor
    }
  }

  // ---- one report ----
  function openReport(id: string) {
    if (state.id === id) return
    state.id = id
    saveUrl()
    markSelected()
    void loadDetail(inbox)
  }
  function closeReport() {
    state.id = null
    saveUrl()
    markSelected()
    void loadDetail(inbox)
  }

  const inbox: Inbox = {
    state,
    who: (id) => (!id ? null : id === me ? 'you' : state.admins.get(id) || id),
    pageHref, setFilters, openReport, closeReport, replaceRow,
    reloadDetail: () => void loadDetail(inbox),
  }

  // ---- start ----
  readUrl()
  fillForm()
  const form = byId<HTMLFormElement>('fb-filters')
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    setFilters(readForm())
  })
  form.addEventListener('change', () => setFilters(readForm()))
  byId('fb-clear').addEventListener('click', () => setFilters({}))
  byId('fb-more').addEventListener('click', () => void loadMore())
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !state.id) return
    const t = e.target
    if (t instanceof Element && t.closest('input, textarea, select, [contenteditable]')) return
    closeReport()
  })
  window.addEventListener('popstate', () => {
    const before = query(state.filters, { limit: state.limit })
    const id = state.id
    readUrl()
    fillForm(true)
    if (query(state.filters, { limit: state.limit }) !== before) void reloadList()
    else markSelected()
    if (state.id !== id) void loadDetail(inbox)
  })
  startTelegram()
  startBulk(inbox)
  startKeyboard(inbox, { assignToMe: () => assignToMe(inbox), startResolve: () => startResolve(inbox) })
  void reloadList()
  void loadDetail(inbox)
}

onReady(() => {
  startClock()
  start()
})
