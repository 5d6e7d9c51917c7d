// The open report of the feedback inbox: its head, triage actions, facts, tags, environment, the session's findings,
// the audit events of the request that filed it, and the session excerpt replayed.
import { ApiError, byId, el, errorMessage, fmtInt, getJson, input, plural, sendJson, type Child } from '../dom.ts'
import { fmtAbsolute, timeEl } from '../time.ts'
import type { ReportAfterPatch, ReportDetail, SessionList } from '../api.ts'
import { appendEvents, newReplayState, textBlock, type ReplayEvent } from '../transcript/replay.ts'
import { ACTIVE, API, STATUS_LABEL, type Inbox } from './inbox.ts'
import { githubSection } from './github.ts'
import { commentSection } from './comments.ts'

const FINDING_LABEL: Record<string, string> = {
  tool_error: 'Tool error', permission_denied: 'Permission denied', user_rejection: 'User rejection', loop: 'Loop', abrupt_end: 'Abrupt end',
}
/** The environment `agnes report` sends, in this order; other keys follow as they are. */
const ENV_LABEL: Array<[string, string]> = [['agnes_cli_version', 'Agnes CLI'], ['os', 'OS'], ['node_version', 'Node'], ['claude_code_version', 'Claude Code']]
const TAG = /^[a-z0-9][a-z0-9_.:-]{0,39}$/

const shortId = (id: string | null | undefined) => String(id ?? '').slice(0, 8)
export const statusBadge = (s: string, id?: string) => el('span', { class: `fb-status s-${STATUS_LABEL[s] ? s : 'other'}`, id }, STATUS_LABEL[s] ?? String(s))

/** The replay page of a stored transcript (USERNAME/FILENAME), optionally at one finding. */
function sessionHref(file: string, findingId?: number) {
  const [user, ...rest] = String(file).split('/')
  return `/admin/sessions/${encodeURIComponent(user)}/${encodeURIComponent(rest.join('/'))}${findingId !== undefined ? `#finding-${findingId}` : ''}`
}
/**
 * Whether each named transcript is stored (true), was never uploaded (false) or could not be told (null); absent while
 * the check runs. Checked again each time a report is opened.
 */
const uploaded = new Map<string, boolean | null>()
/** How many pages of a person's transcripts are looked through (500 each) before giving up on telling. */
const UPLOAD_CHECK_PAGES = 10

