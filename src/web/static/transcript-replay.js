// The transcript replay renderer shared by the session replay (/admin/sessions/{username}/{filename}) and the
// feedback inbox (/admin/feedback, a report's session excerpt). Plain script, no framework: it defines
// window.AgnesTranscript, so load it (after dom.js, whose helpers it uses) before the page script that uses it.
// Transcript content is untrusted: every value is inserted with textContent / createElement, never as HTML.
//
// Events have the shape GET /api/admin/sessions/{username}/{filename} answers (src/platform/sessions/read.ts,
// presentEvent): {kind, line, turn_index, timestamp, sidechain, text, subtype?, model?, tool?: {id, name, input},
// tool_result?: {tool_use_id, tool_name, is_error}, truncated?}. A feedback report's excerpt comes in the same shape,
// parsed on the server by the same reader (GET /api/admin/feedback/{id}: excerpt_replay).
'use strict'
;(function () {
  const { el, fmtClock, fmtInt, plural } = window.AgnesDom

  /** A block of possibly long text: clamped with "show more" when it is big. */
  const CLAMP_CHARS = 1200
  const CLAMP_LINES = 18
  function textBlock(text, cls) {
    const s = String(text ?? '')
    const lines = s.split('\n').length
    const block = el('pre', { class: cls }, s)
    if (s.length <= CLAMP_CHARS && lines <= CLAMP_LINES) return block
    block.classList.add('sx-clamped')
    const label = `Show more (${plural(lines, 'line')}, ${fmtInt(s.length)} characters)`
    const btn = el('button', { type: 'button', class: 'sx-showmore', 'aria-expanded': 'false' }, label)
    btn.addEventListener('click', () => {
      const open = block.classList.toggle('sx-clamped') === false
      btn.textContent = open ? 'Show less' : label
      btn.setAttribute('aria-expanded', String(open))
    })
    return el('div', { class: 'sx-collapsible' }, block, btn)
  }

  /** Each event kind's label and look; 'hk' kinds are bookkeeping, hidden unless asked for (or a finding points at them). */
  const KIND = {
    human_prompt: ['User', 'user'],
    queued_prompt: ['User (queued while busy)', 'user'],
    interrupt: ['User interrupted', 'interrupt'],
    subagent_prompt: ['Prompt to subagent', 'user'],
    assistant_text: ['Assistant', 'assistant'],
    thinking: ['Thinking', 'thinking'],
    tool_use: ['Tool call', 'tool'],
    tool_result: ['Tool result', 'result'],
    command: ['Command', 'note'],
    meta: ['Context', 'note'],
    hook_feedback: ['Hook feedback', 'note'],
    task_notification: ['Task notification', 'note'],
    compact_summary: ['Compaction summary', 'note'],
    system: ['System', 'note'],
    summary: ['Summary', 'note'],
    progress: ['Progress', 'hk'],
    snapshot: ['File snapshot', 'hk'],
    queue: ['Queue', 'hk'],
    unknown: ['Other line', 'hk'],
  }

  /** A one-line hint of what a tool call does: its command, path, pattern or URL. */
  function toolHint(input) {
    if (!input || typeof input !== 'object') return ''
    for (const k of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt']) {
      if (typeof input[k] === 'string' && input[k]) return input[k].split('\n')[0].slice(0, 160)
    }
    return ''
  }
  function pretty(v) {
    if (typeof v === 'string') return v
    try {
      return JSON.stringify(v, null, 2)
    } catch {
      return String(v)
    }
  }

  /** One event as an <article>; hk says whether it is a housekeeping line (hidden by the stylesheet unless forced). */
  function eventEl(e) {
    const [label, cls] = KIND[e.kind] || [String(e.kind), 'note']
    const hk = cls === 'hk' || (e.kind === 'assistant_text' && !String(e.text || '').trim() && !e.tool)
    const err = Boolean(e.tool_result && e.tool_result.is_error)
    const head = el('div', { class: 'sx-ev-meta' })
    let title = label
    if (e.kind === 'tool_use' && e.tool) title = `Tool call · ${e.tool.name}`
    if (e.kind === 'tool_result') title = `${err ? 'Tool error' : 'Tool result'}${e.tool_result && e.tool_result.tool_name ? ` · ${e.tool_result.tool_name}` : ''}`
    if (e.subtype && cls !== 'user' && cls !== 'assistant') title += ` (${e.subtype})`
    head.append(el('span', { class: 'sx-ev-label' }, title))
    if (e.kind === 'tool_use' && e.tool) {
      const hint = toolHint(e.tool.input)
      if (hint) head.append(el('code', { class: 'sx-ev-hint', title: hint }, hint))
    }
    if (e.sidechain) head.append(el('span', { class: 'sx-tag' }, 'subagent'))
    if (e.model && cls === 'assistant') head.append(el('span', { class: 'sx-tag sx-tag-plain' }, e.model))
    head.append(el('span', { class: 'sx-ev-right' },
      e.timestamp ? el('span', { class: 'sx-ev-time', title: e.timestamp }, fmtClock(e.timestamp)) : null,
      el('a', { class: 'sx-ev-line', href: `#line-${e.line}`, title: 'Line in the stored file' }, `line ${e.line}`)))
    const body = []
    if (e.kind === 'tool_use' && e.tool) {
      body.push(textBlock(pretty(e.tool.input), 'sx-code'))
    } else if (e.text) {
      body.push(textBlock(e.text, cls === 'result' ? 'sx-code' : 'sx-text'))
    } else if (!hk && e.kind === 'tool_result') {
      body.push(el('p', { class: 'muted sx-empty-text' }, '(no output)'))
    }
    if (e.truncated) body.push(el('p', { class: 'sx-cut' }, 'Cut for display: the full text is in the raw file.'))
    const n = el('article', {
      class: `sx-ev k-${cls}${err ? ' err' : ''}${hk ? ' hk' : ''}${e.sidechain ? ' side' : ''}`,
      'data-line': String(e.line), 'data-kind': e.kind,
    }, head, body.length ? el('div', { class: 'sx-ev-body' }, body) : null)
    return { n, hk }
  }

  /** What a replay has shown so far; appendEvents adds to it. */
  function newReplayState() {
    return { lastTurn: undefined, events: 0, housekeeping: 0, lastLine: 0, lineEls: new Map() }
  }

  /**
   * Appends events to `box` in order, with a turn divider before each human prompt that opens a turn; the first
   * event of each line gets the id line-N. `state` (see newReplayState) carries over between calls.
   */
  function appendEvents(box, events, state) {
    const frag = document.createDocumentFragment()
    for (const e of events) {
      const turn = e.turn_index
      if (e.kind === 'human_prompt' && turn !== null && turn !== undefined && turn !== state.lastTurn) {
        frag.append(el('div', { class: 'sx-turn', 'data-turn': String(turn) }, el('span', null, `Turn ${turn + 1}`)))
        state.lastTurn = turn
      }
      const { n, hk } = eventEl(e)
      if (!state.lineEls.has(e.line)) {
        n.id = `line-${e.line}`
        state.lineEls.set(e.line, [])
      }
      state.lineEls.get(e.line).push(n)
      if (hk) state.housekeeping++
      state.events++
      state.lastLine = Math.max(state.lastLine, e.line)
      frag.append(n)
    }
    box.append(frag)
  }

  window.AgnesTranscript = { el, textBlock, eventEl, newReplayState, appendEvents, KIND }
})()
