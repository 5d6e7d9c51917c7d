// Entry of the registry's bundle (dist/web/static/registry.js, /admin/registry): the registered tables with their
// source, sync interval and last runs (register, change the interval, sync now, unregister), and the scripts with
// their schedule and last result (create, reschedule, run now). Every action goes through the same JSON API as the
// command line, so it is audited the same way; a refusal shows the API's message next to what was tried.
// ?table=<id> and ?script=<id> (src/web/pages/resource-link.ts) mark that record and scroll to it.
import { byId, el, errorBanner, errorMessage, fmtInt, getJson, input, onReady, plural, select, sendJson } from '../dom.ts'
import { fmtAbsolute, startClock, timeEl } from '../time.ts'
import { fmtMs } from '../activity/format.ts'
import type { GrantableScript as Script, GrantableTable as RegisteredTable, ScriptList, ScriptRun, SyncGrid, SyncJob, SyncStarted, SyncTable, TableList } from '../api.ts'
import '../page.css'
import '../manage.css'

type Run = SyncTable['recent_runs'][number]
/** A line under a record saying how the last action on it went. */
interface Note { text: string; bad?: boolean }

const SYNC_POLL_MS = 400

const want = (() => {
  const sp = new URLSearchParams(location.search)
  return { table: sp.get('table'), script: sp.get('script') }
})()

let tables: RegisteredTable[] = []
let grid = new Map<string, SyncTable>()
let scripts: Script[] = []
/** Keyed `table:<id>` / `script:<id>`, like the audit rows' resources. */
const notes = new Map<string, Note>()
const busy = new Set<string>()
let confirming: string | null = null
let scrolled = false

const banner = () => errorBanner(byId('mg-banner'), 'Could not load ')
let setError: ReturnType<typeof banner>

/** Shows `message` in the error line `id` (the API's words), or hides it. */
function inlineError(id: string, message: string | null) {
  const box = byId(id)
  box.hidden = !message
  box.textContent = message ?? ''
}

const noteEl = (key: string) => {
  const n = notes.get(key)
  return n ? el('div', { class: `mg-note${n.bad ? ' bad' : ''}`, role: 'status' }, n.text) : null
}

const badge = (status: string | null) =>
  el('span', { class: `mg-badge ${status === 'success' ? 'ok' : status === 'error' ? 'bad' : ''}` }, status === 'success' ? 'ok' : status === 'error' ? 'failed' : 'never run')

function sourceCell(t: RegisteredTable): HTMLElement {
  const s = t.source
  return el('td', { class: 'mg-src', 'data-label': 'Source' }, s.kind === 'file'
    ? [el('span', { class: 'muted' }, `${s.format ?? 'file'} `), el('code', null, s.path ?? '')]
    : [el('span', { class: 'muted' }, 'SQL '), el('code', { class: 'mg-sql', title: s.sql ?? '' }, s.sql ?? '')])
}

/** An inline form of one value (a sync interval, a schedule): saved with its own button, refused in place. */
function inlineEdit(opts: { id: string; label: string; value: string; type: 'number' | 'text'; placeholder: string; save: (v: string) => Promise<void> }): HTMLElement[] {
  const field = el('input', {
    id: opts.id, type: opts.type, value: opts.value, 'aria-label': opts.label, placeholder: opts.placeholder,
    class: opts.type === 'text' ? 'mono' : null, ...(opts.type === 'number' ? { min: '1', step: '1' } : { spellcheck: 'false' }),
  })
  const error = el('p', { class: 'mg-error', role: 'alert', id: `${opts.id}-error`, hidden: true })
  const submit = el('button', { type: 'submit', class: 'mg-secondary' }, 'Save')
  const form = el('form', { class: 'mg-inline', novalidate: true }, field, submit)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    submit.disabled = true
    error.hidden = true
    opts.save(field.value.trim()).catch((err: unknown) => {
      error.textContent = errorMessage(err)
      error.hidden = false
    }).finally(() => (submit.disabled = false))
  })
  return [form, error]
}

