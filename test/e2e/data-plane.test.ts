import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync, readdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer, waitForSyncJob } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }
let sources: string

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,customer,amount,ordered_at\n1,acme,120.50,2026-11-01\n2,globex,80.00,2026-11-02\n3,acme,42.25,2026-11-03\n')
  writeFileSync(join(sources, 'broken.parquet'), 'this is a text file pretending to be Parquet\n')
})
after(async () => {
  await s.close()
})

const audit = (cid: string) => s.svc.store.audit.find({ correlationId: cid })

test('register → sync → poll → query → download → scripts, each step with exactly one audit row', async () => {
  const reg = await call(s.url, 'POST', '/api/admin/tables', {
    token: admin.token, headers: { 'x-correlation-id': 'dp-register' },
    body: { id: 'orders', source: { kind: 'file', path: join(sources, 'orders.csv') }, sync_interval_minutes: 60 },
  })
  assert.equal(reg.status, 201, reg.text)
  assert.deepEqual(reg.body.source, { kind: 'file', path: join(sources, 'orders.csv'), format: 'csv' })
  const [regRow, ...moreReg] = await audit('dp-register')
  assert.equal(moreReg.length, 0)
  assert.deepEqual([regRow.action, regRow.resource, regRow.result], ['table.register', 'table:orders', 'success'])

  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['orders'] }, headers: { 'x-correlation-id': 'dp-sync' } })
  assert.equal(trig.status, 202, trig.text)
  assert.match(trig.body.job_id, /^[0-9a-f-]{36}$/)
  const job = await waitForSyncJob(s.url, admin.token, trig.body.job_id)
  assert.equal(job.status, 'done')
  assert.equal(job.tables.length, 1)
  assert.deepEqual([job.tables[0].table_id, job.tables[0].status, job.tables[0].rows], ['orders', 'success', 3])
  // The trigger's row, and the table's run as a row of its own in the same operation (same correlation id).
  const syncRows = (await audit('dp-sync')).sort((a, b) => a.action.localeCompare(b.action))
  assert.deepEqual(syncRows.map((r) => [r.action, r.resource, r.result]), [['sync.run', 'table:orders', 'success'], ['sync.trigger', 'table:orders', 'success']])
  assert.equal(syncRows[1].params?.job_id, trig.body.job_id)
  assert.deepEqual([syncRows[0].params?.job_id, syncRows[0].params?.rows], [trig.body.job_id, 3])
  const history = await s.svc.store.tables.historyForJob(trig.body.job_id)
  assert.equal(history.length, 1)
  assert.deepEqual([history[0].table_id, history[0].rows, history[0].status, history[0].error], ['orders', 3, 'success', null])
  assert.ok((history[0].duration_ms ?? -1) >= 0)

  const q = await call(s.url, 'POST', '/api/query', {
    token: admin.token, headers: { 'x-correlation-id': 'dp-query' },
    body: { sql: 'SELECT customer, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer ORDER BY customer' },
  })
  assert.equal(q.status, 200, q.text)
  assert.deepEqual(q.body.columns.map((c: { name: string }) => c.name), ['customer', 'total', 'n'])
  assert.deepEqual(q.body.rows, [['acme', 162.75, 2], ['globex', 80, 1]])
  assert.equal(q.body.row_count, 2)
  assert.equal(q.body.truncated, false)
  assert.equal(typeof q.body.duration_ms, 'number')
  const [qRow, ...moreQ] = await audit('dp-query')
  assert.equal(moreQ.length, 0)
  assert.deepEqual([qRow.action, qRow.resource, qRow.result], ['query.run', 'table:orders', 'success'])
  assert.deepEqual(qRow.params?.tables, ['orders'])
  assert.equal(qRow.params?.rows, 2)

  const limited = await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT * FROM orders ORDER BY order_id', limit: 2 } })
  assert.equal(limited.body.row_count, 2)
  assert.equal(limited.body.truncated, true)

  const csv = await fetch(`${s.url}/api/data/orders/download?format=csv`, { headers: { authorization: `Bearer ${admin.token}`, 'x-correlation-id': 'dp-csv' } })
  assert.equal(csv.status, 200)
  assert.match(csv.headers.get('content-type') ?? '', /text\/csv/)
  const text = await csv.text()
  assert.equal(text.trim().split('\n')[0], 'order_id,customer,amount,ordered_at')
  assert.equal(text.trim().split('\n').length, 4)
  const [dlRow] = await audit('dp-csv')
  assert.deepEqual([dlRow.action, dlRow.resource, dlRow.result, dlRow.params?.format, dlRow.params?.bytes], ['data.download', 'table:orders', 'success', 'csv', Buffer.byteLength(text)])

  const pq = await fetch(`${s.url}/api/data/orders/download`, { headers: { authorization: `Bearer ${admin.token}` } })
  assert.equal(pq.status, 200)
  const bytes = Buffer.from(await pq.arrayBuffer())
  assert.equal(bytes.subarray(0, 4).toString(), 'PAR1', 'a Parquet file')
  // The temporary export is removed when its stream closes, just after the client has read it.
  for (let i = 0; i < 100 && readdirSync(s.svc.analytics.exportDir).length; i++) await new Promise((r) => setTimeout(r, 20))
  assert.equal(readdirSync(s.svc.analytics.exportDir).length, 0, 'export files are removed once streamed')

  const script = await call(s.url, 'POST', '/api/admin/scripts', {
    token: admin.token, headers: { 'x-correlation-id': 'dp-script' },
    body: { id: 'revenue_by_customer', sql: 'SELECT customer, sum(amount) AS revenue FROM orders GROUP BY customer', schedule: '*/5 * * * *' },
  })
  assert.equal(script.status, 201, script.text)
  assert.equal((await audit('dp-script'))[0].action, 'script.create')
  // Make it due now, as the clock would.
  await s.svc.store.scripts.recordRun('revenue_by_customer', new Date().toISOString(), 'success', null, new Date(Date.now() - 1000).toISOString())
  const due = await call(s.url, 'POST', '/api/scripts/run-due', { token: admin.token, body: {}, headers: { 'x-correlation-id': 'dp-due' } })
  assert.equal(due.status, 200, due.text)
  assert.deepEqual(due.body, { ran: ['revenue_by_customer'], failed: [] })
  const dueRows = await audit('dp-due')
  assert.deepEqual(dueRows.map((r) => r.action).sort(), ['script.run', 'script_runner.tick'])
  assert.equal(dueRows.find((r) => r.action === 'script.run')?.resource, 'script:revenue_by_customer')
  const derived = await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT * FROM revenue_by_customer ORDER BY customer' } })
  assert.deepEqual(derived.body.rows, [['acme', 162.75], ['globex', 80]])
  const again = await call(s.url, 'POST', '/api/scripts/run-due', { token: admin.token, body: {} })
  assert.deepEqual(again.body, { ran: [], failed: [] }, 'nothing is due right after a run')
})

