import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'

/**
 * Costs end to end: transcripts uploaded over HTTP, the `costs` processor run by an admin, the API (audited,
 * documented, validated), per-model price overrides (audited as instance settings), the monthly budget with its
 * health field and Telegram notes (through the outbox, to a local fake of the Bot API), and `agnes admin costs`.
 * Runs on PostgreSQL too with AGNES_TEST_E2E_STORE=postgres.
 */

const COSTS = fileURLToPath(new URL('../fixtures/transcripts/costs/', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FEB = 'since=2026-01-01&until=2026-02-28'

interface FakeTelegram {
  url: string
  received: Array<{ path: string; body: { chat_id: string; text: string; parse_mode: string } }>
  close(): Promise<void>
}

/** A stand-in for the Telegram Bot API on 127.0.0.1 that records every sendMessage (as the feedback tests use). */
async function fakeTelegram(): Promise<FakeTelegram> {
  const received: FakeTelegram['received'] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"ok":true,"result":{"message_id":1}}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, close: () => new Promise((r) => server.close(() => r())) }
}

let s: TestServer
let tg: FakeTelegram
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let bob: { token: string; userId: string }

async function upload(token: string, filename: string, body: string) {
  const r = await call(s.url, 'POST', `/api/upload/sessions?filename=${filename}`, { token, rawBody: body, headers: { 'content-type': 'application/x-ndjson' } })
  assert.equal(r.status, 201, r.text)
}
const fixture = (name: string) => readFileSync(`${COSTS}${name}`, 'utf8')

async function runCosts() {
  const r = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=costs', { token: admin.token, body: {} })
  assert.equal(r.status, 200, r.text)
  return r.body
}

before(async () => {
  tg = await fakeTelegram()
  s = await startTestServer({ telegram: { botToken: 'test-token', apiBase: tg.url } })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  bob = await s.addUser(admin.token, 'bob@example.com')
  for (const f of ['streamed-snapshots.jsonl', 'duplicated-lines.jsonl', 'resumed-original.jsonl', 'resumed-continued.jsonl', 'subagent-parent.jsonl', 'long-context.jsonl']) {
    await upload(ana.token, f, fixture(f))
  }
  // As `agnes sessions push` names a subagent file: its path under ~/.claude/projects with / as __.
  await upload(ana.token, '-home-ana-shop__a4a4a4a4-0000-4000-8000-000000000004__subagents__agent-b7c1d2e.jsonl', fixture('agent-b7c1d2e.jsonl'))
  for (const f of ['fast-geo-unknown.jsonl', 'transcript-cost.jsonl']) await upload(bob.token, f, fixture(f))
  const run = await runCosts()
  assert.deepEqual([run.processor, run.sessions_processed, run.items], ['costs', 9, 21])
})
after(async () => {
  await s?.close()
  await tg?.close()
})

test('GET /api/admin/costs by session: each response once, subagents in their parent session, audited as costs.read', async () => {
  const r = await call(s.url, 'GET', `/api/admin/costs?group_by=session&${FEB}`, { token: admin.token, headers: { 'x-correlation-id': 'costs-1' } })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(
    r.body.rows.map((x: any) => [x.session_file, x.files, x.input_tokens, x.output_tokens, x.cache_creation_tokens, x.cache_read_tokens, x.cost_usd]),
    [
      ['ana/long-context.jsonl', 1, 420000, 4000, 0, 100000, 1.5125],
      ['bob/fast-geo-unknown.jsonl', 1, 2500, 2050, 0, 700, 0.213],
      ['ana/subagent-parent.jsonl', 2, 21, 315, 13200, 53000, 0.081962],
      ['ana/streamed-snapshots.jsonl', 1, 4, 792, 2300, 22000, 0.052695],
      ['ana/duplicated-lines.jsonl', 1, 14, 49, 5000, 5000, 0.021027],
      ['bob/transcript-cost.jsonl', 1, 1010, 600, 2000, 3000, 0.02043],
      ['ana/resumed-original.jsonl', 1, 120, 80, 1000, 1000, 0.00187],
      ['ana/resumed-continued.jsonl', 1, 7, 70, 0, 1100, 0.000467],
    ],
  )
  assert.equal(r.body.totals.responses, 19)
  assert.equal(r.body.totals.cost_usd, 1.903951)
  assert.deepEqual(r.body.totals.unpriced.models, ['claude-nova-9'])
  assert.equal(r.body.prices_as_of, '2026-11-29')
  assert.deepEqual([r.body.since, r.body.until], ['2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'])
  const audit = await s.svc.store.audit.find({ action: 'costs.read', correlationId: 'costs-1' })
  assert.deepEqual(audit.map((a) => [a.result, a.resource, a.user_id, a.params]), [
    ['success', 'costs', admin.userId, { group_by: 'session', since: '2026-01-01T00:00:00.000Z', until: '2026-03-01T00:00:00.000Z', rows: 8 }],
  ])
})

