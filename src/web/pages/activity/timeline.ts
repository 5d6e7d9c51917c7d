// The timeline table: pages of 50 newest first, "load more", and polling that offers new rows at the top instead of
// moving the list.
import { button, byId, el, getJson } from '../dom.ts'
import { timeEl } from '../time.ts'
import type { AuditRow, Timeline } from '../api.ts'
import { badge, fmtMs } from './format.ts'
import { TIMELINE_PAGE, type ActivityPage } from './page.ts'

function rowEl(page: ActivityPage, r: AuditRow, fresh: boolean): HTMLElement {
  const id = String(r.id)
  const who = r.user_email || r.user_id || (r.client_kind === 'scheduler' || r.client_kind === 'system' ? 'system' : '—')
  return el('tr', { class: `ac-row${id === page.state.event ? ' open' : ''}${fresh ? ' fresh' : ''}`, tabindex: '0', 'data-id': id },
    el('td', { class: 'c-time' }, timeEl(r.timestamp)),
    el('td', { class: 'c-user', title: who }, who),
    el('td', { class: 'c-action', title: r.action }, r.action),
    el('td', { class: 'c-resource', title: r.resource || '' }, r.resource || ''),
    el('td', { class: 'c-result' }, badge(r.result)),
    el('td', { class: 'num c-duration', 'data-label': 'Duration' }, fmtMs(r.duration_ms)),
    el('td', { class: 'ac-kind c-client' }, r.client_kind || ''))
}

function addRows(page: ActivityPage, rows: AuditRow[], where: 'top' | 'bottom') {
  const { state } = page
  const fresh = rows.filter((r) => !state.ids.has(String(r.id)))
  for (const r of fresh) state.ids.add(String(r.id))
  const tbody = byId('ac-rows')
  tbody.querySelector('tr.ac-empty')?.remove()
  if (where === 'top') {
    state.rows = fresh.concat(state.rows)
    tbody.prepend(...fresh.map((r) => rowEl(page, r, true)))
  } else {
    state.rows = state.rows.concat(fresh)
    tbody.append(...fresh.map((r) => rowEl(page, r, false)))
  }
  if (!state.rows.length) tbody.replaceChildren(el('tr', { class: 'ac-empty' }, el('td', { colspan: '7' }, 'No events match these filters.')))
  byId('ac-count').textContent = `${state.rows.length.toLocaleString('en')} shown${state.cursor ? ', more below' : ''}`
}

/** Loads the first page for the current filters (the caller bumped state.gen and starts the KPIs, facets and chart). */
export async function loadTimeline(page: ActivityPage, gen: number): Promise<void> {
  const { state } = page
  state.loaded = true
  state.pending = []
  state.overflow = false
  renderNew(page)
  byId('ac-table').style.opacity = '0.55'
  try {
    const t = await getJson<Timeline>(page.apiUrl('timeline', { limit: TIMELINE_PAGE }))
    if (gen !== state.gen) return
    state.rows = []
    state.ids = new Set()
    state.cursor = t.next_cursor ?? null
    byId('ac-rows').replaceChildren()
    addRows(page, t.rows ?? [], 'bottom')
    byId('ac-more').hidden = !state.cursor
    page.setError('the timeline', null)
  } catch (e) {
    if (gen !== state.gen) return
    page.setError('the timeline', e)
    byId('ac-rows').replaceChildren(el('tr', { class: 'ac-empty' }, el('td', { colspan: '7' }, 'The timeline could not be loaded.')))
  } finally {
    if (gen === state.gen) byId('ac-table').style.opacity = ''
  }
}

export async function loadMore(page: ActivityPage): Promise<void> {
  const { state } = page
  if (!state.cursor) return
  const gen = state.gen
  const btn = button('ac-more')
  btn.disabled = true
  btn.textContent = 'Loading…'
  try {
    const t = await getJson<Timeline>(page.apiUrl('timeline', { limit: TIMELINE_PAGE, cursor: state.cursor }))
    if (gen !== state.gen) return
    state.cursor = t.next_cursor ?? null
    addRows(page, t.rows ?? [], 'bottom')
    page.setError('more events', null)
  } catch (e) {
    page.setError('more events', e)
  } finally {
    btn.disabled = false
    btn.textContent = 'Load more'
    btn.hidden = !state.cursor
  }
}

/** Polling: look for rows newer than the newest shown, and offer them instead of moving the list. */
export async function checkNew(page: ActivityPage): Promise<void> {
  const { state } = page
  const gen = state.gen
  try {
    const t = await getJson<Timeline>(page.apiUrl('timeline', { limit: TIMELINE_PAGE }))
    if (gen !== state.gen) return
    const rows = t.rows ?? []
    if (!state.rows.length) {
      if (rows.length) {
        state.cursor = t.next_cursor ?? null
        addRows(page, rows, 'bottom')
        byId('ac-more').hidden = !state.cursor
      }
      return
    }
    const idx = rows.findIndex((r) => state.ids.has(String(r.id)))
    state.overflow = idx < 0
    state.pending = idx < 0 ? rows : rows.slice(0, idx)
    renderNew(page)
    page.setError('the timeline', null)
  } catch (e) {
    page.setError('the timeline', e)
  }
}

function renderNew(page: ActivityPage) {
  const b = byId('ac-new')
  const n = page.state.pending.length
  b.hidden = n === 0
  b.textContent = n === 0 ? '' : `${n}${page.state.overflow ? '+' : ''} new event${n === 1 && !page.state.overflow ? '' : 's'} · show`
}

/** Shows the rows polling found; when there were more than a page, reloads instead (`reload`). */
export function showNew(page: ActivityPage, reload: () => void): void {
  if (page.state.overflow) return reload()
  const rows = page.state.pending
  page.state.pending = []
  renderNew(page)
  addRows(page, rows, 'top')
}

export function wireRows(page: ActivityPage): void {
  const rows = byId('ac-rows')
  rows.addEventListener('click', (e) => {
    const tr = e.target instanceof Element ? e.target.closest('tr.ac-row') : null
    if (tr) page.openEvent(tr.getAttribute('data-id') ?? '')
  })
  rows.addEventListener('keydown', (e) => {
    const tr = e.target instanceof Element ? e.target.closest('tr.ac-row') : null
    if (tr && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault()
      page.openEvent(tr.getAttribute('data-id') ?? '')
    }
  })
}
