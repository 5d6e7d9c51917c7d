// Issue 11: no analyst can read, crash or stall what is not theirs. Each test here reproduces a hole found in the
// query endpoint as a hostile analyst would use it, and holds the fix.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer, waitForSyncJob } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let sources: string
const SECRET = 'TOPSECRET-payroll-4711'

async function sync(tables: string[]) {
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables } })
  assert.equal(trig.status, 202, trig.text)
  const job = await waitForSyncJob(s.url, admin.token, trig.body.job_id)
  assert.equal(job.status, 'done', JSON.stringify(job))
}

before(async () => {
  // Small limits so that each one can be reached quickly; the defaults are documented in docs/security.md.
  s = await startTestServer({ query: { maxResultBytes: 1024 * 1024, memoryLimitBytes: 256 * 1024 * 1024, perUserConcurrency: 2, instanceConcurrency: 4, maxSqlBytes: 64 * 1024 } })
  admin = await s.bootstrap()
  sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'pub.csv'), 'id,region\n1,north\n2,south\n')
  writeFileSync(join(sources, 'secret.csv'), `id,salary,note\n1,99000,${SECRET}\n`)
  for (const id of ['pub', 'secret']) {
    const r = await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id, source: { kind: 'file', path: join(sources, `${id}.csv`) } } })
    assert.equal(r.status, 201, r.text)
  }
  // A SQL table built from the secret one: reading it is reading secret data, so it needs its own grant.
  const derived = await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'secret_view', source: { kind: 'sql', sql: 'SELECT note FROM secret' } } })
  assert.equal(derived.status, 201, derived.text)
  await sync(['pub', 'secret', 'secret_view'])
  ana = await s.addUser(admin.token, 'ana@example.com')
  const g = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'analysts' } })
  await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token: admin.token, body: { user_id: ana.userId } })
  await call(s.url, 'POST', '/api/admin/grants', { token: admin.token, body: { group_id: g.body.id, resource: 'table:pub', permission: 'read' } })
})
after(async () => {
  await s.close()
})

const query = (token: string, sql: string, cid?: string) =>
  call(s.url, 'POST', '/api/query', { token, body: { sql }, headers: cid ? { 'x-correlation-id': cid } : {} })

test('an analyst granted only pub cannot read secret through CTE shadowing, files, catalogues or derived tables', async () => {
  const tablesDir = join(s.dataDir, 'analytics', 'tables')
  const attacks = [
    'WITH RECURSIVE secret AS (FROM secret UNION FROM secret) FROM secret',
    'WITH RECURSIVE secret AS (SELECT * FROM secret UNION ALL SELECT * FROM secret) SELECT * FROM secret',
    'WITH secret AS (FROM secret) FROM secret',
    'SELECT * FROM pub WHERE id IN (WITH RECURSIVE secret AS (FROM secret UNION FROM secret) SELECT id FROM secret)',
    'SELECT * FROM (WITH RECURSIVE secret AS (FROM secret UNION FROM secret) FROM secret) AS t',
    'WITH RECURSIVE a AS (WITH RECURSIVE secret AS (FROM secret UNION FROM secret) FROM secret) FROM a',
    'WITH RECURSIVE pub AS (FROM secret UNION FROM pub) FROM pub',
    `WITH RECURSIVE x AS (FROM '${join(sources, 'secret.csv')}' UNION FROM x) FROM x`,
    `WITH RECURSIVE x AS (FROM read_parquet('${join(tablesDir, 'secret.parquet')}') UNION FROM x) FROM x`,
    `WITH RECURSIVE x AS (FROM read_parquet('${tablesDir}/*.parquet') UNION FROM x) FROM x`,
    `WITH RECURSIVE x AS (FROM '${sources}/*.csv' UNION FROM x) FROM x`,
    'WITH RECURSIVE duckdb_tables AS (FROM duckdb_tables() UNION FROM duckdb_tables) FROM duckdb_tables',
    'WITH RECURSIVE t AS (SELECT table_name FROM duckdb_tables() UNION SELECT table_name FROM t) FROM t',
    'WITH RECURSIVE t AS (SELECT sql FROM duckdb_views() UNION SELECT sql FROM t) FROM t',
    'SELECT * FROM main.secret',
    'SELECT * FROM memory.main.secret',
    'FROM secret_view',
    'WITH RECURSIVE secret_view AS (FROM secret_view UNION FROM secret_view) FROM secret_view',
  ]
  for (const [i, sql] of attacks.entries()) {
    const r = await query(ana.token, sql, `iso-${i}`)
    assert.ok(r.status === 400 || r.status === 403, `${sql} → ${r.status} ${r.text.slice(0, 300)}`)
    assert.ok(!r.text.includes(SECRET) && !r.text.includes('99000'), `${sql} leaked: ${r.text.slice(0, 300)}`)
    assert.ok(!/secret\.(csv|parquet)"?\s*$/.test(r.body.error.message) || r.status === 400, sql)
    const [row] = await s.svc.store.audit.find({ correlationId: `iso-${i}` })
    assert.notEqual(row.result, 'success', sql)
  }
  // What the catalogue shows an analyst is only what they may read.
  const cat = await query(ana.token, 'WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM t WHERE n < 2) SELECT p.*, t.n FROM pub p, t ORDER BY 1, 3')
  assert.equal(cat.status, 200, cat.text)
  assert.equal(cat.body.row_count, 4)
})

test('the audit row names the tables the plan read, not the names in the text', async () => {
  const r = await query(ana.token, 'WITH regions AS (SELECT region FROM pub) SELECT count(*) AS n FROM regions', 'iso-plan')
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.body.rows, [[2]])
  const [row] = await s.svc.store.audit.find({ correlationId: 'iso-plan' })
  assert.deepEqual([row.result, row.resource, row.params?.tables], ['success', 'table:pub', ['pub']])
  // A query that reads no table says so.
  const none = await query(ana.token, 'SELECT 42 AS answer', 'iso-none')
  assert.deepEqual(none.body.rows, [[42]])
  assert.deepEqual((await s.svc.store.audit.find({ correlationId: 'iso-none' }))[0].params?.tables, [])
  // The admin may read every table; the derived table reads only its own file.
  const adm = await query(admin.token, 'SELECT note FROM secret_view', 'iso-admin')
  assert.deepEqual(adm.body.rows, [[SECRET]])
  assert.deepEqual((await s.svc.store.audit.find({ correlationId: 'iso-admin' }))[0].params?.tables, ['secret_view'])
})