test('SQL that is not a read-only SELECT over known tables is refused with 400 invalid_sql and changes nothing', async () => {
  const refused = [
    'DELETE FROM orders',
    'INSERT INTO orders VALUES (9, \'x\', 1, \'2026-01-01\')',
    'UPDATE orders SET amount = 0',
    'DROP TABLE orders',
    'CREATE TABLE evil AS SELECT 1',
    "ATTACH '/tmp/evil.duckdb' AS evil",
    "COPY orders TO '/tmp/stolen.csv'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    'SELECT 1; DROP TABLE orders',
    'PRAGMA database_list',
    "SET enable_external_access = true",
    'SELECT * FROM no_such_table',
    'SELECT * FROM duckdb_settings()',
  ]
  for (const sql of refused) {
    const cid = `bad-sql-${refused.indexOf(sql)}`
    const r = await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql }, headers: { 'x-correlation-id': cid } })
    assert.equal(r.status, 400, `${sql}: ${r.text}`)
    assert.equal(r.body.error.code, 'invalid_sql', sql)
    assert.equal((await audit(cid))[0].result, 'error.invalid_sql', sql)
  }
  const still = await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT count(*) AS n FROM orders' } })
  assert.deepEqual(still.body.rows, [[3]])
})

test('grants decide which tables a non-admin may query, download and sync', async () => {
  const ana = await s.addUser(admin.token, 'ana@example.com')
  const denied = await call(s.url, 'POST', '/api/query', { token: ana.token, body: { sql: 'SELECT * FROM orders' }, headers: { 'x-correlation-id': 'grant-denied' } })
  assert.equal(denied.status, 403)
  assert.equal((await audit('grant-denied'))[0].result, 'denied')
  assert.equal((await call(s.url, 'GET', '/api/data/orders/download', { token: ana.token })).status, 403)
  assert.equal((await call(s.url, 'POST', '/api/sync/trigger', { token: ana.token, body: { tables: ['orders'] } })).status, 403)
  assert.deepEqual((await call(s.url, 'GET', '/api/tables', { token: ana.token })).body.rows, [])

  const g = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'sales' } })
  await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token: admin.token, body: { user_id: ana.userId } })
  await call(s.url, 'POST', '/api/admin/grants', { token: admin.token, body: { group_id: g.body.id, resource: 'table:orders', permission: 'read' } })
  const ok = await call(s.url, 'POST', '/api/query', { token: ana.token, body: { sql: 'SELECT count(*) AS n FROM orders' } })
  assert.equal(ok.status, 200)
  assert.deepEqual(ok.body.rows, [[3]])
  // Still no access to the script's table, even inside a join.
  const join = await call(s.url, 'POST', '/api/query', { token: ana.token, body: { sql: 'SELECT * FROM orders o JOIN revenue_by_customer r USING (customer)' } })
  assert.equal(join.status, 403)
  assert.match(join.body.error.message, /revenue_by_customer/)
  assert.deepEqual((await call(s.url, 'GET', '/api/tables', { token: ana.token })).body.rows.map((r: { id: string }) => r.id), ['orders'])
})

