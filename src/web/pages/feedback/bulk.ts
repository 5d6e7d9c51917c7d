// Bulk actions on a selection of reports: tick rows (or x on the current one), then tag, assign or resolve them all in
// one request (POST /api/admin/feedback/bulk). The selection survives filter changes until it is cleared.
import { button, byId, el, errorMessage, input, plural, select, sendJson } from '../dom.ts'
import type { BulkResult } from '../api.ts'
import { API, type Inbox } from './inbox.ts'

const TAG = /^[a-z0-9][a-z0-9_.:-]{0,39}$/

/** The checkbox at the start of a list row. */
export function rowCheckbox(inbox: Inbox, id: string): HTMLElement {
  return el('label', { class: 'fb-check', title: 'Select for a bulk action (x)' },
    el('input', {
      type: 'checkbox', class: 'fb-row-check', 'data-id': id, 'aria-label': `Select report ${id.slice(0, 8)}`, checked: inbox.state.selected.has(id),
      onchange: (e: Event) => toggle(inbox, id, (e.target as HTMLInputElement).checked),
    }))
}

/** Ticks or unticks one report. */
export function toggle(inbox: Inbox, id: string, on = !inbox.state.selected.has(id)) {
  if (on) inbox.state.selected.add(id)
  else inbox.state.selected.delete(id)
  syncBulk(inbox)
}

/** The bar and the checkboxes as the selection says. */
export function syncBulk(inbox: Inbox) {
  const sel = inbox.state.selected
  for (const c of byId('fb-rows').querySelectorAll<HTMLInputElement>('input.fb-row-check')) c.checked = sel.has(c.getAttribute('data-id') ?? '')
  for (const li of byId('fb-rows').querySelectorAll('li.fb-row')) li.classList.toggle('checked', sel.has(li.getAttribute('data-id') ?? ''))
  const shown = [...inbox.state.rows.keys()]
  const all = input('fb-select-all')
  all.checked = shown.length > 0 && shown.every((id) => sel.has(id))
  all.indeterminate = !all.checked && shown.some((id) => sel.has(id))
  byId('fb-bulk').hidden = sel.size === 0
  byId('fb-bulk-count').textContent = `${plural(sel.size, 'report')} selected`
}

function done(message: string, err: unknown = null) {
  const p = byId('fb-bulk-status')
  p.textContent = err ? `Could not ${message}: ${errorMessage(err)}` : message
  p.classList.toggle('fb-bulk-error', Boolean(err))
}

/** Sends one change for the whole selection; the rows (and the open report) show the result. */
async function apply(inbox: Inbox, change: Record<string, unknown>, what: string, doneText: (n: number) => string) {
  const ids = [...inbox.state.selected]
  if (!ids.length) return
  const bar = byId('fb-bulk')
  bar.setAttribute('aria-busy', 'true')
  for (const b of bar.querySelectorAll('button')) b.disabled = true
  try {
    const out = await sendJson<BulkResult>('POST', `${API}/bulk`, { ids, ...change })
    for (const r of out.rows) {
      const row = inbox.state.rows.get(r.id)
      if (row) inbox.replaceRow({ ...row, ...r, duplicate_count: row.duplicate_count })
    }
    syncBulk(inbox)
    if (inbox.state.id && ids.includes(inbox.state.id)) inbox.reloadDetail()
    done(doneText(out.updated))
    return true
  } catch (e) {
    done(what, e)
    return false
  } finally {
    bar.removeAttribute('aria-busy')
    for (const b of bar.querySelectorAll('button')) b.disabled = false
  }
}

/** Wires the bar and the "select all shown" box (the page's HTML shell holds both). */
export function startBulk(inbox: Inbox) {
  input('fb-select-all').addEventListener('change', (e) => {
    const on = (e.target as HTMLInputElement).checked
    for (const id of inbox.state.rows.keys()) {
      if (on) inbox.state.selected.add(id)
      else inbox.state.selected.delete(id)
    }
    syncBulk(inbox)
  })
  byId('fb-bulk-tag-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const t = input('fb-bulk-tag').value.trim().toLowerCase()
    if (!TAG.test(t)) return done('add the tag', 'tags are lower-case letters, digits and _ . : - (at most 40 characters)')
    void apply(inbox, { add_tags: [t] }, `add the tag ${t}`, (n) => `Tag ${t} added to ${plural(n, 'report')}.`).then((ok) => {
      if (ok) input('fb-bulk-tag').value = ''
    })
  })
  select('fb-bulk-assignee').addEventListener('change', (e) => {
    const sel = e.target as HTMLSelectElement
    const v = sel.value
    if (!v) return
    const who = v === 'none' ? null : v
    const label = v === 'none' ? 'nobody' : v === 'me' ? 'you' : (inbox.state.admins.get(v) ?? v)
    void apply(inbox, { assignee: who }, 'assign the reports', (n) => `${plural(n, 'report')} assigned to ${label}.`).then(() => {
      sel.value = ''
    })
  })
  button('fb-bulk-resolve').addEventListener('click', () => {
    const text = input('fb-bulk-resolution').value.trim()
    void apply(inbox, { status: 'resolved', ...(text ? { resolution: text } : {}) }, 'resolve the reports', (n) => `${plural(n, 'report')} resolved; their reporters are told.`).then((ok) => {
      if (ok) input('fb-bulk-resolution').value = ''
    })
  })
  button('fb-bulk-clear').addEventListener('click', () => {
    inbox.state.selected.clear()
    done('')
    syncBulk(inbox)
  })
}
