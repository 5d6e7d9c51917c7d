// The event drawer: one event with its related records, params masked; "Show raw" reveals them with an audited POST.
import { byId, el, errorMessage, getJson, sendJson, type Child } from '../dom.ts'
import { fmtAbsolute, fmtRelative } from '../time.ts'
import type { EventDetail } from '../api.ts'
import { badge, fmtMs, json, show } from './format.ts'
import { API, type ActivityPage } from './page.ts'
import { resourceLink } from '../resource-link.ts'

let data: { masked: EventDetail; raw: EventDetail | null } | null = null

export async function openEvent(page: ActivityPage, id: string, saveUrl: () => void): Promise<void> {
  const { state } = page
  state.event = String(id)
  saveUrl()
  for (const tr of byId('ac-rows').querySelectorAll('tr.ac-row')) tr.classList.toggle('open', tr.getAttribute('data-id') === state.event)
  byId('ac-drawer').hidden = false
  byId('ac-drawer-title').textContent = 'Event'
  byId('ac-drawer-body').replaceChildren(el('p', { class: 'muted' }, 'Loading…'))
  const mine = state.event
  try {
    const d = await getJson<EventDetail>(`${API}/events/${encodeURIComponent(mine)}`)
    if (state.event !== mine) return
    data = { masked: d, raw: null }
    render(page, d, false)
  } catch (e) {
    if (state.event !== mine) return
    byId('ac-drawer-body').replaceChildren(el('p', { class: 'error' }, `Could not load this event: ${errorMessage(e)}`))
  }
}

export function closeDrawer(page: ActivityPage, saveUrl: () => void): void {
  page.state.event = null
  data = null
  byId('ac-drawer').hidden = true
  for (const tr of byId('ac-rows').querySelectorAll('tr.ac-row.open')) tr.classList.remove('open')
  saveUrl()
}

/** The event's resource, linked to the admin page that manages it when there is one. */
function resourceCell(resource: string | null | undefined): HTMLElement {
  const href = resourceLink(resource)
  const code = el('code', null, show(resource))
  return href ? el('a', { href, id: 'ac-drawer-resource', title: 'Open the page that manages it' }, code) : code
}

const kv = (pairs: Array<[string, Child]>) => el('dl', { class: 'ac-kv' }, pairs.map(([k, v]) => [el('dt', null, k), el('dd', null, v)]))

function render(page: ActivityPage, d: EventDetail, raw: boolean) {
  const ev = d.event
  byId('ac-drawer-title').textContent = ev.action || 'Event'
  const cid = ev.correlation_id
    ? el('button', {
      type: 'button', class: 'ac-link mono', title: 'Show every event of this request',
      onclick: () => page.setFilters({ correlation_id: ev.correlation_id, include_self_reads: 'true' }, { tab: 'timeline' }),
    }, ev.correlation_id)
    : '—'
  const parts: HTMLElement[] = [
    kv([
      ['Time', el('time', { datetime: ev.timestamp, title: fmtAbsolute(ev.timestamp, { seconds: true }) }, `${fmtAbsolute(ev.timestamp, { seconds: true })} (${fmtRelative(ev.timestamp)})`)],
      ['User', ev.user_email ? `${ev.user_email}` : show(ev.user_id)],
      ['Action', el('code', null, show(ev.action))],
      ['Resource', resourceCell(ev.resource)],
      ['Result', badge(ev.result)],
      ['Duration', fmtMs(ev.duration_ms)],
      ['Client', `${show(ev.client_kind)}${ev.client_ip ? ` · ${ev.client_ip}` : ''}`],
      ['Correlation id', cid],
      ['Event id', el('code', null, show(ev.id))],
    ]),
  ]
  const rawBtn = el('button', { type: 'button', class: 'ac-secondary ac-raw-btn', id: 'ac-raw', onclick: () => void toggleRaw(page) }, raw ? 'Show masked' : 'Show raw')
  parts.push(el('h4', null, raw ? 'Params (raw)' : 'Params', rawBtn))
  parts.push(el('pre', { class: `ac-json${raw ? ' raw' : ''}`, id: 'ac-params' }, ev.params === null || ev.params === undefined ? '—' : json(ev.params)))
  if (raw) parts.push(el('p', { class: 'ac-note' }, 'Unmasked values. Viewing them was recorded in the audit log (audit.reveal_raw).'))
  if (ev.params_before !== null && ev.params_before !== undefined) {
    parts.push(el('h4', null, raw ? 'Before the change (raw)' : 'Before the change'))
    parts.push(el('pre', { class: `ac-json${raw ? ' raw' : ''}`, id: 'ac-params-before' }, json(ev.params_before)))
  }
  const related = d.related ?? []
  parts.push(el('h4', null, `Related records (${related.length})`))
  if (!related.length) parts.push(el('p', { class: 'muted ac-none' }, 'None.'))
  for (const r of related) {
    const rec = r.record && typeof r.record === 'object' ? (r.record as Record<string, unknown>) : { value: r.record }
    parts.push(el('div', { class: 'ac-related', 'data-kind': r.kind },
      el('div', { class: 'ac-related-kind' }, String(r.kind).replace(/_/g, ' ')),
      kv(Object.entries(rec).map(([k, v]) => [k, show(v)]))))
  }
  byId('ac-drawer-body').replaceChildren(...parts)
}

async function toggleRaw(page: ActivityPage) {
  if (!data) return
  const btn = document.getElementById('ac-raw') as HTMLButtonElement | null
  if (btn && btn.textContent === 'Show masked') return render(page, data.masked, false)
  if (data.raw) return render(page, data.raw, true)
  const mine = page.state.event
  if (btn) {
    btn.disabled = true
    btn.textContent = 'Loading…'
  }
  try {
    // Revealing is a POST with the page's CSRF token, audited as audit.reveal_raw: a GET never reveals.
    const d = await sendJson<EventDetail>('POST', `${API}/events/${encodeURIComponent(mine ?? '')}/reveal`)
    if (page.state.event !== mine || !data) return
    data.raw = d
    render(page, d, true)
  } catch (e) {
    if (btn) {
      btn.disabled = false
      btn.textContent = 'Show raw'
    }
    byId('ac-drawer-body').append(el('p', { class: 'error' }, `Could not load the raw values: ${errorMessage(e)}`))
  }
}
