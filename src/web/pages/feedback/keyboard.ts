// Keyboard: j / k open the next / previous report of the list, a assigns the open report to you, r starts resolving it,
// x ticks it for a bulk action. Keys typed into a field, or with Ctrl/Alt/Cmd, are left alone.
import { byId } from '../dom.ts'
import { ACTIVE, type Inbox } from './inbox.ts'
import { toggle } from './bulk.ts'

export interface KeyActions {
  /** Assign the open report to the signed-in admin. */
  assignToMe(): void
  /** Open the resolve form of the open report. */
  startResolve(): void
}

/** The ids of the list in the order shown. */
const shownIds = () => [...byId('fb-rows').querySelectorAll('li.fb-row')].map((li) => li.getAttribute('data-id') ?? '').filter(Boolean)

function move(inbox: Inbox, step: 1 | -1) {
  const ids = shownIds()
  if (!ids.length) return
  const at = inbox.state.id ? ids.indexOf(inbox.state.id) : -1
  const next = at < 0 ? (step === 1 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + step))
  if (ids[next] === inbox.state.id) return
  inbox.openReport(ids[next])
  byId('fb-rows').querySelector(`li.fb-row[data-id="${CSS.escape(ids[next])}"]`)?.scrollIntoView({ block: 'nearest' })
}

export function startKeyboard(inbox: Inbox, actions: KeyActions) {
  document.addEventListener('keydown', (e) => {
    // Ctrl/Cmd+Enter in the resolution resolves.
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && (e.target as Element | null)?.id === 'fb-resolution') {
      byId<HTMLFormElement>('fb-resolve-form').requestSubmit()
      e.preventDefault()
      return
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return
    const t = e.target
    // Typing into a field is not a command; a ticked checkbox keeps the focus, so keys work from there.
    if (t instanceof Element && t.closest('input:not([type=checkbox]), textarea, select, [contenteditable]')) return
    const d = inbox.state.detail
    switch (e.key) {
      case 'j':
        move(inbox, 1)
        break
      case 'k':
        move(inbox, -1)
        break
      case 'a':
        if (!d || inbox.state.busy) return
        actions.assignToMe()
        break
      case 'r':
        if (!d || !ACTIVE.includes(d.status)) return
        actions.startResolve()
        break
      case 'x':
        if (!inbox.state.id) return
        toggle(inbox, inbox.state.id)
        break
      default:
        return
    }
    e.preventDefault()
  })
}