test('GET /api/admin/costs by user (with ids), by model (unpriced last), by month', async () => {
  const users = await call(s.url, 'GET', `/api/admin/costs?group_by=user&${FEB}`, { token: admin.token })
  assert.deepEqual(users.body.rows.map((x: any) => [x.key, x.user_id, x.email, x.responses]), [
    ['ana', ana.userId, 'ana@example.com', 14],
    ['bob', bob.userId, 'bob@example.com', 5],
  ])
  const only = await call(s.url, 'GET', `/api/admin/costs?group_by=user&user_id=${bob.userId}&${FEB}`, { token: admin.token })
  assert.deepEqual(only.body.rows.map((x: any) => x.key), ['bob'])
  const models = await call(s.url, 'GET', `/api/admin/costs?group_by=model&${FEB}`, { token: admin.token })
  const last = models.body.rows[models.body.rows.length - 1]
  assert.deepEqual([last.key, last.cost_usd, last.input_tokens, last.unpriced.models], ['claude-nova-9', null, 500, ['claude-nova-9']])
  const months = await call(s.url, 'GET', `/api/admin/costs?group_by=month&${FEB}`, { token: admin.token })
  assert.deepEqual(months.body.rows.map((x: any) => [x.key, x.responses]), [['2026-01', 2], ['2026-02', 17]])
})

test('time rows split by model (what the Costs tab stacks), and the sessions list and replay carry each session\'s cost as the costs API counts it', async () => {
  const days = await call(s.url, 'GET', `/api/admin/costs?group_by=day&${FEB}`, { token: admin.token })
  for (const d of days.body.rows) {
    assert.deepEqual(d.by_model.map((m: any) => m.model).sort(), d.models, d.key)
    assert.equal(d.by_model.reduce((n: number, m: any) => n + m.responses, 0), d.responses, d.key)
    const priced = d.by_model.filter((m: any) => m.cost_usd !== null).reduce((n: number, m: any) => n + m.cost_usd, 0)
    assert.ok(Math.abs(priced - (d.cost_usd ?? 0)) < 1e-5, `${d.key}: ${priced} vs ${d.cost_usd}`)
  }
  assert.deepEqual(days.body.rows.flatMap((d: any) => d.by_model.filter((m: any) => m.cost_usd === null).map((m: any) => m.model)), ['claude-nova-9'])

  const bySession = new Map((await call(s.url, 'GET', `/api/admin/costs?group_by=session&${FEB}`, { token: admin.token })).body.rows.map((r: any) => [r.session_file, r]))
  const list = await call(s.url, 'GET', '/api/admin/sessions?limit=100', { token: admin.token })
  assert.equal(list.status, 200, list.text)
  const subagent = 'ana/-home-ana-shop__a4a4a4a4-0000-4000-8000-000000000004__subagents__agent-b7c1d2e.jsonl'
  for (const r of list.body.rows) {
    if (r.session_file === subagent) {
      assert.deepEqual([r.cost, r.counted_in], [null, 'ana/subagent-parent.jsonl'], 'a subagent\'s transcript names its session')
      continue
    }
    const c: any = bySession.get(r.session_file)
    assert.ok(c, r.session_file)
    assert.deepEqual([r.cost.cost_usd, r.cost.input_tokens, r.cost.output_tokens, r.cost.cache_creation_tokens, r.cost.cache_read_tokens, r.cost.files, r.counted_in],
      [c.cost_usd, c.input_tokens, c.output_tokens, c.cache_creation_tokens, c.cache_read_tokens, c.files, null], r.session_file)
  }
  const replay = await call(s.url, 'GET', '/api/admin/sessions/ana/subagent-parent.jsonl', { token: admin.token })
  assert.deepEqual([replay.body.cost.cost_usd, replay.body.cost.files, replay.body.cost.prices_as_of], [0.081962, 2, '2026-11-29'])
})