test('a file source must be inside AGNES_SOURCE_DIRS, also through symlinks and ..', async () => {
  for (const path of ['/etc/passwd', join(sources, '..', 'state', 'system.duckdb'), '../../etc/hosts']) {
    const r = await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'sneaky', source: { kind: 'file', path, format: 'csv' } } })
    assert.equal(r.status, 400, path)
    assert.equal(r.body.error.code, 'path_outside_sources')
  }
  assert.equal(await s.svc.store.tables.byId('sneaky'), undefined)
  // A link inside the folder that points outside is caught when the sync reads it.
  symlinkSync('/etc/hosts', join(sources, 'link.csv'))
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'linked', source: { kind: 'file', path: join(sources, 'link.csv') } } })
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['linked'] } })
  const job = await waitForSyncJob(s.url, admin.token, trig.body.job_id)
  assert.equal(job.status, 'failed')
  assert.match(job.tables[0].error, /outside the source folders/)
})

test('a missing or malformed source gives an error row with a readable message, never a crash', async () => {
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'missing', source: { kind: 'file', path: join(sources, 'nope.csv') } } })
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'broken', source: { kind: 'file', path: join(sources, 'broken.parquet') } } })
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['missing', 'broken', 'orders'] } })
  assert.equal(trig.status, 202)
  const job = await waitForSyncJob(s.url, admin.token, trig.body.job_id)
  assert.equal(job.status, 'failed')
  const byId = Object.fromEntries(job.tables.map((t: { table_id: string }) => [t.table_id, t]))
  assert.equal(byId.missing.status, 'error')
  assert.match(byId.missing.error, /source file not found/)
  assert.equal(byId.broken.status, 'error')
  assert.ok(byId.broken.error.length > 10)
  assert.equal(byId.orders.status, 'success', 'one bad table does not stop the others')
  assert.equal((await call(s.url, 'GET', '/api/health')).status, 200)

  // The trigger succeeded, but the red Syncs card must lead to evidence: each failed table run is an audit row.
  const health = await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
  const card = health.body.fields.find((f: { key: string }) => f.key === 'sync_24h')
  assert.notEqual(card.color, 'green')
  const evidence = await call(s.url, 'GET', `/api/admin/activity/timeline?${new URLSearchParams(card.click_filter)}`, { token: admin.token })
  assert.equal(evidence.status, 200, evidence.text)
  const failedRuns = evidence.body.rows.filter((r: { params: { job_id?: string } }) => r.params.job_id === trig.body.job_id)
  assert.deepEqual(failedRuns.map((r: { resource: string; result: string }) => [r.resource, r.result]).sort(), [['table:broken', 'error.sync_failed'], ['table:missing', 'error.sync_failed']])
  // A filter on one table finds its runs even when the trigger named several tables.
  const byTable = await call(s.url, 'GET', '/api/admin/activity/timeline?resource=table:missing', { token: admin.token })
  assert.ok(byTable.body.rows.some((r: { action: string }) => r.action === 'sync.run'), byTable.text.slice(0, 300))
})

test('a second trigger for a table that is syncing is a 409 audited as error.in_progress', async () => {
  // Hold the table's lease as a running job would.
  assert.ok(await s.svc.store.locks.acquire('sync:orders', 'someone-else', 60_000))
  const r = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['orders'] }, headers: { 'x-correlation-id': 'dp-409' } })
  assert.equal(r.status, 409)
  assert.equal(r.body.error.code, 'sync_in_progress')
  assert.equal((await audit('dp-409'))[0].result, 'error.in_progress')
  await s.svc.store.locks.release('sync:orders', 'someone-else')
  const ok = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['orders'] } })
  assert.equal(ok.status, 202)
  await waitForSyncJob(s.url, admin.token, ok.body.job_id)
})