function runsCell(t: SyncTable | undefined): HTMLElement {
  const runs: Run[] = t?.recent_runs ?? []
  if (!runs.length) return el('td', { class: 'mg-runs', 'data-label': 'Runs' }, el('span', { class: 'muted' }, 'none yet'))
  const failed = runs.filter((r) => r.status !== 'success').length
  const line = (r: Run) => el('li', { class: r.status === 'success' ? 'ok' : 'failed' },
    timeEl(r.at), ' · ', r.status === 'success' ? `ok, ${plural(Number(r.rows ?? 0), 'row')}` : 'failed',
    r.duration_ms !== null && r.duration_ms !== undefined ? ` · ${fmtMs(r.duration_ms)}` : '',
    r.status !== 'success' && r.error ? el('div', { class: 'mg-run-error' }, r.error) : null)
  return el('td', { class: 'mg-runs', 'data-label': 'Runs' }, el('details', { open: want.table === t?.table_id },
    el('summary', null, `${plural(runs.length, 'run')}${failed ? `, ${fmtInt(failed)} failed` : ''}`),
    // Newest first: the API lists them oldest first.
    el('ol', null, [...runs].reverse().map(line))))
}

function lastRunCell(g: SyncTable | undefined): HTMLElement {
  if (!g || g.status === 'never') return el('td', { 'data-label': 'Last run' }, badge(null))
  return el('td', { 'data-label': 'Last run', class: 'mg-last' },
    badge(g.status), timeEl(g.last_run_at),
    g.status === 'success' ? el('div', { class: 'muted' }, `${plural(Number(g.rows ?? 0), 'row')} · ${fmtMs(g.duration_ms)}`) : null,
    g.status === 'error' && g.error ? el('div', { class: 'mg-run-error' }, g.error) : null,
    g.overdue ? el('div', { class: 'mg-run-error' }, `overdue: expected ${fmtAbsolute(g.next_expected_at)}`) : null)
}

function tableRow(t: RegisteredTable): HTMLElement {
  const key = `table:${t.id}`
  const g = grid.get(t.id)
  const actions = confirming === key
    ? [el('span', { class: 'mg-confirm' }, `Unregister ${t.id}? Its synced data is dropped.`),
      el('button', { type: 'button', class: 'mg-danger', 'data-action': 'unregister-confirm', onclick: () => void unregister(t.id) }, 'Unregister'),
      el('button', { type: 'button', class: 'mg-secondary', onclick: () => { confirming = null; render() } }, 'Cancel')]
    : [el('button', { type: 'button', 'data-action': 'sync', disabled: busy.has(key), onclick: () => void syncNow(t.id) }, busy.has(key) ? 'Syncing…' : 'Sync now'),
      el('button', { type: 'button', class: 'mg-secondary', 'data-action': 'unregister', onclick: () => { confirming = key; render() } }, 'Unregister')]
  return el('tr', { 'data-table': t.id, class: want.table === t.id ? 'marked' : null },
    el('td', { class: 'mg-id-cell' }, el('div', { class: 'mg-id mono' }, t.id), t.description ? el('div', { class: 'mg-desc' }, t.description) : null),
    sourceCell(t),
    el('td', { 'data-label': 'Sync every' }, inlineEdit({
      id: `rg-interval-${t.id}`, label: `Sync interval of ${t.id}, in minutes`, type: 'number', placeholder: 'when asked',
      value: t.sync_interval_minutes === null ? '' : String(t.sync_interval_minutes),
      save: async (v) => {
        // Empty: no interval (the table syncs only when asked). Anything else goes as typed, for the API to judge.
        const minutes = v === '' ? null : Number(v)
        await sendJson<RegisteredTable>('PATCH', `/api/admin/tables/${encodeURIComponent(t.id)}`, { sync_interval_minutes: minutes })
        notes.set(key, { text: minutes === null ? 'Saved: syncs only when asked' : `Saved: syncs every ${plural(minutes, 'minute')}` })
        await load()
      },
    })),
    lastRunCell(g),
    runsCell(g),
    el('td', { class: 'mg-actions' }, actions, noteEl(key)))
}