test('the costs API refuses what it cannot answer and who may not ask, and is in the OpenAPI description', async () => {
  const bad = async (q: string) => (await call(s.url, 'GET', `/api/admin/costs?${q}`, { token: admin.token })).body.error
  assert.equal((await bad('group_by=hour')).field, 'group_by')
  assert.equal((await bad('since=2026-02-10&until=2026-02-01')).field, 'until')
  assert.equal((await bad('since=yesterday')).field, 'since')
  assert.equal((await bad('cursor=nope!')).field, 'cursor')
  assert.equal((await bad('colour=blue')).code, 'invalid_request')
  assert.equal((await call(s.url, 'GET', '/api/admin/costs', { token: ana.token })).status, 403)
  assert.equal((await call(s.url, 'GET', '/api/admin/costs')).status, 401)
  const docs = await call(s.url, 'GET', '/api/docs')
  for (const p of ['/api/admin/costs', '/api/admin/costs/budget', '/api/admin/costs/prices']) assert.ok(docs.body.paths[p]?.get, p)
  assert.ok(docs.body.paths['/api/admin/costs/prices/{model}']?.put)
})

test('an admin prices a model the table does not know; the change is audited with the value before; removing it unprices it again', async () => {
  const price = { input: 1, output: 10, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1, note: 'contract rate' }
  const put = await call(s.url, 'PUT', '/api/admin/costs/prices/claude-nova-9', { token: admin.token, body: price, headers: { 'x-correlation-id': 'price-1' } })
  assert.equal(put.status, 200, put.text)
  assert.deepEqual(put.body.prices.overrides, { 'claude-nova-9': price })
  const audit = (await s.svc.store.audit.find({ correlationId: 'price-1' })).find((a) => a.action === 'instance_config.update')!
  assert.deepEqual([audit.result, audit.resource, audit.params_before], ['success', 'instance_config:cost_price:claude-nova-9', { 'cost_price:claude-nova-9': null }])
  const priced = await call(s.url, 'GET', `/api/admin/costs?group_by=model&model=claude-nova-9&${FEB}`, { token: admin.token })
  // 500 × $1 + 50 × $10 + 700 × $0.10 per million tokens.
  assert.deepEqual([priced.body.rows[0].cost_usd, priced.body.rows[0].price_from, priced.body.price_overrides], [0.00107, 'override:claude-nova-9', ['claude-nova-9']])
  const del = await call(s.url, 'DELETE', '/api/admin/costs/prices/claude-nova-9', { token: admin.token, headers: { 'x-correlation-id': 'price-2' } })
  assert.equal(del.status, 200)
  const removed = (await s.svc.store.audit.find({ correlationId: 'price-2' })).find((a) => a.action === 'instance_config.update')!
  assert.deepEqual(removed.params_before, { 'cost_price:claude-nova-9': price })
  assert.equal((await call(s.url, 'DELETE', '/api/admin/costs/prices/claude-nova-9', { token: admin.token })).status, 404)
  assert.equal((await call(s.url, 'PUT', '/api/admin/costs/prices/claude-nova-9', { token: admin.token, body: { input: -1 } })).status, 400)
  assert.equal((await call(s.url, 'PUT', '/api/admin/costs/prices/claude-nova-9', { token: ana.token, body: price })).status, 403)
  const list = await call(s.url, 'GET', '/api/admin/costs/prices', { token: admin.token })
  assert.deepEqual([list.body.as_of, list.body.overrides, list.body.monthly_budget_usd], ['2026-11-29', {}, null])
})

