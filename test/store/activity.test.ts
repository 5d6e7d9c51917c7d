import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ActivityFilters, NewAuditRow, Store } from '../../src/store/index.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'
import { ACTIVE_ACTIONS } from '../../src/activity/usage.ts'

/**
 * The Activity Center's read model on every engine: the same rows and the same filters give the same timeline
 * (through keyset pages), KPIs and facets, and they agree with a plain reading of the filters in JS.
 */

const BASE = Date.UTC(2026, 10, 24, 0, 0, 0)
const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString()

const ACTIONS = ['query.run', 'table.sync', 'user.create', 'run_sync_due', 'run_session_processor:failure_scan', 'activity.read', 'auth.login', 'query_run']
const RESULTS = ['success', 'success', 'success', 'denied', 'error.internal', 'error.timeout', 'skipped']
const KINDS = ['api', 'cli', 'web', 'scheduler']
const RESOURCES = ['table:orders', 'table:t_1', 'table:tx1', 'user:u1', null]
const PARAMS: Array<Record<string, unknown> | null> = [
  { sql: 'SELECT * FROM orders', table: 'orders' },
  { table: 'orders', note: '100% done_now' },
  { text: 'Ünïcödé and "quotes" and \\ backslash' },
  { table: 'tx1' },
  null,
  { n: 42, nested: { deep: ['Needle'] } },
]

function seedRows(): NewAuditRow[] {
  const rows: NewAuditRow[] = []
  for (let i = 0; i < 240; i++) {
    const user = i % 5 === 4 ? null : `u${i % 4}`
    rows.push({
      // Several rows share a timestamp, so keyset pagination must break ties by id.
      timestamp: at(Math.floor(i / 3)),
      user_id: user,
      user_email: user ? `${user}@example.com` : null,
      action: ACTIONS[i % ACTIONS.length],
      resource: RESOURCES[i % RESOURCES.length],
      params: PARAMS[i % PARAMS.length],
      params_before: null,
      result: RESULTS[i % RESULTS.length],
      duration_ms: i % 6 === 5 ? null : (i * 37) % 1000 + 0.25,
      client_ip: '127.0.0.1',
      client_kind: KINDS[i % KINDS.length],
      correlation_id: `corr-${i % 50}`,
    })
  }
  return rows
}

/** The filters read as plainly as possible, to check the SQL against. */
function matches(r: NewAuditRow, f: ActivityFilters): boolean {
  const like = (v: string | null, prefix: string) => v !== null && v.startsWith(prefix)
  if (r.timestamp < f.since) return false
  if (f.until && r.timestamp >= f.until) return false
  if (f.user_id && r.user_id !== f.user_id) return false
  if (f.action_prefix && !like(r.action, f.action_prefix)) return false
  if (f.action_in?.length && !f.action_in.includes(r.action)) return false
  if (f.resource && r.resource !== f.resource) return false
  if (f.resource_prefix && !like(r.resource, f.resource_prefix)) return false
  if (f.result_pattern && !new RegExp(`^${f.result_pattern.replace(/[.]/g, '\\.').replace(/%/g, '.*').replace(/_/g, '.')}$`).test(r.result)) return false
  const cls = r.result === 'success' ? 'success' : r.result === 'denied' ? 'denied' : r.result.startsWith('error.') ? 'error' : 'other'
  if (f.result_class && cls !== f.result_class) return false
  if (f.client_kind && r.client_kind !== f.client_kind) return false
  if (f.correlation_id && r.correlation_id !== f.correlation_id) return false
  // q ignores spaces (PostgreSQL's JSONB prints `"k": v`, DuckDB `"k":v`); a q of only spaces filters nothing.
  const q = f.q?.replaceAll(' ', '').toLowerCase()
  if (q && !(r.params ? JSON.stringify(r.params) : '').replaceAll(' ', '').toLowerCase().includes(q)) return false
  if (!f.include_self_reads && r.action === 'activity.read') return false
  return true
}

/** The Usage view's "active", read plainly: a successful row of an active action by a person. */
const isActive = (r: NewAuditRow) =>
  (ACTIVE_ACTIONS as readonly string[]).includes(r.action) && r.result === 'success' && r.user_id !== null && !['scheduler', 'system'].includes(r.client_kind)

