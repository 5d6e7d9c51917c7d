// The Changes tab: the successful mutations among the timeline's filtered rows (GET /api/admin/activity/changes), each
// with who, when and from which client, its field diff as before → after, the other rows of the same operation, a link
// to the page that manages the record, and its rollback: a dry run first (what would change, what changed since), then
// the apply. Refusals (conflict, lockout, not reversible, history incomplete) are shown where the button was.
import { ApiError, button, byId, el, errorMessage, fmtInt, getJson, sendJson, type Child } from '../../dom.ts'
import { fmtAbsolute, timeEl } from '../../time.ts'
import type { AuditRow, ChangeRow, Changes, FieldChange, Rollback, Timeline } from '../../api.ts'
import { resourceLink } from '../../resource-link.ts'
import { badge, show } from '../format.ts'
import type { ActivityPage } from '../page.ts'
import type { ActivityTab } from './index.ts'
import './changes.css'

const PAGE = 50
/** How far around a change its correlated rows are looked for: one request's rows are seconds apart. */
const AROUND_MS = 3600_000

const state = { cursor: null as string | null, shown: 0, gen: -1, pages: 0, loading: false }

/** Whether someone is in the middle of something in the list that a polling reload would throw away. */
const busy = () => state.pages > 1 || byId('ch-list').querySelector('.ch-rollback:not([hidden]), .ch-related:not([hidden])') !== null

/** A value as JSON (strings quoted, so "" and a missing value read differently); a field without one says "none". */
const value = (v: unknown): HTMLElement => el('code', { class: 'ch-val' }, v === undefined || v === null ? 'none' : JSON.stringify(v))

/** The diff, one line per field: path, then before → after (an added field has no before, a removed one no after). */
function diffList(changes: readonly FieldChange[], cls = 'ch-diff'): HTMLElement {
  return el('ul', { class: cls }, changes.map((c) => el('li', { class: `ch-field k-${c.kind}`, 'data-field': c.field, 'data-kind': c.kind },
    el('span', { class: 'ch-path mono' }, c.field),
    el('span', { class: 'ch-kind' }, c.kind),
    c.kind === 'added' ? null : el('del', { class: 'ch-before' }, value(c.before)),
    c.kind === 'changed' ? el('span', { class: 'ch-arrow', 'aria-label': 'becomes' }, '→') : null,
    c.kind === 'removed' ? null : el('ins', { class: 'ch-after' }, value(c.after)))))
}

/** What a rollback answered (a preview, a refusal or the apply): its message, what it changes, and the conflicts. */
function rollbackResult(r: Rollback, refused: string | null): HTMLElement[] {
  const parts: HTMLElement[] = [el('p', { class: `ch-rb-msg${refused ? ' error' : ''}`, 'data-code': refused ?? (r.applied ? 'applied' : 'ok') }, r.message)]
  if (r.changes.length) parts.push(el('div', { class: 'ch-rb-label' }, r.applied ? 'Changed' : 'Would change'), diffList(r.changes, 'ch-diff ch-rb-changes'))
  if (r.conflicts.length) {
    parts.push(el('div', { class: 'ch-rb-label' }, 'Changed again since this event (what the event left → what is there now)'),
      el('ul', { class: 'ch-diff ch-conflicts' }, r.conflicts.map((c) => el('li', { class: 'ch-field k-conflict', 'data-field': c.field },
        el('span', { class: 'ch-path mono' }, c.field), el('del', { class: 'ch-before' }, value(c.expected)),
        el('span', { class: 'ch-arrow', 'aria-label': 'is now' }, '→'), el('ins', { class: 'ch-after' }, value(c.actual))))))
  }
  return parts
}

/** POST /api/admin/rollback; a refusal's answer carries the same fields, which are shown too. */
async function rollback(eventId: number, opts: { dry_run: boolean; force?: boolean }): Promise<{ r: Rollback; refused: string | null }> {
  try {
    return { r: await sendJson<Rollback>('POST', '/api/admin/rollback', { event_id: eventId, ...opts }), refused: null }
  } catch (e) {
    const body = e instanceof ApiError ? (e.body as (Rollback & { error?: { code?: string } }) | null) : null
    if (!body || !Array.isArray(body.changes)) throw e
    return { r: { ...body, message: errorMessage(e) }, refused: body.error?.code ?? 'error' }
  }
}

