// The transcript replay renderer shared by the session replay (/admin/sessions/{username}/{filename}) and the feedback
// inbox (a report's session excerpt). Transcript content is untrusted: every value is inserted as text.
import { el, fmtInt, plural } from '../dom.ts'
import { fmtAbsolute, fmtClock } from '../time.ts'
import './replay.css'

/**
 * One event as GET /api/admin/sessions/{username}/{filename} answers it (src/platform/sessions/read.ts, presentEvent),
 * and as a feedback report's excerpt_replay carries it. presentEvent builds a Record<string, unknown>, so this shape is
 * stated here: keep the two in step.
 */
export interface ReplayEvent {
  kind: string
  line: number
  turn_index: number | null
  timestamp: string | null
  sidechain: boolean
  text: string
  subtype?: string
  model?: string
  tool?: { id: string; name: string; input: unknown; input_truncated?: boolean }
  tool_result?: { tool_use_id: string; tool_name: string | null; is_error: boolean }
  truncated?: boolean
}

/** A block of possibly long text: clamped with "show more" when it is big. */
const CLAMP_CHARS = 1200
const CLAMP_LINES = 18
export function textBlock(text: unknown, cls: string): HTMLElement {
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
export const KIND: Record<string, [label: string, cls: string]> = {
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
function toolHint(input: unknown): string {
  if (!input || typeof input !== 'object') return ''
  const o = input as Record<string, unknown>
  for (const k of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt']) {
    const v = o[k]
    if (typeof v === 'string' && v) return v.split('\n')[0].slice(0, 160)
  }
  return ''
}
function pretty(v: unknown): string {
  if (typeof v === 'string') return v
  try {
    return JSON.stringify(v, null, 2)
  } catch {
    return String(v)
  }
}

/** One event as an <article>; hk says whether it is a housekeeping line (hidden by the stylesheet unless forced). */
export function eventEl(e: ReplayEvent): { n: HTMLElement; hk: boolean } {
  const [label, cls] = KIND[e.kind] ?? [String(e.kind), 'note']
  const hk = cls === 'hk' || (e.kind === 'assistant_text' && !String(e.text || '').trim() && !e.tool)
  const err = Boolean(e.tool_result?.is_error)
  const head = el('div', { class: 'sx-ev-meta' })
  let title = label
  if (e.kind === 'tool_use' && e.tool) title = `Tool call · ${e.tool.name}`
  if (e.kind === 'tool_result') title = `${err ? 'Tool error' : 'Tool result'}${e.tool_result?.tool_name ? ` · ${e.tool_result.tool_name}` : ''}`
  if (e.subtype && cls !== 'user' && cls !== 'assistant') title += ` (${e.subtype})`
  head.append(el('span', { class: 'sx-ev-label' }, title))
  if (e.kind === 'tool_use' && e.tool) {
    const hint = toolHint(e.tool.input)
    if (hint) head.append(el('code', { class: 'sx-ev-hint', title: hint }, hint))
  }
  if (e.sidechain) head.append(el('span', { class: 'sx-tag' }, 'subagent'))
  if (e.model && cls === 'assistant') head.append(el('span', { class: 'sx-tag sx-tag-plain' }, e.model))
  head.append(el('span', { class: 'sx-ev-right' },
    e.timestamp ? el('time', { class: 'sx-ev-time', datetime: e.timestamp, title: fmtAbsolute(e.timestamp, { seconds: true }) }, fmtClock(e.timestamp)) : null,
    el('a', { class: 'sx-ev-line', href: `#line-${e.line}`, title: 'Line in the stored file' }, `line ${e.line}`)))
  const body: HTMLElement[] = []
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
export interface ReplayState {
  lastTurn: number | undefined
  events: number
  housekeeping: number
  lastLine: number
  lineEls: Map<number, HTMLElement[]>
}

export function newReplayState(): ReplayState {
  return { lastTurn: undefined, events: 0, housekeeping: 0, lastLine: 0, lineEls: new Map() }
}

/**
 * Appends events to `box` in order, with a turn divider before each human prompt that opens a turn; the first
 * event of each line gets the id line-N. `state` (see newReplayState) carries over between calls.
 */
export function appendEvents(box: HTMLElement, events: readonly ReplayEvent[], state: ReplayState): void {
  const frag = document.createDocumentFragment()
  for (const e of events) {
    const turn = e.turn_index
    if (e.kind === 'human_prompt' && turn !== null && turn !== undefined && turn !== state.lastTurn) {
      frag.append(el('div', { class: 'sx-turn', 'data-turn': String(turn) }, el('span', null, `Turn ${turn + 1}`)))
      state.lastTurn = turn
    }
    const { n, hk } = eventEl(e)
    let els = state.lineEls.get(e.line)
    if (!els) {
      n.id = `line-${e.line}`
      els = []
      state.lineEls.set(e.line, els)
    }
    els.push(n)
    if (hk) state.housekeeping++
    state.events++
    state.lastLine = Math.max(state.lastLine, e.line)
    frag.append(n)
  }
  box.append(frag)
}
