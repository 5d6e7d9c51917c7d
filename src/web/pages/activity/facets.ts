// The facet counts beside the timeline: a click filters by the value (again to remove it).
import { byId, el, fmtInt, getJson } from '../dom.ts'
import type { Facets } from '../api.ts'
import { renderUserOptions } from './filter-bar.ts'
import type { ActivityPage } from './page.ts'

const FACETS: Array<[keyof Facets, string, string]> = [
  ['action_prefix', 'Action', 'action_prefix'],
  ['result_class', 'Result', 'result_class'],
  ['client_kind', 'Client', 'client_kind'],
  ['user', 'User', 'user_id'],
]

export async function loadFacets(page: ActivityPage, gen: number): Promise<void> {
  const { state } = page
  try {
    const f = await getJson<Facets>(page.apiUrl('facets'))
    if (gen !== state.gen) return
    for (const u of f.user ?? []) if (u.value) state.users.set(String(u.value), String(u.label || u.value))
    renderUserOptions(page)
    byId('ac-action-list').replaceChildren(...(f.action_prefix ?? []).map((a) => el('option', { value: a.value ?? '' })))
    const parts: HTMLElement[] = []
    for (const [key, title, filter] of FACETS) {
      const items = f[key] ?? []
      parts.push(el('h3', null, title))
      if (!items.length) {
        parts.push(el('p', { class: 'muted ac-none' }, 'none'))
        continue
      }
      parts.push(el('ul', null, items.map((it) => {
        const value = String(it.value ?? '')
        // Rows without a user (scheduler, system) cannot be filtered by user id.
        if (!value) return el('li', null, el('div', { class: 'ac-facet' }, el('span', { class: 'ac-facet-v' }, key === 'user' ? 'system (no user)' : '(none)'), el('span', { class: 'ac-facet-c' }, fmtInt(it.count))))
        const on = state.filters[filter] === value
        return el('li', null, el('button', {
          type: 'button', class: `ac-facet${on ? ' on' : ''}`, title: on ? 'Remove this filter' : 'Filter by this',
          'data-filter': filter, 'data-value': value,
          onclick: () => page.setFilters({ ...state.filters, [filter]: on ? '' : value }),
        }, el('span', { class: `ac-facet-v${key === 'action_prefix' ? ' mono' : ''}` }, ('label' in it && it.label) || value || '(none)'), el('span', { class: 'ac-facet-c' }, fmtInt(it.count))))
      })))
    }
    byId('ac-facets').replaceChildren(...parts)
    page.setError('the counts', null)
  } catch (e) {
    page.setError('the counts', e)
  }
}
