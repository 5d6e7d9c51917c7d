// What the Users and Access pages (src/web/pages/users, access) share: a list beside one opened record, a form that
// creates a record and opens it, and changes to the opened record whose refusal shows right under what was acted on,
// so "would leave the instance without an admin" appears by the button that asked for it.
import { button, byId, errorMessage } from './dom.ts'

/** Shows `msg` in `box`, or hides it; with `near`, the box first moves under the form, row or list holding `near`. */
export function say(box: HTMLElement, msg: string | null, near?: Element | null): void {
  if (msg && near) (near.closest('form, .pa-row, .pa-table-wrap, .pa-items') ?? near).after(box)
  box.hidden = !msg
  box.textContent = msg ?? ''
}

/**
 * The create form `#<prefix>-create` (its button `#<prefix>-create-button`, its message `#<prefix>-create-error`):
 * sends, then empties the form and opens what was made; a refusal shows under the form.
 */
export function createForm<T extends { id: string }>(prefix: string, what: string, send: () => Promise<T>, open: (made: T) => Promise<void>): void {
  const form = byId<HTMLFormElement>(`${prefix}-create`)
  const submit = button(`${prefix}-create-button`)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    say(byId(`${prefix}-create-error`), null)
    submit.disabled = true
    send()
      .then(async (made) => {
        form.reset()
        await open(made)
      })
      .catch((err) => say(byId(`${prefix}-create-error`), `Could not create the ${what}: ${errorMessage(err)}`))
      .finally(() => (submit.disabled = false))
  })
}

/**
 * Changes to the opened record: runs one, shows a refusal under `near` (the form, row or list acted on), else reads
 * the page again; `box`'s data-ready is "false" meanwhile, so a test waits for the change to show. True when done.
 */
export function changer(box: HTMLElement, error: HTMLElement, reload: () => Promise<void>) {
  return async (near: Element, what: () => Promise<unknown>): Promise<boolean> => {
    say(error, null)
    box.setAttribute('data-ready', 'false')
    try {
      await what()
    } catch (e) {
      say(error, errorMessage(e), near)
      box.setAttribute('data-ready', 'true')
      return false
    }
    await reload()
    return true
  }
}
