import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { startTestServer, call, type TestServer } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }
before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  await s.addUser(admin.token, 'fuzz@example.com')
  for (let i = 0; i < 5; i++) await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: `g${i}` } })
})
after(async () => {
  await s.close()
})

const FILTERS = ['since', 'until', 'user_id', 'action_prefix', 'action_in', 'resource', 'resource_prefix', 'result_pattern', 'result_class', 'client_kind', 'correlation_id', 'q', 'include_self_reads', 'cursor', 'limit', 'nonsense']
const ENDPOINTS = ['timeline', 'kpis', 'facets', 'export']

/** Values a person or a script might send, valid and not: dates, numbers, SQL-ish and unicode junk. */
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('error.%', 'success', 'denied', 'other', 'error', 'api', 'cli', 'web', 'true', 'false', '0', '-1', '500', '501', '10000', 'query.', 'run_', 'table:orders', "' OR 1=1 --", '%', '_', '\\', '%00', '\u0000', '😀', 'a,b,,c'),
  fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer().map(String),
  fc.base64String({ maxLength: 60 }),
)

// npm test runs a few hundred combinations; `npm run test:long` runs 10,000 (AGNES_FUZZ_RUNS), which takes minutes.
const RUNS = Number(process.env.AGNES_FUZZ_RUNS ?? 400)

test(`${RUNS.toLocaleString('en')} random filter combinations on the timeline, KPIs, facets and export: never a 5xx, always JSON errors`, async () => {
  // Seeded, so a failure reproduces; run 8 at a time since the cases are independent.
  const cases = fc.sample(fc.tuple(fc.constantFrom(...ENDPOINTS), fc.dictionary(fc.constantFrom(...FILTERS), value, { maxKeys: 5 })), { numRuns: RUNS, seed: 20261124 })
  const statuses = new Map<number, number>()
  const failures: string[] = []
  let next = 0
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < cases.length) {
      const [endpoint, params] = cases[next++]
      const qs = new URLSearchParams(params as Record<string, string>).toString()
      // In-process requests: the same routing, auth, validation and handlers, without 10,000 sockets.
      const r = await s.app.inject({ method: 'GET', url: `/api/admin/activity/${endpoint}?${qs}`, headers: { authorization: `Bearer ${admin.token}` } })
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1)
      if (r.statusCode >= 500) failures.push(`${endpoint}?${qs} → ${r.statusCode} ${r.body.slice(0, 200)}`)
      else if (r.statusCode >= 400 && !/^[a-z_]+$/.test(JSON.parse(r.body)?.error?.code ?? '')) failures.push(`${endpoint}?${qs}: no error shape`)
    }
  }))
  assert.deepEqual(failures.slice(0, 5), [])
  assert.equal([...statuses.values()].reduce((a, b) => a + b, 0), RUNS)
  assert.ok((statuses.get(200) ?? 0) > RUNS / 20, `a fair share of combinations are valid: ${JSON.stringify([...statuses])}`)
  assert.ok((statuses.get(400) ?? 0) > RUNS / 20, 'and a fair share are refused')
})