test('a result over the byte budget is a 413 result_too_large naming the limit, and the server keeps serving', async () => {
  // The reproductions, scaled so DuckDB need not build a 2 GB first chunk: 4,000 rows of 1 MB took the process past
  // its heap limit, 600 rows answered 500 "Invalid string length"; 400 MB and 40 MB results now meet the budget.
  for (const sql of ["SELECT repeat('x', 100000) AS s FROM range(4000)", "SELECT repeat('x', 1000000) AS s FROM range(40)", "SELECT repeat('é', 20000) AS s FROM range(100)"]) {
    const r = await query(ana.token, sql, 'iso-big')
    assert.equal(r.status, 413, `${sql} → ${r.status} ${r.text.slice(0, 200)}`)
    assert.equal(r.body.error.code, 'result_too_large')
    assert.match(r.body.error.message, /1 MB.*AGNES_QUERY_MAX_RESULT_MB/)
  }
  const rows = await s.svc.store.audit.find({ correlationId: 'iso-big' })
  assert.equal(rows.length, 3)
  assert.ok(rows.every((row) => row.result === 'error.result_too_large'))
  assert.equal((await call(s.url, 'GET', '/api/health')).status, 200)
  const ok = await query(ana.token, "SELECT repeat('x', 1000) AS s FROM range(500)")
  assert.equal(ok.status, 200)
  assert.equal(ok.body.row_count, 500)
})

test('a query that needs more memory than its instance may use fails cleanly', async () => {
  const r = await query(ana.token, 'SELECT count(DISTINCT a.range::VARCHAR || b.range::VARCHAR) FROM range(20000) a, range(1000) b', 'iso-mem')
  assert.equal(r.status, 422, r.text.slice(0, 300))
  assert.equal(r.body.error.code, 'query_out_of_memory')
  assert.match(r.body.error.message, /AGNES_QUERY_MEMORY_MB/)
  assert.equal((await query(ana.token, 'SELECT count(*) AS n FROM pub')).body.rows[0][0], 2)
})

