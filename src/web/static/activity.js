// Activity Center (/admin/activity). Plain script, no framework, no external resources; the shared helpers come
// from dom.js (window.AgnesDom), loaded first.
// Every value that comes from the server is inserted with textContent / createElement, never as HTML.
'use strict'
;(function () {
  const API = '/api/admin/activity'
  /** The timeline filters the API accepts; they live in the page's query string. */
  const FILTER_KEYS = ['since', 'until', 'user_id', 'action_prefix', 'action_in', 'resource', 'resource_prefix', 'result_pattern', 'result_class', 'client_kind', 'correlation_id', 'q', 'include_self_reads']
  /** Filters without a control of their own in the bar: shown as removable pills. */
  const EXTRA = { action_in: 'actions', resource: 'resource', resource_prefix: 'resource starts with', result_pattern: 'result', correlation_id: 'correlation id' }
  const COLORS = ['green', 'yellow', 'red', 'grey']
  const POLL_MS = 30000
  const PAGE = 50

  const $ = (id) => document.getElementById(id)

  // Shared with the other admin pages (dom.js, loaded first).
  const { el, getJson, sendJson, pad, fmtClock, fmtRel, fmtInt } = window.AgnesDom
  /** Audit times are shown to the second. */
  const fmtTime = (iso) => window.AgnesDom.fmtTime(iso, { seconds: true })

  const state = {
    filters: {},
    tab: 'timeline',
    event: null, // the drawer's event id
    rows: [],
    ids: new Set(),
    cursor: null,
    pending: [], // newer rows found by polling, shown when the user asks
    overflow: false, // more new rows than one page: showing them means reloading
    gen: 0, // bumps on every filter change, so late answers for an old filter are dropped
    loaded: false,
    users: new Map(), // user id → e-mail, for the user select
    lastPoll: 0,
    errors: new Map(),
  }

  // ---- formatting ----
  function fmtMs(ms) {
    if (ms === null || ms === undefined || ms === '') return '—'
    const n = Number(ms)
    if (!isFinite(n)) return '—'
    if (n < 10) return `${n.toFixed(1)} ms`
    if (n < 1000) return `${Math.round(n)} ms`
    if (n < 60000) return `${(n / 1000).toFixed(n < 10000 ? 2 : 1)} s`
    return `${(n / 60000).toFixed(1)} min`
  }
  /** A ratio (0..1) as a percentage. */
  function fmtPct(r) {
    if (r === null || r === undefined || r === '' || !isFinite(Number(r))) return '—'
    const p = Number(r) * 100
    return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`
  }
  const color = (c) => (COLORS.includes(c) ? c : 'grey')
  function resultClass(result) {
    if (result === 'success') return 'success'
    if (result === 'denied') return 'denied'
    if (typeof result === 'string' && result.startsWith('error')) return 'error'
    return 'other'
  }
  const badge = (result) => el('span', { class: `ac-badge r-${resultClass(result)}` }, result ?? '—')
  function json(v) {
    if (typeof v === 'string') {
      try {
        return JSON.stringify(JSON.parse(v), null, 2)
      } catch {
        return v
      }
    }
    return JSON.stringify(v, null, 2)
  }
  const show = (v) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  function isoToLocal(iso) {
    if (!iso) return ''
    const d = new Date(iso)
    if (isNaN(d.getTime())) return ''
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  }
  function localToIso(v) {
    if (!v) return ''
    const d = new Date(v)
    return isNaN(d.getTime()) ? '' : d.toISOString()
  }

  // ---- errors ----
  function setError(source, err) {
    if (err) state.errors.set(source, err instanceof Error ? err.message : String(err))
    else state.errors.delete(source)
    const b = $('ac-banner')
    b.hidden = state.errors.size === 0
    b.replaceChildren(...[...state.errors].map(([s, m]) => el('div', null, `Could not load ${s}: ${m}`)))
  }

  // ---- URL state ----
  function readUrl() {
    const sp = new URLSearchParams(location.search)
    const f = window.AgnesDom.readFilters(sp, FILTER_KEYS)
    state.filters = f
    state.tab = sp.get('tab') === 'sync' ? 'sync' : 'timeline'
    state.event = sp.get('event') || null
  }
  function query(filters, extra) {
    return window.AgnesDom.toQuery(FILTER_KEYS, filters, extra)
  }
  function pageUrl() {
    const q = query(state.filters, { tab: state.tab === 'timeline' ? null : state.tab, event: state.event })
    return location.pathname + (q ? `?${q}` : '')
  }
  function saveUrl(push) {
    const u = pageUrl()
    if (u === location.pathname + location.search) return
    history[push ? 'pushState' : 'replaceState'](null, '', u)
  }
  const apiUrl = (path, extra) => {
    const q = query(state.filters, extra)
    return `${API}/${path}${q ? `?${q}` : ''}`
  }

  // ---- filter bar ----
  function fillForm() {
    const f = state.filters
    $('f-since').value = isoToLocal(f.since)
    $('f-until').value = isoToLocal(f.until)
    if (f.user_id && !state.users.has(f.user_id)) state.users.set(f.user_id, f.user_id)
    renderUserOptions()
    $('f-user').value = f.user_id || ''
    $('f-action').value = f.action_prefix || ''
    $('f-result').value = f.result_class || ''
    $('f-client').value = f.client_kind || ''
    if (document.activeElement !== $('f-q')) $('f-q').value = f.q || ''
    $('f-self').checked = f.include_self_reads === 'true'
    // Without a start the server shows the last 24 h (7 days for a search).
    $('ac-window').textContent = f.since ? '' : f.q ? 'default: last 7 days' : 'default: last 24 h'
    const extra = $('ac-extra')
    const pills = Object.keys(EXTRA).filter((k) => f[k]).map((k) =>
      el('span', { class: 'ac-pill', 'data-filter': k }, `${EXTRA[k]}: `, el('code', null, f[k]),
        el('button', { type: 'button', title: 'Remove this filter', 'aria-label': `Remove filter ${EXTRA[k]}`, onclick: () => setFilters({ ...state.filters, [k]: '' }) }, '×')))
    extra.replaceChildren(...(pills.length ? [el('span', { class: 'muted' }, 'Also filtered by'), ...pills] : []))
    extra.hidden = pills.length === 0
    for (const a of [$('ac-export-csv'), $('ac-export-ndjson')]) {
      const fmt = a.id.endsWith('csv') ? 'csv' : 'ndjson'
      a.setAttribute('href', apiUrl('export', { format: fmt }))
    }
  }
  let userOptions = ''
  function renderUserOptions() {
    const sel = $('f-user')
    const users = [...state.users].sort((a, b) => a[1].localeCompare(b[1]))
    // Rebuilt only when the list changed, so a poll does not close a select the user has open.
    const sig = JSON.stringify(users)
    if (sig === userOptions) {
      sel.value = state.filters.user_id || ''
      return
    }
    userOptions = sig
    sel.replaceChildren(el('option', { value: '' }, 'Anyone'), ...users.map(([id, label]) => el('option', { value: id }, label)))
    sel.value = state.filters.user_id || ''
  }
  function readForm() {
    const f = { ...state.filters }
    f.since = localToIso($('f-since').value)
    f.until = localToIso($('f-until').value)
    f.user_id = $('f-user').value
    f.action_prefix = $('f-action').value.trim().toLowerCase()
    f.result_class = $('f-result').value
    f.client_kind = $('f-client').value
    f.q = $('f-q').value.trim()
    f.include_self_reads = $('f-self').checked ? 'true' : ''
    return f
  }
  function setFilters(f, opts) {
    const clean = {}
    for (const k of FILTER_KEYS) if (f[k] !== undefined && f[k] !== null && f[k] !== '') clean[k] = String(f[k])
    if (query(clean) === query(state.filters) && !(opts && opts.force)) return
    state.filters = clean
    if (opts && opts.tab) state.tab = opts.tab
    saveUrl(true)
    fillForm()
    showTab()
    reloadTimeline()
  }

  // ---- health pulse ----
  async function loadPulse() {
    try {
      const h = await getJson(`${API}/health`)
      $('ac-pulse-status').className = `ac-dot ac-dot-${color(h.status)}`
      $('ac-pulse-status').setAttribute('title', `Overall: ${h.status}`)
      $('ac-sentence').textContent = h.sentence || ''
      $('ac-fields').replaceChildren(...(h.fields || []).map(fieldEl))
      const at = h.generated_at ? new Date(h.generated_at) : new Date()
      $('ac-updated').textContent = `Updated ${fmtClock(at)} · refreshes every 30 s`
      setError('the health pulse', null)
    } catch (e) {
      setError('the health pulse', e)
    }
  }
  function fieldEl(f) {
    const cf = f.click_filter && typeof f.click_filter === 'object' ? f.click_filter : null
    const c = color(f.color)
    const n = el(cf ? 'button' : 'div', { class: `ac-field c-${c}`, type: cf ? 'button' : null, 'data-key': f.key, title: `${f.label}: ${show(f.value)}${cf ? ' · click to show these events' : ''}` },
      el('span', { class: 'ac-field-label' }, el('span', { class: `ac-dot ac-dot-${c}` }), f.label),
      el('span', { class: 'ac-field-value' }, show(f.value)))
    if (cf) {
      n.addEventListener('click', () => {
        const next = {}
        for (const k of FILTER_KEYS) {
          const v = cf[k]
          if (v !== null && v !== undefined && v !== '') next[k] = Array.isArray(v) ? v.join(',') : String(v)
        }
        setFilters(next, { tab: 'timeline', force: true })
        $('ac-panel-timeline').scrollIntoView({ block: 'start' })
      })
    }
    return n
  }

  // ---- KPIs and facets ----
  async function loadKpis(gen) {
    try {
      const k = await getJson(apiUrl('kpis'))
      if (gen !== state.gen) return
      const items = [
        ['Events', fmtInt(k.events), false, null],
        ['Errors', fmtInt(k.errors), Number(k.errors) > 0, null],
        ['Error rate', fmtPct(k.error_rate), Number(k.errors) > 0, null],
        ['Active users', fmtInt(k.active_users), false, null],
        ['p95 duration', fmtMs(k.p95_duration_ms), false, k.duration_coverage === null || k.duration_coverage === undefined ? null : `${fmtPct(k.duration_coverage)} of events timed`],
      ]
      $('ac-kpis').replaceChildren(...items.map(([label, value, bad, note]) =>
        el('div', { class: `ac-kpi${bad ? ' bad' : ''}` }, el('div', { class: 'ac-kpi-label' }, label), el('div', { class: 'ac-kpi-value' }, value), note ? el('div', { class: 'ac-kpi-note' }, note) : null)))
      setError('the figures', null)
    } catch (e) {
      setError('the figures', e)
    }
  }
  const FACETS = [
    ['action_prefix', 'Action', 'action_prefix'],
    ['result_class', 'Result', 'result_class'],
    ['client_kind', 'Client', 'client_kind'],
    ['user', 'User', 'user_id'],
  ]
  async function loadFacets(gen) {
    try {
      const f = await getJson(apiUrl('facets'))
      if (gen !== state.gen) return
      for (const u of f.user || []) if (u.value) state.users.set(String(u.value), String(u.label || u.value))
      renderUserOptions()
      $('ac-action-list').replaceChildren(...(f.action_prefix || []).map((a) => el('option', { value: a.value })))
      const parts = []
      for (const [key, title, filter] of FACETS) {
        const items = f[key] || []
        parts.push(el('h3', null, title))
        if (!items.length) {
          parts.push(el('p', { class: 'muted', style: 'margin:0' }, 'none'))
          continue
        }
        parts.push(el('ul', null, items.map((it) => {
          const value = String(it.value ?? '')
          // Rows without a user (scheduler, system) cannot be filtered by user id.
          if (!value) return el('li', null, el('div', { class: 'ac-facet' }, el('span', { class: 'ac-facet-v' }, key === 'user' ? 'system (no user)' : '(none)'), el('span', { class: 'ac-facet-c' }, fmtInt(it.count))))
          const on = state.filters[filter] === value
          return el('li', null, el('button', {
            type: 'button', class: `ac-facet${on ? ' on' : ''}`, title: on ? 'Remove this filter' : 'Filter by this',
            'data-filter': filter, 'data-value': value,
            onclick: () => setFilters({ ...state.filters, [filter]: on ? '' : value }),
          }, el('span', { class: `ac-facet-v${key === 'action_prefix' ? ' mono' : ''}` }, it.label || value || '(none)'), el('span', { class: 'ac-facet-c' }, fmtInt(it.count))))
        })))
      }
      $('ac-facets').replaceChildren(...parts)
      setError('the counts', null)
    } catch (e) {
      setError('the counts', e)
    }
  }

  // ---- timeline ----
  function rowEl(r, fresh) {
    const id = String(r.id)
    const who = r.user_email || r.user_id || (r.client_kind === 'scheduler' || r.client_kind === 'system' ? 'system' : '—')
    return el('tr', { class: `ac-row${id === state.event ? ' open' : ''}${fresh ? ' fresh' : ''}`, tabindex: '0', 'data-id': id },
      el('td', { class: 'c-time', title: r.timestamp }, fmtTime(r.timestamp)),
      el('td', { class: 'c-user', title: who }, who),
      el('td', { class: 'c-action', title: r.action }, r.action),
      el('td', { class: 'c-resource', title: r.resource || '' }, r.resource || ''),
      el('td', { class: 'c-result' }, badge(r.result)),
      el('td', { class: 'num' }, fmtMs(r.duration_ms)),
      el('td', { class: 'ac-kind' }, r.client_kind || ''))
  }
  function addRows(rows, where) {
    const fresh = rows.filter((r) => !state.ids.has(String(r.id)))
    for (const r of fresh) state.ids.add(String(r.id))
    const tbody = $('ac-rows')
    tbody.querySelector('tr.ac-empty')?.remove()
    if (where === 'top') {
      state.rows = fresh.concat(state.rows)
      tbody.prepend(...fresh.map((r) => rowEl(r, true)))
    } else {
      state.rows = state.rows.concat(fresh)
      tbody.append(...fresh.map((r) => rowEl(r, false)))
    }
    if (!state.rows.length) tbody.replaceChildren(el('tr', { class: 'ac-empty' }, el('td', { colspan: '7' }, 'No events match these filters.')))
    $('ac-count').textContent = `${state.rows.length.toLocaleString('en')} shown${state.cursor ? ', more below' : ''}`
  }
  async function reloadTimeline() {
    const gen = ++state.gen
    state.loaded = true
    state.pending = []
    state.overflow = false
    renderNew()
    $('ac-table').style.opacity = '0.55'
    loadKpis(gen)
    loadFacets(gen)
    try {
      const t = await getJson(apiUrl('timeline', { limit: PAGE }))
      if (gen !== state.gen) return
      state.rows = []
      state.ids = new Set()
      state.cursor = t.next_cursor || null
      $('ac-rows').replaceChildren()
      addRows(t.rows || [], 'bottom')
      $('ac-more').hidden = !state.cursor
      setError('the timeline', null)
    } catch (e) {
      if (gen !== state.gen) return
      setError('the timeline', e)
      $('ac-rows').replaceChildren(el('tr', { class: 'ac-empty' }, el('td', { colspan: '7' }, 'The timeline could not be loaded.')))
    } finally {
      if (gen === state.gen) $('ac-table').style.opacity = ''
    }
  }
  async function loadMore() {
    if (!state.cursor) return
    const gen = state.gen
    const btn = $('ac-more')
    btn.disabled = true
    btn.textContent = 'Loading…'
    try {
      const t = await getJson(apiUrl('timeline', { limit: PAGE, cursor: state.cursor }))
      if (gen !== state.gen) return
      state.cursor = t.next_cursor || null
      addRows(t.rows || [], 'bottom')
      setError('more events', null)
    } catch (e) {
      setError('more events', e)
    } finally {
      btn.disabled = false
      btn.textContent = 'Load more'
      btn.hidden = !state.cursor
    }
  }
  /** Polling: look for rows newer than the newest shown, and offer them instead of moving the list. */
  async function checkNew() {
    const gen = state.gen
    try {
      const t = await getJson(apiUrl('timeline', { limit: PAGE }))
      if (gen !== state.gen) return
      const rows = t.rows || []
      if (!state.rows.length) {
        if (rows.length) {
          state.cursor = t.next_cursor || null
          addRows(rows, 'bottom')
          $('ac-more').hidden = !state.cursor
        }
        return
      }
      const idx = rows.findIndex((r) => state.ids.has(String(r.id)))
      state.overflow = idx < 0
      state.pending = idx < 0 ? rows : rows.slice(0, idx)
      renderNew()
      setError('the timeline', null)
    } catch (e) {
      setError('the timeline', e)
    }
  }
  function renderNew() {
    const b = $('ac-new')
    const n = state.pending.length
    b.hidden = n === 0
    b.textContent = n === 0 ? '' : `${n}${state.overflow ? '+' : ''} new event${n === 1 && !state.overflow ? '' : 's'} · show`
  }
  function showNew() {
    if (state.overflow) return reloadTimeline()
    const rows = state.pending
    state.pending = []
    renderNew()
    addRows(rows, 'top')
  }

  // ---- drawer ----
  let drawerData = null
  async function openEvent(id) {
    state.event = String(id)
    saveUrl(false)
    for (const tr of $('ac-rows').querySelectorAll('tr.ac-row')) tr.classList.toggle('open', tr.getAttribute('data-id') === state.event)
    $('ac-drawer').hidden = false
    $('ac-drawer-title').textContent = 'Event'
    $('ac-drawer-body').replaceChildren(el('p', { class: 'muted' }, 'Loading…'))
    const mine = state.event
    try {
      const d = await getJson(`${API}/events/${encodeURIComponent(mine)}`)
      if (state.event !== mine) return
      drawerData = { masked: d, raw: null }
      renderDrawer(d, false)
    } catch (e) {
      if (state.event !== mine) return
      $('ac-drawer-body').replaceChildren(el('p', { class: 'error' }, `Could not load this event: ${e instanceof Error ? e.message : e}`))
    }
  }
  function closeDrawer() {
    state.event = null
    drawerData = null
    $('ac-drawer').hidden = true
    for (const tr of $('ac-rows').querySelectorAll('tr.ac-row.open')) tr.classList.remove('open')
    saveUrl(false)
  }
  function kv(pairs) {
    return el('dl', { class: 'ac-kv' }, pairs.filter(Boolean).map(([k, v]) => [el('dt', null, k), el('dd', null, v)]))
  }
  function renderDrawer(d, raw) {
    const ev = d.event || {}
    $('ac-drawer-title').textContent = ev.action || 'Event'
    const cid = ev.correlation_id
      ? el('button', { type: 'button', class: 'ac-link mono', title: 'Show every event of this request', onclick: () => setFilters({ correlation_id: ev.correlation_id, include_self_reads: 'true' }, { tab: 'timeline' }) }, ev.correlation_id)
      : '—'
    const parts = [
      kv([
        ['Time', el('span', { title: ev.timestamp }, `${fmtTime(ev.timestamp)} (${fmtRel(ev.timestamp)})`)],
        ['User', ev.user_email ? `${ev.user_email}` : show(ev.user_id)],
        ['Action', el('code', null, show(ev.action))],
        ['Resource', el('code', null, show(ev.resource))],
        ['Result', badge(ev.result)],
        ['Duration', fmtMs(ev.duration_ms)],
        ['Client', `${show(ev.client_kind)}${ev.client_ip ? ` · ${ev.client_ip}` : ''}`],
        ['Correlation id', cid],
        ['Event id', el('code', null, show(ev.id))],
      ]),
    ]
    const rawBtn = el('button', { type: 'button', class: 'ac-secondary ac-raw-btn', id: 'ac-raw', onclick: toggleRaw }, raw ? 'Show masked' : 'Show raw')
    parts.push(el('h4', null, raw ? 'Params (raw)' : 'Params', rawBtn))
    parts.push(el('pre', { class: `ac-json${raw ? ' raw' : ''}`, id: 'ac-params' }, ev.params === null || ev.params === undefined ? '—' : json(ev.params)))
    if (raw) parts.push(el('p', { class: 'ac-note' }, 'Unmasked values. Viewing them was recorded in the audit log (audit.reveal_raw).'))
    if (ev.params_before !== null && ev.params_before !== undefined) {
      parts.push(el('h4', null, raw ? 'Before the change (raw)' : 'Before the change'))
      parts.push(el('pre', { class: `ac-json${raw ? ' raw' : ''}`, id: 'ac-params-before' }, json(ev.params_before)))
    }
    const related = d.related || []
    parts.push(el('h4', null, `Related records (${related.length})`))
    if (!related.length) parts.push(el('p', { class: 'muted', style: 'margin:0' }, 'None.'))
    for (const r of related) {
      const rec = r.record && typeof r.record === 'object' ? r.record : { value: r.record }
      parts.push(el('div', { class: 'ac-related', 'data-kind': r.kind },
        el('div', { class: 'ac-related-kind' }, String(r.kind).replace(/_/g, ' ')),
        kv(Object.entries(rec).map(([k, v]) => [k, show(v)]))))
    }
    $('ac-drawer-body').replaceChildren(...parts)
  }
  async function toggleRaw() {
    if (!drawerData) return
    const btn = $('ac-raw')
    if (btn && btn.textContent === 'Show masked') return renderDrawer(drawerData.masked, false)
    if (drawerData.raw) return renderDrawer(drawerData.raw, true)
    const mine = state.event
    if (btn) {
      btn.disabled = true
      btn.textContent = 'Loading…'
    }
    try {
      // Revealing is a POST with the page's CSRF token (sendJson), audited as audit.reveal_raw: a GET never reveals.
      const d = await sendJson('POST', `${API}/events/${encodeURIComponent(mine)}/reveal`)
      if (state.event !== mine || !drawerData) return
      drawerData.raw = d
      renderDrawer(d, true)
    } catch (e) {
      if (btn) {
        btn.disabled = false
        btn.textContent = 'Show raw'
      }
      $('ac-drawer-body').append(el('p', { class: 'error' }, `Could not load the raw values: ${e instanceof Error ? e.message : e}`))
    }
  }

  // ---- sync grid ----
  async function loadSync() {
    try {
      const s = await getJson(`${API}/sync`)
      const tables = s.tables || []
      const tbody = $('ac-sync-rows')
      if (!tables.length) {
        tbody.replaceChildren(el('tr', { class: 'ac-empty' }, el('td', { colspan: '9' }, 'No tables are registered.')))
      } else {
        tbody.replaceChildren(...tables.map(syncRow))
      }
      const failing = tables.filter((t) => t.status === 'error').length
      const overdue = tables.filter((t) => t.overdue).length
      const never = tables.filter((t) => t.status === 'never').length
      $('ac-sync-summary').textContent = [`${tables.length} table${tables.length === 1 ? '' : 's'}`, failing && `${failing} failing`, overdue && `${overdue} overdue`, never && `${never} never synced`].filter(Boolean).join(' · ')
      setError('the sync grid', null)
    } catch (e) {
      setError('the sync grid', e)
    }
  }
  function syncRow(t) {
    const never = t.status === 'never'
    const cls = [never ? 'never' : '', t.overdue ? 'overdue' : '', t.status === 'error' ? 'failed' : ''].filter(Boolean).join(' ')
    const status = el('td', null,
      el('span', { class: `ac-badge r-${never ? 'never' : t.status === 'success' ? 'success' : t.status === 'error' ? 'error' : 'other'}` }, never ? 'never synced' : show(t.status)),
      t.overdue ? el('span', { class: 'ac-flag', title: 'The last sync is older than its interval allows' }, 'overdue') : null)
    const name = el('button', {
      type: 'button', class: 'ac-link mono', title: 'Show this table\u2019s events',
      onclick: () => setFilters({ resource: `table:${t.table_id}` }, { tab: 'timeline', force: true }),
    }, t.table_id)
    return el('tr', { class: cls, 'data-table': t.table_id },
      el('td', null, name),
      status,
      el('td', { title: t.last_run_at || '' }, never ? 'never' : fmtRel(t.last_run_at)),
      el('td', { class: 'num' }, fmtInt(t.rows)),
      el('td', { class: 'num' }, fmtMs(t.duration_ms)),
      el('td', { class: 'num' }, fmtInt(t.runs_24h)),
      el('td', { class: 'num', style: Number(t.failures_24h) > 0 ? 'color:var(--red);font-weight:600' : null }, fmtInt(t.failures_24h)),
      el('td', { title: t.next_expected_at || '' }, t.next_expected_at ? fmtRel(t.next_expected_at) : '—'),
      el('td', { class: 'c-error', title: t.error || '' }, t.error || ''))
  }

  // ---- tabs, polling, wiring ----
  function showTab() {
    for (const b of document.querySelectorAll('.ac-tab')) b.setAttribute('aria-selected', String(b.getAttribute('data-tab') === state.tab))
    $('ac-panel-timeline').hidden = state.tab !== 'timeline'
    $('ac-panel-sync').hidden = state.tab !== 'sync'
  }
  function switchTab(tab) {
    if (tab === state.tab) return
    state.tab = tab
    saveUrl(true)
    showTab()
    if (tab === 'sync') loadSync()
    else if (!state.loaded) reloadTimeline()
  }
  async function poll() {
    state.lastPoll = Date.now()
    const jobs = [loadPulse()]
    if (state.tab === 'sync') jobs.push(loadSync())
    else if (state.loaded) jobs.push(loadKpis(state.gen), loadFacets(state.gen), checkNew())
    await Promise.all(jobs)
  }

  function init() {
    readUrl()
    fillForm()
    showTab()
    const form = $('ac-filters')
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      setFilters(readForm())
    })
    form.addEventListener('change', (e) => {
      if (e.target && e.target.id === 'f-q') return
      setFilters(readForm())
    })
    let typing = null
    $('f-q').addEventListener('input', () => {
      clearTimeout(typing)
      typing = setTimeout(() => setFilters(readForm()), 400)
    })
    $('f-q').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault()
        clearTimeout(typing)
        setFilters(readForm())
      }
    })
    for (const b of document.querySelectorAll('[data-range]')) {
      b.addEventListener('click', () => {
        const h = Number(b.getAttribute('data-range'))
        setFilters({ ...state.filters, since: h ? new Date(Date.now() - h * 3600e3).toISOString() : '', until: '' })
      })
    }
    $('ac-clear').addEventListener('click', () => setFilters({}))
    for (const b of document.querySelectorAll('.ac-tab')) b.addEventListener('click', () => switchTab(b.getAttribute('data-tab')))
    $('ac-more').addEventListener('click', loadMore)
    $('ac-new').addEventListener('click', showNew)
    const rows = $('ac-rows')
    rows.addEventListener('click', (e) => {
      const tr = e.target instanceof Element ? e.target.closest('tr.ac-row') : null
      if (tr) openEvent(tr.getAttribute('data-id'))
    })
    rows.addEventListener('keydown', (e) => {
      const tr = e.target instanceof Element ? e.target.closest('tr.ac-row') : null
      if (tr && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault()
        openEvent(tr.getAttribute('data-id'))
      }
    })
    $('ac-drawer-close').addEventListener('click', closeDrawer)
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !$('ac-drawer').hidden) closeDrawer()
    })
    window.addEventListener('popstate', () => {
      const before = query(state.filters)
      const event = state.event
      readUrl()
      fillForm()
      showTab()
      if (state.tab === 'sync') loadSync()
      if (query(state.filters) !== before || (state.tab === 'timeline' && !state.loaded)) reloadTimeline()
      if (state.event && state.event !== event) openEvent(state.event)
      else if (!state.event && event) closeDrawer()
    })

    loadPulse()
    if (state.tab === 'sync') loadSync()
    else reloadTimeline()
    if (state.event) openEvent(state.event)
    state.lastPoll = Date.now()
    setInterval(() => {
      if (!document.hidden) poll()
    }, POLL_MS)
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && Date.now() - state.lastPoll >= POLL_MS) poll()
    })
    // For the browser tests: run one polling round now instead of waiting 30 s.
    window.agnesActivity = { poll }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init)
  else init()
})()
