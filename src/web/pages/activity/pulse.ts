// The health pulse: the overall colour, the sentence, and one card per field; a card with a click_filter shows its
// evidence in the timeline. On a phone only the cards that are not green are shown until asked for.
import { byId, el } from '../dom.ts'
import { timeEl } from '../time.ts'
import type { Health, HealthField } from '../api.ts'
import { color, show } from './format.ts'
import { API, FILTER_KEYS, type ActivityPage } from './page.ts'
import { getJson } from '../dom.ts'

function fieldEl(page: ActivityPage, f: HealthField): HTMLElement {
  const cf = f.click_filter && typeof f.click_filter === 'object' ? (f.click_filter as Record<string, unknown>) : null
  const c = color(f.color)
  const n = el(cf ? 'button' : 'div', { class: `ac-field c-${c}`, type: cf ? 'button' : null, 'data-key': f.key, title: `${f.label}: ${show(f.value)}${cf ? ' · click to show these events' : ''}` },
    el('span', { class: 'ac-field-label' }, el('span', { class: `ac-dot ac-dot-${c}` }), f.label),
    el('span', { class: 'ac-field-value' }, show(f.value)))
  if (cf) {
    n.addEventListener('click', () => {
      const next: Record<string, string> = {}
      for (const k of FILTER_KEYS) {
        const v = cf[k]
        if (v !== null && v !== undefined && v !== '') next[k] = Array.isArray(v) ? v.join(',') : String(v)
      }
      page.setFilters(next, { tab: 'timeline', force: true })
      byId('ac-panel-timeline').scrollIntoView({ block: 'start' })
    })
  }
  return n
}

export async function loadPulse(page: ActivityPage): Promise<void> {
  try {
    const h = await getJson<Health>(`${API}/health`)
    byId('ac-pulse-status').className = `ac-dot ac-dot-${color(h.status)}`
    byId('ac-pulse-status').setAttribute('title', `Overall: ${h.status}`)
    byId('ac-sentence').textContent = h.sentence || ''
    const fields = h.fields ?? []
    byId('ac-fields').replaceChildren(...fields.map((f) => fieldEl(page, f)))
    const green = fields.filter((f) => color(f.color) === 'green').length
    const more = byId('ac-pulse-more')
    more.hidden = green === 0
    if (!byId('ac-pulse').classList.contains('expanded')) more.textContent = `Show all ${fields.length} (${green} green)`
    byId('ac-updated').replaceChildren('Updated ', timeEl(h.generated_at ?? new Date().toISOString()), ' · refreshes every 30 s')
    page.setError('the health pulse', null)
  } catch (e) {
    page.setError('the health pulse', e)
  }
}

/** The phone-only toggle between the cards that need attention and all of them. */
export function wirePulseToggle(): void {
  const more = byId('ac-pulse-more')
  more.addEventListener('click', () => {
    const open = byId('ac-pulse').classList.toggle('expanded')
    more.setAttribute('aria-expanded', String(open))
    const n = byId('ac-fields').children.length
    more.textContent = open ? 'Show only what needs attention' : `Show all ${n}`
  })
}
