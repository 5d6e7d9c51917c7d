import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { buildApp } from '../../src/web/app.ts'
import { openStore } from '../../src/store/index.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'
import { apiClient } from '../../src/cli/client.ts'
import { adminPerformance, adminQueries, adminUsage, performanceReport, queryTableRows, usageReport } from '../../src/cli/commands/admin-insights.ts'

/**
 * The Usage, Queries and Performance APIs and GET /metrics end to end: real queries fingerprinted when they run,
 * the scheduler never counted as active, unaudited routes timed, a second worker adding to the same histograms,
 * and the Prometheus text checked by promtool.
 */

const METRICS_TOKEN = 'metrics-token-0123456789abcdef'
let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }

before(async () => {
  s = await startTestServer({ metricsToken: METRICS_TOKEN })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com', { is_admin: false })
  mkdirSync(s.config.sourceDirs[0], { recursive: true })
  writeFileSync(join(s.config.sourceDirs[0], 'sales.csv'), 'region,amount\nnorth,10\nsouth,20\neast,5\n')
  const reg = await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'sales', source: { kind: 'file', path: 'sales.csv' }, sync_interval_minutes: 1 } })
  assert.equal(reg.status, 201, reg.text)
  const g = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'analysts' } })
  await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token: admin.token, body: { user_id: ana.userId } })
  await call(s.url, 'POST', '/api/admin/grants', { token: admin.token, body: { group_id: g.body.id, resource: 'table:sales', permission: 'read' } })
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['sales'] } })
  assert.equal(trig.status, 202, trig.text)
  for (let i = 0; i < 200; i++) {
    const j = await call(s.url, 'GET', `/api/sync/jobs/${trig.body.job_id}`, { token: admin.token })
    if (j.body.status === 'done') break
    assert.notEqual(j.body.status, 'failed', j.text)
    await new Promise((r) => setTimeout(r, 25))
  }
})
after(async () => {
  await s.close()
})

const get = (path: string, token = admin.token) => call(s.url, 'GET', path, { token })
const run = (sql: string, token = ana.token) => call(s.url, 'POST', '/api/query', { token, body: { sql } })

test('queries that differ only in constants, spacing, comments or case are one fingerprint, also past the stored 200 characters', async () => {
  for (const sql of [`SELECT * FROM sales WHERE region = 'north'`, `select *\n  from SALES where region='south' -- again`, `SELECT * FROM sales WHERE region IN ('east', 'west')`]) {
    assert.equal((await run(sql)).status, 200)
  }
  assert.equal((await run(`SELECT * FROM sales WHERE region IN ('a', 'b', 'c')`)).status, 200)
  assert.equal((await run('SELECT sum(amount) AS total FROM sales', admin.token)).status, 200)
  assert.equal((await run('SELEC oops')).status, 400)
  // Two long queries that differ only in a constant after the 200 characters the audit row keeps of the text.
  const long = (n: number) => `SELECT region, amount, ${Array.from({ length: 20 }, (_, i) => `amount * ${i + 1} AS a${i}`).join(', ')} FROM sales WHERE amount > ${n}`
  assert.ok(long(1).length > 300)
  assert.equal((await run(long(1))).status, 200)
  assert.equal((await run(long(2))).status, 200)

  const r = await get('/api/admin/activity/queries?sort=calls')
  assert.equal(r.status, 200, r.text)
  assert.equal(r.body.total_fingerprints, 5)
  const [first, ...rest] = r.body.rows
  // The two equality filters share a shape; so do the two IN lists, whatever their length.
  assert.deepEqual([first.calls, first.errors, first.people, first.tables, first.client_kinds, first.parsed], [2, 0, 1, ['sales'], { api: 2 }, true])
  const shapes = r.body.rows.map((x: { calls: number; example_sql: string }) => [x.calls, x.example_sql])
  assert.deepEqual(shapes.filter(([n]: [number]) => n === 2).length, 3, JSON.stringify(shapes))
  const eq = r.body.rows.find((x: { example_sql: string }) => x.example_sql?.includes('region=?') || x.example_sql?.includes('region = ?'))
  assert.equal(eq.calls, 2)
  // Shown masked as on the timeline: the newest call's text, literals as ?.
  assert.equal(eq.example_sql, 'select *\n  from SALES where region=? -- again')
  const ins = r.body.rows.find((x: { example_sql: string }) => x.example_sql?.includes('IN'))
  assert.deepEqual([ins.calls, ins.example_sql], [2, 'SELECT * FROM sales WHERE region IN (?, ?, ?)'])
  const longRow = r.body.rows.find((x: { example_sql: string }) => x.example_sql?.startsWith('SELECT region, amount'))
  assert.equal(longRow.calls, 2)
  assert.ok(longRow.example_sql.endsWith('…'), 'the stored text was cut')
  const bad = rest.find((x: { errors: number }) => x.errors === 1)
  assert.deepEqual([bad.parsed, bad.calls, bad.last_error.result, bad.fingerprint.startsWith('raw-')], [false, 1, 'error.invalid_sql', true])
  assert.match(bad.last_error.message, /syntax error/)
  // A fingerprint's link lists its calls in the timeline.
  const tl = await get(`/api/admin/activity/timeline?${new URLSearchParams(eq.timeline)}`)
  assert.equal(tl.body.rows.length, 2)
  assert.deepEqual(tl.body.rows.map((x: { params: { fingerprint: string } }) => x.params.fingerprint), [eq.fingerprint, eq.fingerprint])
  assert.deepEqual(r.body.tables, [{ table: 'sales', calls: 7, people: 2 }])
  // The person filter.
  const adminOnly = await get(`/api/admin/activity/queries?user_id=${admin.userId}`)
  assert.deepEqual(adminOnly.body.rows.map((x: { example_sql: string }) => x.example_sql), ['SELECT sum(amount) AS total FROM sales'])
  assert.equal((await get('/api/admin/activity/queries?sort=slowest')).status, 400)
})

