// The health pulse: the overall colour, the sentence, and one card per field. Each card leads to its evidence: a
// click_filter shows it in the timeline, a click_tab opens that tab, and the two whose evidence is not in the store
// (failed audit writes, diagnose warnings) explain it in place. On a phone only the cards that are not green are shown
// until asked for. A link to #pulse-<key> (the health strip on every admin page) scrolls to that card and marks it.
import { byId, el, getJson, plural, type Child } from '../dom.ts'
import { timeEl } from '../time.ts'
import type { Health, HealthField } from '../api.ts'
import { cardId } from '../health-strip/card-link.ts'
import { color, show } from './format.ts'
import { API, FILTER_KEYS, type ActivityPage } from './page.ts'

/** The card whose explanation is open, kept across polls. */
let explaining: string | null = null
/** The latest fields, for redrawing an open explanation. */
let latest: HealthField[] = []
/** The #pulse-<key> already scrolled to, so a poll does not scroll again. */
let targeted: string | null = null

const EXPLAINED = new Set(['audit_writes', 'diagnose_warnings'])

function clickFilter(f: HealthField): Record<string, unknown> | null {
  return f.click_filter && typeof f.click_filter === 'object' ? (f.click_filter as Record<string, unknown>) : null
}

function fieldEl(page: ActivityPage, f: HealthField): HTMLElement {
  const cf = clickFilter(f)
  const tab = f.click_tab === 'sync' ? f.click_tab : null
  const explained = !cf && !tab && EXPLAINED.has(f.key)
  const evidence = cf ? 'timeline' : tab ? 'tab' : explained ? 'explain' : null
  const c = color(f.color)
  const hint = cf ? ' · click to show these events' : tab ? ' · click to open the Sync tab' : explained ? ' · click for the details' : ''
  const n = el(evidence ? 'button' : 'div', {
    id: cardId(f.key), class: `ac-field c-${c}`, type: evidence ? 'button' : null, 'data-key': f.key, 'data-evidence': evidence,
    title: `${f.label}: ${show(f.value)}${hint}`,
    'aria-controls': explained ? 'ac-pulse-explain' : null, 'aria-expanded': explained ? String(explaining === f.key) : null,
  },
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
  } else if (tab) {
    n.addEventListener('click', () => {
      page.showTab(tab)
      byId('ac-panel-sync').scrollIntoView({ block: 'start' })
    })
  } else if (explained) {
    n.addEventListener('click', () => {
      explaining = explaining === f.key ? null : f.key
      drawExplanation(page)
      for (const b of byId('ac-fields').querySelectorAll('[aria-controls="ac-pulse-explain"]')) b.setAttribute('aria-expanded', String(b.getAttribute('data-key') === explaining))
    })
  }
  return n
}

// ---- explanations in place ----

const item = (...children: Child[]) => el('li', { class: 'ac-explain-row' }, children)

function auditWrites(f: HealthField): { title: string; rows: HTMLElement[] } {
  const raw = (f.raw ?? {}) as { batches?: number; rows?: number; last_error?: string | null }
  const batches = Number(raw.batches) || 0
  if (!batches) return { title: 'Audit writes (24 h)', rows: [item('No audit row failed to write in the last 24 hours.')] }
  return {
    title: 'Audit writes that failed in the last 24 h',
    rows: [
      item(el('strong', null, `${plural(Number(raw.rows) || 0, 'row')} in ${batches} ${batches === 1 ? 'batch' : 'batches'}`),
        ' could not be written to the store', raw.last_error ? ['; the last error: ', el('code', null, raw.last_error)] : '', '.'),
      item('They are not lost: each refused batch is kept in ', el('code', null, 'state/audit-spool.ndjson'),
        ' in the data folder and written to the store as soon as it accepts writes again (right after the next good write, every 15 s, and at start). ' +
        'Once written they are in the timeline at their own times.'),
      item('Each failure is counted in ', el('code', null, 'state/audit-failures.ndjson'),
        ', outside the store, so this card works when the store is the problem; the server log has every error in full. ' +
        'Diagnose warns while spooled rows are still waiting.'),
    ],
  }
}

