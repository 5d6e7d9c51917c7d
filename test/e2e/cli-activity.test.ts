import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestServer, call, type TestServer, runCli } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  for (let i = 0; i < 5; i++) await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: `team-${i}` } })
  await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'team-0' } }) // a 409
})
after(async () => {
  await s.close()
})

function agnes(args: string[]) {
  return runCli(args, { HOME: s.dataDir, AGNES_URL: s.url, AGNES_TOKEN: admin.token })
}

test('agnes admin activity health prints the pulse; --json gives the API shape', async () => {
  const plain = await agnes(['admin', 'activity', 'health'])
  assert.equal(plain.code, 0, plain.stderr)
  assert.match(plain.stdout, /^(GREEN|YELLOW|RED): /)
  assert.match(plain.stdout, /Scheduler/)
  const json = JSON.parse((await agnes(['admin', 'activity', 'health', '--json'])).stdout)
  assert.equal(json.fields.length, 8)
})

test('agnes admin activity timeline filters and pages through the cursor', async () => {
  const r = await agnes(['admin', 'activity', 'timeline', '--action-prefix', 'user_group.create', '--result-class', 'success', '--json'])
  assert.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  assert.equal(out.rows.length, 5)
  assert.ok(out.rows.every((x: { action: string; result: string }) => x.action === 'user_group.create' && x.result === 'success'))
  // Pages of two, stopped at three rows: the cursor is followed and the rest is announced.
  const capped = await agnes(['admin', 'activity', 'timeline', '--action-prefix', 'user_group.create', '--max', '3'])
  assert.equal(capped.code, 0)
  assert.equal(capped.stdout.trim().split('\n').length, 4, 'a header and three rows')
  assert.match(capped.stderr, /more rows/)
  const errors = JSON.parse((await agnes(['admin', 'activity', 'timeline', '--result-class', 'error', '--json'])).stdout)
  assert.deepEqual(errors.rows.map((x: { result: string }) => x.result), ['error.409'])
  // --limit like every other command (--max still works), and a bare date for --since.
  const limited = await agnes(['admin', 'activity', 'timeline', '--action-prefix', 'user_group.create', '--limit', '2', '--since', '2020-01-01'])
  assert.equal(limited.code, 0, limited.stderr)
  assert.equal(limited.stdout.trim().split('\n').length, 3, 'a header and two rows')
  assert.match(limited.stderr, /raise --limit/)
  const help = await agnes(['admin', 'activity', 'timeline', '--help'])
  assert.match(help.stdout, /--since <value> +events at or after this time: ISO 8601/)
  assert.match(help.stdout, /--include-self-reads +also show your own reads/)
  const bad = await agnes(['admin', 'activity', 'timeline', '--result-class', 'sideways'])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /result_class/)
})

test('agnes admin activity sync prints the grid', async () => {
  const r = await agnes(['admin', 'activity', 'sync', '--json'])
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), { tables: [] })
})