test('usage counts people who got value, never the scheduler; reading it twice is audited once', async () => {
  await run('SELECT count(*) FROM sales')
  // The scheduler syncs the due table: a run_sync_due row, and sync work done by no person.
  const tick = await runJobOnce(s.svc, coreJobs(s.svc, []).find((j) => j.name === 'sync_due')!)
  assert.equal(tick.result, 'success')
  const scheduled = await s.svc.store.audit.find({ action: 'run_sync_due' })
  assert.equal(scheduled.length, 1)
  // Admin reads and a refused query make nobody active.
  const reader = await s.addUser(admin.token, 'reader@example.com')
  assert.equal((await get('/api/me', reader.token)).status, 200)
  assert.equal((await run('SELECT 1 FROM sales', reader.token)).status, 403)

  const cid = 'usage-read-1'
  const r = await call(s.url, 'GET', '/api/admin/activity/usage?days=7', { token: admin.token, headers: { 'x-correlation-id': cid } })
  assert.equal(r.status, 200, r.text)
  assert.match(r.body.definition.active, /never the scheduler or system/)
  const today = r.body.series.at(-1)
  assert.deepEqual([today.dau, today.partial, r.body.series.length], [2, true, 7])
  const people = r.body.people.map((p: { email: string; queries: number; syncs: number; active_days: number }) => [p.email, p.queries, p.syncs, p.active_days])
  assert.deepEqual(people.sort(), [['admin@example.com', 1, 1, 1], ['ana@example.com', 7, 0, 1]])
  assert.deepEqual(r.body.lifecycle.at(-1), { ...r.body.lifecycle.at(-1), active: 2, new: 2 })
  // A second read with the same filters within 60 s writes no second activity.read row.
  await get('/api/admin/activity/usage?days=7')
  const reads = (await s.svc.store.audit.find({ action: 'activity.read' })).filter((x) => (x.params as { view?: string })?.view === 'usage')
  assert.equal(reads.length, 1)
  assert.equal(reads[0].correlation_id, cid)
  assert.deepEqual(reads[0].params, { view: 'usage', filters: { days: 7, period: 'week' } })
  assert.equal((await get('/api/admin/activity/usage?days=0')).status, 400)
})

