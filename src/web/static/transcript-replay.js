// The transcript replay renderer shared by the session replay (/admin/sessions/{username}/{filename}) and the
// feedback inbox (/admin/feedback, a report's session excerpt). Plain script, no framework: it defines
// window.AgnesTranscript, so load it (after dom.js, whose helpers it uses) before the page script that uses it.
// Transcript content is untrusted: every value is inserted with textContent / createElement, never as HTML.
//
// Events have the shape GET /api/admin/sessions/{username}/{filename} answers (src/platform/sessions/read.ts,
// presentEvent): {kind, line, turn_index, timestamp, sidechain, text, subtype?, model?, tool?: {id, name, input},
// tool_result?: {tool_use_id, tool_name, is_error}, truncated?}. eventsFromJsonl turns raw Claude Code JSONL (a
// feedback report's excerpt) into the same shape, following src/sessions/transcript.ts.
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

  // ---- raw Claude Code JSONL → events (as src/sessions/transcript.ts normalises them) ----
  const isRecord = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
  const str = (v) => (typeof v === 'string' ? v : undefined)
  const COMMAND_TAG = /^<(command-name|command-message|command-args|local-command-stdout|local-command-stderr|bash-input|bash-stdout|bash-stderr)>/
  const HOOK_FEEDBACK = /^(Stop hook feedback:|[A-Za-z]+ hook (feedback|blocking error)|<user-prompt-submit-hook>)/
  const LOCAL_COMMAND_CAVEAT = /^(<local-command-caveat>|Caveat: The messages below were generated by the user while running local commands)/

  function classifyUserText(text, record, sidechain) {
    const t = text.trimStart()
    if (record.isCompactSummary === true) return 'compact_summary'
    if (t.startsWith('[Request interrupted by user')) return 'interrupt'
    if (HOOK_FEEDBACK.test(t)) return 'hook_feedback'
    if (record.isMeta === true || LOCAL_COMMAND_CAVEAT.test(t) || t.startsWith('<system-reminder>')) return 'meta'
    if (COMMAND_TAG.test(t)) return 'command'
    if (t.startsWith('<task-notification>')) return 'task_notification'
    if (sidechain) return 'subagent_prompt'
    return 'human_prompt'
  }
  function blockText(content) {
    if (typeof content === 'string') return content
    if (!Array.isArray(content)) return ''
    const parts = []
    for (const b of content) {
      if (!isRecord(b)) continue
      if (b.type === 'text') parts.push(str(b.text) ?? '')
      else if (b.type === 'image') parts.push('[image]')
    }
    return parts.join('\n')
  }

  /**
   * Parses Claude Code JSONL text into events; lines are numbered from 1 within the text. Lines that are not a JSON
   * object are counted as malformed and skipped.
   */
  function eventsFromJsonl(text) {
    const events = []
    const pending = new Map()
    let turn = 0
    let started = false
    let parsed = 0
    let malformed = 0
    const lines = String(text ?? '').split('\n')
    lines.forEach((raw, i) => {
      if (!raw.trim()) return
      let r
      try {
        r = JSON.parse(raw)
      } catch {
        malformed++
        return
      }
      if (!isRecord(r)) {
        malformed++
        return
      }
      parsed++
      const sidechain = r.isSidechain === true
      const base = () => ({ kind: 'unknown', line: i + 1, turn_index: turn, timestamp: str(r.timestamp) ?? null, sidechain, text: '' })
      const message = isRecord(r.message) ? r.message : {}
      const type = str(r.type)
      if (type === 'user') {
        const content = message.content
        const texts = []
        const results = []
        let images = 0
        if (typeof content === 'string') texts.push(content)
        if (Array.isArray(content)) {
          const detail = r.toolUseResult ?? r.tool_use_result
          for (const b of content) {
            if (!isRecord(b)) continue
            if (b.type === 'tool_result') {
              const id = str(b.tool_use_id) ?? ''
              const call = pending.get(id)
              pending.delete(id)
              const legacy = typeof detail === 'string' && /^error\b/i.test(detail.trimStart())
              const isError = b.is_error === true || (b.is_error === undefined && legacy)
              const t = blockText(b.content)
              results.push({ ...base(), kind: 'tool_result', text: t, tool_result: { tool_use_id: id, tool_name: call ? call.name : null, is_error: isError } })
            } else if (b.type === 'text') texts.push(str(b.text) ?? '')
            else if (b.type === 'image') images++
          }
        }
        events.push(...results)
        if (!texts.length && !results.length && images) texts.push('')
        const t = texts.join('\n')
        if (texts.length && (t.trim() !== '' || !results.length)) {
          const kind = classifyUserText(t, r, sidechain)
          if (kind === 'human_prompt') {
            if (started) turn++
            started = true
          }
          events.push({ ...base(), kind, text: t })
        }
      } else if (type === 'assistant') {
        started = true
        const shared = { ...base(), model: str(message.model) }
        const out = []
        if (typeof message.content === 'string') out.push({ ...shared, kind: 'assistant_text', text: message.content })
        if (Array.isArray(message.content)) {
          for (const b of message.content) {
            if (!isRecord(b)) continue
            if (b.type === 'text') out.push({ ...shared, kind: 'assistant_text', text: str(b.text) ?? '' })
            else if (b.type === 'thinking' || b.type === 'redacted_thinking') out.push({ ...shared, kind: 'thinking', text: str(b.thinking) ?? '' })
            else if (b.type === 'tool_use' || b.type === 'server_tool_use') {
              const call = { id: str(b.id) ?? '', name: str(b.name) ?? '?', input: b.input ?? null }
              if (call.id) pending.set(call.id, call)
              out.push({ ...shared, kind: 'tool_use', tool: call })
            }
          }
        }
        if (!out.length) out.push({ ...shared, kind: 'assistant_text', text: '' })
        events.push(...out)
      } else if (type === 'system') {
        events.push({ ...base(), kind: 'system', text: str(r.content) ?? '', subtype: str(r.subtype) })
      } else if (type === 'summary') {
        events.push({ ...base(), kind: 'summary', text: str(r.summary) ?? '' })
      } else if (type === 'progress') {
        events.push({ ...base(), kind: 'progress', subtype: isRecord(r.data) ? str(r.data.type) : undefined })
      } else if (type === 'file-history-snapshot') {
        events.push({ ...base(), kind: 'snapshot' })
      } else if (type === 'queue-operation') {
        const c = str(r.content) ?? ''
        const t = c.trimStart()
        const human = r.operation === 'enqueue' && t !== '' && !t.startsWith('<') && !t.startsWith('/')
        events.push({ ...base(), kind: human ? 'queued_prompt' : 'queue', text: c, subtype: str(r.operation) })
      } else {
        events.push({ ...base(), kind: 'unknown', subtype: type })
      }
    })
    return { events, parsed, malformed }
  }

  window.AgnesTranscript = { el, textBlock, eventEl, newReplayState, appendEvents, eventsFromJsonl, KIND }
})()