test('SQL tables are synced after the tables they read', async () => {
  const r = await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'big_orders', source: { kind: 'sql', sql: 'SELECT * FROM orders WHERE amount > 50' } } })
  assert.equal(r.status, 201, r.text)
  const bad = await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'bad_sql', source: { kind: 'sql', sql: 'DELETE FROM orders' } } })
  assert.equal(bad.status, 400)
  assert.equal(bad.body.error.code, 'invalid_sql')
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['big_orders', 'orders'] } })
  const job = await waitForSyncJob(s.url, admin.token, trig.body.job_id)
  assert.equal(job.status, 'done')
  const q = await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT count(*) FROM big_orders' } })
  assert.deepEqual(q.body.rows, [[2]])
  const del = await call(s.url, 'DELETE', '/api/admin/tables/orders', { token: admin.token })
  assert.equal(del.status, 409, 'a table others are built from cannot be removed first')
})

test('a script is rescheduled and run now on its own: the answer and a script.run row say how the run went', async () => {
  const create = (id: string, sql: string) => call(s.url, 'POST', '/api/admin/scripts', { token: admin.token, body: { id, sql, schedule: '0 6 * * *' } })
  assert.equal((await create('acme_orders', "SELECT * FROM orders WHERE customer = 'acme'")).status, 201)
  const r = await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'unsynced', source: { kind: 'file', path: join(sources, 'orders.csv') } } })
  assert.equal(r.status, 201, r.text)
  assert.equal((await create('from_unsynced', 'SELECT * FROM unsynced')).status, 201)

  const bad = await call(s.url, 'PATCH', '/api/admin/scripts/acme_orders', { token: admin.token, body: { schedule: '0 25 * * *' } })
  assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.field], [400, 'invalid_schedule', 'schedule'])
  const moved = await call(s.url, 'PATCH', '/api/admin/scripts/acme_orders', { token: admin.token, body: { schedule: '30 7 * * *' }, headers: { 'x-correlation-id': 'dp-reschedule' } })
  assert.equal(moved.status, 200, moved.text)
  assert.match(moved.body.next_run_at, /T07:30:00\.000Z$/, 'the next run follows the new schedule')
  const [row] = await audit('dp-reschedule')
  assert.deepEqual([row.action, row.resource, row.params_before?.schedule, row.params?.schedule], ['script.update', 'script:acme_orders', '0 6 * * *', '30 7 * * *'])
  assert.equal((await call(s.url, 'PATCH', '/api/admin/scripts/nope', { token: admin.token, body: { schedule: '0 * * * *' } })).status, 404)

  const ran = await call(s.url, 'POST', '/api/admin/scripts/acme_orders/run', { token: admin.token, body: {}, headers: { 'x-correlation-id': 'dp-run-now' } })
  assert.equal(ran.status, 200, ran.text)
  assert.deepEqual([ran.body.rows, ran.body.last_status, ran.body.last_error, ran.body.schedule], [2, 'success', null, '30 7 * * *'])
  assert.deepEqual((await audit('dp-run-now')).map((x) => [x.action, x.resource, x.result]).sort(), [['script.run', 'script:acme_orders', 'success'], ['script.trigger', 'script:acme_orders', 'success']])

  // A failing run is an answer, not an error: the run happened, and its error is the script's last result.
  const failed = await call(s.url, 'POST', '/api/admin/scripts/from_unsynced/run', { token: admin.token, body: {}, headers: { 'x-correlation-id': 'dp-run-fails' } })
  assert.equal(failed.status, 200, failed.text)
  assert.deepEqual([failed.body.rows, failed.body.last_status], [null, 'error'])
  assert.match(failed.body.last_error, /unsynced/)
  const runRow = (await audit('dp-run-fails')).find((x) => x.action === 'script.run')!
  assert.deepEqual([runRow.result, runRow.params?.error], ['error.script_failed', failed.body.last_error])

  // While another run holds the script's lease: 409, and nothing runs.
  assert.ok(await s.svc.store.locks.acquire('script:acme_orders', 'someone-else', 60_000))
  const busy = await call(s.url, 'POST', '/api/admin/scripts/acme_orders/run', { token: admin.token, body: {}, headers: { 'x-correlation-id': 'dp-run-busy' } })
  assert.deepEqual([busy.status, busy.body.error.code], [409, 'in_progress'])
  assert.deepEqual((await audit('dp-run-busy')).map((x) => [x.action, x.result]), [['script.trigger', 'error.in_progress']])
  await s.svc.store.locks.release('script:acme_orders', 'someone-else')
  assert.equal((await call(s.url, 'POST', '/api/admin/scripts/nope/run', { token: admin.token, body: {} })).status, 404)
})
