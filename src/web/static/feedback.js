// Feedback inbox (/admin/feedback). Plain script, no framework, no external resources. Reports are user input:
// every value that comes from the server is inserted with textContent / createElement, never as HTML. The session
// excerpt is drawn by the replay renderer shared with the session replay (transcript-replay.js), and the helpers
// come from dom.js (window.AgnesDom); both are loaded first.
'use strict'
;(function () {
  const API = '/api/admin/feedback'
  /** The list filters the API accepts; they live in the page's query string, with the open report (id). */
  const FILTER_KEYS = ['status', 'tag', 'assignee', 'fingerprint']
  const STATUS_LABEL = { open: 'Open', triaged: 'Triaged', resolved: 'Resolved', wontfix: "Won't fix" }
  const ACTIVE = ['open', 'triaged']
  const FINDING_LABEL = { tool_error: 'Tool error', permission_denied: 'Permission denied', user_rejection: 'User rejection', loop: 'Loop', abrupt_end: 'Abrupt end' }
  /** The environment `agnes report` sends, in this order; other keys follow as they are. */
  const ENV_LABEL = [['agnes_cli_version', 'Agnes CLI'], ['os', 'OS'], ['node_version', 'Node'], ['claude_code_version', 'Claude Code']]
  const TAG = /^[a-z0-9][a-z0-9_.:-]{0,39}$/
  const PAGE = 50

  const $ = (id) => document.getElementById(id)
  const replay = window.AgnesTranscript
  const root = $('feedback')
  const ME = root.getAttribute('data-me') || ''

  // Shared with the other admin pages (dom.js, loaded first).
  const { el, getJson, sendJson, fmtTime, fmtInt, plural } = window.AgnesDom
  /** Reports are hours or days old: nothing finer than minutes. */
  const fmtRel = (iso) => window.AgnesDom.fmtRel(iso, { coarse: true })

  const state = {
    filters: {},
    id: null, // the open report
    limit: PAGE,
    cursor: null,
    rows: new Map(), // id → the list row's data
    tags: new Set(),
    gen: 0, // bumps on every filter change, so late answers for an old filter are dropped
    detail: null,
    detailGen: 0,
    busy: false,
    resolveMode: null,
    errors: new Map(),
    admins: new Map(), // user id → e-mail (server-rendered into the assignee filter)
  }
  for (const o of $('f-assignee').querySelectorAll('option[data-email]')) state.admins.set(o.value, o.getAttribute('data-email'))

  // ---- formatting ----
  const shortId = (id) => String(id || '').slice(0, 8)
  const firstLine = (s) => String(s || '').trim().split('\n')[0].slice(0, 200)
  /** Who a user id is: "you", an admin's e-mail, else the id itself. */
  const who = (id) => (!id ? null : id === ME ? 'you' : state.admins.get(id) || id)
  const statusBadge = (s, id) => el('span', { class: `fb-status s-${STATUS_LABEL[s] ? s : 'other'}`, id }, STATUS_LABEL[s] || String(s))
  /** The replay page of a stored transcript (USERNAME/FILENAME), optionally at one finding. */
  function sessionHref(file, findingId) {
    const [user, ...rest] = String(file).split('/')
    return `/admin/sessions/${encodeURIComponent(user)}/${encodeURIComponent(rest.join('/'))}${findingId !== undefined ? `#finding-${findingId}` : ''}`
  }
  const activityHref = (cid, eventId) => `/admin/activity?correlation_id=${encodeURIComponent(cid)}${eventId !== undefined ? `&event=${encodeURIComponent(eventId)}` : ''}`

  // ---- errors ----
  function setError(source, err) {
    if (err) state.errors.set(source, err instanceof Error ? err.message : String(err))
    else state.errors.delete(source)
    const b = $('fb-banner')
    b.hidden = state.errors.size === 0
    b.replaceChildren(...[...state.errors].map(([s, m]) => el('div', null, `Could not ${s}: ${m}`)))
  }

  // ---- URL state ----
  function readUrl() {
    const sp = new URLSearchParams(location.search)
    const f = window.AgnesDom.readFilters(sp, FILTER_KEYS)
    state.filters = f
    state.id = sp.get('id') || null
    const lim = Number(sp.get('limit'))
    state.limit = Number.isInteger(lim) && lim >= 1 && lim <= 500 ? lim : PAGE
  }
  function query(filters, extra) {
    return window.AgnesDom.toQuery(FILTER_KEYS, filters, extra)
  }
  function pageHref(id) {
    const q = query(state.filters, { limit: state.limit === PAGE ? null : state.limit, id })
    return location.pathname + (q ? `?${q}` : '')
  }
  function saveUrl() {
    const u = pageHref(state.id)
    if (u !== location.pathname + location.search) history.pushState(null, '', u)
  }
  const listUrl = (cursor) => `${API}?${query(state.filters, { limit: state.limit, cursor })}`

  // ---- filter bar ----
  /** A select shows the URL's value even when it is not one of its options (a shared link, an unknown user). */
  function selectValue(sel, v, label) {
    if (v && ![...sel.options].some((o) => o.value === v)) sel.append(el('option', { value: v }, label || v))
    sel.value = v || ''
  }
  /** Shows the filters in the bar; a tag being typed is left alone unless the URL changed under it (Back). */
  function fillForm(fromUrl) {
    const f = state.filters
    selectValue($('f-status'), f.status, f.status && f.status.split(',').map((s) => STATUS_LABEL[s] || s).join(' or '))
    if (fromUrl || document.activeElement !== $('f-tag')) $('f-tag').value = f.tag || ''
    selectValue($('f-assignee'), f.assignee, f.assignee)
    const extra = $('fb-extra')
    extra.hidden = !f.fingerprint
    extra.replaceChildren()
    if (f.fingerprint) {
      extra.append(el('span', { class: 'fb-pill', title: `fingerprint ${f.fingerprint}` },
        'Same problem as fingerprint ', el('code', null, `${f.fingerprint.slice(0, 12)}…`),
        el('button', { type: 'button', 'aria-label': 'Remove the fingerprint filter', id: 'fb-fp-clear', onclick: () => setFilters({ ...state.filters, fingerprint: '' }) }, '×')))
    }
  }
  function readForm() {
    return { ...state.filters, status: $('f-status').value, tag: $('f-tag').value.trim().toLowerCase(), assignee: $('f-assignee').value }
  }
  function setFilters(f) {
    const clean = {}
    for (const k of FILTER_KEYS) if (f[k] !== undefined && f[k] !== null && f[k] !== '') clean[k] = String(f[k])
    if (query(clean) === query(state.filters)) return
    state.filters = clean
    saveUrl()
    fillForm()
    reloadList()
  }

  // ---- the list ----
  function rowEl(r) {
    const dups = Number(r.duplicate_count) || 0
    const link = el('a', {
      class: 'fb-row-link', href: pageHref(r.id),
      onclick: (e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return
        e.preventDefault()
        openReport(r.id)
      },
    },
    el('div', { class: 'fb-row-top' }, statusBadge(r.status), el('span', { class: 'fb-row-msg', title: String(r.message || '').slice(0, 400) }, firstLine(r.message) || '(empty)')),
    el('div', { class: 'fb-row-meta' },
      el('span', { class: 'fb-row-who' }, r.reporter_email || r.reporter_user),
      el('span', { title: r.created_at }, fmtRel(r.created_at)),
      r.assignee ? el('span', { class: 'fb-row-assignee' }, `→ ${who(r.assignee)}`) : null,
      r.duplicate_of ? el('span', { class: 'fb-row-dupof', title: `a duplicate of report ${r.duplicate_of}` }, 'duplicate') : null,
      r.excerpt_chars ? el('span', { class: 'fb-row-excerpt', title: `${fmtInt(r.excerpt_chars)} characters of session excerpt` }, 'session excerpt') : null,
      (r.tags || []).map((t) => el('span', { class: 'fb-tag' }, t))))
    const dupBtn = dups > 0
      ? el('button', {
        type: 'button', class: 'fb-dups', 'data-fingerprint': r.fingerprint,
        title: `${plural(dups, 'other report')} with the same fingerprint: show them all`,
        onclick: () => setFilters({ fingerprint: r.fingerprint }),
      }, el('b', null, `+${fmtInt(dups)}`), dups === 1 ? ' duplicate' : ' duplicates')
      : null
    return el('li', { class: `fb-row s-${r.status}${r.id === state.id ? ' selected' : ''}`, 'data-id': r.id, 'data-status': r.status, 'data-duplicates': String(dups) }, link, dupBtn)
  }
  function addRows(rows) {
    const list = $('fb-rows')
    list.querySelector('li.fb-empty')?.remove()
    for (const r of rows) {
      state.rows.set(r.id, r)
      for (const t of r.tags || []) state.tags.add(t)
    }
    list.append(...rows.map(rowEl))
    if (!state.rows.size) {
      const filtered = Object.keys(state.filters).length > 0
      list.replaceChildren(el('li', { class: 'fb-empty' }, filtered ? 'No reports match these filters.' : 'No reports yet: users send them with agnes report.'))
    }
    $('fb-count').textContent = `${plural(state.rows.size, 'report')} shown${state.cursor ? ', more below' : ''}`
    $('fb-tag-list').replaceChildren(...[...state.tags].sort().map((t) => el('option', { value: t })))
  }
  function replaceRow(r) {
    state.rows.set(r.id, r)
    const old = $('fb-rows').querySelector(`li.fb-row[data-id="${CSS.escape(r.id)}"]`)
    if (old) old.replaceWith(rowEl(r))
  }
  function markSelected() {
    for (const li of $('fb-rows').querySelectorAll('li.fb-row')) li.classList.toggle('selected', li.getAttribute('data-id') === state.id)
  }
  async function reloadList() {
    const gen = ++state.gen
    root.setAttribute('data-list', 'loading')
    $('fb-rows').style.opacity = '0.55'
    try {
      const page = await getJson(listUrl(null))
      if (gen !== state.gen) return
      state.rows = new Map()
      state.cursor = page.next_cursor || null
      $('fb-rows').replaceChildren()
      addRows(page.rows || [])
      $('fb-more').hidden = !state.cursor
      setError('load the reports', null)
    } catch (e) {
      if (gen !== state.gen) return
      setError('load the reports', e)
      $('fb-rows').replaceChildren(el('li', { class: 'fb-empty' }, 'The reports could not be loaded.'))
      $('fb-more').hidden = true
    } finally {
      if (gen === state.gen) {
        $('fb-rows').style.opacity = ''
        root.setAttribute('data-list', 'ready')
      }
    }
  }
  async function loadMore() {
    if (!state.cursor) return
    const gen = state.gen
    const btn = $('fb-more')
    btn.disabled = true
    btn.textContent = 'Loading…'
    try {
      const page = await getJson(listUrl(state.cursor))
      if (gen !== state.gen) return
      state.cursor = page.next_cursor || null
      addRows((page.rows || []).filter((r) => !state.rows.has(r.id)))
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
  function openReport(id) {
    if (state.id === id) return
    state.id = id
    saveUrl()
    markSelected()
    loadDetail()
  }
  function closeReport() {
    state.id = null
    saveUrl()
    markSelected()
    loadDetail()
  }
  async function loadDetail() {
    const panel = $('fb-detail')
    const gen = ++state.detailGen
    state.detail = null
    state.resolveMode = null
    panel.removeAttribute('data-ready')
    if (!state.id) {
      panel.hidden = true
      panel.replaceChildren()
      $('fb-main').classList.remove('has-detail')
      return
    }
    panel.hidden = false
    $('fb-main').classList.add('has-detail')
    panel.setAttribute('data-id', state.id)
    panel.replaceChildren(el('p', { class: 'muted' }, 'Loading the report…'))
    try {
      const d = await getJson(`${API}/${encodeURIComponent(state.id)}`)
      if (gen !== state.detailGen) return
      state.detail = d
      renderDetail()
      panel.setAttribute('data-ready', 'true')
      const r = panel.getBoundingClientRect()
      if (r.top < 0 || r.top > window.innerHeight) panel.scrollIntoView({ block: 'start' })
    } catch (e) {
      if (gen !== state.detailGen) return
      panel.replaceChildren(detailHead(null),
        el('p', { class: 'fb-inline-error', role: 'alert' }, e.status === 404 ? `There is no report ${state.id}.` : `The report could not be loaded: ${e.message}`))
      panel.setAttribute('data-ready', 'error')
    }
  }

  function detailHead(d) {
    return el('div', { class: 'fb-d-head' },
      d ? statusBadge(d.status, 'fb-d-status') : null,
      el('h2', null, 'Report ', el('code', { title: state.id }, shortId(state.id))),
      d ? el('span', { class: 'muted', title: d.created_at }, `${fmtTime(d.created_at)} · ${fmtRel(d.created_at)}`) : null,
      el('button', { type: 'button', class: 'fb-close', id: 'fb-d-close', 'aria-label': 'Close the report', title: 'Close (Esc)', onclick: closeReport }, '×'))
  }
  const section = (title, ...children) => el('section', { class: 'fb-d-section' }, el('h3', null, title), ...children)

  function renderDetail() {
    const d = state.detail
    const panel = $('fb-detail')
    panel.replaceChildren(
      el('div', { id: 'fb-d-headbox' }),
      el('div', { class: 'fb-actions', id: 'fb-actions', role: 'toolbar', 'aria-label': 'Triage' }),
      el('form', { class: 'fb-resolve', id: 'fb-resolve-form', hidden: true },
        el('label', { for: 'fb-resolution', id: 'fb-resolution-label' }, 'Resolution'),
        el('textarea', { id: 'fb-resolution', rows: '3', maxlength: '10000', placeholder: 'What was done about it (the reporter sees this)' }),
        el('div', { class: 'fb-resolve-buttons' },
          el('button', { type: 'submit', id: 'fb-resolve-confirm' }, 'Resolve'),
          el('button', { type: 'button', class: 'fb-secondary', id: 'fb-resolve-cancel', onclick: () => showResolve(null) }, 'Cancel'))),
      el('p', { class: 'fb-inline-error', id: 'fb-d-error', role: 'alert', hidden: true }),
      el('p', { class: 'fb-saved', id: 'fb-d-saved', role: 'status' }),
      section('Message', el('pre', { class: 'fb-message', id: 'fb-d-message' }, d.message)),
      el('dl', { class: 'fb-facts', id: 'fb-d-facts' }),
      section('Tags', el('div', { class: 'fb-tags', id: 'fb-d-tags' }),
        el('form', { class: 'fb-tag-form', id: 'fb-tag-form', autocomplete: 'off' },
          el('input', { id: 'fb-tag-input', 'aria-label': 'New tag', placeholder: 'add a tag', maxlength: '40', list: 'fb-tag-list', spellcheck: 'false' }),
          el('button', { type: 'submit', class: 'fb-secondary', id: 'fb-tag-add' }, 'Add tag'))),
      section('Environment', envList(d.environment)),
      findingsSection(d),
      eventsSection(d),
      excerptSection(d))
    $('fb-resolve-form').addEventListener('submit', (e) => {
      e.preventDefault()
      const text = $('fb-resolution').value.trim()
      const mode = state.resolveMode || 'resolved'
      patch({ status: mode, ...(text ? { resolution: text } : {}) }, mode === 'resolved' ? 'resolve the report' : "mark the report won't fix", mode === 'resolved' ? 'Resolved' : "Marked won't fix")
    })
    $('fb-tag-form').addEventListener('submit', (e) => {
      e.preventDefault()
      const t = $('fb-tag-input').value.trim().toLowerCase()
      if (!t) return
      if (!TAG.test(t)) return showActionError('add the tag', 'tags are lower-case letters, digits and _ . : - (at most 40 characters, starting with a letter or digit)')
      const tags = state.detail.tags || []
      if (tags.includes(t)) {
        $('fb-tag-input').value = ''
        return
      }
      patch({ tags: [...tags, t] }, `add the tag ${t}`, `Tag ${t} added`).then((ok) => {
        if (ok) $('fb-tag-input').value = ''
      })
    })
    renderState()
  }

  /** The parts that change with a PATCH: the status, the actions, the facts and the tags. */
  function renderState() {
    const d = state.detail
    const active = ACTIVE.includes(d.status)
    $('fb-d-headbox').replaceChildren(detailHead(d))
    const mine = d.assignee && d.assignee === ME
    const btn = (id, label, onclick, cls, title) => el('button', { type: 'button', id, class: cls || 'fb-secondary', onclick, title, disabled: state.busy }, label)
    $('fb-actions').replaceChildren(...[
      mine
        ? btn('fb-act-unassign', 'Unassign', () => patch({ assignee: null }, 'unassign the report', 'Unassigned'))
        : btn('fb-act-assign', 'Assign to me', () => patch({ assignee: 'me' }, 'assign the report to you', 'Assigned to you'), null, d.assignee ? `now assigned to ${who(d.assignee)}` : null),
      d.status === 'open' ? btn('fb-act-triage', 'Mark triaged', () => patch({ status: 'triaged' }, 'mark the report triaged', 'Marked triaged')) : null,
      active ? btn('fb-act-resolve', 'Resolve…', () => showResolve('resolved'), 'fb-primary') : null,
      active ? btn('fb-act-wontfix', "Won't fix…", () => showResolve('wontfix')) : null,
      !active ? btn('fb-act-reopen', 'Reopen', () => patch({ status: 'open' }, 'reopen the report', 'Reopened')) : null,
    ].filter(Boolean))
    if (!active) showResolve(null)

    const facts = []
    const add = (k, v, key) => facts.push(el('div', { class: 'fb-fact', 'data-fact': key }, el('dt', null, k), el('dd', null, v)))
    add('Reporter', d.reporter_email || d.reporter_user, 'reporter')
    add('Filed', el('span', { title: d.created_at }, fmtTime(d.created_at)), 'created')
    add('Status', STATUS_LABEL[d.status] || d.status, 'status')
    add('Assignee', d.assignee ? who(d.assignee) : el('span', { class: 'muted' }, 'nobody'), 'assignee')
    if (d.resolution) add('Resolution', el('span', { class: 'fb-resolution-text' }, d.resolution), 'resolution')
    if (d.resolved_at) add(d.status === 'wontfix' ? "Closed as won't fix" : 'Resolved', `${fmtTime(d.resolved_at)}${d.resolved_by ? ` by ${who(d.resolved_by)}` : ''}`, 'resolved')
    const dups = Number(d.duplicate_count) || 0
    add('Same problem', dups
      ? el('button', { type: 'button', class: 'fb-link', id: 'fb-d-dups', onclick: () => setFilters({ fingerprint: d.fingerprint }), title: 'List every report with this fingerprint' }, `${plural(dups, 'other report')}`)
      : el('span', { class: 'muted' }, 'no other report'), 'duplicates')
    if (d.duplicate_of) {
      add('Duplicate of', el('a', {
        href: pageHref(d.duplicate_of), class: 'mono',
        onclick: (e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey) return
          e.preventDefault()
          openReport(d.duplicate_of)
        },
      }, shortId(d.duplicate_of)), 'duplicate_of')
    }
    add('Fingerprint', el('code', { title: d.fingerprint }, `${String(d.fingerprint).slice(0, 12)}…`), 'fingerprint')
    add('Session', d.session_file
      ? el('a', { href: sessionHref(d.session_file), class: 'mono', title: 'The stored transcript (when pushed with agnes sessions push)' }, d.session_file)
      : el('span', { class: 'muted' }, 'none named'), 'session')
    add('Request', d.correlation_id
      ? el('a', { href: activityHref(d.correlation_id), class: 'mono', title: 'Every audit event of the request that filed this report' }, d.correlation_id)
      : el('span', { class: 'muted' }, 'unknown'), 'correlation')
    add('Updated', el('span', { title: d.updated_at }, fmtTime(d.updated_at)), 'updated')
    $('fb-d-facts').replaceChildren(...facts)

    const tags = d.tags || []
    $('fb-d-tags').replaceChildren(...(tags.length
      ? tags.map((t) => el('span', { class: 'fb-tag fb-tag-edit', 'data-tag': t }, t,
        el('button', { type: 'button', 'aria-label': `Remove the tag ${t}`, title: 'Remove', disabled: state.busy, onclick: () => patch({ tags: tags.filter((x) => x !== t) }, `remove the tag ${t}`, `Tag ${t} removed`) }, '×')))
      : [el('span', { class: 'muted' }, 'No tags.')]))
    for (const t of tags) state.tags.add(t)
  }

  function showResolve(mode) {
    state.resolveMode = mode
    const form = $('fb-resolve-form')
    if (!form) return
    form.hidden = !mode
    if (!mode) return
    $('fb-resolution-label').textContent = mode === 'resolved' ? 'Resolution' : "Why it won't be fixed"
    $('fb-resolve-confirm').textContent = mode === 'resolved' ? 'Resolve' : "Mark won't fix"
    if (!$('fb-resolution').value && state.detail.resolution) $('fb-resolution').value = state.detail.resolution
    $('fb-resolution').focus()
  }
  function showActionError(what, err) {
    const p = $('fb-d-error')
    if (!p) return
    p.hidden = !err
    p.textContent = err ? `Could not ${what}: ${err instanceof Error ? err.message : String(err)}` : ''
  }

  /** Sends a change; on success the panel and the list row show the new state. Resolves to whether it worked. */
  async function patch(body, what, done) {
    const d = state.detail
    if (!d || state.busy) return false
    const id = d.id
    state.busy = true
    for (const b of $('fb-detail').querySelectorAll('button')) if (b.id !== 'fb-d-close') b.disabled = true
    $('fb-d-saved').textContent = ''
    try {
      const after = await sendJson('PATCH', `${API}/${encodeURIComponent(id)}`, body)
      if (!state.detail || state.detail.id !== id) return false
      Object.assign(state.detail, after)
      const row = state.rows.get(id)
      if (row) replaceRow({ ...row, ...after, duplicate_count: row.duplicate_count })
      showActionError(null, null)
      if (body.status && !ACTIVE.includes(body.status)) {
        state.resolveMode = null
        $('fb-resolution').value = ''
      }
      $('fb-d-saved').textContent = `${done}.`
      return true
    } catch (e) {
      showActionError(what, e)
      return false
    } finally {
      state.busy = false
      if (state.detail && state.detail.id === id) {
        renderState()
        for (const b of $('fb-detail').querySelectorAll('button')) b.disabled = false
      }
    }
  }

  function envList(env) {
    if (!env || typeof env !== 'object' || !Object.keys(env).length) return el('p', { class: 'muted' }, 'The report sent no environment.')
    const shown = new Set()
    const items = []
    const add = (k, label) => {
      shown.add(k)
      const v = env[k]
      items.push(el('div', { class: 'fb-fact', 'data-env': k }, el('dt', null, label), el('dd', { class: 'mono' }, v === null || v === undefined || v === '' ? el('span', { class: 'muted' }, 'unknown') : typeof v === 'object' ? JSON.stringify(v) : String(v))))
    }
    for (const [k, label] of ENV_LABEL) add(k, label)
    for (const k of Object.keys(env)) if (!shown.has(k)) add(k, k)
    return el('dl', { class: 'fb-facts fb-env', id: 'fb-d-env' }, items)
  }

  function findingsSection(d) {
    const fs = d.findings || []
    let body
    if (fs.length) {
      body = el('ol', { class: 'fb-findings', id: 'fb-d-findings' }, fs.map((f) => el('li', { 'data-finding-id': String(f.id), 'data-type': f.finding_type },
        el('a', { href: sessionHref(d.session_file, f.id), title: 'Open the transcript replay at this finding' },
          el('span', { class: `fb-ftype t-${FINDING_LABEL[f.finding_type] ? f.finding_type : 'other'}` }, FINDING_LABEL[f.finding_type] || f.finding_type),
          el('span', { class: 'fb-fwhere' }, `line ${f.line}${f.turn_index !== null && f.turn_index !== undefined ? ` · turn ${f.turn_index + 1}` : ''}`),
          f.severity ? el('span', { class: `fb-sev sev-${f.severity}` }, f.severity) : null,
          el('span', { class: 'fb-fexcerpt' }, f.excerpt || '')))))
    } else {
      body = el('p', { class: 'muted', id: 'fb-d-findings-none' }, d.session_file
        ? `No failure_scan findings for ${d.session_file}: it was not pushed (agnes sessions push) or not scanned yet, or nothing went wrong in it.`
        : 'The report names no stored transcript.')
    }
    return el('section', { class: 'fb-d-section' },
      el('h3', null, `Findings of the session${fs.length ? ` (${fs.length})` : ''}`,
        d.session_file && fs.length ? el('a', { class: 'fb-h-link', href: sessionHref(d.session_file) }, 'Open the replay') : null),
      body)
  }

  function eventsSection(d) {
    const evs = d.events || []
    const body = evs.length
      ? el('ol', { class: 'fb-events', id: 'fb-d-events' }, evs.map((e) => el('li', { 'data-action': e.action },
        el('a', { href: activityHref(e.correlation_id || d.correlation_id, e.id), title: 'Open this event in Activity' },
          el('span', { class: 'fb-ev-time', title: e.timestamp }, fmtTime(e.timestamp)),
          el('code', { class: 'fb-ev-action' }, e.action),
          el('span', { class: 'fb-ev-user' }, e.user_email || e.user_id || 'system'),
          el('span', { class: `fb-result r-${e.result === 'success' ? 'ok' : 'bad'}` }, e.result)))))
      : el('p', { class: 'muted' }, 'No audit events share this report’s correlation id.')
    return el('section', { class: 'fb-d-section' },
      el('h3', null, 'Audit events of the request',
        d.correlation_id ? el('a', { class: 'fb-h-link', id: 'fb-d-activity', href: activityHref(d.correlation_id) }, 'Open in Activity') : null),
      body)
  }

  function excerptSection(d) {
    const text = d.session_excerpt
    const head = el('h3', null, 'Session excerpt')
    if (!text) return el('section', { class: 'fb-d-section' }, head, el('p', { class: 'muted', id: 'fb-d-excerpt-none' }, 'No session excerpt was sent with this report.'))
    // Parsed on the server by the reader the session replay uses (GET /api/admin/feedback/{id}: excerpt_replay).
    const parsed = d.excerpt_replay
    const box = el('div', { class: 'sx-transcript fb-excerpt', id: 'fb-d-excerpt' })
    if (!parsed) {
      // Not Claude Code JSONL: shown as the text it is.
      box.append(replay.textBlock(text, 'sx-code'))
      return el('section', { class: 'fb-d-section' }, head, el('p', { class: 'muted fb-excerpt-note' }, `${fmtInt(text.length)} characters of plain text (not a Claude Code transcript).`), box)
    }
    const st = replay.newReplayState()
    replay.appendEvents(box, parsed.events, st)
    const errors = [...box.querySelectorAll('.sx-ev.err')]
    const note = el('div', { class: 'fb-excerpt-note' },
      el('span', { class: 'muted', id: 'fb-d-excerpt-count' }, `the last turns: ${plural(st.events, 'event')} from ${plural(parsed.lines, 'line')}${parsed.malformed ? `, ${plural(parsed.malformed, 'unreadable line')} skipped` : ''}`),
      errors.length
        ? el('button', {
          type: 'button', class: 'fb-link fb-err-jump', id: 'fb-d-jump-error',
          onclick: () => {
            const last = errors[errors.length - 1]
            last.scrollIntoView({ block: 'center' })
            last.classList.add('fb-pulse')
            setTimeout(() => last.classList.remove('fb-pulse'), 1500)
          },
        }, `${plural(errors.length, 'tool error')} · jump to the last`)
        : el('span', { class: 'muted' }, 'no tool error'),
      st.housekeeping
        ? el('label', { class: 'fb-hk' }, el('input', { type: 'checkbox', id: 'fb-d-hk', onchange: (e) => box.classList.toggle('show-hk', e.target.checked) }), ` Show housekeeping lines (${fmtInt(st.housekeeping)})`)
        : null)
    return el('section', { class: 'fb-d-section' }, head, note, box)
  }

  // ---- Telegram ----
  function renderTelegram() {
    const box = $('fb-telegram')
    const configured = box.getAttribute('data-configured') === 'true'
    const chat = box.getAttribute('data-chat-id') || ''
    const linkedAt = box.getAttribute('data-linked-at') || ''
    const bot = $('fb-tg-bot')
    bot.className = `fb-tg-bot ${configured ? 'on' : 'off'}`
    bot.textContent = configured ? 'Bot token configured' : 'No bot token configured'
    bot.title = configured ? 'TELEGRAM_BOT_TOKEN is set' : 'Set TELEGRAM_BOT_TOKEN on the server to send messages'
    $('fb-tg-state').replaceChildren(...(chat
      ? ['Linked to chat ', el('code', { id: 'fb-tg-current' }, chat), linkedAt ? ` since ${fmtTime(linkedAt)}` : '', configured ? '.' : ': nothing is sent until a bot token is configured.']
      : [el('span', { class: 'muted' }, 'Not linked: you get no Telegram messages about new reports.')]))
    if (document.activeElement !== $('fb-tg-chat')) $('fb-tg-chat').value = chat
    $('fb-tg-unlink').hidden = !chat
    $('fb-tg-link').textContent = chat ? 'Change' : 'Link'
  }
  async function linkTelegram(chatId) {
    const err = $('fb-tg-error')
    err.hidden = true
    for (const b of [$('fb-tg-link'), $('fb-tg-unlink')]) b.disabled = true
    try {
      const r = await sendJson('POST', '/api/admin/telegram-link', { chat_id: chatId })
      const box = $('fb-telegram')
      box.setAttribute('data-configured', r.telegram_configured ? 'true' : 'false')
      box.setAttribute('data-chat-id', r.chat_id ?? '')
      box.setAttribute('data-linked-at', r.linked_at ?? '')
      $('fb-tg-chat').value = r.chat_id ?? ''
      renderTelegram()
    } catch (e) {
      err.hidden = false
      err.textContent = `Could not ${chatId === null ? 'unlink the chat' : 'link the chat'}: ${e.message}`
    } finally {
      for (const b of [$('fb-tg-link'), $('fb-tg-unlink')]) b.disabled = false
    }
  }

  // ---- start ----
  readUrl()
  fillForm()
  const form = $('fb-filters')
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    setFilters(readForm())
  })
  form.addEventListener('change', () => setFilters(readForm()))
  $('fb-clear').addEventListener('click', () => setFilters({}))
  $('fb-more').addEventListener('click', loadMore)
  $('fb-tg-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const v = $('fb-tg-chat').value.trim()
    if (!v) {
      $('fb-tg-error').hidden = false
      $('fb-tg-error').textContent = 'Enter your chat id (a number, or @channelname).'
      return
    }
    linkTelegram(v)
  })
  $('fb-tg-unlink').addEventListener('click', () => linkTelegram(null))
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
    if (query(state.filters, { limit: state.limit }) !== before) reloadList()
    else markSelected()
    if (state.id !== id) loadDetail()
  })
  renderTelegram()
  reloadList()
  loadDetail()
})()