test('monthly budget: the health pulse turns yellow at 80 % and red at 100 %, and admins hear once per threshold on Telegram', async () => {
  const link = await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin.token, body: { chat_id: '1001' } })
  assert.equal(link.status, 200, link.text)
  const set = await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { cost_monthly_budget_usd: 1 } })
  assert.equal(set.status, 200, set.text)
  // Spend this month: Opus 4.6, 100 000 input and 10 000 output tokens = $0.75, then $0.05 more (80 %), then $0.25 more (105 %).
  const now = Date.now()
  const transcript = (id: string, input: number, output: number) =>
    JSON.stringify({
      type: 'assistant', timestamp: new Date(now).toISOString(), sessionId: `budget-${id}`, cwd: '/home/ana/shop', requestId: `req_${id}`,
      message: { id: `msg_${id}`, model: 'claude-opus-4-6', role: 'assistant', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: input, output_tokens: output } },
    }) + '\n'
  const outbox = () => runJobOnce(s.svc, coreJobs(s.svc).find((j) => j.name === 'telegram_outbox')!)
  const health = async () => {
    await s.svc.store.shared.purgeExpired(new Date(Date.now() + 60_000)) // the pulse is cached for 30 s
    return (await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })).body
  }

  await upload(ana.token, 'budget-1.jsonl', transcript('b1', 100_000, 10_000))
  await runCosts()
  await outbox()
  assert.equal(tg.received.length, 0, '75 %: nothing to say')
  assert.deepEqual((await health()).fields.find((f: any) => f.key === 'cost_budget').color, 'green')

  await upload(ana.token, 'budget-2.jsonl', transcript('b2', 10_000, 0))
  await runCosts()
  await outbox()
  assert.equal(tg.received.length, 1)
  assert.equal(tg.received[0].body.chat_id, '1001')
  assert.match(tg.received[0].body.text, /reached 80 % of the monthly budget/)
  const yellow = await health()
  const field = yellow.fields.find((f: any) => f.key === 'cost_budget')
  assert.deepEqual([field.color, field.value, yellow.status], ['yellow', '$0.80 of $1.00 (80 %)', 'yellow'])

  await upload(ana.token, 'budget-3.jsonl', transcript('b3', 50_000, 0))
  await runCosts()
  await runCosts()
  await outbox()
  await health()
  await outbox()
  assert.equal(tg.received.length, 2, 'one note per threshold, however often it is checked')
  assert.match(tg.received[1].body.text, /reached 100 % of the monthly budget[\s\S]*\$1\.05 of \$1\.00 \(105 %\)/)
  const red = await health()
  assert.deepEqual([red.fields.find((f: any) => f.key === 'cost_budget').color, red.status], ['red', 'red'])
  const sent = await s.svc.store.audit.find({ action: 'notify.telegram', limit: 10 })
  assert.deepEqual(sent.map((a) => [a.result, a.params?.kind]), [['success', 'budget'], ['success', 'budget']])
  const budget = await call(s.url, 'GET', '/api/admin/costs/budget', { token: admin.token })
  assert.deepEqual([budget.body.budget_usd, budget.body.spent_usd], [1, 1.05])
})

/** The real command line from the sources (no build needed), with its exit code. */
function agnes(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `const { runCli } = await import(${JSON.stringify(`${ROOT}src/cli/index.ts`)}); process.exitCode = await runCli(['node', 'agnes', ...${JSON.stringify(args)}])`
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: s.dataDir, AGNES_URL: s.url, AGNES_TOKEN: admin.token }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

test('agnes admin costs: a table with totals, --json as the API answers, --csv; a wrong --by is a usage error', async () => {
  const table = await agnes(['admin', 'costs', '--by', 'user', '--since', '2026-01-01', '--until', '2026-02-28'])
  assert.equal(table.code, 0, table.stderr)
  const lines = table.stdout.trimEnd().split('\n')
  assert.match(lines[0], /^user +input +output +cache_write +cache_read +cost_usd +unpriced$/)
  assert.match(lines[1], /^ana +420166 +5306 +21500 +182100 +1\.\d\d+ *$/)
  assert.match(lines[2], /^bob +3510 +2650 +2000 +3700 +0\.23\d*\+ +claude-nova-9$/)
  assert.match(lines[3], /^total /)
  assert.match(table.stderr, /^Estimates: .* as of 2026-11-29/)
  const json = await agnes(['admin', 'costs', '--by', 'session', '--since', '2026-01-01', '--until', '2026-02-28', '--limit', '3', '--json'])
  assert.equal(json.code, 0, json.stderr)
  const out = JSON.parse(json.stdout)
  assert.deepEqual([out.group_by, out.rows.length, out.rows[0].session_file, out.totals.responses], ['session', 3, 'ana/long-context.jsonl', 19])
  assert.ok(out.next_cursor)
  const csv = await agnes(['admin', 'costs', '--by', 'day', '--since', '2026-02-10', '--until', '2026-02-11', '--csv'])
  assert.equal(csv.code, 0, csv.stderr)
  assert.equal(
    csv.stdout,
    'key,responses,input_tokens,output_tokens,cache_creation_tokens,cache_creation_5m_tokens,cache_creation_1h_tokens,cache_read_tokens,cost_usd,cost_complete,unpriced_models,transcript_cost_usd\n' +
      '2026-02-10,2,4,792,2300,300,2000,22000,0.052695,true,,\n' +
      '2026-02-11,2,14,49,5000,5000,0,5000,0.021027,true,,\n',
  )
  const wrong = await agnes(['admin', 'costs', '--by', 'hour'])
  assert.equal(wrong.code, 2)
})