function scriptRow(s: Script): HTMLElement {
  const key = `script:${s.id}`
  return el('tr', { 'data-script': s.id, class: want.script === s.id ? 'marked' : null },
    el('td', { class: 'mg-id-cell' }, el('div', { class: 'mg-id mono' }, s.id)),
    el('td', { 'data-label': 'SQL' }, el('code', { class: 'mg-sql', title: s.sql }, s.sql)),
    el('td', { 'data-label': 'Schedule' }, inlineEdit({
      id: `rg-schedule-${s.id}`, label: `Schedule of ${s.id} (cron, UTC)`, type: 'text', placeholder: '0 6 * * *', value: s.schedule,
      save: async (v) => {
        const after = await sendJson<Script>('PATCH', `/api/admin/scripts/${encodeURIComponent(s.id)}`, { schedule: v })
        notes.set(key, { text: `Saved: next run ${fmtAbsolute(after.next_run_at)}` })
        await load()
      },
    })),
    el('td', { 'data-label': 'Last run', class: 'mg-last' }, badge(s.last_status), s.last_run_at ? timeEl(s.last_run_at) : null,
      s.last_status === 'error' && s.last_error ? el('div', { class: 'mg-run-error' }, s.last_error) : null),
    el('td', { 'data-label': 'Next run' }, s.next_run_at ? timeEl(s.next_run_at) : '—'),
    el('td', { class: 'mg-actions' },
      el('button', { type: 'button', 'data-action': 'run', disabled: busy.has(key), onclick: () => void runNow(s.id) }, busy.has(key) ? 'Running…' : 'Run now'),
      noteEl(key)))
}

/** A deep link to a record that is not (or no longer) here says so, with the way to its history. */
function showMissing() {
  const box = byId('rg-missing')
  const gone = want.table && !tables.some((t) => t.id === want.table) ? ['table', want.table] as const
    : want.script && !scripts.some((s) => s.id === want.script) ? ['script', want.script] as const : null
  box.hidden = !gone
  if (gone) {
    box.replaceChildren(`No ${gone[0]} is registered as `, el('code', null, gone[1]), ' (it may have been removed). ',
      el('a', { href: `/admin/activity?resource=${encodeURIComponent(`${gone[0]}:${gone[1]}`)}` }, 'Its history in Activity'))
  }
}

function render() {
  byId('rg-table-rows').replaceChildren(...(tables.length
    ? tables.map(tableRow)
    : [el('tr', { class: 'mg-empty' }, el('td', { colspan: '6' }, 'No tables are registered yet: register one above.'))]))
  byId('rg-tables-count').textContent = plural(tables.length, 'table')
  byId('rg-script-rows').replaceChildren(...(scripts.length
    ? scripts.map(scriptRow)
    : [el('tr', { class: 'mg-empty' }, el('td', { colspan: '6' }, 'No scripts yet.'))]))
  byId('rg-scripts-count').textContent = plural(scripts.length, 'script')
  showMissing()
  if (!scrolled) {
    const target = document.querySelector(want.table ? `tr[data-table="${CSS.escape(want.table)}"]` : want.script ? `tr[data-script="${CSS.escape(want.script)}"]` : '#none')
    if (target) {
      target.scrollIntoView({ block: 'center' })
      scrolled = true
    }
  }
}

async function load(): Promise<void> {
  try {
    const [t, s, g] = await Promise.all([
      getJson<TableList>('/api/admin/tables'),
      getJson<ScriptList>('/api/admin/scripts'),
      getJson<SyncGrid>('/api/admin/activity/sync'),
    ])
    tables = t.rows
    scripts = s.rows
    grid = new Map(g.tables.map((x) => [x.table_id, x]))
    setError('the registry', null)
    render()
    byId('registry').setAttribute('data-ready', 'true')
  } catch (e) {
    setError('the registry', e)
  }
}

/** Marks the record busy while `work` runs, then says under it how that went, and reloads the lists. */
async function busyWith(key: string, refused: string, work: () => Promise<Note>) {
  busy.add(key)
  notes.delete(key)
  render()
  try {
    notes.set(key, await work())
  } catch (e) {
    notes.set(key, { text: `${refused}: ${errorMessage(e)}`, bad: true })
  }
  busy.delete(key)
  await load()
}