/** What to do about each kind of diagnose warning. */
function warningHint(page: ActivityPage, w: string): Child {
  if (/^overdue tables: /.test(w)) {
    return el('button', { type: 'button', class: 'ac-link ac-explain-go', 'data-go': 'sync', onclick: () => {
      page.showTab('sync')
      byId('ac-panel-sync').scrollIntoView({ block: 'start' })
    } }, 'Open the Sync tab')
  }
  if (/^source folder missing: /.test(w)) return 'Create it, or point AGNES_SOURCE_DIRS at the folders your table files are in: sources are read only from there.'
  if (/spooled audit file/.test(w)) return 'The store refused audit writes (see Audit writes); the spooled rows are written as soon as it accepts writes again.'
  if (/scheduler is off/.test(w)) return 'Start the server with AGNES_SCHEDULER=on (the default), or run syncs and processors through the API.'
  return null
}

function diagnose(page: ActivityPage, f: HealthField): { title: string; rows: HTMLElement[] } {
  const warnings = Array.isArray(f.raw) ? (f.raw as unknown[]).map(String) : []
  if (!warnings.length) return { title: 'Diagnose', rows: [item('Diagnose found nothing to warn about.')] }
  return {
    title: `Diagnose: ${plural(warnings.length, 'warning')}`,
    rows: warnings.map((w) => {
      const hint = warningHint(page, w)
      return item(el('span', { class: 'ac-explain-text' }, w), hint ? el('span', { class: 'ac-explain-hint' }, hint) : null)
    }),
  }
}

function drawExplanation(page: ActivityPage): void {
  const box = byId('ac-pulse-explain')
  const f = latest.find((x) => x.key === explaining)
  if (!f) {
    explaining = null
    box.hidden = true
    box.replaceChildren()
    return
  }
  const { title, rows } = f.key === 'audit_writes' ? auditWrites(f) : diagnose(page, f)
  box.hidden = false
  box.setAttribute('data-key', f.key)
  box.replaceChildren(
    el('div', { class: 'ac-explain-head' }, el('strong', null, title),
      el('button', { type: 'button', class: 'ac-close', 'aria-label': 'Close', onclick: () => {
        explaining = null
        drawExplanation(page)
        byId(cardId(f.key)).setAttribute('aria-expanded', 'false')
      } }, '×')),
    el('ul', { class: 'ac-explain-rows' }, rows))
}

// ---- a link to one card ----

/** Scrolls to the card named by the URL's #pulse-<key> and marks it, once per link followed. */
function showTarget(): void {
  const m = /^#pulse-([a-z0-9_]+)$/.exec(location.hash)
  if (!m || targeted === m[1]) return
  const card = document.getElementById(cardId(m[1]))
  if (!card) return
  targeted = m[1]
  for (const c of byId('ac-fields').querySelectorAll('.ac-field-target')) c.classList.remove('ac-field-target')
  card.classList.add('ac-field-target')
  // A green card is hidden on a phone until all are shown.
  if (getComputedStyle(card).display === 'none') byId<HTMLButtonElement>('ac-pulse-more').click()
  card.scrollIntoView({ block: 'center' })
  card.focus({ preventScroll: true })
}

export function wirePulseTarget(): void {
  window.addEventListener('hashchange', () => {
    targeted = null
    showTarget()
  })
}

export async function loadPulse(page: ActivityPage): Promise<void> {
  try {
    const h = await getJson<Health>(`${API}/health`)
    byId('ac-pulse-status').className = `ac-dot ac-dot-${color(h.status)}`
    byId('ac-pulse-status').setAttribute('title', `Overall: ${h.status}`)
    byId('ac-sentence').textContent = h.sentence || ''
    const fields = h.fields ?? []
    latest = fields
    const target = byId('ac-fields').querySelector('.ac-field-target')?.getAttribute('data-key')
    byId('ac-fields').replaceChildren(...fields.map((f) => fieldEl(page, f)))
    if (target) document.getElementById(cardId(target))?.classList.add('ac-field-target')
    if (explaining) drawExplanation(page)
    const green = fields.filter((f) => color(f.color) === 'green').length
    const more = byId('ac-pulse-more')
    more.hidden = green === 0
    if (!byId('ac-pulse').classList.contains('expanded')) more.textContent = `Show all ${fields.length} (${green} green)`
    byId('ac-updated').replaceChildren('Updated ', timeEl(h.generated_at ?? new Date().toISOString()), ' · refreshes every 30 s')
    byId('ac-fields').setAttribute('data-ready', 'true')
    showTarget()
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