test('long queries past the caps get 429 too_many_queries, and the rest of the server stays fast', async () => {
  const cfg = await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { query_timeout_seconds: 4 } })
  assert.equal(cfg.status, 200, cfg.text)
  const ben = await s.addUser(admin.token, 'ben@example.com', { is_admin: true })
  const cara = await s.addUser(admin.token, 'cara@example.com', { is_admin: true })
  const slow = 'SELECT count(*) FROM range(100000) a, range(100000) b, range(1000) c'
  const started = performance.now()
  // Twice the instance cap: ana, ben and cara each send their per-user cap plus more.
  const inFlight = [ana, ana, ana, ben, ben, ben, cara, cara].map((u) => query(u.token, slow))
  const times: number[] = []
  try {
    await new Promise((r) => setTimeout(r, 500))
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now()
      const me = await call(s.url, 'GET', '/api/me', { token: admin.token })
      const feed = await call(s.url, 'GET', '/api/admin/activity/timeline?limit=20', { token: admin.token })
      times.push(performance.now() - t0)
      assert.equal(me.status, 200)
      assert.equal(feed.status, 200, feed.text)
    }
  } finally {
    await Promise.allSettled(inFlight)
  }
  const results = await Promise.all(inFlight)
  const statuses = results.map((r) => r.status).sort()
  // Four ran to their time limit (the instance cap); the others were refused at once.
  assert.deepEqual(statuses, [422, 422, 422, 422, 429, 429, 429, 429], results.map((r) => r.text.slice(0, 120)).join('\n'))
  for (const r of results.filter((x) => x.status === 429)) {
    assert.equal(r.body.error.code, 'too_many_queries')
    assert.equal(r.headers.get('retry-after'), '1')
  }
  for (const r of results.filter((x) => x.status === 422)) assert.equal(r.body.error.code, 'query_timeout')
  assert.ok(performance.now() - started < 15_000)
  times.sort((a, b) => a - b)
  const p95 = times[Math.floor(times.length * 0.95) - 1]
  // Loose on purpose (a busy CI machine); the bench reports the real figure.
  assert.ok(p95 < 1000, `p95 of /api/me + timeline under load: ${Math.round(p95)} ms`)
  // Slots are released: the next query runs.
  await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { query_timeout_seconds: null } })
  assert.equal((await query(ana.token, 'SELECT 1 AS x')).status, 200)
})

test('SQL ending in a line comment runs; SQL over the size limit is a 413 naming the setting', async () => {
  const r = await query(ana.token, 'SELECT count(*) AS n FROM pub -- how many?')
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.body.rows, [[2]])
  const semi = await query(ana.token, 'SELECT 1 AS one; -- done')
  assert.equal(semi.status, 200, semi.text)
  const huge = `SELECT count(*) FROM pub WHERE ${Array.from({ length: 10_000 }, (_, i) => `id <> ${i}`).join(' AND ')}`
  const big = await query(ana.token, huge, 'iso-sql-size')
  assert.equal(big.status, 413)
  assert.equal(big.body.error.code, 'sql_too_large')
  assert.match(big.body.error.message, /AGNES_QUERY_MAX_SQL_KB/)
  const [sizeRow] = await s.svc.store.audit.find({ correlationId: 'iso-sql-size' })
  assert.equal(sizeRow.result, 'error.sql_too_large')
  // The row says why, in the words the caller got, so the event drawer can show it.
  assert.deepEqual(sizeRow.params?.error, { code: 'sql_too_large', message: big.body.error.message, field: 'sql' })
})

test('parsing counts against the time limit', async () => {
  await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { query_timeout_seconds: 1 } })
  try {
    // Deeply nested expressions are slow to parse; the clock starts when the query host receives the text.
    const nested = `SELECT ${'('.repeat(2000)}1${')'.repeat(2000)} + count(*) FROM pub, range(100000) a, range(100000) b`
    const t0 = performance.now()
    const r = await query(ana.token, nested)
    assert.ok([400, 422].includes(r.status), r.text.slice(0, 200))
    assert.ok(performance.now() - t0 < 6_000)
  } finally {
    await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { query_timeout_seconds: null } })
  }
})

test("a sync job's details are for the person who started it and admins only", async () => {
  const g = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'pub-readers' } })
  const dan = await s.addUser(admin.token, 'dan@example.com')
  await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token: admin.token, body: { user_id: dan.userId } })
  await call(s.url, 'POST', '/api/admin/grants', { token: admin.token, body: { group_id: g.body.id, resource: 'table:pub', permission: 'read' } })
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: ana.token, body: { tables: ['pub'] } })
  assert.equal(trig.status, 202, trig.text)
  const other = await call(s.url, 'GET', `/api/sync/jobs/${trig.body.job_id}`, { token: dan.token })
  assert.equal(other.status, 404)
  assert.ok(!other.text.includes('pub'))
  assert.equal((await call(s.url, 'GET', `/api/sync/jobs/${trig.body.job_id}`, { token: ana.token })).status, 200)
  assert.equal((await call(s.url, 'GET', `/api/sync/jobs/${trig.body.job_id}`, { token: admin.token })).status, 200)
})