/** "Revert…": the dry run in place, then Apply (or Overwrite and revert when there are conflicts) or Cancel. */
async function preview(page: ActivityPage, row: ChangeRow, box: HTMLElement, open: HTMLButtonElement) {
  const id = Number(row.event.id)
  box.hidden = false
  open.disabled = true
  box.replaceChildren(el('p', { class: 'muted' }, 'Checking what reverting would do…'))
  box.setAttribute('data-state', 'loading')
  const done = () => {
    box.hidden = true
    box.replaceChildren()
    open.disabled = false
  }
  try {
    const { r, refused } = await rollback(id, { dry_run: true })
    const force = refused === 'conflict'
    const canApply = (!refused || force) && r.changes.length > 0
    const apply = el('button', { type: 'button', class: force ? 'ch-danger' : '', 'data-action': 'apply' }, force ? 'Overwrite and revert' : 'Revert')
    apply.addEventListener('click', () => void confirm(page, id, box, apply, force))
    box.replaceChildren(el('div', { class: 'ch-rb-title' }, `Revert event #${id}: preview (nothing is changed yet)`), ...rollbackResult(r, refused),
      el('div', { class: 'ch-rb-actions' }, canApply ? apply : null, el('button', { type: 'button', class: 'ac-secondary', 'data-action': 'cancel', onclick: done }, canApply ? 'Cancel' : 'Close')))
    box.setAttribute('data-state', refused ? `refused-${refused}` : 'preview')
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error' }, `Could not check the rollback: ${errorMessage(e)}`), el('button', { type: 'button', class: 'ac-secondary', onclick: done }, 'Close'))
    box.setAttribute('data-state', 'error')
  }
}

async function confirm(page: ActivityPage, id: number, box: HTMLElement, btn: HTMLButtonElement, force: boolean) {
  btn.disabled = true
  btn.textContent = 'Reverting…'
  try {
    const { r, refused } = await rollback(id, { dry_run: false, force })
    box.replaceChildren(el('div', { class: 'ch-rb-title' }, r.applied ? `Reverted event #${id}` : `Event #${id} was not reverted`), ...rollbackResult(r, refused),
      el('div', { class: 'ch-rb-actions' }, el('button', { type: 'button', class: 'ac-secondary', 'data-action': 'show-new', onclick: () => void reload(page) }, 'Show the new change')))
    box.setAttribute('data-state', refused ? `refused-${refused}` : r.applied ? 'applied' : 'unchanged')
  } catch (e) {
    btn.disabled = false
    btn.textContent = force ? 'Overwrite and revert' : 'Revert'
    box.append(el('p', { class: 'error' }, `Could not revert: ${errorMessage(e)}`))
  }
}

/** The other audit rows of the change's request (its correlation id), shown under it. */
async function related(page: ActivityPage, ev: AuditRow, box: HTMLElement, btn: HTMLButtonElement) {
  if (!box.hidden) {
    box.hidden = true
    btn.setAttribute('aria-expanded', 'false')
    return
  }
  box.hidden = false
  btn.setAttribute('aria-expanded', 'true')
  box.replaceChildren(el('li', { class: 'muted' }, 'Loading…'))
  const at = Date.parse(ev.timestamp)
  const q = new URLSearchParams({
    correlation_id: ev.correlation_id ?? '', include_self_reads: 'true', limit: '100',
    since: new Date(at - AROUND_MS).toISOString(), until: new Date(at + AROUND_MS).toISOString(),
  })
  try {
    const t = await getJson<Timeline>(`/api/admin/activity/timeline?${q}`)
    const rows = t.rows.slice().sort((a, b) => a.timestamp.localeCompare(b.timestamp) || Number(a.id) - Number(b.id))
    box.replaceChildren(...rows.map((r) => el('li', { class: `ch-rel${String(r.id) === String(ev.id) ? ' self' : ''}`, 'data-id': String(r.id) },
      el('span', { class: 'ch-rel-time muted' }, fmtAbsolute(r.timestamp, { seconds: true })),
      el('button', { type: 'button', class: 'ac-link mono', title: 'Open this event', onclick: () => page.openEvent(String(r.id)) }, r.action),
      badge(r.result), r.resource ? el('code', { class: 'muted' }, r.resource) : null)))
    if (!rows.length) box.replaceChildren(el('li', { class: 'muted' }, 'No other rows.'))
  } catch (e) {
    box.replaceChildren(el('li', { class: 'error' }, `Could not load the operation's rows: ${errorMessage(e)}`))
  }
}

