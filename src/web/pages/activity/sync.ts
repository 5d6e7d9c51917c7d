// The Sync tab: one row per registered table, with its latest runs as a strip of ok / failed marks (newest last; the
// time and the error on hover).
import { byId, el, fmtInt, getJson } from '../dom.ts'
import { fmtAbsolute, timeEl } from '../time.ts'
import type { SyncGrid, SyncTable } from '../api.ts'
import { fmtMs, show } from './format.ts'
import { API, type ActivityPage } from './page.ts'

type Run = SyncTable['recent_runs'][number]

function runTitle(r: Run): string {
  const ok = r.status === 'success'
  const parts = [fmtAbsolute(r.at, { seconds: true }), ok ? 'ok' : 'failed']
  if (ok && r.rows !== null && r.rows !== undefined) parts.push(`${fmtInt(r.rows)} rows`)
  if (r.duration_ms !== null && r.duration_ms !== undefined) parts.push(fmtMs(r.duration_ms))
  return `${parts.join(' · ')}${!ok && r.error ? `: ${r.error}` : ''}`
}

function runStrip(t: SyncTable): HTMLElement {
  // Stand-in answers (older servers, the tests' overdue case) may have no runs listed.
  const runs = t.recent_runs ?? []
  const failed = runs.filter((r) => r.status !== 'success').length
  return el('div', {
    class: 'ac-runs', role: 'img', 'data-runs': String(runs.length), 'data-failed': String(failed),
    'aria-label': runs.length ? `latest ${runs.length} runs, ${failed} failed, newest last` : 'no runs yet',
  }, runs.length
    ? runs.map((r) => el('span', { class: `ac-run ${r.status === 'success' ? 'ok' : 'failed'}`, title: runTitle(r), 'data-at': r.at }))
    : el('span', { class: 'muted' }, '—'))
}

function syncRow(page: ActivityPage, t: SyncTable): HTMLElement {
  const never = t.status === 'never'
  const cls = [never ? 'never' : '', t.overdue ? 'overdue' : '', t.status === 'error' ? 'failed' : ''].filter(Boolean).join(' ')
  const status = el('td', { class: 'c-status', 'data-label': 'Status' },
    el('span', { class: `ac-badge r-${never ? 'never' : t.status === 'success' ? 'success' : t.status === 'error' ? 'error' : 'other'}` }, never ? 'never synced' : show(t.status)),
    t.overdue ? el('span', { class: 'ac-flag', title: 'The last sync is older than its interval allows' }, 'overdue') : null)
  const name = el('button', {
    type: 'button', class: 'ac-link mono', title: 'Show this table\u2019s events',
    onclick: () => page.setFilters({ resource: `table:${t.table_id}` }, { tab: 'timeline', force: true }),
  }, t.table_id)
  return el('tr', { class: cls, 'data-table': t.table_id },
    el('td', { class: 'c-table' }, name),
    status,
    el('td', { 'data-label': 'Last run' }, never ? 'never' : timeEl(t.last_run_at)),
    el('td', { class: 'c-runs', 'data-label': 'Recent runs' }, runStrip(t)),
    el('td', { class: 'num', 'data-label': 'Rows' }, fmtInt(t.rows)),
    el('td', { class: 'num', 'data-label': 'Duration' }, fmtMs(t.duration_ms)),
    el('td', { class: 'num', 'data-label': 'Runs 24 h' }, fmtInt(t.runs_24h)),
    el('td', { class: `num${Number(t.failures_24h) > 0 ? ' bad' : ''}`, 'data-label': 'Failures 24 h' }, fmtInt(t.failures_24h)),
    el('td', { 'data-label': 'Next expected' }, t.next_expected_at ? timeEl(t.next_expected_at) : '—'),
    el('td', { class: 'c-error', title: t.error || '', 'data-label': t.error ? 'Error' : null }, t.error || ''))
}

/** How to register a table, rendered by the server into the page (views/activity-page.ts): the registry page, or the API and CLI. */
function registerHelp(): Node {
  const t = document.getElementById('ac-sync-empty')
  return t instanceof HTMLTemplateElement ? t.content.cloneNode(true) : document.createTextNode('No tables are registered.')
}

export async function loadSync(page: ActivityPage): Promise<void> {
  try {
    const s = await getJson<SyncGrid>(`${API}/sync`)
    const tables = s.tables ?? []
    const tbody = byId('ac-sync-rows')
    if (!tables.length) tbody.replaceChildren(el('tr', { class: 'ac-empty ac-empty-help' }, el('td', { colspan: '10' }, registerHelp())))
    else tbody.replaceChildren(...tables.map((t) => syncRow(page, t)))
    const failing = tables.filter((t) => t.status === 'error').length
    const overdue = tables.filter((t) => t.overdue).length
    const never = tables.filter((t) => t.status === 'never').length
    byId('ac-sync-summary').textContent = [`${tables.length} table${tables.length === 1 ? '' : 's'}`, failing && `${failing} failing`, overdue && `${overdue} overdue`, never && `${never} never synced`].filter(Boolean).join(' · ')
    page.setError('the sync grid', null)
  } catch (e) {
    page.setError('the sync grid', e)
  }
}
