import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer, waitForSyncJob } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  mkdirSync(s.config.sourceDirs[0], { recursive: true })
  writeFileSync(join(s.config.sourceDirs[0], 'sales.csv'), 'region,amount\nnorth,10\nsouth,20\n')
})
after(async () => {
  await s.close()
})

const tl = (query: string, token = admin.token) => call(s.url, 'GET', `/api/admin/activity/timeline?${query}`, { token })

test('every audited data-plane endpoint can be found in the timeline by its correlation id, and followed to its related records', async () => {
  const steps: Array<[string, string, string, unknown, string]> = [
    ['POST', '/api/admin/tables', 'table.register', { id: 'sales', source: { kind: 'file', path: 'sales.csv' } }, 'table:sales'],
    ['POST', '/api/sync/trigger', 'sync.trigger', { tables: ['sales'] }, 'table:sales'],
    ['POST', '/api/query', 'query.run', { sql: "SELECT * FROM sales WHERE region = 'north'" }, 'table:sales'],
    ['GET', '/api/data/sales/download?format=csv', 'data.download', undefined, 'table:sales'],
    ['POST', '/api/admin/scripts', 'script.create', { id: 'sales_total', sql: 'SELECT sum(amount) AS total FROM sales', schedule: '0 * * * *' }, 'script:sales_total'],
    ['POST', '/api/scripts/run-due', 'script_runner.tick', {}, ''],
  ]
  let jobId = ''
  for (const [method, path, action, body, resource] of steps) {
    const cid = `act-${action}`
    const r = await call(s.url, method, path, { token: admin.token, body, headers: { 'x-correlation-id': cid } })
    assert.ok(r.status < 300, `${action}: ${r.status} ${r.text.slice(0, 200)}`)
    if (action === 'sync.trigger') {
      jobId = r.body.job_id
      await waitForSyncJob(s.url, admin.token, jobId)
    }
    const found = await tl(`correlation_id=${cid}`)
    assert.equal(found.status, 200)
    const rows = found.body.rows.filter((x: { action: string }) => x.action === action)
    assert.equal(rows.length, 1, `${action} appears once`)
    assert.equal(rows[0].result, 'success')
    assert.equal(rows[0].user_email, 'admin@example.com')
    if (resource) assert.equal(rows[0].resource, resource)
  }
  const syncEvent = (await tl('correlation_id=act-sync.trigger')).body.rows[0]
  const ev = await call(s.url, 'GET', `/api/admin/activity/events/${syncEvent.id}`, { token: admin.token })
  assert.equal(ev.status, 200)
  assert.equal(ev.body.event.id, syncEvent.id)
  const hist = ev.body.related.filter((r: { kind: string }) => r.kind === 'sync_history')
  assert.equal(hist.length, 1)
  assert.deepEqual([hist[0].record.table_id, hist[0].record.job_id, hist[0].record.rows, hist[0].record.status], ['sales', jobId, 2, 'success'])
})

test('a session upload and a failure_scan run appear in the timeline, and the run leads to the findings it produced', async () => {
  const lines = [
    { type: 'user', message: { role: 'user', content: 'list the files' }, timestamp: '2026-11-20T10:00:00.000Z', uuid: 'u1' },
    { type: 'assistant', message: { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls /nope' } }] }, timestamp: '2026-11-20T10:00:01.000Z', uuid: 'a1' },
    { type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: 'ls: cannot access /nope: No such file or directory' }] }, timestamp: '2026-11-20T10:00:02.000Z', uuid: 'u2' },
    { type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: 'That folder does not exist.' }] }, timestamp: '2026-11-20T10:00:03.000Z', uuid: 'a2' },
  ]
  const up = await call(s.url, 'POST', '/api/upload/sessions?filename=stuck.jsonl', {
    token: admin.token, rawBody: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', headers: { 'content-type': 'application/octet-stream', 'x-correlation-id': 'act-upload' },
  })
  assert.equal(up.status, 201, up.text)
  const [uploadRow] = (await tl('correlation_id=act-upload')).body.rows
  assert.deepEqual([uploadRow.action, uploadRow.result, uploadRow.resource], ['session.upload', 'success', 'session:admin/stuck.jsonl'])

  const run = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=failure_scan', { token: admin.token, headers: { 'x-correlation-id': 'act-scan' } })
  assert.equal(run.status, 200, run.text)
  const [runRow] = (await tl('correlation_id=act-scan')).body.rows
  assert.equal(runRow.action, 'run_session_processor:failure_scan')
  const ev = await call(s.url, 'GET', `/api/admin/activity/events/${runRow.id}`, { token: admin.token })
  const findings = ev.body.related.filter((r: { kind: string }) => r.kind === 'session_finding')
  assert.equal(findings.length, 1)
  assert.deepEqual([findings[0].record.session_file, findings[0].record.finding_type, findings[0].record.line], ['admin/stuck.jsonl', 'tool_error', 3])
})