test('every "active" figure is the one definition: the KPI strip and the health pulse agree with Usage for the same window', async () => {
  // Continues the previous test: today admin and ana ran queries (active), reader only read and was refused (not).
  const reader = (await get('/api/admin/users')).body.rows.find((u: { email: string }) => u.email === 'reader@example.com')
  const u = await get('/api/admin/activity/usage?days=1')
  const today = u.body.series.at(-1)
  assert.equal(today.dau, 2)
  const midnight = `${today.day}T00:00:00.000Z`
  const kpis = await get(`/api/admin/activity/kpis?since=${midnight}`)
  assert.equal(kpis.status, 200, kpis.text)
  assert.ok(kpis.body.events > 0)
  assert.equal(kpis.body.active_users, today.dau, 'the timeline\'s "active users" for today is today\'s DAU')
  // Someone with rows under the filter but no successful active action is not active there either.
  const readerKpis = await get(`/api/admin/activity/kpis?since=${midnight}&user_id=${reader.id}`)
  assert.ok(readerKpis.body.events >= 2, readerKpis.text)
  assert.equal(readerKpis.body.active_users, 0)
  // The scheduler's rows of today, on their own: events, nobody active.
  const sched = await get(`/api/admin/activity/kpis?since=${midnight}&client_kind=scheduler`)
  assert.deepEqual([sched.body.events > 0, sched.body.active_users], [true, 0])

  await s.svc.store.shared.purgeExpired(new Date(Date.now() + 60_000)) // drop the pulse's 30 s cache
  const h = await get('/api/admin/activity/health')
  const field = h.body.fields.find((f: { key: string }) => f.key === 'active_users_today')
  assert.equal(field.raw, today.dau)
  // Its evidence lists the calls that made them active: exactly those people.
  const q = new URLSearchParams({ ...field.click_filter, limit: '500' })
  const rows = (await get(`/api/admin/activity/timeline?${q}`)).body.rows
  assert.equal(new Set(rows.map((r: { user_id: string }) => r.user_id)).size, today.dau)
})

test('performance times every request, audited or not, and a second worker adds to the same minutes', async () => {
  const perf = async () => {
    await s.app.requestMetrics.flush()
    const r = await get('/api/admin/activity/performance')
    assert.equal(r.status, 200, r.text)
    return r.body
  }
  const healthOf = (body: { routes: Array<{ method: string; route: string; requests: number }> }) => body.routes.find((x) => x.method === 'GET' && x.route === '/api/health')?.requests ?? 0
  const before = healthOf(await perf())
  for (let i = 0; i < 5; i++) assert.equal((await call(s.url, 'GET', '/api/health', { headers: { 'x-correlation-id': `health-${i}` } })).status, 200)
  assert.equal((await call(s.url, 'GET', '/no/such/page')).status, 404)
  assert.equal((await call(s.url, 'GET', '/static/no-such-file.js')).status, 404)
  const body = await perf()
  // /api/health writes no audit row; it is timed all the same.
  assert.equal(healthOf(body), before + 5)
  assert.equal((await s.svc.store.audit.find({ correlationId: 'health-0' })).length, 0)
  const unmatched = body.routes.find((x: { route: string }) => x.route === '(unmatched)')
  assert.deepEqual([unmatched.method, unmatched.client_errors], ['GET', 1])
  const stat = body.routes.find((x: { route: string }) => x.route === '/static/:file')
  assert.equal(stat.status_classes['4xx'], 1)
  const q = body.routes.find((x: { method: string; route: string }) => x.method === 'POST' && x.route === '/api/query')
  assert.ok(q.requests >= 10 && q.p95_ms > 0 && q.client_errors >= 2, JSON.stringify(q))

  // A second worker: its own app and, on PostgreSQL, its own connection to the same database.
  const store2 = s.config.databaseUrl ? await openStore(s.config) : s.svc.store
  const app2 = await buildApp({ ...s.svc, store: store2 })
  try {
    for (let i = 0; i < 3; i++) assert.equal((await app2.inject({ method: 'GET', url: '/api/health' })).statusCode, 200)
    await app2.requestMetrics.flush()
    assert.equal(healthOf(await perf()), before + 8)
  } finally {
    await app2.close()
    if (store2 !== s.svc.store) await store2.close()
  }

  const series = await get('/api/admin/activity/performance?route=/api/health')
  assert.equal(series.body.series.route, '/api/health')
  assert.equal(series.body.series.buckets.reduce((n: number, b: { requests: number }) => n + b.requests, 0), before + 8)
  assert.equal(body.audit_writer.failed_batches, 0)
  assert.ok(body.audit_writer.rows_written > 20)
})

