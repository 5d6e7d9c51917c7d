// A finding's review, shared by the findings list (/admin/sessions) and the replay: confirm or dismiss with a note, what
// the LLM judge said, and the person's command-line requests the server saw around it. Every value is inserted as text.
import { el, errorMessage, sendJson } from '../dom.ts'
import { fmtAbsolute, fmtClock } from '../time.ts'
import { API } from './common.ts'
import type { ReviewedFinding } from './types.ts'

const SAID: Record<string, string> = { confirmed: 'Confirmed', dismissed: 'Dismissed' }
const JUDGED: Record<string, string> = { real_failure: 'real failure', false_alarm: 'false alarm', unsure: 'unsure' }

/** Gives a verdict (null takes it back); resolves to the finding as the server now has it. */
export function saveVerdict(id: number, verdict: 'confirmed' | 'dismissed' | null, note: string | null): Promise<ReviewedFinding> {
  return sendJson<ReviewedFinding>('POST', `${API}/findings/${encodeURIComponent(String(id))}/verdict`, { verdict, note })
}

/** What the LLM judge said about the finding, when it judged it. */
function judgementEl(f: ReviewedFinding): HTMLElement | null {
  const j = f.judgement
  if (!j) return null
  const title = `${j.explanation ?? ''}\n${j.model}, prompt ${j.prompt_version}, judged ${fmtAbsolute(j.judged_at)}`.trim()
  return el('div', { class: `sx-judge j-${j.label}`, title },
    el('b', null, `LLM judge: ${JUDGED[j.label] ?? j.label}`), j.root_cause ? ` · ${j.root_cause}` : null)
}

/** The audit rows of the person's command-line requests around the finding, each a link to its Activity event. */
function relatedEl(f: ReviewedFinding): HTMLElement | null {
  if (!f.related_events?.length) return null
  return el('div', { class: 'sx-related' }, el('span', { class: 'muted' }, 'Agnes saw:'),
    f.related_events.map((e) => el('a', {
      class: `sx-rel${e.result === 'success' ? '' : ' bad'}`, href: e.activity_url, 'data-event-id': String(e.id),
      title: `${fmtAbsolute(e.timestamp, { seconds: true })}${e.resource ? ` · ${e.resource}` : ''} · open in Activity`,
    }, `${fmtClock(e.timestamp)} ${e.action} ${e.result}${e.error?.message ? `: ${e.error.message}` : ''}`)))
}

/**
 * Confirm / dismiss buttons with a note, the verdict given, the judge's label and the related requests. Pressing the
 * pressed button again takes the verdict back. `onSaved` receives the finding as the server answered it.
 */
export function reviewBox(f: ReviewedFinding, onSaved: (f: ReviewedFinding) => void): HTMLElement {
  const v = f.verdict
  const note = el('input', {
    type: 'text', class: 'sx-v-note', placeholder: 'Note (optional)', maxlength: '2000', 'aria-label': 'Note with the verdict',
  })
  note.value = v?.note ?? ''
  const status = el('span', { class: 'sx-v-status', role: 'status' })
  const buttons: HTMLButtonElement[] = []
  const send = async (verdict: 'confirmed' | 'dismissed' | null) => {
    for (const b of buttons) b.disabled = true
    status.textContent = 'Saving…'
    try {
      onSaved(await saveVerdict(f.id, verdict, note.value.trim() || null))
    } catch (e) {
      status.textContent = `Not saved: ${errorMessage(e)}`
      for (const b of buttons) b.disabled = false
    }
  }
  const button = (which: 'confirmed' | 'dismissed', text: string, hint: string) => {
    const on = v?.verdict === which
    const b = el('button', {
      type: 'button', class: `sx-v-btn sx-v-${which}`, 'aria-pressed': String(on), title: on ? 'Take this verdict back' : hint,
      onclick: () => void send(on ? null : which),
    }, text)
    buttons.push(b)
    return b
  }
  return el('div', { class: `sx-review${v ? ` v-${v.verdict}` : ''}`, 'data-finding-id': String(f.id), 'data-verdict': v?.verdict ?? 'none' },
    el('div', { class: 'sx-v-row' },
      button('confirmed', '✓ Confirm', 'A real failure: counts for this type\'s precision'),
      button('dismissed', '✕ Dismiss', 'Not a failure: hidden from the list and the heatmap'),
      note, status),
    v ? el('div', { class: 'sx-v-said' },
      el('b', null, SAID[v.verdict] ?? v.verdict), v.decided_by ? ` by ${v.decided_by}` : null,
      el('time', { datetime: v.decided_at, title: fmtAbsolute(v.decided_at, { seconds: true }) }, ` ${fmtAbsolute(v.decided_at)}`),
      v.note ? el('span', { class: 'sx-v-said-note' }, ` — ${v.note}`) : null) : null,
    judgementEl(f),
    relatedEl(f))
}
