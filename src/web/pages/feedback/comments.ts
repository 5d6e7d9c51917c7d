// The open report's conversation: replies to the reporter (they see them in `agnes reports`, on their dashboard and on
// Telegram when they linked a chat) and internal notes (admins only). Both are added here and listed oldest first.
import { byId, el, errorMessage, sendJson } from '../dom.ts'
import { timeEl } from '../time.ts'
import type { FeedbackComment, ReportDetail } from '../api.ts'
import { API, type Inbox } from './inbox.ts'

type Kind = 'reply' | 'note'
const TEXT: Record<Kind, { title: string; help: string; placeholder: string; button: string; done: string; empty: string; path: string }> = {
  reply: {
    title: 'Replies to the reporter', path: 'replies', button: 'Send reply', done: 'Reply sent',
    help: 'The reporter sees these in agnes reports and on their dashboard (and on Telegram if they linked a chat). The resolution is separate.',
    placeholder: 'Ask for details, or say what is being done', empty: 'No reply yet.',
  },
  note: {
    title: 'Internal notes', path: 'notes', button: 'Add note', done: 'Note added',
    help: 'Only admins see these.', placeholder: 'What you found, for the other admins', empty: 'No notes yet.',
  },
}

function item(inbox: Inbox, c: FeedbackComment): HTMLElement {
  return el('li', { class: 'fb-comment', 'data-id': c.id },
    el('div', { class: 'fb-comment-head' }, el('strong', null, inbox.who(c.author_user) ?? c.author_email ?? 'a removed user'), ' ', timeEl(c.created_at, { coarse: true })),
    el('div', { class: 'fb-comment-body' }, c.body))
}

function heading(kind: Kind, n: number) {
  return `${TEXT[kind].title}${n ? ` (${n})` : ''}`
}

/** The replies or notes of the report, with the form that adds one. */
export function commentSection(inbox: Inbox, d: ReportDetail, kind: Kind): HTMLElement {
  const t = TEXT[kind]
  const list = kind === 'reply' ? d.replies : d.notes
  const ol = el('ol', { class: 'fb-comments', id: `fb-${t.path}` }, list.map((c) => item(inbox, c)))
  const empty = el('p', { class: 'muted', id: `fb-${t.path}-empty`, hidden: list.length > 0 }, t.empty)
  const text = el('textarea', { id: `fb-${kind}-text`, rows: '2', maxlength: '10000', placeholder: t.placeholder, 'aria-label': t.title })
  const send = el('button', { type: 'submit', id: `fb-${kind}-send`, class: kind === 'reply' ? null : 'fb-secondary' }, t.button)
  const error = el('p', { class: 'fb-inline-error', role: 'alert', id: `fb-${kind}-error`, hidden: true })
  const h3 = el('h3', { id: `fb-${t.path}-title` }, heading(kind, list.length))
  const form = el('form', { class: 'fb-comment-form', id: `fb-${kind}-form`, autocomplete: 'off' }, text, send)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const body = text.value.trim()
    if (!body) return
    const id = d.id
    send.disabled = true
    void sendJson<FeedbackComment>('POST', `${API}/${encodeURIComponent(id)}/${t.path}`, { body })
      .then((c) => {
        const detail = inbox.state.detail
        if (!detail || detail.id !== id) return
        const all = kind === 'reply' ? detail.replies : detail.notes
        all.push(c)
        ol.append(item(inbox, c))
        empty.hidden = true
        h3.textContent = heading(kind, all.length)
        text.value = ''
        error.hidden = true
        byId('fb-d-saved').textContent = `${t.done}.`
      })
      .catch((err) => {
        error.hidden = false
        error.textContent = `Could not ${kind === 'reply' ? 'send the reply' : 'add the note'}: ${errorMessage(err)}`
      })
      .finally(() => {
        send.disabled = false
      })
  })
  // Ctrl/Cmd+Enter sends, as in most comment boxes.
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit()
  })
  return el('section', { class: `fb-d-section fb-conv fb-conv-${kind}`, id: `fb-d-${t.path}` },
    h3, el('p', { class: 'muted fb-conv-help' }, t.help), ol, empty, form, error)
}