const SINCE = at(0)
const FILTERS: Record<string, ActivityFilters> = {
  'everything': { since: SINCE },
  'with self reads': { since: SINCE, include_self_reads: true },
  'a window': { since: at(10), until: at(40) },
  'one user': { since: SINCE, user_id: 'u2' },
  'action prefix': { since: SINCE, action_prefix: 'query.' },
  'action prefix with an underscore taken literally': { since: SINCE, action_prefix: 'query_' },
  'action prefix with a colon': { since: SINCE, action_prefix: 'run_session_processor:' },
  'actions in': { since: SINCE, action_in: ['user.create', 'auth.login'] },
  'resource': { since: SINCE, resource: 'table:orders' },
  'resource prefix, underscore literal': { since: SINCE, resource_prefix: 'table:t_' },
  'result pattern': { since: SINCE, result_pattern: 'error.%' },
  'errors': { since: SINCE, result_class: 'error' },
  'denied': { since: SINCE, result_class: 'denied' },
  'success': { since: SINCE, result_class: 'success' },
  'other results': { since: SINCE, result_class: 'other' },
  'client kind': { since: SINCE, client_kind: 'cli' },
  'correlation id': { since: SINCE, correlation_id: 'corr-7', include_self_reads: true },
  'text search, any case': { since: SINCE, q: 'select * FROM' },
  'text search, percent literal': { since: SINCE, q: '100%' },
  'text search, underscore literal': { since: SINCE, q: 'done_now' },
  'text search, JSON punctuation': { since: SINCE, q: '"table":"orders"' },
  'text search, JSON punctuation spaced as PostgreSQL prints it': { since: SINCE, q: '"table": "orders"' },
  'text search, only spaces': { since: SINCE, q: '   ' },
  'text search, nested value': { since: SINCE, q: 'needle' },
  'text search, quotes and backslash': { since: SINCE, q: '\\"quotes\\" and \\\\' },
  'text search, non-ASCII letters in another case': { since: SINCE, q: 'ünïcödé' },
  'text search, no match': { since: SINCE, q: 'nothing like this' },
  'combined': { since: at(5), until: at(70), user_id: 'u1', result_class: 'success', client_kind: 'cli', action_prefix: 'query' },
}

async function timelineAll(store: Store, f: ActivityFilters, pageSize: number) {
  const out: Array<{ timestamp: string; id: number; correlation_id: string; action: string }> = []
  let after: { timestamp: string; id: number } | null = null
  for (let guard = 0; guard < 500; guard++) {
    const page = await store.activity.timeline(f, pageSize, after)
    out.push(...page.map((r) => ({ timestamp: r.timestamp, id: r.id, correlation_id: r.correlation_id, action: r.action })))
    if (page.length < pageSize) return out
    const last = page[page.length - 1]
    after = { timestamp: last.timestamp, id: last.id }
  }
  throw new Error('pagination did not end')
}