function item(page: ActivityPage, row: ChangeRow): HTMLElement {
  const ev = row.event
  const link = resourceLink(ev.resource)
  const resource: Child = ev.resource
    ? link ? el('a', { class: 'mono ch-resource', href: link, title: 'Open the page that manages it' }, ev.resource) : el('code', { class: 'ch-resource' }, ev.resource)
    : null
  const box = el('div', { class: 'ch-rollback', hidden: true, role: 'region', 'aria-label': `Reverting event ${ev.id}` })
  const rel = el('ul', { class: 'ch-related', hidden: true })
  const actions: Child[] = []
  if (ev.correlation_id) {
    const b = el('button', { type: 'button', class: 'ac-link', 'data-action': 'related', 'aria-expanded': 'false', title: `Every row of request ${ev.correlation_id}` }, 'Same operation')
    b.addEventListener('click', () => void related(page, ev, rel, b))
    actions.push(b)
  }
  actions.push(el('button', { type: 'button', class: 'ac-link', 'data-action': 'event', onclick: () => page.openEvent(String(ev.id)) }, `Event #${ev.id}`))
  if (row.rollback.allowed) {
    const open = el('button', { type: 'button', class: 'ac-secondary ch-revert', 'data-action': 'revert' }, 'Revert…')
    open.addEventListener('click', () => void preview(page, row, box, open))
    actions.push(open)
  } else {
    actions.push(el('span', { class: 'ch-not-reversible', 'data-reason': row.rollback.reason ?? '' }, `Not reversible: ${row.rollback.reason ?? 'not on the rollback allowlist'}`))
  }
  const body: Child = row.no_op
    ? el('p', { class: 'ch-noop' }, 'No change: this update set what was already there.')
    : row.changes.length ? diffList(row.changes) : el('p', { class: 'muted ch-noop' }, 'No field-level record of this change.')
  return el('li', { class: `ch-item${row.no_op ? ' no-op' : ''}`, 'data-event-id': String(ev.id), 'data-action': ev.action, 'data-resource': ev.resource ?? '' },
    el('div', { class: 'ch-head' },
      el('code', { class: 'ch-action' }, ev.action), resource,
      el('span', { class: 'ch-who' }, ev.user_email || show(ev.user_id)),
      timeEl(ev.timestamp),
      el('span', { class: 'ch-client muted', title: 'From which client' }, `${show(ev.client_kind)}${ev.client_ip ? ` · ${ev.client_ip}` : ''}`)),
    body,
    el('div', { class: 'ch-actions' }, actions),
    rel,
    box)
}

function render(page: ActivityPage, c: Changes, append: boolean) {
  const list = byId('ch-list')
  if (!append) list.replaceChildren()
  list.append(...c.rows.map((r) => item(page, r)))
  state.shown = (append ? state.shown : 0) + c.rows.length
  state.cursor = c.next_cursor
  if (!state.shown) list.replaceChildren(el('li', { class: 'ch-empty muted' }, 'No changes match these filters (changes are successful creates, updates and deletes; widen the time range to see older ones).'))
  byId('ch-count').textContent = `${fmtInt(state.shown)} shown${state.cursor ? ', more below' : ''}`
  button('ch-more').hidden = !state.cursor
  list.setAttribute('data-ready', 'true')
}

async function reload(page: ActivityPage): Promise<void> {
  const gen = page.gen
  const list = byId('ch-list')
  list.setAttribute('data-ready', 'false')
  try {
    const c = await getJson<Changes>(page.apiUrl('changes', { limit: PAGE }))
    if (gen !== page.gen) return
    state.gen = gen
    state.pages = 1
    render(page, c, false)
    page.setError('the changes', null)
  } catch (e) {
    if (gen !== page.gen) return
    page.setError('the changes', e)
    list.setAttribute('data-ready', 'true')
  }
}

async function loadMore(page: ActivityPage) {
  if (!state.cursor || state.loading) return
  const gen = page.gen
  const btn = button('ch-more')
  state.loading = true
  btn.disabled = true
  btn.textContent = 'Loading…'
  try {
    const c = await getJson<Changes>(page.apiUrl('changes', { limit: PAGE, cursor: state.cursor }))
    if (gen !== page.gen) return
    state.pages++
    render(page, c, true)
    page.setError('more changes', null)
  } catch (e) {
    page.setError('more changes', e)
  } finally {
    state.loading = false
    btn.disabled = false
    btn.textContent = 'Load more'
  }
}

export const changesTab: ActivityTab = {
  filters: true,
  // A polling round leaves the list alone while someone reads further pages, a preview or an operation's rows.
  load: (page) => (state.gen === page.gen && busy() ? Promise.resolve() : reload(page)),
  wire: (page) => byId('ch-more').addEventListener('click', () => void loadMore(page)),
}
