// The events-over-time histogram, the KPIs' previous period and the sync grid's recent runs, end to end over HTTP:
// the histogram answers the same rows as the timeline for the same filters (per class and per bucket), its bucket size
// follows the range, the KPIs of the previous period of the same length are exact, and each table's latest runs come
// oldest first.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call, type TestServer } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }
let bo: { token: string; userId: string }
const HOUR = 3600_000
const DAY = 24 * HOUR
/** Whole minutes, so the seeded rows sit well inside their buckets. */
const base = Math.floor(Date.now() / 60_000) * 60_000

type Row = { timestamp: string; result: string }
type Bucket = { start: string; success: number; error: number; denied: number; other: number }

/** One audit row written as the audit writer would for a request at `at` (days and hours before `base`). */
function seed(at: number, action: string, result: string, user = bo) {
  return s.svc.audit.record({
    timestamp: new Date(at).toISOString(), action, result, user_id: user.userId, user_email: 'bo@example.com', resource: 'table:orders',
    params: { sql: 'SELECT 1' }, duration_ms: 12, client_ip: '127.0.0.1', client_kind: 'cli', correlation_id: `seed-${at}-${action}`,
  })
}

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  bo = await s.addUser(admin.token, 'bo@example.com')
  // Real requests of every result class: a success, a failing query, a refused one.
  assert.equal((await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT 1 AS one' } })).status, 200)
  assert.equal((await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT * FROM no_such_table' } })).status, 400)
  assert.equal((await call(s.url, 'GET', '/api/admin/users', { token: bo.token })).status, 403)
  // Dated rows over the last 40 days, so every range has a shape: one a day, more on some, every class.
  const writes: Array<Promise<void>> = []
  for (let d = 1; d <= 40; d++) {
    writes.push(seed(base - d * DAY - 3 * HOUR, 'query.run', 'success'))
    if (d % 3 === 0) writes.push(seed(base - d * DAY - 5 * HOUR, 'query.run', 'error.query_failed'))
    if (d % 7 === 0) writes.push(seed(base - d * DAY - 7 * HOUR, 'data.download', 'denied'))
    if (d % 11 === 0) writes.push(seed(base - d * DAY - 9 * HOUR, 'sync.trigger', 'skipped'))
  }
  // Within the last day: a burst inside one hour, for the finest buckets.
  for (let m = 5; m <= 50; m += 5) writes.push(seed(base - 2 * HOUR + m * 60_000, 'query.run', m % 15 === 0 ? 'error.timeout' : 'success'))
  await Promise.all(writes)
  await s.svc.audit.drain()
})

after(async () => {
  await s?.close()
})

const get = (path: string, token = admin.token) => call(s.url, 'GET', path, { token })

/** Every timeline row for a filter, page by page. */
async function timelineRows(filter: string): Promise<Row[]> {
  let rows: Row[] = []
  let cursor: string | null = null
  do {
    const page = await get(`/api/admin/activity/timeline?${filter}&limit=500${cursor ? `&cursor=${cursor}` : ''}`)
    assert.equal(page.status, 200, `${filter}: ${page.text}`)
    rows = rows.concat(page.body.rows)
    cursor = page.body.next_cursor
  } while (cursor)
  return rows
}

const classOf = (result: string) => (result === 'success' ? 'success' : result === 'denied' ? 'denied' : result.startsWith('error.') ? 'error' : 'other')
const iso = (ms: number) => new Date(ms).toISOString()

test('the histogram counts the same rows as the timeline for the same filters, per result class and per bucket', async () => {
  const combos = [
    '', 'result_class=error', 'result_class=denied', 'action_prefix=query', `user_id=${bo.userId}`, 'client_kind=cli&result_class=success',
    `since=${iso(base - 40 * DAY - DAY)}`, `since=${iso(base - 10 * DAY)}&until=${iso(base - 2 * DAY)}`, `since=${iso(base - 3 * HOUR)}&action_prefix=query.run`,
    'q=select', `since=${iso(base - 90 * DAY)}&result_pattern=error.%25`, 'action_in=sync.trigger,data.download&since=' + iso(base - 45 * DAY),
  ]
  let nonEmpty = 0
  for (const filter of combos) {
    const h = await get(`/api/admin/activity/histogram?${filter}`)
    assert.equal(h.status, 200, `${filter}: ${h.text}`)
    const rows = await timelineRows(filter)
    const size = h.body.bucket_seconds * 1000
    const buckets: Bucket[] = h.body.buckets
    assert.equal(h.body.total, rows.length, `total for '${filter}'`)
    // Every bucket is there, one after the other, aligned to multiples of its size, and the range is covered.
    assert.ok(buckets.length >= 1 && buckets.length <= 123, `${buckets.length} buckets for '${filter}'`)
    buckets.forEach((b, i) => {
      assert.equal(Date.parse(b.start) % size, 0, 'aligned')
      if (i) assert.equal(Date.parse(b.start) - Date.parse(buckets[i - 1].start), size, 'contiguous')
    })
    assert.ok(Date.parse(buckets[0].start) <= Date.parse(h.body.since) && Date.parse(buckets[0].start) + size > Date.parse(h.body.since))
    assert.ok(Date.parse(buckets.at(-1)!.start) + size >= Date.parse(h.body.until))
    // The timeline's rows, bucketed here, give exactly the histogram's counts.
    const expected = new Map<string, Record<string, number>>()
    for (const r of rows) {
      const start = iso(Math.floor(Date.parse(r.timestamp) / size) * size)
      const counts = expected.get(start) ?? { success: 0, error: 0, denied: 0, other: 0 }
      counts[classOf(r.result)]++
      expected.set(start, counts)
    }
    const got = new Map(buckets.filter((b) => b.success + b.error + b.denied + b.other > 0).map((b) => [b.start, { success: b.success, error: b.error, denied: b.denied, other: b.other }]))
    assert.deepEqual(Object.fromEntries(got), Object.fromEntries(expected), `buckets for '${filter}'`)
    if (rows.length) nonEmpty++
  }
  assert.ok(nonEmpty >= 10, 'the filters found rows to compare')
})

test('the bucket size follows the range: a minute for an hour up to a day for 90 days, about 120 buckets at most', async () => {
  const cases: Array<[string, number]> = [
    [`since=${iso(base - HOUR)}`, 60],
    ['', 900], // no since: the timeline's default, the last 24 h
    [`since=${iso(base - 7 * DAY)}`, 7200],
    [`since=${iso(base - 30 * DAY)}`, 21_600],
    [`since=${iso(base - 90 * DAY)}`, 86_400],
    [`since=${iso(base - 10 * DAY)}&until=${iso(base - 9 * DAY)}`, 900],
  ]
  for (const [filter, size] of cases) {
    const h = await get(`/api/admin/activity/histogram?${filter}`)
    assert.equal(h.status, 200, h.text)
    assert.equal(h.body.bucket_seconds, size, `bucket for '${filter}'`)
    assert.ok(h.body.buckets.length <= 123)
  }
})

test('the histogram refuses what the timeline refuses, plus paging, and is for admins only', async () => {
  for (const q of ['since=2026-11-24T10:00:00Z&until=2026-11-24T09:00:00Z', 'result_class=broken', 'cursor=abc', 'limit=10', 'bogus=1']) {
    const r = await get(`/api/admin/activity/histogram?${q}`)
    assert.equal(r.status, 400, q)
    assert.match(r.body.error.code, /^[a-z_]+$/)
  }
  assert.equal((await get('/api/admin/activity/histogram', bo.token)).status, 403)
})

test('the KPIs carry the same figures for the previous period of the same length', async () => {
  // Bo's seeded rows: the period [base−20 d, base−10 d) and the ten days before it.
  const since = base - 20 * DAY
  const until = base - 10 * DAY
  const k = await get(`/api/admin/activity/kpis?user_id=${bo.userId}&since=${iso(since)}&until=${iso(until)}`)
  assert.equal(k.status, 200, k.text)
  // Days 10..19 are inside (the row of day d is at base − d days − a few hours): 10 successes; errors on days 12, 15, 18;
  // denied on day 14; partial on day 11. Days 20..29: 10 successes; errors on 21, 24, 27; denied on 21, 28; partial on 22.
  const inside = (from: number, to: number, every: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((d) => d % every === 0).length
  const cur = { events: 10 + inside(10, 19, 3) + inside(10, 19, 7) + inside(10, 19, 11), errors: inside(10, 19, 3) }
  const prev = { events: 10 + inside(20, 29, 3) + inside(20, 29, 7) + inside(20, 29, 11), errors: inside(20, 29, 3) }
  assert.deepEqual([cur, prev], [{ events: 15, errors: 3 }, { events: 16, errors: 3 }])
  assert.deepEqual(
    [k.body.events, k.body.errors, k.body.error_rate, k.body.active_users, k.body.p95_duration_ms],
    [cur.events, cur.errors, 0.2, 1, 12],
  )
  assert.deepEqual(k.body.period, { since: iso(since), until: iso(until) })
  assert.deepEqual(
    [k.body.previous.since, k.body.previous.until, k.body.previous.events, k.body.previous.errors, k.body.previous.error_rate, k.body.previous.active_users],
    [iso(since - 10 * DAY), iso(since), prev.events, prev.errors, 0.1875, 1],
  )
  // Without until the period ends now, and the previous one is as long.
  const open = await get(`/api/admin/activity/kpis?since=${iso(base - 5 * DAY)}&user_id=${bo.userId}`)
  const p = open.body.period
  const q = open.body.previous
  assert.equal(Date.parse(p.until) - Date.parse(p.since), Date.parse(q.until) - Date.parse(q.since))
  assert.equal(q.until, p.since)
  assert.equal(open.body.previous.events, 5 + inside(5, 9, 3) + inside(5, 9, 7) + inside(5, 9, 11), 'days 5..9')
})

test('the sync grid lists each table\u2019s latest 20 runs, oldest first, with their status and error', async () => {
  assert.equal((await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'orders', source: { kind: 'file', path: 'orders.csv' } } })).status, 201)
  assert.equal((await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'idle', source: { kind: 'file', path: 'orders.csv' } } })).status, 201)
  for (let i = 0; i < 22; i++) {
    const failed = i % 5 === 4
    await s.svc.store.tables.insertHistory({
      table_id: 'orders', job_id: null, synced_at: iso(base - (22 - i) * HOUR), rows: failed ? null : 100 + i, duration_ms: 10 + i,
      status: failed ? 'error' : 'success', error: failed ? `source file not found (run ${i})` : null,
    })
  }
  const g = await get('/api/admin/activity/sync')
  assert.equal(g.status, 200, g.text)
  const byId = Object.fromEntries(g.body.tables.map((t: { table_id: string }) => [t.table_id, t]))
  const runs = byId.orders.recent_runs as Array<{ at: string; status: string; error: string | null; rows: number | null; duration_ms: number }>
  assert.equal(runs.length, 20, 'the latest 20')
  assert.deepEqual(runs.map((r) => r.at), Array.from({ length: 20 }, (_, k) => iso(base - (20 - k) * HOUR)), 'oldest first, newest last')
  assert.deepEqual(runs.filter((r) => r.status === 'error').map((r) => r.error), [4, 9, 14, 19].map((i) => `source file not found (run ${i})`))
  assert.deepEqual([runs.at(-1)!.status, runs.at(-1)!.rows, runs.at(-1)!.duration_ms], ['success', 121, 31])
  assert.deepEqual(byId.idle.recent_runs, [])
})