describeStores('activity', (h) => {
  let store: Store
  const rows = seedRows()

  test('seed', async () => {
    store = await h.store()
    await store.audit.insertMany(rows)
    // Sync history and session pipeline rows for the health pulse figures.
    for (let i = 0; i < 12; i++) {
      await store.tables.insertHistory({ table_id: `t${i % 3}`, job_id: null, synced_at: at(i * 10), rows: i, duration_ms: 1, status: i % 4 === 0 ? 'error' : 'success', error: null })
    }
    for (let i = 0; i < 4; i++) {
      const file = `ana/s${i}.jsonl`
      await store.sessionUploads.upsert({ session_file: file, user_id: 'u1', username: 'ana', filename: `s${i}.jsonl`, bytes: 1, sha256: `h${i}`, redactions: 0, redaction_kinds: null, uploaded_at: at(i * 20), updated_at: at(i * 20) })
      if (i < 2) await store.sessions.recordState({ processor: 'failure_scan', session_file: file, file_sha256: i === 0 ? `h${i}` : 'stale', file_bytes: 1, status: 'ok', items: 0, error: null, processed_at: at(100) })
    }
  })

  for (const [name, f] of Object.entries(FILTERS)) {
    test(`filter: ${name}`, async () => {
      const expected = rows.map((r, i) => ({ r, id: i + 1 })).filter(({ r }) => matches(r, f))
      expected.sort((a, b) => (a.r.timestamp < b.r.timestamp ? 1 : a.r.timestamp > b.r.timestamp ? -1 : b.id - a.id))
      const all = await timelineAll(store, f, 7)
      assert.deepEqual(all.map((r) => [r.timestamp, r.correlation_id, r.action]), expected.map(({ r }) => [r.timestamp, r.correlation_id, r.action]))
      assert.deepEqual(await timelineAll(store, f, 1000), all, 'one page or many: the same rows')

      const k = await store.activity.kpis(f, ACTIVE_ACTIONS)
      const durations = expected.map(({ r }) => r.duration_ms).filter((d): d is number => d !== null)
      assert.equal(k.events, expected.length)
      assert.equal(k.errors, expected.filter(({ r }) => r.result.startsWith('error.')).length)
      // Active: the Usage view's definition among the filter's rows (a successful active action, by a person).
      const active = expected.filter(({ r }) => isActive(r))
      assert.equal(k.active_users, new Set(active.map(({ r }) => r.user_id)).size)
      assert.equal(k.with_duration, durations.length)
      if (durations.length === 0) assert.equal(k.p95, null)
      else {
        // Continuous percentile: linear interpolation between the two nearest ranks.
        const sorted = [...durations].sort((a, b) => a - b)
        const pos = 0.95 * (sorted.length - 1)
        const want = sorted[Math.floor(pos)] + (sorted[Math.ceil(pos)] - sorted[Math.floor(pos)]) * (pos - Math.floor(pos))
        assert.ok(Math.abs((k.p95 as number) - want) < 1e-9, `p95 ${k.p95} ≠ ${want}`)
      }

      const facets = await store.activity.facets(f)
      const total = (xs: Array<{ count: number }>) => xs.reduce((n, x) => n + x.count, 0)
      for (const key of ['action_prefix', 'result_class', 'client_kind', 'user'] as const) {
        assert.equal(total(facets[key]), expected.length, `${key} facet counts add up`)
        for (const x of facets[key]) assert.equal(typeof x.count, 'number')
      }
      h.answer(`timeline ${name}`, all.map((r) => [r.timestamp, r.correlation_id, r.action]))
      h.answer(`kpis ${name}`, { ...k, p95: k.p95 === null ? null : Number((k.p95 as number).toFixed(9)) })
      h.answer(`facets ${name}`, facets)
    })
  }

  test('facets group actions by their prefix before "." or ":"', async () => {
    const facets = await store.activity.facets({ since: SINCE })
    assert.deepEqual(
      facets.action_prefix.map((x) => x.value).sort(),
      ['auth', 'query', 'query_run', 'run_session_processor', 'run_sync_due', 'table', 'user'],
    )
    assert.deepEqual(facets.user.find((x) => x.value === 'u1'), { value: 'u1', label: 'u1@example.com', count: facets.user.find((x) => x.value === 'u1')!.count })
  })

  test('health pulse figures: latest, distinct users, sync counts and stats, session ingest', async () => {
    const latest = await store.activity.latest('run_')
    const newestRun = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.action.startsWith('run_')).at(-1)!
    assert.deepEqual([latest?.timestamp, latest?.id], [newestRun.r.timestamp, newestRun.i + 1])
    assert.equal((await store.activity.latest('query_'))?.action, 'query_run', 'the prefix is literal')
    const activeSince = (since: string) => new Set(rows.filter((r) => r.timestamp >= since && isActive(r)).map((r) => r.user_id)).size
    assert.ok(activeSince(at(0)) > 0 && activeSince(at(0)) < 4, 'some people did something that is not active')
    assert.equal(await store.usage.activePeople(ACTIVE_ACTIONS, at(0), at(1000)), activeSince(at(0)))
    assert.equal(await store.usage.activePeople(ACTIVE_ACTIONS, at(60), at(1000)), activeSince(at(60)))
    assert.deepEqual(await store.activity.syncCountsSince(at(50)), { ok: 6, failed: 1 })
    const stats = (await store.activity.syncStatsSince(at(0))).sort((a, b) => a.table_id.localeCompare(b.table_id))
    assert.deepEqual(stats, [
      { table_id: 't0', runs: 4, failures: 1 },
      { table_id: 't1', runs: 4, failures: 1 },
      { table_id: 't2', runs: 4, failures: 1 },
    ])
    const ingest = await store.activity.sessionIngest(at(30))
    assert.deepEqual(ingest, { uploads_24h: 2, processed_24h: 2, pending: 3, oldest_pending: at(20) })
    h.answer('pulse', { latest: latest?.correlation_id, ingest, stats })
    const one = await store.activity.byId(latest!.id)
    assert.deepEqual(one, latest)
  })
})

testEnginesAgree('the same filters give the same timeline, KPIs and facets in every engine')