/** Starts a sync of one table and follows its job to the end; the row then says how it went. */
const syncNow = (id: string) => busyWith(`table:${id}`, 'Could not sync', async () => {
  const started = await sendJson<SyncStarted>('POST', '/api/sync/trigger', { tables: [id] })
  let job = await getJson<SyncJob>(`/api/sync/jobs/${encodeURIComponent(started.job_id)}`)
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((r) => setTimeout(r, SYNC_POLL_MS))
    job = await getJson<SyncJob>(`/api/sync/jobs/${encodeURIComponent(started.job_id)}`)
  }
  const r = job.tables.find((x) => x.table_id === id)
  return r?.status === 'success'
    ? { text: `Synced: ${plural(Number(r.rows ?? 0), 'row')} in ${fmtMs(r.duration_ms)}` }
    : { text: `Sync failed: ${r?.error ?? job.error ?? job.status}`, bad: true }
})

async function unregister(id: string) {
  const key = `table:${id}`
  let done = false
  try {
    await sendJson('DELETE', `/api/admin/tables/${encodeURIComponent(id)}`)
    confirming = null
    done = true
  } catch (e) {
    notes.set(key, { text: `Could not unregister: ${errorMessage(e)}`, bad: true })
  }
  await load()
  // Said once the list no longer shows it.
  byId('rg-tables-status').textContent = done ? `Unregistered ${id}.` : ''
}

/** Runs a script now; the row then says what it built, or why it failed. */
const runNow = (id: string) => busyWith(`script:${id}`, 'Could not run', async () => {
  const r = await sendJson<ScriptRun>('POST', `/api/admin/scripts/${encodeURIComponent(id)}/run`, {})
  return r.last_status === 'success'
    ? { text: `Built ${plural(Number(r.rows ?? 0), 'row')}` }
    : { text: `Failed: ${r.last_error ?? 'unknown error'}`, bad: true }
})

/** The register form: a file or SQL source, an optional interval and description. */
function registerForm() {
  const form = byId<HTMLFormElement>('rg-register')
  const kind = () => (form.querySelector<HTMLInputElement>('input[name="kind"]:checked')?.value === 'sql' ? 'sql' : 'file')
  const showKind = () => form.querySelectorAll<HTMLElement>('[data-kind]').forEach((n) => (n.hidden = n.getAttribute('data-kind') !== kind()))
  form.querySelectorAll('input[name="kind"]').forEach((r) => r.addEventListener('change', showKind))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const id = input('rg-id').value.trim()
    const format = select('rg-format').value
    const interval = input('rg-interval').value.trim()
    const description = input('rg-description').value.trim()
    const body = {
      id,
      source: kind() === 'file'
        ? { kind: 'file', path: input('rg-path').value.trim(), ...(format ? { format } : {}) }
        : { kind: 'sql', sql: byId<HTMLTextAreaElement>('rg-sql').value },
      ...(interval ? { sync_interval_minutes: Number(interval) } : {}),
      ...(description ? { description } : {}),
    }
    void submitForm('rg-register-submit', 'rg-register-error', async () => {
      await sendJson<RegisteredTable>('POST', '/api/admin/tables', body)
      notes.set(`table:${id}`, { text: 'Registered: sync it to load its data' })
      form.reset()
      showKind()
    })
  })
}

function scriptForm() {
  const form = byId<HTMLFormElement>('rg-script-form')
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const id = input('rg-script-id').value.trim()
    const body = { id, schedule: input('rg-script-schedule').value.trim(), sql: byId<HTMLTextAreaElement>('rg-script-sql').value }
    void submitForm('rg-script-submit', 'rg-script-error', async () => {
      const s = await sendJson<Script>('POST', '/api/admin/scripts', body)
      notes.set(`script:${id}`, { text: `Created: first run ${fmtAbsolute(s.next_run_at)}` })
      form.reset()
    })
  })
}

/** Sends a form's request; a refusal is shown under the form in the API's words, a success reloads the lists. */
async function submitForm(buttonId: string, errorId: string, send: () => Promise<void>) {
  const b = byId<HTMLButtonElement>(buttonId)
  b.disabled = true
  inlineError(errorId, null)
  try {
    await send()
    await load()
  } catch (e) {
    inlineError(errorId, errorMessage(e))
  } finally {
    b.disabled = false
  }
}

onReady(() => {
  startClock()
  setError = banner()
  registerForm()
  scriptForm()
  void load()
})