test('SQL literals are masked for display; revealing raw values is audited', async () => {
  const row = (await tl('action_prefix=query.run&correlation_id=act-query.run')).body.rows[0]
  assert.equal(row.params.sql, 'SELECT * FROM sales WHERE region = ?')
  // Revealing is a POST (a GET never reveals: test/e2e/signin-hardening.test.ts).
  const raw = await call(s.url, 'POST', `/api/admin/activity/events/${row.id}/reveal`, { token: admin.token, headers: { 'x-correlation-id': 'reveal-1' } })
  assert.equal(raw.status, 200, raw.text)
  assert.equal(raw.body.event.params.sql, "SELECT * FROM sales WHERE region = 'north'")
  const reveal = await s.svc.store.audit.find({ correlationId: 'reveal-1' })
  assert.deepEqual(reveal.map((r) => [r.action, r.resource]), [['audit.reveal_raw', `audit:${row.id}`]])
})

test('KPIs and facets agree with the timeline for the same filters', async () => {
  // A failing query and a denied request add variety.
  await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'DROP TABLE sales' } })
  const ana = await s.addUser(admin.token, 'ana@example.com')
  await call(s.url, 'POST', '/api/query', { token: ana.token, body: { sql: 'SELECT * FROM sales' } })
  const combos = ['', 'result_class=error', 'action_prefix=query', 'client_kind=api&result_class=success', `user_id=${ana.userId}`, 'action_in=query.run,table.register', 'q=sales', 'result_pattern=error.%25']
  for (const c of combos) {
    let all: unknown[] = []
    let cursor: string | null = null
    do {
      const page = await tl(`${c}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(page.status, 200, `${c}: ${page.text}`)
      all = all.concat(page.body.rows)
      cursor = page.body.next_cursor
    } while (cursor)
    const k = await call(s.url, 'GET', `/api/admin/activity/kpis?${c}`, { token: admin.token })
    const f = await call(s.url, 'GET', `/api/admin/activity/facets?${c}`, { token: admin.token })
    assert.equal(f.status, 200, `facets '${c}': ${f.text}`)
    assert.equal(k.body.events, all.length, `kpis for '${c}'`)
    const sum = (xs: Array<{ count: number }>) => xs.reduce((a, x) => a + x.count, 0)
    assert.equal(sum(f.body.result_class), all.length, `result_class facet for '${c}'`)
    assert.equal(sum(f.body.client_kind), all.length, `client_kind facet for '${c}'`)
    const errors = all.filter((r: any) => r.result.startsWith('error.')).length
    assert.equal(k.body.errors, errors)
  }
  const errs = await tl('result_class=error')
  assert.ok(errs.body.rows.length >= 1)
  assert.ok(errs.body.rows.every((r: { result: string }) => r.result.startsWith('error.')))
  const denied = await tl(`user_id=${ana.userId}&result_class=denied`)
  assert.equal(denied.body.rows.length, 1)
})

test('the cursor stays stable while new rows arrive', async () => {
  const first = await tl('limit=2')
  const second = await tl(`limit=2&cursor=${first.body.next_cursor}`)
  await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'newcomers' } })
  const again = await tl(`limit=2&cursor=${first.body.next_cursor}`)
  assert.deepEqual(again.body.rows.map((r: { id: number }) => r.id), second.body.rows.map((r: { id: number }) => r.id))
})

test('reading writes one activity.read per actor and filters per 60 s; the health poll writes none; self reads are hidden by default', async () => {
  const before = (await s.svc.store.audit.find({ action: 'activity.read', limit: 1000 })).length
  await tl('action_prefix=user.&client_kind=web')
  await tl('action_prefix=user.&client_kind=web')
  await call(s.url, 'GET', '/api/admin/activity/kpis?action_prefix=user.&client_kind=web', { token: admin.token })
  const mid = (await s.svc.store.audit.find({ action: 'activity.read', limit: 1000 })).length
  assert.equal(mid - before, 1)
  await tl('action_prefix=token.')
  assert.equal((await s.svc.store.audit.find({ action: 'activity.read', limit: 1000 })).length - mid, 1)
  const h1 = (await s.svc.store.audit.count())
  const health = await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
  assert.equal(health.status, 200)
  assert.equal(await s.svc.store.audit.count(), h1, 'the health poll writes nothing')
  const hidden = await tl('action_prefix=activity.read')
  assert.equal(hidden.body.rows.length, 0)
  const shown = await tl('action_prefix=activity.read&include_self_reads=true')
  assert.ok(shown.body.rows.length >= 2)
})

test('the health pulse has every field with colours and a sentence', async () => {
  await s.svc.store.shared.purgeExpired(new Date(Date.now() + 60_000)) // drop the 30 s cache
  const h = await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
  assert.deepEqual(h.body.fields.map((f: { key: string }) => f.key), ['scheduler', 'sync_24h', 'active_users_today', 'memory_pipeline', 'session_ingest', 'audit_writes', 'diagnose_warnings', 'audit_chain'])
  const byKey = Object.fromEntries(h.body.fields.map((f: { key: string }) => [f.key, f]))
  assert.deepEqual(byKey.sync_24h.raw, { ok: 1, failed: 0 })
  // The admin ran queries and synced; ana's only query was refused (no grant), which makes nobody active.
  assert.equal(byKey.active_users_today.raw, 1)
  assert.equal(byKey.audit_writes.color, 'green')
  assert.match(byKey.diagnose_warnings.raw.join(' '), /scheduler is off/)
  assert.ok(['green', 'yellow', 'red'].includes(h.body.status))
  assert.equal(typeof h.body.sentence, 'string')
})

test('the sync grid shows every table, including one that never synced and one that is overdue', async () => {
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'never_synced', source: { kind: 'file', path: 'sales.csv' }, sync_interval_minutes: 60 } })
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'late', source: { kind: 'file', path: 'sales.csv' }, sync_interval_minutes: 60 } })
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString()
  await s.svc.store.tables.insertHistory({ table_id: 'late', job_id: null, synced_at: hoursAgo(3), rows: 2, duration_ms: 3, status: 'success', error: null })
  // Written after the real sync but dated earlier: the newest run by time still decides.
  await s.svc.store.tables.insertHistory({ table_id: 'sales', job_id: null, synced_at: hoursAgo(3), rows: null, duration_ms: 3, status: 'error', error: 'old failure' })
  const g = await call(s.url, 'GET', '/api/admin/activity/sync', { token: admin.token })
  const byId = Object.fromEntries(g.body.tables.map((t: { table_id: string }) => [t.table_id, t]))
  assert.deepEqual([byId.never_synced.status, byId.never_synced.last_run_at, byId.never_synced.rows, byId.never_synced.overdue], ['never', null, null, false])
  assert.deepEqual([byId.sales.status, byId.sales.rows, byId.sales.runs_24h, byId.sales.failures_24h, byId.sales.overdue], ['success', 2, 2, 1, false])
  assert.equal(byId.sales.next_expected_at, null, 'no interval, no expectation')
  assert.deepEqual([byId.late.status, byId.late.overdue], ['success', true])
  assert.equal(byId.late.next_expected_at, new Date(Date.parse(byId.late.last_run_at) + 3600_000).toISOString())
})

test('bad filters answer 400 with the error shape', async () => {
  const bad = [
    'result_class=broken', 'since=2026-11-24T10:00:00Z&until=2026-11-24T09:00:00Z', 'cursor=not-a-cursor',
    `cursor=${Buffer.from('["yesterday", -1]').toString('base64url')}`, 'limit=0', 'limit=10000', 'since=last-tuesday',
    'client_kind=robot', 'unknown_filter=1', 'include_self_reads=maybe', 'result_pattern=error;drop',
  ]
  for (const q of bad) {
    const r = await tl(q)
    assert.equal(r.status, 400, q)
    assert.match(r.body.error.code, /^[a-z_]+$/)
    const k = await call(s.url, 'GET', `/api/admin/activity/kpis?${q}`, { token: admin.token })
    assert.ok(k.status === 400 || q.startsWith('cursor'), `kpis ${q}: ${k.status}`)
  }
  assert.equal((await call(s.url, 'GET', '/api/admin/activity/events/999999', { token: admin.token })).status, 404)
  assert.equal((await call(s.url, 'GET', '/api/admin/activity/events/abc', { token: admin.token })).status, 400)
})

test('export streams the filter as CSV or NDJSON and is audited', async () => {
  const nd = await fetch(`${s.url}/api/admin/activity/export?format=ndjson&action_prefix=query`, { headers: { authorization: `Bearer ${admin.token}`, 'x-correlation-id': 'exp-1' } })
  assert.equal(nd.status, 200)
  const lines = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l))
  const tlRows = (await tl('action_prefix=query&limit=500')).body.rows
  assert.deepEqual(lines.map((l) => l.id), tlRows.map((r: { id: number }) => r.id))
  const csv = await fetch(`${s.url}/api/admin/activity/export?format=csv&action_prefix=query`, { headers: { authorization: `Bearer ${admin.token}` } })
  const text = await csv.text()
  assert.equal(text.split('\n')[0], 'id,timestamp,user_id,user_email,action,resource,params,params_before,result,duration_ms,client_ip,client_kind,correlation_id')
  assert.equal(text.trim().split('\n').length, tlRows.length + 1)
  const [row] = await s.svc.store.audit.find({ correlationId: 'exp-1' })
  assert.deepEqual([row.action, row.params?.format], ['activity.export', 'ndjson'])
})

test('/activity-center redirects to /admin/activity with 308', async () => {
  const r = await fetch(`${s.url}/activity-center`, { redirect: 'manual' })
  assert.equal(r.status, 308)
  assert.equal(r.headers.get('location'), '/admin/activity')
})

/** A stand-in for PostHog's capture API on 127.0.0.1 that records what it received. */
async function fakePostHog(): Promise<{ url: string; events: Array<{ event: string; properties: Record<string, unknown> }>; close(): Promise<void> }> {
  const events: Array<{ event: string; properties: Record<string, unknown> }> = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      let body = Buffer.concat(chunks)
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      try {
        const data = JSON.parse(body.toString('utf8'))
        for (const e of data.batch ?? [data]) events.push({ event: e.event, properties: e.properties ?? {} })
      } catch {
        // not JSON: ignore
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":1}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}`, events, close: () => new Promise((r) => server.close(() => r())) }
}

test('PostHog receives activity_health_viewed and filter names (never values) when configured, and nothing when not', async () => {
  const ph = await fakePostHog()
  const withKey = await startTestServer({ posthog: { apiKey: 'phc_test', host: ph.url } })
  try {
    const a = await withKey.bootstrap()
    await call(withKey.url, 'GET', '/api/admin/activity/health', { token: a.token })
    await call(withKey.url, 'GET', '/api/admin/activity/timeline?action_prefix=user.&q=secret-value', { token: a.token })
    await withKey.svc.product.shutdown()
    const names = ph.events.map((e) => e.event)
    assert.ok(names.includes('activity_health_viewed'), JSON.stringify(names))
    const filtered = ph.events.find((e) => e.event === 'activity_timeline_filtered')!
    assert.deepEqual(filtered.properties.filters, ['action_prefix', 'q'])
    assert.ok(!JSON.stringify(ph.events).includes('secret-value'), 'filter values never leave the server')
  } finally {
    await withKey.close()
  }
  const before = ph.events.length
  await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
  await call(s.url, 'GET', '/api/admin/activity/timeline?action_prefix=user.', { token: admin.token })
  await s.svc.product.shutdown()
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(ph.events.length, before, 'without a key nothing is sent')
  assert.equal(s.svc.product.enabled, false)
  await ph.close()
})
