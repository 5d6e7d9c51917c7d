// One transcript's replay (/admin/sessions/{username}/{filename}): events in order, findings marked at their line,
// next / previous finding navigation (n / p), and each finding's review: confirm or dismiss with a note, the LLM judge's
// label, the command-line requests the server saw around it. Findings dismissed before the page loaded are hidden
// (and skipped by n / p) unless "Show dismissed" is on; one dismissed here stays in view, marked.
import { button, byId, el, errorBanner, fmtInt, getJson, input, plural, type Child } from '../dom.ts'
import { timeEl } from '../time.ts'
import type { SessionDetail, SessionFinding } from '../api.ts'
import { appendEvents as drawEvents, newReplayState, type ReplayEvent } from '../transcript/replay.ts'
import { TYPES, fmtBytes, fmtDuration, span, typeBadge, typeClass, whereText } from './common.ts'
import type { ReviewedFinding } from './types.ts'
import { reviewBox } from './verdict.ts'
import { costEl } from '../cost-format.ts'

const AUTO_PAGES = 10

export function replayPage(root: HTMLElement): void {
  const api = root.getAttribute('data-api') ?? ''
  // What the shared renderer (transcript/replay.ts) has shown so far, and the findings' markers.
  const state = {
    ...newReplayState(), findings: [] as SessionFinding[], markers: [] as HTMLElement[], markerOf: new Map<number, HTMLElement>(),
    /** Every marker placed, in document order; `markers` is the ones shown (what n / p step through). */
    all: [] as HTMLElement[],
    current: -1, nextFromLine: null as number | null,
  }
  /** A finding dismissed when the page loaded: hidden unless "Show dismissed" is on. */
  const hiddenClass = (f: SessionFinding) => (f.verdict?.verdict === 'dismissed' ? ' dismissed' : '')
  const verdictClass = (f: SessionFinding) => (f.verdict ? ` v-${f.verdict.verdict}` : '')

  /** The review of one finding, in the list and in its marker; a saved verdict redraws both. */
  function review(f: SessionFinding): HTMLElement {
    return reviewBox(f as ReviewedFinding, (saved) => {
      const i = state.findings.findIndex((x) => x.id === saved.id)
      if (i < 0) return
      state.findings[i] = { ...state.findings[i], verdict: saved.verdict, judgement: saved.judgement, related_events: saved.related_events }
      const g = state.findings[i]
      for (const box of document.querySelectorAll(`.sx-review[data-finding-id="${g.id}"]`)) box.replaceWith(review(g))
      for (const n of document.querySelectorAll(`[data-finding-id="${g.id}"].sx-marker, li[data-finding-id="${g.id}"]`)) {
        n.classList.remove('v-confirmed', 'v-dismissed')
        if (g.verdict) n.classList.add(`v-${g.verdict.verdict}`)
      }
    })
  }
  const setError = errorBanner(byId('sx-banner'), 'Could not ')

  function appendEvents(events: readonly ReplayEvent[]) {
    drawEvents(byId('sx-events'), events, state)
    byId('sx-hk-count').textContent = fmtInt(state.housekeeping)
    byId('sx-event-count').textContent = `${plural(state.events, 'event')} · ${plural(state.lastLine, 'line')}${state.nextFromLine ? ' so far' : ''}`
  }

  function renderSummary(d: SessionDetail) {
    const u = d.usage
    const pairs: HTMLElement[] = []
    const add = (k: string, v: Child, cls?: string) => pairs.push(el('div', { class: `sx-kv${cls ? ` ${cls}` : ''}` }, el('dt', null, k), el('dd', null, v)))
    add('User', d.username)
    if (u) {
      add('Started', timeEl(u.started_at))
      add('Duration', fmtDuration(span(u.started_at, u.ended_at)))
      add('Active time', u.active_seconds === null || u.active_seconds === undefined ? '—' : fmtDuration(u.active_seconds * 1000))
      add('Turns', fmtInt(u.turns))
      add('Tool calls', fmtInt(u.tool_calls))
      add('Tool errors', fmtInt(u.tool_errors), Number(u.tool_errors) > 0 ? 'bad' : '')
      const m: unknown = u.models
      const models = Array.isArray(m) ? m.map(String) : m && typeof m === 'object' ? Object.keys(m) : []
      if (models.length) add('Models', models.join(', '))
      const tokens = u.tokens as { input?: number; output?: number } | null
      if (tokens && !d.cost) add('Tokens in / out', `${fmtInt(tokens.input)} / ${fmtInt(tokens.output)}`)
      if (u.claude_version) add('Claude Code', u.claude_version)
      if (u.malformed_lines) add('Unreadable lines', fmtInt(u.malformed_lines), 'bad')
    } else {
      add('Usage', el('span', { class: 'muted' }, 'not processed yet'))
    }
    // Tokens and cost as the Costs tab counts them (each API response once, the session's subagents included).
    const c = d.cost
    if (c) {
      add('Tokens', `${fmtInt(c.input_tokens)} input · ${fmtInt(c.output_tokens)} output · ${fmtInt(c.cache_creation_tokens)} cache writes · ${fmtInt(c.cache_read_tokens)} cache reads`, 'sx-tokens')
      add('Cost (estimate)', [costEl(c, 'strong'), ` at list prices as of ${c.prices_as_of}${c.files > 1 ? `, with ${plural(c.files - 1, 'subagent transcript')}` : ''}`], 'sx-cost')
    } else if (d.counted_in) {
      const [user, ...rest] = d.counted_in.split('/')
      add('Cost (estimate)', ['counted with its session ', el('a', { href: `/admin/sessions/${encodeURIComponent(user)}/${encodeURIComponent(rest.join('/'))}` }, d.counted_in)], 'sx-cost')
    }
    add('Size', fmtBytes(d.bytes))
    add('Uploaded', timeEl(d.uploaded_at))
    const proc = (d.processing ?? []).map((p) => el('span', {
      class: `sx-proc s-${p.status === 'ok' ? 'ok' : p.status === 'error' ? 'bad' : 'other'}`,
      title: p.error || `${p.processor}: ${p.status}${p.processed_at ? ` at ${p.processed_at}` : ''}`,
    }, `${p.processor} ${p.status === 'ok' ? '✓' : p.status}${p.up_to_date ? '' : ' (older upload)'}`))
    add('Processing', proc.length ? proc : el('span', { class: 'muted' }, 'not processed yet'))
    byId('sx-summary').replaceChildren(el('dl', { class: 'sx-kvs' }, pairs))
  }

  function renderFindingsList() {
    const list = byId('sx-findings-list')
    const fs = state.findings
    const counts: Record<string, number> = {}
    for (const f of fs) counts[f.finding_type] = (counts[f.finding_type] ?? 0) + 1
    byId('sx-findings-title').replaceChildren(`Findings (${fs.length})`, ...TYPES.filter((t) => counts[t]).map((t) => typeBadge(t, counts[t])))
    byId('sx-dismissed-count').textContent = fmtInt(fs.filter((f) => hiddenClass(f)).length)
    if (!fs.length) {
      list.replaceChildren(el('li', { class: 'muted sx-none' }, 'No findings in this transcript (or it has not been scanned yet).'))
      return
    }
    list.replaceChildren(...fs.map((f) => el('li', { class: `sx-fi${hiddenClass(f)}${verdictClass(f)}`, 'data-finding-id': String(f.id) }, el('button', {
      type: 'button', class: 'sx-finding-item', 'data-finding-id': String(f.id),
      onclick: () => {
        const m = state.markerOf.get(f.id)
        const i = m ? state.markers.indexOf(m) : -1
        if (i >= 0) goTo(i)
      },
    }, typeBadge(f.finding_type), el('span', { class: 'sx-fi-where' }, whereText(f)),
    el('span', { class: `sx-sev sev-${f.severity}` }, f.severity || ''),
    el('span', { class: 'sx-fi-excerpt' }, f.excerpt || '')), review(f))))
  }

  /** Puts each finding's marker after the events of its line (at the end when the line is not shown). */
  function placeMarkers(final: boolean) {
    const box = byId('sx-events')
    for (const f of state.findings) {
      if (state.markerOf.has(f.id)) continue
      const evs = state.lineEls.get(f.line)
      if (!evs && !final && f.line > state.lastLine) continue
      const marker = el('div', {
        class: `sx-marker t-${typeClass(f.finding_type)} sev-${f.severity}${hiddenClass(f)}${verdictClass(f)}`, id: `finding-${f.id}`, tabindex: '-1',
        'data-finding-id': String(f.id), 'data-type': f.finding_type, 'data-line': String(f.line),
      },
      el('div', { class: 'sx-marker-head' }, el('span', { class: 'sx-marker-flag', 'aria-hidden': 'true' }, '⚑'), typeBadge(f.finding_type),
        el('span', null, whereText(f)),
        el('span', { class: `sx-sev sev-${f.severity}` }, f.severity || ''),
        el('span', { class: 'sx-marker-pos' })),
      f.excerpt ? el('div', { class: 'sx-marker-excerpt' }, f.excerpt) : null,
      review(f))
      if (evs && evs.length) {
        // Housekeeping lines a finding points at are shown anyway.
        for (const e of evs) e.classList.add('flagged', 'forced')
        // After the line's events and the markers already placed there, in the list's order.
        let at: Element = evs[evs.length - 1]
        while (at.nextElementSibling?.classList.contains('sx-marker')) at = at.nextElementSibling
        at.after(marker)
      } else {
        // The line is not in the transcript view (e.g. an unreadable line): the nearest earlier line, else the end.
        let at: HTMLElement | null = null
        for (const [line, els] of state.lineEls) if (line < f.line) at = els[els.length - 1]
        if (at && f.line <= state.lastLine) at.after(marker)
        else box.append(marker)
      }
      state.markerOf.set(f.id, marker)
    }
    state.all = state.findings.map((f) => state.markerOf.get(f.id)).filter((m): m is HTMLElement => Boolean(m))
    state.all.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))
    refreshNav()
  }

  /** The markers n / p step through: all of them, less the hidden dismissed ones. */
  function refreshNav() {
    const current = state.markers[state.current]
    const showDismissed = root.classList.contains('show-dismissed')
    state.markers = state.all.filter((m) => showDismissed || !m.classList.contains('dismissed'))
    state.current = current ? state.markers.indexOf(current) : -1
    state.markers.forEach((m, i) => {
      m.querySelector('.sx-marker-pos')!.textContent = `${i + 1} of ${state.markers.length}`
    })
    updateNav()
  }

  function updateNav() {
    const n = state.markers.length
    button('sx-prev').disabled = n === 0
    button('sx-next').disabled = n === 0
    byId('sx-nav-pos').textContent = n === 0 ? 'No findings' : state.current < 0 ? `${plural(n, 'finding')} · press n for the first` : `Finding ${state.current + 1} of ${n}`
  }
  function goTo(i: number, opts: { instant?: boolean } = {}) {
    const n = state.markers.length
    if (!n) return
    const idx = ((i % n) + n) % n
    state.markers[state.current]?.classList.remove('current')
    state.current = idx
    const m = state.markers[idx]
    m.classList.add('current')
    const id = m.getAttribute('data-finding-id')
    for (const b of document.querySelectorAll('.sx-finding-item')) b.classList.toggle('current', b.getAttribute('data-finding-id') === id)
    const evs = state.lineEls.get(Number(m.getAttribute('data-line'))) ?? []
    for (const e of document.querySelectorAll('.sx-ev.current-line')) e.classList.remove('current-line')
    for (const e of evs) e.classList.add('current-line')
    // The marker sits right after its evidence: centring it shows both.
    const smooth = !opts.instant && !window.matchMedia('(prefers-reduced-motion: reduce)').matches
    m.scrollIntoView({ block: 'center', behavior: smooth ? 'smooth' : 'auto' })
    m.focus({ preventScroll: true })
    history.replaceState(null, '', `#finding-${id}`)
    updateNav()
  }

  async function loadPage(fromLine: number | null): Promise<SessionDetail> {
    const d = await getJson<SessionDetail>(fromLine ? `${api}?from_line=${fromLine}` : api)
    state.nextFromLine = d.next_from_line ?? null
    return d
  }
  async function loadRest(maxPages: number) {
    const btn = button('sx-more-events')
    let pages = 0
    while (state.nextFromLine && pages < maxPages) {
      btn.hidden = false
      btn.disabled = true
      btn.textContent = `Loading events from line ${fmtInt(state.nextFromLine)}…`
      const d = await loadPage(state.nextFromLine)
      appendEvents((d.events ?? []) as unknown as ReplayEvent[])
      placeMarkers(false)
      pages++
    }
    btn.disabled = false
    btn.textContent = 'Load more events'
    btn.hidden = !state.nextFromLine
    if (!state.nextFromLine) placeMarkers(true)
  }

  async function init() {
    byId('sx-next').addEventListener('click', () => goTo(state.current + 1))
    byId('sx-prev').addEventListener('click', () => goTo(state.current < 0 ? -1 : state.current - 1))
    input('sx-housekeeping').addEventListener('change', (e) => root.classList.toggle('show-hk', (e.target as HTMLInputElement).checked))
    input('sx-show-dismissed').addEventListener('change', (e) => {
      root.classList.toggle('show-dismissed', (e.target as HTMLInputElement).checked)
      refreshNav()
    })
    byId('sx-more-events').addEventListener('click', () => loadRest(AUTO_PAGES).catch((e) => setError('load more events', e)))
    document.addEventListener('keydown', (e) => {
      if (e.metaKey || e.ctrlKey || e.altKey) return
      const t = e.target
      if (t instanceof Element && t.closest('input, textarea, select, [contenteditable]')) return
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
      state.findings = (d.findings ?? []).slice().sort((a, b) => a.line - b.line || a.id - b.id)
      renderFindingsList()
      byId('sx-events').replaceChildren()
      const events = (d.events ?? []) as unknown as ReplayEvent[]
      appendEvents(events)
      if (!events.length) byId('sx-events').append(el('p', { class: 'muted' }, 'This transcript has no readable events.'))
      placeMarkers(!state.nextFromLine)
      setError('load the transcript', null)
      await loadRest(AUTO_PAGES - 1)
      const m = /^#finding-(\d+)$/.exec(location.hash)
      if (m) {
        // A link to a dismissed finding shows the dismissed ones.
        if (state.all.find((x) => x.getAttribute('data-finding-id') === m[1])?.classList.contains('dismissed')) {
          input('sx-show-dismissed').checked = true
          root.classList.add('show-dismissed')
          refreshNav()
        }
        const i = state.markers.findIndex((x) => x.getAttribute('data-finding-id') === m[1])
        if (i >= 0) goTo(i, { instant: true })
      }
      root.setAttribute('data-ready', 'true')
    } catch (e) {
      setError('load the transcript', e)
      byId('sx-events').replaceChildren(el('p', { class: 'error' }, 'The transcript could not be loaded.'))
    }
  }
  // For the browser tests and the curious: the navigation, callable directly.
  ;(window as unknown as { agnesSessions: unknown }).agnesSessions = {
    next: () => goTo(state.current + 1), prev: () => goTo(state.current < 0 ? -1 : state.current - 1), current: () => state.current,
  }
  void init()
}
