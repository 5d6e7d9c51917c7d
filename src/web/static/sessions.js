// Sessions pages (/admin/sessions and /admin/sessions/{username}/{filename}). Plain script, no framework,
// no external resources; the shared helpers come from dom.js (window.AgnesDom), loaded first. Transcript content
// is untrusted: every value that comes from the server is inserted with textContent / createElement, never as HTML.
'use strict'
;(function () {
  const API = '/api/admin/sessions'
  const TYPES = ['tool_error', 'permission_denied', 'user_rejection', 'loop', 'abrupt_end']
  const TYPE_LABEL = { tool_error: 'Tool error', permission_denied: 'Permission denied', user_rejection: 'User rejection', loop: 'Loop', abrupt_end: 'Abrupt end' }

  const $ = (id) => document.getElementById(id)

  // Shared with the other admin pages (dom.js, loaded first).
  const { el, svg, getJson, sendJson, pad, fmtTime, fmtInt, plural } = window.AgnesDom

  // ---- formatting ----
  function fmtDuration(ms) {
    if (ms === null || ms === undefined || !isFinite(ms) || ms < 0) return '—'
    const s = Math.round(ms / 1000)
    if (s < 60) return `${s} s`
    if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`
    return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`
  }
  function span(a, b) {
    if (!a || !b) return null
    const ms = new Date(b).getTime() - new Date(a).getTime()
    return isFinite(ms) ? ms : null
  }
  function fmtBytes(n) {
    if (n === null || n === undefined) return '—'
    if (n < 1024) return `${n} B`
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
    return `${(n / 1024 / 1024).toFixed(1)} MB`
  }
  const typeLabel = (t) => TYPE_LABEL[t] || String(t)
  const typeClass = (t) => (TYPES.includes(t) ? t : 'other')
  function fmtWeek(iso, withYear) {
    const d = new Date(`${iso}T00:00:00Z`)
    if (isNaN(d.getTime())) return String(iso)
    return d.toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC', ...(withYear ? { year: 'numeric' } : {}) })
  }
  function addDays(isoDay, n) {
    const d = new Date(`${isoDay}T00:00:00Z`)
    return new Date(d.getTime() + n * 86400000).toISOString().slice(0, 10)
  }

  // ---- errors ----
  const errors = new Map()
  function setError(source, err) {
    if (err) errors.set(source, err instanceof Error ? err.message : String(err))
    else errors.delete(source)
    const b = $('sx-banner')
    b.hidden = errors.size === 0
    b.replaceChildren(...[...errors].map(([s, m]) => el('div', null, `Could not ${s}: ${m}`)))
  }

  function typeBadge(t, count) {
    return el('span', { class: `sx-badge t-${typeClass(t)}`, 'data-type': t, title: typeLabel(t) }, typeLabel(t), count !== undefined ? el('b', null, fmtInt(count)) : null)
  }

  // =====================================================================================================
  // The list: filters in the URL, KPIs, heatmap, rows with "load more", the failure scan button.
  // =====================================================================================================
  function listPage() {
    const FILTER_KEYS = ['username', 'since', 'until', 'finding_type', 'sort']
    const PAGE = 50
    const KPI_PAGE = 500
    const KPI_MAX_PAGES = 20
    const WEEK_CHOICES = ['8', '12', '26', '52']
    const state = { filters: {}, weeks: '12', rows: 0, cursor: null, gen: 0, users: new Set(), heat: null, heatUser: '' }

    function readUrl() {
      const sp = new URLSearchParams(location.search)
      const f = window.AgnesDom.readFilters(sp, FILTER_KEYS)
      if (f.sort === 'recent') delete f.sort
      state.filters = f
      const w = sp.get('weeks')
      state.weeks = WEEK_CHOICES.includes(w) ? w : '12'
    }
    function query(filters, extra) {
      return window.AgnesDom.toQuery(FILTER_KEYS, filters, extra)
    }
    function saveUrl() {
      const q = query(state.filters, { weeks: state.weeks === '12' ? null : state.weeks })
      const u = location.pathname + (q ? `?${q}` : '')
      if (u !== location.pathname + location.search) history.pushState(null, '', u)
    }
    const apiUrl = (path, extra) => {
      const q = query(state.filters, extra)
      return `${API}${path}${q ? `?${q}` : ''}`
    }

    const dayOf = (v) => (v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : '')
    function fillForm() {
      const f = state.filters
      if (document.activeElement !== $('f-username')) $('f-username').value = f.username || ''
      $('f-since').value = dayOf(f.since)
      $('f-until').value = dayOf(f.until)
      $('f-type').value = f.finding_type || ''
      $('f-sort').value = f.sort || 'recent'
      $('f-weeks').value = state.weeks
    }
    function readForm() {
      const f = { ...state.filters }
      f.username = $('f-username').value.trim()
      // A time in the URL (from a shared link) is kept while its day is unchanged in the date field.
      for (const k of ['since', 'until']) {
        const v = $(`f-${k}`).value
        if (v !== dayOf(f[k])) f[k] = v
      }
      f.finding_type = $('f-type').value
      f.sort = $('f-sort').value === 'recent' ? '' : $('f-sort').value
      return f
    }
    function setFilters(f, opts) {
      const clean = {}
      for (const k of FILTER_KEYS) if (f[k] !== undefined && f[k] !== null && f[k] !== '') clean[k] = String(f[k])
      if (query(clean) === query(state.filters) && !(opts && opts.force)) return
      state.filters = clean
      saveUrl()
      fillForm()
      reloadList()
      if ((clean.username || '') !== state.heatUser) loadHeatmap()
      else markHeatSelection()
    }

    // ---- rows ----
    function rowEl(r) {
      const [user, ...rest] = String(r.session_file).split('/')
      const name = rest.join('/') || r.session_file
      const href = `/admin/sessions/${encodeURIComponent(r.username || user)}/${encodeURIComponent(name)}`
      const types = Object.entries(r.findings || {}).filter(([, n]) => Number(n) > 0)
      types.sort((a, b) => TYPES.indexOf(a[0]) - TYPES.indexOf(b[0]))
      const total = types.reduce((s, [, n]) => s + Number(n), 0)
      // Usage not computed yet (the usage processor has not seen this upload): no figures rather than zeros.
      const unprocessed = !r.started_at && !r.ended_at && !r.turns && !r.tool_calls
      const usage = (n) => (unprocessed ? '—' : fmtInt(n))
      return el('tr', { class: `sx-row${total ? ' has-findings' : ''}`, 'data-session': r.session_file, 'data-findings': String(total) },
        el('td', { class: 'c-session' }, el('a', { href, title: r.session_file }, name)),
        el('td', { class: 'c-user' }, r.username || user),
        el('td', { class: 'c-time', title: r.started_at || '' }, r.started_at ? fmtTime(r.started_at) : el('span', { class: 'muted', title: 'usage not processed yet' }, 'pending')),
        el('td', { class: 'num' }, fmtDuration(span(r.started_at, r.ended_at))),
        el('td', { class: 'num' }, usage(r.turns)),
        el('td', { class: 'num' }, usage(r.tool_calls)),
        el('td', { class: `num${Number(r.tool_errors) > 0 ? ' bad' : ''}` }, usage(r.tool_errors)),
        el('td', { class: 'c-findings' }, types.length ? types.map(([t, n]) => typeBadge(t, n)) : el('span', { class: 'muted' }, 'none')),
        el('td', { class: 'c-time muted', title: r.uploaded_at || '' }, fmtTime(r.uploaded_at)))
    }
    function addRows(rows) {
      const tbody = $('sx-rows')
      tbody.querySelector('tr.sx-empty')?.remove()
      for (const r of rows) if (r.username) state.users.add(r.username)
      tbody.append(...rows.map(rowEl))
      state.rows += rows.length
      if (!state.rows) {
        const filtered = Object.keys(state.filters).some((k) => k !== 'sort')
        tbody.replaceChildren(el('tr', { class: 'sx-empty' }, el('td', { colspan: '9' }, filtered ? 'No sessions match these filters.' : 'No transcripts have been uploaded yet (agnes sessions push).')))
      }
      $('sx-count').textContent = `${fmtInt(state.rows)} shown${state.cursor ? ', more below' : ''}`
      const known = [...state.users].sort()
      $('sx-user-list').replaceChildren(...known.map((u) => el('option', { value: u })))
    }
    async function reloadList() {
      const gen = ++state.gen
      $('sx-table').style.opacity = '0.55'
      try {
        const page = await getJson(apiUrl('', { limit: PAGE }))
        if (gen !== state.gen) return
        state.rows = 0
        state.cursor = page.next_cursor || null
        $('sx-rows').replaceChildren()
        addRows(page.rows || [])
        $('sx-more').hidden = !state.cursor
        setError('load the sessions', null)
        loadKpis(gen, page)
      } catch (e) {
        if (gen !== state.gen) return
        setError('load the sessions', e)
        $('sx-rows').replaceChildren(el('tr', { class: 'sx-empty' }, el('td', { colspan: '9' }, 'The sessions could not be loaded.')))
        $('sx-kpis').replaceChildren()
      } finally {
        if (gen === state.gen) $('sx-table').style.opacity = ''
      }
    }
    async function loadMore() {
      if (!state.cursor) return
      const gen = state.gen
      const btn = $('sx-more')
      btn.disabled = true
      btn.textContent = 'Loading…'
      try {
        const page = await getJson(apiUrl('', { limit: PAGE, cursor: state.cursor }))
        if (gen !== state.gen) return
        state.cursor = page.next_cursor || null
        addRows(page.rows || [])
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
    async function loadKpis(gen, firstPage) {
      const kpis = $('sx-kpis')
      let rows = firstPage.rows || []
      let cursor = firstPage.next_cursor || null
      let capped = false
      try {
        if (cursor) {
          rows = []
          cursor = null
          let pages = 0
          do {
            const p = await getJson(apiUrl('', { limit: KPI_PAGE, sort: 'recent', cursor }))
            if (gen !== state.gen) return
            rows = rows.concat(p.rows || [])
            cursor = p.next_cursor || null
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
      const byType = Object.fromEntries(TYPES.map((t) => [t, 0]))
      let withFindings = 0
      for (const r of rows) {
        let any = false
        for (const [t, n] of Object.entries(r.findings || {})) {
          if (!(Number(n) > 0)) continue
          byType[t] = (byType[t] || 0) + Number(n)
          any = true
        }
        if (any) withFindings++
      }
      const plus = capped ? '+' : ''
      const share = rows.length ? Math.round((withFindings / rows.length) * 100) : 0
      const items = [
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
        }),
      ]
      kpis.replaceChildren(...items)
    }

    // ---- heatmap: finding type × ISO week, an SVG grid ----
    // It follows the list's user filter (a cell click filters by type and week, so the type filter only highlights).
    async function loadHeatmap() {
      const box = $('sx-heatmap')
      const user = state.filters.username || ''
      state.heatUser = user
      $('sx-heat-note').textContent =
        `${user ? `${user}'s sessions` : 'every session'}, by the time of the evidence; weeks start Monday (UTC) · click a cell to list those sessions`
      try {
        const h = await getJson(`${API}/heatmap?${window.AgnesDom.toQuery(['weeks', 'username'], { weeks: state.weeks, username: user })}`)
        if (user !== state.heatUser) return // a newer load for another user is under way
        state.heat = h
        drawHeatmap()
        setError('load the heatmap', null)
      } catch (e) {
        setError('load the heatmap', e)
        box.replaceChildren(el('p', { class: 'muted' }, 'The heatmap could not be loaded.'))
      }
    }
    /** 0..1 → a colour from pale amber to deep red; 0 itself is a neutral grey. */
    function heatColour(v) {
      if (!(v > 0)) return '#f1f3f7'
      const a = [254, 236, 205]
      const b = [178, 34, 34]
      const t = 0.15 + 0.85 * Math.sqrt(Math.min(1, v))
      const c = a.map((x, i) => Math.round(x + (b[i] - x) * t))
      return `rgb(${c[0]},${c[1]},${c[2]})`
    }
    function drawHeatmap() {
      const h = state.heat
      const box = $('sx-heatmap')
      if (!h) return
      const weeks = h.weeks || []
      const types = h.types || []
      const cells = h.cells || []
      let max = 0
      for (const row of cells) for (const n of row) max = Math.max(max, Number(n) || 0)
      const labelW = 140
      const totalW = 56
      const avail = Math.max(320, (box.clientWidth || 900) - labelW - totalW - 8)
      const cw = Math.max(18, Math.min(84, Math.floor(avail / Math.max(1, weeks.length))))
      const ch = 30
      const gap = 3
      const top = 8
      const gridW = weeks.length * cw
      const gridH = types.length * ch
      const axisH = 34
      const width = labelW + gridW + totalW
      const height = top + gridH + axisH
      const root = svg('svg', { class: 'sx-heat-svg', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Findings per type and week, the last ${weeks.length} weeks` })
      // Y axis: the finding types, and each row's total at the right.
      types.forEach((t, ti) => {
        const y = top + ti * ch + ch / 2
        root.append(svg('text', { x: labelW - 10, y, class: 'sx-axis sx-axis-y', 'text-anchor': 'end', 'dominant-baseline': 'central' }, typeLabel(t)))
        const total = (cells[ti] || []).reduce((s, n) => s + (Number(n) || 0), 0)
        root.append(svg('text', { x: labelW + gridW + 10, y, class: 'sx-axis sx-total', 'dominant-baseline': 'central' }, `Σ ${fmtInt(total)}`))
      })
      // X axis: the week starts; labels thinned out when the columns are narrow.
      const every = cw >= 44 ? 1 : cw >= 26 ? 2 : 4
      let yearShown = ''
      weeks.forEach((w, wi) => {
        const last = wi === weeks.length - 1
        if (wi % every !== 0 && !last) return
        // The year under the first label of each year shown.
        const first = w.slice(0, 4) !== yearShown
        yearShown = w.slice(0, 4)
        root.append(svg('text', { x: labelW + wi * cw + (cw - gap) / 2, y: top + gridH + 14, class: `sx-axis sx-axis-x${last ? ' now' : ''}`, 'text-anchor': 'middle' }, last ? 'this week' : fmtWeek(w, false)))
        if (first && !last) root.append(svg('text', { x: labelW + wi * cw + (cw - gap) / 2, y: top + gridH + 28, class: 'sx-axis sx-axis-year', 'text-anchor': 'middle' }, w.slice(0, 4)))
      })
      // The cells.
      types.forEach((t, ti) => {
        weeks.forEach((w, wi) => {
          const n = Number((cells[ti] || [])[wi]) || 0
          const x = labelW + wi * cw
          const y = top + ti * ch
          const label = `${typeLabel(t)}, week of ${fmtWeek(w, true)}: ${plural(n, 'finding')}`
          const g = svg('g', {
            class: `sx-cell${n ? ' has' : ''}`, 'data-type': t, 'data-week': w, 'data-count': String(n),
            role: n ? 'button' : null, tabindex: n ? '0' : null, 'aria-label': label,
          },
          svg('title', null, n ? `${label} · click to list these sessions` : label),
          svg('rect', { x, y, width: cw - gap, height: ch - gap, rx: 3, fill: heatColour(max ? n / max : 0) }))
          if (n && cw >= 22) {
            g.append(svg('text', { x: x + (cw - gap) / 2, y: y + (ch - gap) / 2, class: `sx-cell-n${n / max > 0.45 ? ' light' : ''}`, 'text-anchor': 'middle', 'dominant-baseline': 'central' }, fmtInt(n)))
          }
          if (n) {
            const open = () => {
              setFilters({ ...state.filters, finding_type: t, since: w, until: addDays(w, 6) })
              $('sx-table').scrollIntoView({ block: 'start', behavior: 'smooth' })
            }
            g.addEventListener('click', open)
            g.addEventListener('keydown', (e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault()
                open()
              }
            })
          }
          root.append(g)
        })
      })
      // Legend: the colour scale from none to the busiest cell.
      const steps = max <= 1 ? [0, 1] : max <= 4 ? Array.from({ length: max + 1 }, (_, i) => i) : [0, 1, Math.round(max * 0.25), Math.round(max * 0.5), Math.round(max * 0.75), max]
      const uniq = [...new Set(steps)]
      const legend = el('div', { class: 'sx-legend', 'aria-label': 'Colour scale' },
        el('span', { class: 'muted' }, 'Findings per cell:'),
        uniq.map((n) => el('span', { class: 'sx-legend-item' }, el('i', { class: 'sx-legend-swatch', style: `background:${heatColour(max ? n / max : 0)}` }), fmtInt(n))),
        max === 0 ? el('span', { class: 'muted' }, `· no findings in the last ${weeks.length} weeks`) : null)
      box.replaceChildren(el('div', { class: 'sx-heat-scroll' }, root), legend)
      markHeatSelection()
    }
    function markHeatSelection() {
      const f = state.filters
      for (const g of document.querySelectorAll('#sx-heatmap .sx-cell')) {
        const w = g.getAttribute('data-week')
        const on = f.finding_type === g.getAttribute('data-type') && dayOf(f.since) === w && dayOf(f.until) === addDays(w, 6)
        g.classList.toggle('selected', on)
      }
    }

    // ---- the failure scan ----
    async function runScan() {
      const btn = $('sx-scan')
      const note = $('sx-scan-note')
      btn.disabled = true
      btn.textContent = 'Scanning…'
      note.textContent = ''
      try {
        const r = await sendJson('POST', '/api/admin/run-session-processor?processor=failure_scan')
        note.textContent = `Scan done: ${plural(r.sessions_processed, 'transcript')} scanned, ${plural(r.items, 'finding')}.`
        setError('run the failure scan', null)
        reloadList()
        loadHeatmap()
      } catch (e) {
        setError('run the failure scan', e)
      } finally {
        btn.disabled = false
        btn.textContent = 'Run failure scan now'
      }
    }

    readUrl()
    fillForm()
    const form = $('sx-filters')
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      setFilters(readForm())
    })
    form.addEventListener('change', () => setFilters(readForm()))
    $('sx-clear').addEventListener('click', () => setFilters({}))
    $('sx-more').addEventListener('click', loadMore)
    $('sx-scan').addEventListener('click', runScan)
    $('f-weeks').addEventListener('change', () => {
      state.weeks = $('f-weeks').value
      saveUrl()
      loadHeatmap()
    })
    window.addEventListener('popstate', () => {
      const before = query(state.filters)
      const weeks = state.weeks
      readUrl()
      fillForm()
      if (query(state.filters) !== before) reloadList()
      if (state.weeks !== weeks || (state.filters.username || '') !== state.heatUser) loadHeatmap()
      else markHeatSelection()
    })
    let resizing = null
    window.addEventListener('resize', () => {
      clearTimeout(resizing)
      resizing = setTimeout(drawHeatmap, 150)
    })
    reloadList()
    loadHeatmap()
  }

  // =====================================================================================================
  // The replay: events in order, findings marked at their line, next/previous finding navigation.
  // =====================================================================================================
  function replayPage(root) {
    const api = root.getAttribute('data-api')
    const AUTO_PAGES = 10
    // The events are drawn by the shared renderer (transcript-replay.js); state holds what it has shown so far.
    const replay = window.AgnesTranscript
    const state = { ...replay.newReplayState(), findings: [], markers: [], current: -1, nextFromLine: null }

    function appendEvents(events) {
      replay.appendEvents($('sx-events'), events, state)
      $('sx-hk-count').textContent = fmtInt(state.housekeeping)
      $('sx-event-count').textContent = `${plural(state.events, 'event')} · ${plural(state.lastLine, 'line')}${state.nextFromLine ? ' so far' : ''}`
    }

    function renderSummary(d) {
      const u = d.usage
      const pairs = []
      const add = (k, v, cls) => pairs.push(el('div', { class: `sx-kv${cls ? ` ${cls}` : ''}` }, el('dt', null, k), el('dd', null, v)))
      add('User', d.username)
      if (u) {
        add('Started', el('span', { title: u.started_at || '' }, fmtTime(u.started_at)))
        add('Duration', fmtDuration(span(u.started_at, u.ended_at)))
        add('Active time', u.active_seconds === null || u.active_seconds === undefined ? '—' : fmtDuration(u.active_seconds * 1000))
        add('Turns', fmtInt(u.turns))
        add('Tool calls', fmtInt(u.tool_calls))
        add('Tool errors', fmtInt(u.tool_errors), Number(u.tool_errors) > 0 ? 'bad' : '')
        const models = Array.isArray(u.models) ? u.models.map(String) : u.models && typeof u.models === 'object' ? Object.keys(u.models) : []
        if (models.length) add('Models', models.join(', '))
        if (u.tokens) add('Tokens in / out', `${fmtInt(u.tokens.input)} / ${fmtInt(u.tokens.output)}`)
        if (u.claude_version) add('Claude Code', u.claude_version)
        if (u.malformed_lines) add('Unreadable lines', fmtInt(u.malformed_lines), 'bad')
      } else {
        add('Usage', el('span', { class: 'muted' }, 'not processed yet'))
      }
      add('Size', fmtBytes(d.bytes))
      add('Uploaded', el('span', { title: d.uploaded_at || '' }, fmtTime(d.uploaded_at)))
      const proc = (d.processing || []).map((p) => el('span', { class: `sx-proc s-${p.status === 'ok' ? 'ok' : p.status === 'error' ? 'bad' : 'other'}`, title: p.error || `${p.processor}: ${p.status}${p.processed_at ? ` at ${p.processed_at}` : ''}` },
        `${p.processor} ${p.status === 'ok' ? '✓' : p.status}${p.up_to_date ? '' : ' (older upload)'}`))
      add('Processing', proc.length ? proc : el('span', { class: 'muted' }, 'not processed yet'))
      $('sx-summary').replaceChildren(el('dl', { class: 'sx-kvs' }, pairs))
    }

    function renderFindingsList() {
      const list = $('sx-findings-list')
      const fs = state.findings
      const counts = {}
      for (const f of fs) counts[f.finding_type] = (counts[f.finding_type] || 0) + 1
      $('sx-findings-title').replaceChildren(`Findings (${fs.length})`, ...TYPES.filter((t) => counts[t]).map((t) => typeBadge(t, counts[t])))
      if (!fs.length) {
        list.replaceChildren(el('li', { class: 'muted sx-none' }, 'No findings in this transcript (or it has not been scanned yet).'))
        return
      }
      list.replaceChildren(...fs.map((f, i) => el('li', null, el('button', {
        type: 'button', class: 'sx-finding-item', 'data-finding-id': String(f.id), onclick: () => goTo(i),
      }, typeBadge(f.finding_type), el('span', { class: 'sx-fi-where' }, `line ${f.line}${f.turn_index !== null && f.turn_index !== undefined ? ` · turn ${f.turn_index + 1}` : ''}`),
      el('span', { class: `sx-sev sev-${f.severity}` }, f.severity || ''),
      el('span', { class: 'sx-fi-excerpt' }, f.excerpt || '')))))
    }

    /** Puts each finding's marker after the events of its line (at the end when the line is not shown). */
    function placeMarkers(final) {
      const box = $('sx-events')
      for (const f of state.findings) {
        if (f._marker) continue
        const evs = state.lineEls.get(f.line)
        if (!evs && !final && f.line > state.lastLine) continue
        const marker = el('div', {
          class: `sx-marker t-${typeClass(f.finding_type)} sev-${f.severity}`, id: `finding-${f.id}`, tabindex: '-1',
          'data-finding-id': String(f.id), 'data-type': f.finding_type, 'data-line': String(f.line),
        },
        el('div', { class: 'sx-marker-head' }, el('span', { class: 'sx-marker-flag', 'aria-hidden': 'true' }, '⚑'), typeBadge(f.finding_type),
          el('span', null, `line ${f.line}${f.turn_index !== null && f.turn_index !== undefined ? ` · turn ${f.turn_index + 1}` : ''}`),
          el('span', { class: `sx-sev sev-${f.severity}` }, f.severity || ''),
          el('span', { class: 'sx-marker-pos' })),
        f.excerpt ? el('div', { class: 'sx-marker-excerpt' }, f.excerpt) : null)
        if (evs && evs.length) {
          for (const e of evs) e.classList.add('flagged')
          // Housekeeping lines a finding points at are shown anyway.
          for (const e of evs) e.classList.add('forced')
          evs[evs.length - 1].after(marker)
        } else {
          // The line is not in the transcript view (e.g. an unreadable line): the nearest earlier line, else the end.
          let at = null
          for (const [line, els] of state.lineEls) if (line < f.line) at = els[els.length - 1]
          if (at && f.line <= state.lastLine) at.after(marker)
          else box.append(marker)
        }
        f._marker = marker
      }
      state.markers = state.findings.filter((f) => f._marker).map((f) => f._marker)
      state.markers.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))
      state.markers.forEach((m, i) => {
        m.querySelector('.sx-marker-pos').textContent = `${i + 1} of ${state.markers.length}`
      })
      updateNav()
    }

    function updateNav() {
      const n = state.markers.length
      $('sx-prev').disabled = n === 0
      $('sx-next').disabled = n === 0
      $('sx-nav-pos').textContent = n === 0 ? 'No findings' : state.current < 0 ? `${plural(n, 'finding')} · press n for the first` : `Finding ${state.current + 1} of ${n}`
    }
    function goTo(i, opts) {
      const n = state.markers.length
      if (!n) return
      const idx = ((i % n) + n) % n
      const prev = state.markers[state.current]
      if (prev) prev.classList.remove('current')
      state.current = idx
      const m = state.markers[idx]
      m.classList.add('current')
      const id = m.getAttribute('data-finding-id')
      for (const b of document.querySelectorAll('.sx-finding-item')) b.classList.toggle('current', b.getAttribute('data-finding-id') === id)
      const evs = state.lineEls.get(Number(m.getAttribute('data-line'))) || []
      for (const e of document.querySelectorAll('.sx-ev.current-line')) e.classList.remove('current-line')
      for (const e of evs) e.classList.add('current-line')
      // The marker sits right after its evidence: centring it shows both.
      const smooth = !(opts && opts.instant) && !window.matchMedia('(prefers-reduced-motion: reduce)').matches
      m.scrollIntoView({ block: 'center', behavior: smooth ? 'smooth' : 'auto' })
      m.focus({ preventScroll: true })
      history.replaceState(null, '', `#finding-${id}`)
      updateNav()
    }

    async function loadPage(fromLine) {
      const d = await getJson(fromLine ? `${api}?from_line=${fromLine}` : api)
      state.nextFromLine = d.next_from_line || null
      return d
    }
    async function loadRest(maxPages) {
      const btn = $('sx-more-events')
      let pages = 0
      while (state.nextFromLine && pages < maxPages) {
        btn.hidden = false
        btn.disabled = true
        btn.textContent = `Loading events from line ${fmtInt(state.nextFromLine)}…`
        const d = await loadPage(state.nextFromLine)
        appendEvents(d.events || [])
        placeMarkers(false)
        pages++
      }
      btn.disabled = false
      btn.textContent = 'Load more events'
      btn.hidden = !state.nextFromLine
      if (!state.nextFromLine) placeMarkers(true)
    }

    async function init() {
      $('sx-next').addEventListener('click', () => goTo(state.current + 1))
      $('sx-prev').addEventListener('click', () => goTo(state.current < 0 ? -1 : state.current - 1))
      $('sx-housekeeping').addEventListener('change', (e) => root.classList.toggle('show-hk', e.target.checked))
      $('sx-more-events').addEventListener('click', () => loadRest(AUTO_PAGES).catch((e) => setError('load more events', e)))
      document.addEventListener('keydown', (e) => {
        if (e.metaKey || e.ctrlKey || e.altKey) return
        const t = e.target
        if (t instanceof Element && (t.closest('input, textarea, select, [contenteditable]'))) return
        if (e.key === 'n') {
          e.preventDefault()
          goTo(state.current + 1)
        } else if (e.key === 'p') {
          e.preventDefault()
          goTo(state.current < 0 ? -1 : state.current - 1)
        }
      })
      try {
        const d = await loadPage(null)
        renderSummary(d)
        state.findings = (d.findings || []).slice().sort((a, b) => a.line - b.line || a.id - b.id)
        renderFindingsList()
        $('sx-events').replaceChildren()
        appendEvents(d.events || [])
        if (!(d.events || []).length) $('sx-events').append(el('p', { class: 'muted' }, 'This transcript has no readable events.'))
        placeMarkers(!state.nextFromLine)
        setError('load the transcript', null)
        await loadRest(AUTO_PAGES - 1)
        const m = /^#finding-(\d+)$/.exec(location.hash)
        if (m) {
          const i = state.markers.findIndex((x) => x.getAttribute('data-finding-id') === m[1])
          if (i >= 0) goTo(i, { instant: true })
        }
        root.setAttribute('data-ready', 'true')
      } catch (e) {
        setError('load the transcript', e)
        $('sx-events').replaceChildren(el('p', { class: 'error' }, 'The transcript could not be loaded.'))
      }
    }
    // For the browser tests and the curious: the navigation, callable directly.
    window.agnesSessions = { next: () => goTo(state.current + 1), prev: () => goTo(state.current < 0 ? -1 : state.current - 1), current: () => state.current }
    init()
  }

  function start() {
    const list = document.getElementById('sessions')
    if (list) return listPage()
    const replay = document.getElementById('replay')
    if (replay) replayPage(replay)
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
