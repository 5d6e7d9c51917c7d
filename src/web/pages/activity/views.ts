// Saved views beside the filter bar: the current filters saved under a name (GET/POST/PATCH/DELETE
// /api/admin/activity/views), the admin's own views and the ones other admins shared. Opening one sets its filters, so
// the URL and the table follow; the owner shares or unshares and deletes their own. Names are inserted as text.
import { byId, button, cleanFilters, el, errorMessage, getJson, input, sendJson } from '../dom.ts'
import type { SavedView, SavedViewList } from '../api.ts'
import { API, FILTER_KEYS, query, type ActivityPage } from './page.ts'

const VIEWS = `${API}/views`

let views: SavedView[] = []
/** The view whose delete is being confirmed. */
let deleting: string | null = null

function showError(msg: string | null) {
  const box = byId('ac-view-error')
  box.hidden = !msg
  box.textContent = msg ?? ''
}

/** Does the view hold exactly the filters on screen? */
const isOpen = (page: ActivityPage, v: SavedView) => query(cleanFilters(FILTER_KEYS, v.filters)) === query(page.state.filters)

function viewEl(page: ActivityPage, v: SavedView): HTMLElement {
  const describe = Object.entries(v.filters).map(([k, val]) => `${k}=${val}`).join(' · ') || 'no filters: the last 24 h'
  const open = el('button', {
    type: 'button', class: 'ac-view-open', title: `Open this view: ${describe}`,
    onclick: () => {
      showError(null)
      page.setFilters(v.filters, { tab: 'timeline', force: true })
    },
  }, v.name)
  const parts: HTMLElement[] = [open]
  if (!v.mine) {
    const owner = page.state.users.get(v.owner_id)
    parts.push(el('span', { class: 'ac-view-owner', title: 'Shared by another admin; only they can change it' }, owner ? `by ${owner}` : 'shared'))
  } else if (deleting === v.id) {
    parts.push(
      el('button', { type: 'button', class: 'ac-view-del-confirm', onclick: () => void remove(page, v) }, 'Delete'),
      el('button', { type: 'button', class: 'ac-view-del-cancel', onclick: () => { deleting = null; drawViews(page) } }, 'Keep'))
  } else {
    parts.push(
      el('button', {
        type: 'button', class: 'ac-view-share', 'aria-pressed': String(v.shared),
        title: v.shared ? 'Shared with the other admins: click to keep it to yourself' : 'Only you see it: click to share it with the other admins',
        onclick: () => void setShared(page, v, !v.shared),
      }, v.shared ? 'shared' : 'private'),
      el('button', { type: 'button', class: 'ac-view-del', title: 'Delete this view', 'aria-label': `Delete the view ${v.name}`, onclick: () => { deleting = v.id; drawViews(page) } }, '×'))
  }
  return el('li', {
    class: `ac-view${isOpen(page, v) ? ' on' : ''}`, 'data-view-id': v.id, 'data-mine': String(v.mine), 'data-shared': String(v.shared),
  }, parts)
}

/** Draws the list (yours first, then the shared ones), marking the view whose filters are on screen. */
export function drawViews(page: ActivityPage): void {
  const mine = views.filter((v) => v.mine)
  const shared = views.filter((v) => !v.mine)
  const list = byId('ac-view-list')
  list.replaceChildren(...(views.length
    ? [...mine.map((v) => viewEl(page, v)), ...(shared.length ? [el('li', { class: 'ac-view-sep muted' }, 'shared:'), ...shared.map((v) => viewEl(page, v))] : [])]
    : [el('li', { class: 'ac-view-none muted' }, 'none yet: name the current filters to keep them')]))
}

export async function loadViews(page: ActivityPage): Promise<void> {
  try {
    views = (await getJson<SavedViewList>(VIEWS)).rows
    drawViews(page)
    byId('ac-views').setAttribute('data-ready', 'true')
  } catch (e) {
    showError(`Could not load the saved views: ${errorMessage(e)}`)
  }
}

async function save(page: ActivityPage): Promise<void> {
  const name = input('ac-view-name').value.trim()
  if (!name) {
    showError('Give the view a name.')
    input('ac-view-name').focus()
    return
  }
  button('ac-view-save').disabled = true
  showError(null)
  try {
    const filters = cleanFilters(FILTER_KEYS, page.state.filters)
    await sendJson<SavedView>('POST', VIEWS, { name, filters, shared: input('ac-view-shared').checked })
    input('ac-view-name').value = ''
    input('ac-view-shared').checked = false
    await loadViews(page)
  } catch (e) {
    showError(`Could not save the view: ${errorMessage(e)}`)
  } finally {
    button('ac-view-save').disabled = false
  }
}

async function setShared(page: ActivityPage, v: SavedView, shared: boolean): Promise<void> {
  showError(null)
  try {
    await sendJson<SavedView>('PATCH', `${VIEWS}/${encodeURIComponent(v.id)}`, { shared })
    await loadViews(page)
  } catch (e) {
    showError(`Could not ${shared ? 'share' : 'unshare'} ${v.name}: ${errorMessage(e)}`)
  }
}

async function remove(page: ActivityPage, v: SavedView): Promise<void> {
  showError(null)
  try {
    await sendJson('DELETE', `${VIEWS}/${encodeURIComponent(v.id)}`)
    deleting = null
    await loadViews(page)
  } catch (e) {
    showError(`Could not delete ${v.name}: ${errorMessage(e)}`)
  }
}

export function wireViews(page: ActivityPage): void {
  byId<HTMLFormElement>('ac-view-form').addEventListener('submit', (e) => {
    e.preventDefault()
    void save(page)
  })
}
