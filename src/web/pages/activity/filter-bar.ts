// The filter bar: controls filled from the URL-held filters, read back on change; filters without a control of their
// own are shown as removable pills. From / To are UTC, as their labels say.
import { byId, el, input, select, type Filters } from '../dom.ts'
import { isoToUtcInput, utcInputToIso } from '../time.ts'
import type { ActivityPage } from './page.ts'

/** Filters without a control of their own in the bar: shown as removable pills. */
const EXTRA: Record<string, string> = { action_in: 'actions', resource: 'resource', resource_prefix: 'resource starts with', result_pattern: 'result', correlation_id: 'correlation id' }

let userOptions = ''
/** The user select, rebuilt only when the list changed, so a poll does not close a select the user has open. */
export function renderUserOptions(page: ActivityPage): void {
  const { state } = page
  const sel = select('f-user')
  const users = [...state.users].sort((a, b) => a[1].localeCompare(b[1]))
  const sig = JSON.stringify(users)
  if (sig !== userOptions) {
    userOptions = sig
    sel.replaceChildren(el('option', { value: '' }, 'Anyone'), ...users.map(([id, label]) => el('option', { value: id }, label)))
  }
  sel.value = state.filters.user_id ?? ''
}

export function fillForm(page: ActivityPage): void {
  const { state } = page
  const f = state.filters
  input('f-since').value = isoToUtcInput(f.since)
  input('f-until').value = isoToUtcInput(f.until)
  if (f.user_id && !state.users.has(f.user_id)) state.users.set(f.user_id, f.user_id)
  renderUserOptions(page)
  input('f-action').value = f.action_prefix ?? ''
  select('f-result').value = f.result_class ?? ''
  select('f-client').value = f.client_kind ?? ''
  if (document.activeElement !== input('f-q')) input('f-q').value = f.q ?? ''
  input('f-self').checked = f.include_self_reads === 'true'
  // Without a start the server shows the last 24 h (7 days for a search).
  byId('ac-window').textContent = f.since ? '' : f.q ? 'default: last 7 days' : 'default: last 24 h'
  const extra = byId('ac-extra')
  const pills = Object.keys(EXTRA).filter((k) => f[k]).map((k) =>
    el('span', { class: 'ac-pill', 'data-filter': k }, `${EXTRA[k]}: `, el('code', null, f[k]),
      el('button', { type: 'button', title: 'Remove this filter', 'aria-label': `Remove filter ${EXTRA[k]}`, onclick: () => page.setFilters({ ...state.filters, [k]: '' }) }, '×')))
  extra.replaceChildren(...(pills.length ? [el('span', { class: 'muted' }, 'Also filtered by'), ...pills] : []))
  extra.hidden = pills.length === 0
  for (const fmt of ['csv', 'ndjson']) byId(`ac-export-${fmt}`).setAttribute('href', page.apiUrl('export', { format: fmt }))
}

export function readForm(page: ActivityPage): Filters {
  const f: Filters = { ...page.state.filters }
  f.since = utcInputToIso(input('f-since').value)
  f.until = utcInputToIso(input('f-until').value)
  f.user_id = select('f-user').value
  f.action_prefix = input('f-action').value.trim().toLowerCase()
  f.result_class = select('f-result').value
  f.client_kind = select('f-client').value
  f.q = input('f-q').value.trim()
  f.include_self_reads = input('f-self').checked ? 'true' : ''
  return f
}

export function wireFilterBar(page: ActivityPage): void {
  const form = byId<HTMLFormElement>('ac-filters')
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    page.setFilters(readForm(page))
  })
  form.addEventListener('change', (e) => {
    if (e.target instanceof Element && e.target.id === 'f-q') return
    page.setFilters(readForm(page))
  })
  let typing: ReturnType<typeof setTimeout> | undefined
  input('f-q').addEventListener('input', () => {
    clearTimeout(typing)
    typing = setTimeout(() => page.setFilters(readForm(page)), 400)
  })
  input('f-q').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault()
      clearTimeout(typing)
      page.setFilters(readForm(page))
    }
  })
  for (const b of document.querySelectorAll('[data-range]')) {
    b.addEventListener('click', () => {
      const h = Number(b.getAttribute('data-range'))
      page.setFilters({ ...page.state.filters, since: h ? new Date(Date.now() - h * 3600e3).toISOString() : '', until: '' })
    })
  }
  byId('ac-clear').addEventListener('click', () => page.setFilters({}))
}