test('GET /metrics: for admins or the metrics token, in a format promtool accepts', async () => {
  assert.equal((await call(s.url, 'GET', '/metrics')).status, 401)
  assert.equal((await call(s.url, 'GET', '/metrics', { token: 'wrong-token-0123456789' })).status, 401)
  const refused = await call(s.url, 'GET', '/metrics', { token: ana.token, headers: { 'x-correlation-id': 'metrics-refused' } })
  assert.equal(refused.status, 403)
  const [row] = await s.svc.store.audit.find({ correlationId: 'metrics-refused' })
  assert.deepEqual([row.action, row.result, row.user_id], ['metrics.read', 'denied', ana.userId])

  await s.app.requestMetrics.flush()
  const scrape = await call(s.url, 'GET', '/metrics', { token: METRICS_TOKEN })
  assert.equal(scrape.status, 200)
  assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  assert.equal((await call(s.url, 'GET', '/metrics', { token: admin.token })).status, 200)
  const text = scrape.text
  assert.match(text, /^agnes_http_request_duration_seconds_count\{method="GET",route="\/api\/health",status_class="2xx"\} \d+$/m)
  assert.match(text, /^agnes_sync_runs_total\{table="sales"\} [1-9]\d*$/m)
  assert.match(text, /^agnes_scheduler_job_duration_seconds_count\{job="sync_due"\} 1$/m)
  const written = Number(/^agnes_audit_rows_written_total (\d+)$/m.exec(text)?.[1])
  assert.equal(written, (await s.svc.store.audit.chainState()).seq)
  // The three refusals have their rows; a scrape writes none.
  assert.equal((await s.svc.store.audit.find({ action: 'metrics.read' })).length, 3)

  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (promtool.error) throw new Error('promtool is not installed: scripts/ci-deps.sh installs Debian\'s prometheus package')
  assert.equal(promtool.status, 0, `promtool check metrics:\n${promtool.stdout}${promtool.stderr}`)
})

test('the three APIs and /metrics are in the OpenAPI description, for admins only', async () => {
  const docs = await call(s.url, 'GET', '/api/docs')
  for (const path of ['/api/admin/activity/usage', '/api/admin/activity/queries', '/api/admin/activity/performance', '/metrics']) assert.ok(docs.body.paths[path]?.get, path)
  assert.ok(docs.body.paths['/api/admin/activity/queries'].get.parameters.some((p: { name: string }) => p.name === 'sort'))
  for (const view of ['usage', 'queries', 'performance']) {
    assert.equal((await get(`/api/admin/activity/${view}`, ana.token)).status, 403)
    assert.equal((await call(s.url, 'GET', `/api/admin/activity/${view}`)).status, 401)
  }
})

test('agnes admin usage|queries|performance: the same answers, as tables or JSON', async () => {
  const client = apiClient(s.url, admin.token)
  const u = await adminUsage(client, { days: 7 })
  const report = usageReport(u)
  assert.match(report.summary, /active \(DAU\).*Active means a successful query\.run, data\.download/)
  assert.deepEqual(report.people.map((p) => p.person).sort(), ['admin@example.com', 'ana@example.com'])
  const q = await adminQueries(client, { sort: 'calls', limit: 2, since: new Date(Date.now() - 3600_000).toISOString().slice(0, 10) })
  assert.equal(q.rows.length, 2)
  assert.deepEqual(queryTableRows(q).map((r) => r.calls), q.rows.map((r) => r.calls))
  const p = await adminPerformance(client, { route: '/api/health' })
  const pr = performanceReport(p)
  assert.ok(pr.routes.some((r) => r.route === 'GET /api/health'))
  assert.match(pr.audit, /^audit writer: \d+ rows written, 0 failed batches/)
  await assert.rejects(adminQueries(client, { sort: 'slowest' }), /--sort takes one of/)
})