/** Looks for the transcript among its owner's stored ones (GET /api/admin/sessions?username=…). */
async function isUploaded(file: string): Promise<boolean | null> {
  const [user] = file.split('/')
  let cursor: string | null = null
  for (let i = 0; i < UPLOAD_CHECK_PAGES; i++) {
    const page: SessionList = await getJson<SessionList>(`/api/admin/sessions?username=${encodeURIComponent(user)}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    if (page.rows.some((r) => r.session_file === file)) return true
    if (!page.next_cursor) return false
    cursor = page.next_cursor
  }
  return null
}

async function checkUpload(inbox: Inbox, file: string): Promise<void> {
  const gen = inbox.state.detailGen
  let found: boolean | null
  try {
    found = await isUploaded(file)
  } catch {
    found = null
  }
  uploaded.set(file, found)
  if (gen !== inbox.state.detailGen) return
  renderState(inbox)
  const none = document.getElementById('fb-d-findings-none')
  if (found === false && none) none.textContent = `No findings: ${file} was never uploaded (agnes sessions push), so there is nothing to scan.`
}

/** The report's Session fact: a link to the replay only when the transcript is stored. */
function sessionFact(file: string | null | undefined): Child {
  if (!file) return el('span', { class: 'muted' }, 'none named')
  const state = uploaded.has(file) ? uploaded.get(file) : undefined
  if (state === false) {
    return el('span', { class: 'fb-session-missing', id: 'fb-d-session', 'data-uploaded': 'false' },
      el('code', null, file), ' ', el('span', { class: 'fb-not-uploaded', title: 'The reporter named this transcript, but it was never pushed with agnes sessions push' }, 'not uploaded'))
  }
  if (state === undefined) return el('span', { id: 'fb-d-session', 'data-uploaded': 'checking' }, el('code', null, file), ' ', el('span', { class: 'muted' }, 'checking…'))
  return el('a', {
    href: sessionHref(file), class: 'mono', id: 'fb-d-session', 'data-uploaded': state ? 'true' : 'unknown',
    title: state ? 'Open the stored transcript' : 'The stored transcript (when pushed with agnes sessions push)',
  }, file)
}

const activityHref = (cid: string, eventId?: number) => `/admin/activity?correlation_id=${encodeURIComponent(cid)}${eventId !== undefined ? `&event=${encodeURIComponent(eventId)}` : ''}`

/** Loads and shows the report in the URL (state.id), or hides the panel when none is open. */
export async function loadDetail(inbox: Inbox): Promise<void> {
  const { state } = inbox
  const panel = byId('fb-detail')
  const gen = ++state.detailGen
  state.detail = null
  state.resolveMode = null
  panel.removeAttribute('data-ready')
  if (!state.id) {
    panel.hidden = true
    panel.replaceChildren()
    byId('fb-main').classList.remove('has-detail')
    return
  }
  panel.hidden = false
  byId('fb-main').classList.add('has-detail')
  panel.setAttribute('data-id', state.id)
  panel.replaceChildren(el('p', { class: 'muted' }, 'Loading the report…'))
  try {
    const d = await getJson<ReportDetail>(`${API}/${encodeURIComponent(state.id)}`)
    if (gen !== state.detailGen) return
    state.detail = d
    renderDetail(inbox, d)
    panel.setAttribute('data-ready', 'true')
    const r = panel.getBoundingClientRect()
    if (r.top < 0 || r.top > window.innerHeight) panel.scrollIntoView({ block: 'start' })
  } catch (e) {
    if (gen !== state.detailGen) return
    panel.replaceChildren(detailHead(inbox, null),
      el('p', { class: 'fb-inline-error', role: 'alert' }, e instanceof ApiError && e.status === 404 ? `There is no report ${state.id}.` : `The report could not be loaded: ${errorMessage(e)}`))
    panel.setAttribute('data-ready', 'error')
  }
}

function detailHead(inbox: Inbox, d: ReportDetail | null): HTMLElement {
  return el('div', { class: 'fb-d-head' },
    d ? statusBadge(d.status, 'fb-d-status') : null,
    el('h2', null, 'Report ', el('code', { title: inbox.state.id }, shortId(inbox.state.id))),
    d ? el('span', { class: 'muted' }, 'filed ', timeEl(d.created_at, { coarse: true })) : null,
    el('button', { type: 'button', class: 'fb-close', id: 'fb-d-close', 'aria-label': 'Close the report', title: 'Close (Esc)', onclick: inbox.closeReport }, '×'))
}
const section = (title: string, ...children: Child[]) => el('section', { class: 'fb-d-section' }, el('h3', null, title), ...children)

function renderDetail(inbox: Inbox, d: ReportDetail) {
  const { state } = inbox
  byId('fb-detail').replaceChildren(
    el('div', { id: 'fb-d-headbox' }),
    el('div', { class: 'fb-actions', id: 'fb-actions', role: 'toolbar', 'aria-label': 'Triage' }),
    el('form', { class: 'fb-resolve', id: 'fb-resolve-form', hidden: true },
      el('label', { for: 'fb-resolution', id: 'fb-resolution-label' }, 'Resolution'),
      el('textarea', { id: 'fb-resolution', rows: '3', maxlength: '10000', placeholder: 'What was done about it (the reporter sees this)' }),
      el('div', { class: 'fb-resolve-buttons' },
        el('button', { type: 'submit', id: 'fb-resolve-confirm' }, 'Resolve'),
        el('button', { type: 'button', class: 'fb-secondary', id: 'fb-resolve-cancel', onclick: () => showResolve(inbox, null) }, 'Cancel'))),
    el('p', { class: 'fb-inline-error', id: 'fb-d-error', role: 'alert', hidden: true }),
    el('p', { class: 'fb-saved', id: 'fb-d-saved', role: 'status' }),
    section('Message', el('pre', { class: 'fb-message', id: 'fb-d-message' }, d.message)),
    el('dl', { class: 'fb-facts', id: 'fb-d-facts' }),
    section('Tags', el('div', { class: 'fb-tags', id: 'fb-d-tags' }),
      el('form', { class: 'fb-tag-form', id: 'fb-tag-form', autocomplete: 'off' },
        el('input', { id: 'fb-tag-input', 'aria-label': 'New tag', placeholder: 'add a tag', maxlength: '40', list: 'fb-tag-list', spellcheck: 'false' }),
        el('button', { type: 'submit', class: 'fb-secondary', id: 'fb-tag-add' }, 'Add tag'))),
    githubSection(inbox, d),
    commentSection(inbox, d, 'reply'),
    commentSection(inbox, d, 'note'),
    section('Environment', envList(d.environment)),
    findingsSection(d),
    eventsSection(d),
    excerptSection(d))
  byId('fb-resolve-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const text = byId<HTMLTextAreaElement>('fb-resolution').value.trim()
    const mode = state.resolveMode ?? 'resolved'
    void patch(inbox, { status: mode, ...(text ? { resolution: text } : {}) }, mode === 'resolved' ? 'resolve the report' : "mark the report won't fix", mode === 'resolved' ? 'Resolved' : "Marked won't fix")
  })
  byId('fb-tag-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const t = input('fb-tag-input').value.trim().toLowerCase()
    if (!t) return
    if (!TAG.test(t)) return showActionError('add the tag', 'tags are lower-case letters, digits and _ . : - (at most 40 characters, starting with a letter or digit)')
    const tags = state.detail?.tags ?? []
    if (tags.includes(t)) {
      input('fb-tag-input').value = ''
      return
    }
    void patch(inbox, { tags: [...tags, t] }, `add the tag ${t}`, `Tag ${t} added`).then((ok) => {
      if (ok) input('fb-tag-input').value = ''
    })
  })
  if (d.session_file) uploaded.delete(d.session_file)
  renderState(inbox)
  if (d.session_file) void checkUpload(inbox, d.session_file)
}

/** The parts that change with a PATCH: the status, the actions, the facts and the tags. */
function renderState(inbox: Inbox) {
  const { state } = inbox
  const d = state.detail
  if (!d) return
  const active = ACTIVE.includes(d.status)
  byId('fb-d-headbox').replaceChildren(detailHead(inbox, d))
  const mine = Boolean(d.assignee) && inbox.who(d.assignee) === 'you'
  const btn = (id: string, label: string, onclick: () => void, cls?: string | null, title?: string | null) =>
    el('button', { type: 'button', id, class: cls || 'fb-secondary', onclick, title, disabled: state.busy }, label)
  byId('fb-actions').replaceChildren(...[
    mine
      ? btn('fb-act-unassign', 'Unassign', () => void patch(inbox, { assignee: null }, 'unassign the report', 'Unassigned'))
      : btn('fb-act-assign', 'Assign to me', () => void patch(inbox, { assignee: 'me' }, 'assign the report to you', 'Assigned to you'), null, d.assignee ? `now assigned to ${inbox.who(d.assignee)}` : null),
    d.status === 'open' ? btn('fb-act-triage', 'Mark triaged', () => void patch(inbox, { status: 'triaged' }, 'mark the report triaged', 'Marked triaged')) : null,
    active ? btn('fb-act-resolve', 'Resolve…', () => showResolve(inbox, 'resolved'), 'fb-primary') : null,
    active ? btn('fb-act-wontfix', "Won't fix…", () => showResolve(inbox, 'wontfix')) : null,
    !active ? btn('fb-act-reopen', 'Reopen', () => void patch(inbox, { status: 'open' }, 'reopen the report', 'Reopened')) : null,
  ].filter((b): b is HTMLButtonElement => b !== null))
  if (!active) showResolve(inbox, null)

  const facts: HTMLElement[] = []
  const add = (k: string, v: Child, key: string) => facts.push(el('div', { class: 'fb-fact', 'data-fact': key }, el('dt', null, k), el('dd', null, v)))
  add('Reporter', d.reporter_email || d.reporter_user, 'reporter')
  add('Filed', timeEl(d.created_at), 'created')
  add('Status', STATUS_LABEL[d.status] ?? d.status, 'status')
  add('Assignee', d.assignee ? inbox.who(d.assignee) : el('span', { class: 'muted' }, 'nobody'), 'assignee')
  if (d.resolution) add('Resolution', el('span', { class: 'fb-resolution-text' }, d.resolution), 'resolution')
  if (d.resolved_at) add(d.status === 'wontfix' ? "Closed as won't fix" : 'Resolved', [timeEl(d.resolved_at), d.resolved_by ? ` by ${inbox.who(d.resolved_by)}` : ''], 'resolved')
  const dups = Number(d.duplicate_count) || 0
  add('Same problem', dups
    ? el('button', { type: 'button', class: 'fb-link', id: 'fb-d-dups', onclick: () => inbox.setFilters({ fingerprint: d.fingerprint }), title: 'List every report with this fingerprint' }, `${plural(dups, 'other report')}`)
    : el('span', { class: 'muted' }, 'no other report'), 'duplicates')
  if (d.duplicate_of) {
    const of = d.duplicate_of
    add('Duplicate of', el('a', {
      href: inbox.pageHref(of), class: 'mono',
      onclick: (e: MouseEvent) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return
        e.preventDefault()
        inbox.openReport(of)
      },
    }, shortId(of)), 'duplicate_of')
  }
  add('Fingerprint', el('code', { title: d.fingerprint }, `${String(d.fingerprint).slice(0, 12)}…`), 'fingerprint')
  add('Session', sessionFact(d.session_file), 'session')
  add('Request', d.correlation_id
    ? el('a', { href: activityHref(d.correlation_id), class: 'mono', title: 'Every audit event of the request that filed this report' }, d.correlation_id)
    : el('span', { class: 'muted' }, 'unknown'), 'correlation')
  add('Updated', timeEl(d.updated_at), 'updated')
  byId('fb-d-facts').replaceChildren(...facts)

  const tags = d.tags ?? []
  byId('fb-d-tags').replaceChildren(...(tags.length
    ? tags.map((t) => el('span', { class: 'fb-tag fb-tag-edit', 'data-tag': t }, t,
      el('button', { type: 'button', 'aria-label': `Remove the tag ${t}`, title: 'Remove', disabled: state.busy, onclick: () => void patch(inbox, { tags: tags.filter((x) => x !== t) }, `remove the tag ${t}`, `Tag ${t} removed`) }, '×')))
    : [el('span', { class: 'muted' }, 'No tags.')]))
  for (const t of tags) state.tags.add(t)
}

function showResolve(inbox: Inbox, mode: 'resolved' | 'wontfix' | null) {
  inbox.state.resolveMode = mode
  const form = document.getElementById('fb-resolve-form')
  if (!form) return
  form.hidden = !mode
  if (!mode) return
  byId('fb-resolution-label').textContent = mode === 'resolved' ? 'Resolution' : "Why it won't be fixed"
  byId('fb-resolve-confirm').textContent = mode === 'resolved' ? 'Resolve' : "Mark won't fix"
  const text = byId<HTMLTextAreaElement>('fb-resolution')
  if (!text.value && inbox.state.detail?.resolution) text.value = inbox.state.detail.resolution
  text.focus()
}
function showActionError(what: string | null, err: unknown) {
  const p = document.getElementById('fb-d-error')
  if (!p) return
  p.hidden = !err
  p.textContent = err ? `Could not ${what}: ${errorMessage(err)}` : ''
}

/** Sends a change; on success the panel and the list row show the new state. Resolves to whether it worked. */
async function patch(inbox: Inbox, body: { status?: string; assignee?: string | null; tags?: string[]; resolution?: string }, what: string, done: string): Promise<boolean> {
  const { state } = inbox
  const d = state.detail
  if (!d || state.busy) return false
  const id = d.id
  state.busy = true
  for (const b of byId('fb-detail').querySelectorAll('button')) if (b.id !== 'fb-d-close') b.disabled = true
  byId('fb-d-saved').textContent = ''
  try {
    const after = await sendJson<ReportAfterPatch>('PATCH', `${API}/${encodeURIComponent(id)}`, body)
    if (!state.detail || state.detail.id !== id) return false
    Object.assign(state.detail, after)
    const row = state.rows.get(id)
    if (row) inbox.replaceRow({ ...row, ...after, duplicate_count: row.duplicate_count })
    showActionError(null, null)
    if (body.status && !ACTIVE.includes(body.status)) {
      state.resolveMode = null
      byId<HTMLTextAreaElement>('fb-resolution').value = ''
    }
    byId('fb-d-saved').textContent = `${done}.`
    return true
  } catch (e) {
    showActionError(what, e)
    return false
  } finally {
    state.busy = false
    if (state.detail && state.detail.id === id) {
      renderState(inbox)
      for (const b of byId('fb-detail').querySelectorAll('button')) b.disabled = false
    }
  }
}

function envList(env: ReportDetail['environment']): HTMLElement {
  if (!env || typeof env !== 'object' || !Object.keys(env).length) return el('p', { class: 'muted' }, 'The report sent no environment.')
  const values = env as Record<string, unknown>
  const shown = new Set<string>()
  const items: HTMLElement[] = []
  const add = (k: string, label: string) => {
    shown.add(k)
    const v = values[k]
    items.push(el('div', { class: 'fb-fact', 'data-env': k }, el('dt', null, label), el('dd', { class: 'mono' },
      v === null || v === undefined || v === '' ? el('span', { class: 'muted' }, 'unknown') : typeof v === 'object' ? JSON.stringify(v) : String(v))))
  }
  for (const [k, label] of ENV_LABEL) add(k, label)
  for (const k of Object.keys(values)) if (!shown.has(k)) add(k, k)
  return el('dl', { class: 'fb-facts fb-env', id: 'fb-d-env' }, items)
}

function findingsSection(d: ReportDetail): HTMLElement {
  const fs = d.findings ?? []
  const file = d.session_file
  let body: HTMLElement
  if (fs.length && file) {
    body = el('ol', { class: 'fb-findings', id: 'fb-d-findings' }, fs.map((f) => el('li', { 'data-finding-id': String(f.id), 'data-type': f.finding_type },
      el('a', { href: sessionHref(file, f.id), title: 'Open the transcript replay at this finding' },
        el('span', { class: `fb-ftype t-${FINDING_LABEL[f.finding_type] ? f.finding_type : 'other'}` }, FINDING_LABEL[f.finding_type] ?? f.finding_type),
        el('span', { class: 'fb-fwhere' }, `line ${f.line}${f.turn_index !== null && f.turn_index !== undefined ? ` · turn ${f.turn_index + 1}` : ''}`),
        f.severity ? el('span', { class: `fb-sev sev-${f.severity}` }, f.severity) : null,
        el('span', { class: 'fb-fexcerpt' }, f.excerpt || '')))))
  } else {
    body = el('p', { class: 'muted', id: 'fb-d-findings-none' }, file
      ? `No failure_scan findings for ${file}: it was not pushed (agnes sessions push) or not scanned yet, or nothing went wrong in it.`
      : 'The report names no stored transcript.')
  }
  return el('section', { class: 'fb-d-section' },
    el('h3', null, `Findings of the session${fs.length ? ` (${fs.length})` : ''}`,
      file && fs.length ? el('a', { class: 'fb-h-link', href: sessionHref(file) }, 'Open the replay') : null),
    body)
}

function eventsSection(d: ReportDetail): HTMLElement {
  const evs = d.events ?? []
  const body = evs.length
    ? el('ol', { class: 'fb-events', id: 'fb-d-events' }, evs.map((e) => el('li', { 'data-action': e.action },
      el('a', { href: activityHref(e.correlation_id || d.correlation_id || '', e.id), title: 'Open this event in Activity' },
        el('time', { class: 'fb-ev-time', datetime: e.timestamp, title: fmtAbsolute(e.timestamp, { seconds: true }) }, fmtAbsolute(e.timestamp, { seconds: true })),
        el('code', { class: 'fb-ev-action' }, e.action),
        el('span', { class: 'fb-ev-user' }, e.user_email || e.user_id || 'system'),
        el('span', { class: `fb-result r-${e.result === 'success' ? 'ok' : 'bad'}` }, e.result)))))
    : el('p', { class: 'muted' }, 'No audit events share this report’s correlation id.')
  return el('section', { class: 'fb-d-section' },
    el('h3', null, 'Audit events of the request',
      d.correlation_id ? el('a', { class: 'fb-h-link', id: 'fb-d-activity', href: activityHref(d.correlation_id) }, 'Open in Activity') : null),
    body)
}

function excerptSection(d: ReportDetail): HTMLElement {
  const text = d.session_excerpt
  const head = el('h3', null, 'Session excerpt')
  if (!text) return el('section', { class: 'fb-d-section' }, head, el('p', { class: 'muted', id: 'fb-d-excerpt-none' }, 'No session excerpt was sent with this report.'))
  // Parsed on the server by the reader the session replay uses (GET /api/admin/feedback/{id}: excerpt_replay).
  const parsed = d.excerpt_replay
  const box = el('div', { class: 'sx-transcript fb-excerpt', id: 'fb-d-excerpt' })
  if (!parsed) {
    // Not Claude Code JSONL: shown as the text it is.
    box.append(textBlock(text, 'sx-code'))
    return el('section', { class: 'fb-d-section' }, head, el('p', { class: 'muted fb-excerpt-note' }, `${fmtInt(text.length)} characters of plain text (not a Claude Code transcript).`), box)
  }
  const st = newReplayState()
  appendEvents(box, parsed.events as unknown as ReplayEvent[], st)
  const errors = [...box.querySelectorAll<HTMLElement>('.sx-ev.err')]
  const note = el('div', { class: 'fb-excerpt-note' },
    el('span', { class: 'muted', id: 'fb-d-excerpt-count' }, `the last turns: ${plural(st.events, 'event')} from ${plural(parsed.lines, 'line')}${parsed.malformed ? `, ${plural(parsed.malformed, 'unreadable line')} skipped` : ''} · times UTC`),
    errors.length
      ? el('button', {
        type: 'button', class: 'fb-link fb-err-jump', id: 'fb-d-jump-error',
        onclick: () => {
          const last = errors[errors.length - 1]
          last.scrollIntoView({ block: 'center' })
          last.classList.add('fb-pulse')
          setTimeout(() => last.classList.remove('fb-pulse'), 1500)
        },
      }, `${plural(errors.length, 'tool error')} · jump to the last`)
      : el('span', { class: 'muted' }, 'no tool error'),
    st.housekeeping
      ? el('label', { class: 'fb-hk' }, el('input', { type: 'checkbox', id: 'fb-d-hk', onchange: (e: Event) => box.classList.toggle('show-hk', (e.target as HTMLInputElement).checked) }), ` Show housekeeping lines (${fmtInt(st.housekeeping)})`)
      : null)
  return el('section', { class: 'fb-d-section' }, head, note, box)
}

/** The a key: the open report assigned to the signed-in admin. */
export function assignToMe(inbox: Inbox) {
  void patch(inbox, { assignee: 'me' }, 'assign the report to you', 'Assigned to you')
}

/** The r key: the resolve form of the open report, its text ready for typing (Ctrl+Enter resolves). */
export function startResolve(inbox: Inbox) {
  showResolve(inbox, 'resolved')
}
