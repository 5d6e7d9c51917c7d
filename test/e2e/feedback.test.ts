import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'
import { runTelegramOutbox, settleBackgroundSends, THROTTLE_MS } from '../../src/integrations/telegram/index.ts'
import { fingerprint, normalizeForFingerprint } from '../../src/platform/feedback/index.ts'

const PAT = 'agnes_pat_' + 'Zq9_x-Abc123'.repeat(4).slice(0, 43)
const DB_URL = 'postgres://u:hunter2secret@db/x'

interface FakeTelegram {
  url: string
  received: Array<{ path: string; body: { chat_id: string; text: string; parse_mode: string }; status: number }>
  /** The next n calls answer 500. */
  failNext(n: number): void
  close(): Promise<void>
}

/** A stand-in for the Telegram Bot API on 127.0.0.1 that records every sendMessage and can be told to fail. */
async function fakeTelegram(): Promise<FakeTelegram> {
  const received: FakeTelegram['received'] = []
  let failing = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      let body: any = null
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        body = null
      }
      const status = failing > 0 ? 500 : 200
      if (failing > 0) failing--
      received.push({ path: req.url ?? '', body, status })
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(status === 200 ? '{"ok":true,"result":{"message_id":1}}' : '{"ok":false,"error_code":500,"description":"Internal Server Error"}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext: (n) => void (failing = n),
    close: () => new Promise((r) => server.close(() => r())),
  }
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const report = (s: TestServer, token: string, body: Record<string, unknown>, cid?: string) =>
  call(s.url, 'POST', '/api/feedback', { token, body: { ack_preview: true, ...body }, headers: cid ? { 'x-correlation-id': cid } : {} })

describe('feedback reports over HTTP', () => {
  let s: TestServer
  let tg: FakeTelegram
  let admin: { token: string; userId: string }
  let ana: { token: string; userId: string }

  before(async () => {
    tg = await fakeTelegram()
    s = await startTestServer({ telegram: { botToken: 'test-token', apiBase: tg.url } })
    admin = await s.bootstrap()
    ana = await s.addUser(admin.token, 'ana@example.com')
    const link = await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin.token, body: { chat_id: '1001' }, headers: { 'x-correlation-id': 'link-1' } })
    assert.equal(link.status, 200, link.text)
    assert.deepEqual([link.body.user_id, link.body.chat_id, link.body.telegram_configured], [admin.userId, '1001', true])
    const rows = await s.svc.store.audit.find({ correlationId: 'link-1' })
    assert.deepEqual(rows.map((r) => [r.action, r.result, r.resource, r.params?.chat_id, r.params_before?.chat_id]), [['telegram.link', 'success', `telegram_link:${admin.userId}`, '1001', null]])
  })
  after(async () => {
    await settleBackgroundSends(s.svc)
    await s.close()
    await tg.close()
  })

  test('a report is stored redacted, audited with ack_preview, notifies the linked admin and shows in the admin list and the Activity Center', async () => {
    const excerpt = [
      JSON.stringify({ type: 'user', message: { role: 'user', content: `connect with ${DB_URL} and token ${PAT}` }, timestamp: '2026-01-01T00:00:00.000Z' }),
      'Error: relation "sales" does not exist at /srv/app/query.ts:12',
    ].join('\n')
    const r = await report(s, ana.token, {
      message: `Query <b>broke</b> & my token ${PAT} leaked`, session_excerpt: excerpt, session_file: 'proj__abc.jsonl',
      environment: { agnes_cli_version: '0.1.0', os: 'Linux', note: `DATABASE_URL=${DB_URL}` }, tags: ['query'],
    }, 'report-1')
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(Object.keys(r.body).sort(), ['duplicate_of', 'fingerprint', 'id'])
    assert.match(r.body.fingerprint, /^[0-9a-f]{64}$/)
    assert.equal(r.body.duplicate_of, null)

    const stored = await s.svc.store.feedback.byId(r.body.id)
    assert.ok(stored)
    const all = JSON.stringify(stored)
    assert.ok(!all.includes(PAT), 'the token is not stored')
    assert.ok(!all.includes('hunter2secret'), 'the database password is not stored')
    assert.match(stored.message, /\[REDACTED:agnes_token\]/)
    assert.equal(stored.session_file, 'ana/proj__abc.jsonl')
    assert.deepEqual(stored.tags, ['query'])
    assert.equal(stored.status, 'open')
    assert.equal(stored.correlation_id, 'report-1')

    const audit = (await s.svc.store.audit.find({ correlationId: 'report-1' })).find((x) => x.action === 'feedback.report')
    assert.ok(audit)
    assert.equal(audit.result, 'success')
    assert.equal(audit.resource, `feedback:${r.body.id}`)
    assert.equal(audit.params?.ack_preview, true)
    assert.equal(audit.user_email, 'ana@example.com')
    assert.ok(!JSON.stringify(audit).includes(PAT))

    // The admin's view replays the JSONL part of the excerpt as session-replay events, parsed on the server.
    const full = await call(s.url, 'GET', `/api/admin/feedback/${r.body.id}`, { token: admin.token })
    assert.equal(full.status, 200, full.text)
    assert.deepEqual(
      full.body.excerpt_replay.events.map((e: { kind: string; line: number }) => [e.kind, e.line]),
      [['human_prompt', 1]],
    )
    assert.match(full.body.excerpt_replay.events[0].text, /connect with .*\[REDACTED/)
    assert.deepEqual([full.body.excerpt_replay.lines, full.body.excerpt_replay.malformed], [1, 1])

    const sent = await until('the Telegram message', () => tg.received.length >= 1 && tg.received)
    assert.equal(sent[0].path, '/bottest-token/sendMessage')
    assert.deepEqual(Object.keys(sent[0].body).sort(), ['chat_id', 'parse_mode', 'text'])
    assert.equal(sent[0].body.chat_id, '1001')
    assert.equal(sent[0].body.parse_mode, 'HTML')
    assert.match(sent[0].body.text, /Query &lt;b&gt;broke&lt;\/b&gt; &amp; my token \[REDACTED:agnes_token\] leaked/)
    assert.match(sent[0].body.text, new RegExp(`agnes admin feedback show ${r.body.id}`))
    const notify = await until('the notify.telegram row', async () => (await s.svc.store.audit.find({ action: 'notify.telegram', correlationId: 'report-1' }))[0])
    assert.equal(notify.result, 'success')
    assert.equal(notify.client_kind, 'system')

    const list = await call(s.url, 'GET', '/api/admin/feedback', { token: admin.token })
    assert.equal(list.status, 200)
    const row = list.body.rows.find((x: { id: string }) => x.id === r.body.id)
    assert.ok(row)
    assert.equal(row.reporter_email, 'ana@example.com')
    assert.equal(row.duplicate_count, 0)
    assert.equal(row.session_excerpt, undefined, 'lists carry no excerpt')

    const mine = await call(s.url, 'GET', '/api/feedback/mine', { token: ana.token })
    assert.equal(mine.status, 200)
    assert.deepEqual(mine.body.rows.map((x: { id: string; status: string }) => [x.id, x.status]), [[r.body.id, 'open']])

    const tl = await call(s.url, 'GET', '/api/admin/activity/timeline?action_prefix=feedback.report', { token: admin.token })
    const ev = tl.body.rows.find((x: { resource: string }) => x.resource === `feedback:${r.body.id}`)
    assert.ok(ev, 'the report is in the timeline')
    const detail = await call(s.url, 'GET', `/api/admin/activity/events/${ev.id}`, { token: admin.token })
    assert.equal(detail.status, 200)
    const related = detail.body.related.filter((x: { kind: string }) => x.kind === 'feedback_report')
    assert.equal(related.length, 1)
    assert.equal(related[0].record.id, r.body.id)
    assert.equal(related[0].record.message, stored.message)
  })

  test('bad input is a 400 naming the field; a non-admin gets 403 on the admin routes', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ message: 'x', ack_preview: false }, 'ack_preview'],
      [{ message: 'x', ack_preview: undefined }, 'ack_preview'],
      [{ message: 'x'.repeat(10_001) }, 'message'],
      [{ message: '   ' }, 'message'],
      [{ message: 'x', session_excerpt: 'é'.repeat(600_000) }, 'session_excerpt'],
      [{ message: 'x', tags: ['Not A Tag'] }, 'tags.0'],
      [{ message: 'x', extra: 1 }, ''],
    ]
    for (const [body, field] of cases) {
      const r = await call(s.url, 'POST', '/api/feedback', { token: ana.token, body: { ack_preview: true, ...body } })
      assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 60)}: ${r.text.slice(0, 200)}`)
      if (field) assert.equal(r.body.error.field, field)
    }
    const first = (await s.svc.store.feedback.list({}, 1))[0]
    const bad = await call(s.url, 'PATCH', `/api/admin/feedback/${first.id}`, { token: admin.token, body: { status: 'done' } })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.field, 'status')
    assert.equal((await call(s.url, 'PATCH', `/api/admin/feedback/${first.id}`, { token: admin.token, body: {} })).status, 400)
    assert.equal((await call(s.url, 'PATCH', '/api/admin/feedback/nope', { token: admin.token, body: { status: 'triaged' } })).status, 404)
    assert.equal((await call(s.url, 'GET', '/api/admin/feedback/nope', { token: admin.token })).status, 404)
    assert.equal((await call(s.url, 'GET', '/api/admin/feedback?status=open,closed', { token: admin.token })).status, 400)
    assert.equal((await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin.token, body: { chat_id: 'not a chat' } })).status, 400)

    const denied: Array<[string, string, unknown]> = [
      ['GET', '/api/admin/feedback', undefined],
      ['GET', `/api/admin/feedback/${first.id}`, undefined],
      ['PATCH', `/api/admin/feedback/${first.id}`, { status: 'resolved' }],
      ['POST', '/api/admin/telegram-link', { chat_id: '5' }],
    ]
    for (const [method, path, body] of denied) {
      const cid = `deny-${method}-${path.length}`
      const r = await call(s.url, method, path, { token: ana.token, body, headers: { 'x-correlation-id': cid } })
      assert.equal(r.status, 403, `${method} ${path}`)
      const rows = await s.svc.store.audit.find({ correlationId: cid })
      assert.deepEqual(rows.map((x) => x.result), ['denied'])
    }
    assert.equal((await s.svc.store.feedback.byId(first.id))?.status, 'open', 'the refused PATCH changed nothing')
    assert.equal((await call(s.url, 'POST', '/api/feedback', { body: { message: 'x', ack_preview: true } })).status, 401)
  })

  test('the same problem twice gets the same fingerprint: duplicate_of points at the first open one, duplicate_count counts the others', async () => {
    const a = await report(s, ana.token, { message: 'Sync of table sales_2024 fails after 3 retries', session_excerpt: 'ok\n\nError: timeout after 30s on job 7f3a9c21e' })
    const b = await report(s, admin.token, { message: 'sync of table sales_2025 FAILS after   12 retries', session_excerpt: 'other\n\nError: timeout after 45s on job 0b1c2d3e4f' })
    assert.equal(a.status, 201)
    assert.equal(b.status, 201)
    assert.equal(a.body.duplicate_of, null)
    assert.equal(b.body.fingerprint, a.body.fingerprint)
    assert.equal(b.body.duplicate_of, a.body.id)
    const c = await report(s, ana.token, { message: 'sync of table sales fails after 3 retries', session_excerpt: 'Error: disk full' })
    assert.notEqual(c.body.fingerprint, a.body.fingerprint, 'a different last error is a different problem')
    assert.equal(c.body.duplicate_of, null)

    const list = await call(s.url, 'GET', `/api/admin/feedback?fingerprint=${a.body.fingerprint}`, { token: admin.token })
    assert.deepEqual(list.body.rows.map((r: { id: string; duplicate_count: number }) => [r.id, r.duplicate_count]), [[b.body.id, 1], [a.body.id, 1]])
    assert.equal(normalizeForFingerprint('Job 550e8400-e29b-41d4-a716-446655440000 at /home/a/x.py line 12 (0xdeadbeef, abc1234)'), 'job <uuid> at <path> line <n> (<hex>, <hex>)')
    assert.equal(fingerprint('A 1', null), fingerprint('a   2', ''))
  })

  test('the status workflow: triage, assign, resolve (stamped), reopen (cleared); every change audited with params_before', async () => {
    const r = await report(s, ana.token, { message: 'the download button does nothing' })
    const id = r.body.id
    const patch = (body: unknown, cid: string) => call(s.url, 'PATCH', `/api/admin/feedback/${id}`, { token: admin.token, body, headers: { 'x-correlation-id': cid } })
    const t = await patch({ status: 'triaged', assignee: 'me', tags: ['ui', 'download'] }, 'upd-1')
    assert.equal(t.status, 200, t.text)
    assert.deepEqual([t.body.status, t.body.assignee, t.body.tags, t.body.resolved_at], ['triaged', admin.userId, ['ui', 'download'], null])
    const res = await patch({ status: 'resolved', resolution: 'fixed in 0.2' }, 'upd-2')
    assert.equal(res.body.status, 'resolved')
    assert.equal(res.body.resolved_by, admin.userId)
    assert.ok(res.body.resolved_at)
    assert.equal(res.body.resolution, 'fixed in 0.2')

    const mine = await call(s.url, 'GET', '/api/feedback/mine', { token: ana.token })
    const own = mine.body.rows.find((x: { id: string }) => x.id === id)
    assert.deepEqual([own.status, own.resolution], ['resolved', 'fixed in 0.2'])
    assert.equal(mine.body.rows[0].id, id, 'newest first')

    // A resolved report is no longer what a new one duplicates.
    const again = await report(s, ana.token, { message: 'The download button does nothing' })
    assert.equal(again.body.fingerprint, r.body.fingerprint)
    assert.equal(again.body.duplicate_of, null)

    const reopen = await patch({ status: 'open', assignee: null }, 'upd-3')
    assert.deepEqual([reopen.body.status, reopen.body.resolved_at, reopen.body.resolved_by, reopen.body.assignee], ['open', null, null, null])

    const rows = async (cid: string) => (await s.svc.store.audit.find({ correlationId: cid }))[0]
    const u1 = await rows('upd-1')
    assert.deepEqual([u1.action, u1.result, u1.resource], ['feedback.update', 'success', `feedback:${id}`])
    assert.deepEqual(u1.params_before, { status: 'open', assignee: null, tags: [] })
    assert.equal(u1.params?.assignee, admin.userId)
    const u2 = await rows('upd-2')
    assert.deepEqual(u2.params_before, { status: 'triaged', resolution: null })
    const u3 = await rows('upd-3')
    assert.deepEqual(u3.params_before, { status: 'resolved', assignee: admin.userId })

    const triaged = await call(s.url, 'GET', '/api/admin/feedback?status=open&tag=ui', { token: admin.token })
    assert.deepEqual(triaged.body.rows.map((x: { id: string }) => x.id), [id])
    const mineFilter = await call(s.url, 'GET', '/api/admin/feedback?assignee=none&status=resolved,wontfix', { token: admin.token })
    assert.equal(mineFilter.status, 200)
    assert.ok(mineFilter.body.rows.every((x: { status: string }) => x.status === 'resolved' || x.status === 'wontfix'))
  })

  test('the admin list pages with a cursor, open and triaged first, newest first', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: any = await call(s.url, 'GET', `/api/admin/feedback?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token })
      assert.equal(page.status, 200, page.text)
      seen.push(...page.body.rows.map((r: { id: string }) => r.id))
      cursor = page.body.next_cursor
    } while (cursor)
    const all = (await call(s.url, 'GET', '/api/admin/feedback?limit=500', { token: admin.token })).body.rows
    assert.deepEqual(seen, all.map((r: { id: string }) => r.id))
    const active = (st: string) => st === 'open' || st === 'triaged'
    const firstClosed = all.findIndex((r: { status: string }) => !active(r.status))
    if (firstClosed >= 0) assert.ok(all.slice(firstClosed).every((r: { status: string }) => !active(r.status)))
    assert.equal((await call(s.url, 'GET', '/api/admin/feedback?cursor=garbage', { token: admin.token })).status, 400)
  })

  test('reading writes one feedback.read per admin and filters (or report) per 60 s; the detail has findings and the report\'s audit events', async () => {
    const sessionFile = 'ana/proj__sess.jsonl'
    await s.svc.store.sessions.replaceFindings(sessionFile, [{
      session_file: sessionFile, username: 'ana', finding_type: 'tool_error', turn_index: 2, line: 14, severity: 'error',
      excerpt: 'Bash: exit 1', detected_at: new Date().toISOString(), occurred_at: null,
    }])
    const r = await report(s, ana.token, { message: 'the build step exits 1', session_file: 'proj__sess.jsonl', session_excerpt: 'Error: exit 1' }, 'report-detail')
    const count = async () => (await s.svc.store.audit.find({ action: 'feedback.read', limit: 1000 })).length
    const before = await count()
    await call(s.url, 'GET', '/api/admin/feedback?status=open', { token: admin.token })
    await call(s.url, 'GET', '/api/admin/feedback?status=open&limit=5', { token: admin.token })
    assert.equal(await count(), before + 1, 'the same filters (paging aside) count once')
    await call(s.url, 'GET', '/api/admin/feedback?status=resolved', { token: admin.token })
    assert.equal(await count(), before + 2)
    const d1 = await call(s.url, 'GET', `/api/admin/feedback/${r.body.id}`, { token: admin.token })
    const d2 = await call(s.url, 'GET', `/api/admin/feedback/${r.body.id}`, { token: admin.token })
    assert.equal(d2.status, 200)
    assert.equal(await count(), before + 3)
    const last = (await s.svc.store.audit.find({ action: 'feedback.read', limit: 1 }))[0]
    assert.deepEqual(last.params, { view: 'feedback_report', report_id: r.body.id })

    assert.equal(d1.status, 200, d1.text)
    assert.equal(d1.body.session_excerpt, 'Error: exit 1')
    assert.equal(d1.body.excerpt_replay, null, 'plain text is not replayed')
    assert.equal(d1.body.session_file, sessionFile)
    assert.deepEqual(d1.body.findings.map((f: { finding_type: string; line: number }) => [f.finding_type, f.line]), [['tool_error', 14]])
    assert.ok(d1.body.events.some((e: { action: string; correlation_id: string }) => e.action === 'feedback.report' && e.correlation_id === 'report-detail'))
    assert.equal(typeof d1.body.duplicate_count, 'number')
  })

  test('too many reports from one user in an hour is a 429 (limit from the instance config), audited', async () => {
    const bob = await s.addUser(admin.token, 'bob@example.com')
    const cfg = await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { feedback_reports_per_hour: 2 } })
    assert.equal(cfg.status, 200, cfg.text)
    try {
      assert.equal((await report(s, bob.token, { message: 'one' })).status, 201)
      assert.equal((await report(s, bob.token, { message: 'two' })).status, 201)
      const third = await report(s, bob.token, { message: 'three' }, 'rate-3')
      assert.equal(third.status, 429)
      assert.equal(third.body.error.code, 'rate_limited')
      const rows = await s.svc.store.audit.find({ correlationId: 'rate-3' })
      assert.deepEqual(rows.map((x) => [x.action, x.result]), [['feedback.report', 'error.429']])
      assert.equal((await s.svc.store.feedback.list({ reporter: bob.userId }, 10)).length, 2)
      const carol = await s.addUser(admin.token, 'carol@example.com')
      assert.equal((await report(s, carol.token, { message: 'another user is not limited by bob' })).status, 201)
      // Reports sent at the same moment cannot slip past the limit together.
      const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => report(s, carol.token, { message: `burst ${i}` })))
      assert.deepEqual(burst.map((r) => r.status).sort(), [201, 429, 429, 429, 429, 429])
      assert.equal((await s.svc.store.feedback.list({ reporter: carol.userId }, 10)).length, 2)
    } finally {
      await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { feedback_reports_per_hour: null } })
    }
  })
})

describe('Telegram notifications', () => {
  let s: TestServer
  let tg: FakeTelegram
  let admin: { token: string; userId: string }
  let admin2: { token: string; userId: string }
  let ana: { token: string; userId: string }
  const outboxJob = () => coreJobs(s.svc).find((j) => j.name === 'telegram_outbox')!
  const notifyRows = async () => (await s.svc.store.audit.find({ action: 'notify.telegram', limit: 1000 })).reverse()

  before(async () => {
    tg = await fakeTelegram()
    s = await startTestServer({ telegram: { botToken: 'test-token', apiBase: tg.url } })
    admin = await s.bootstrap()
    admin2 = await s.addUser(admin.token, 'second-admin@example.com', { is_admin: true })
    ana = await s.addUser(admin.token, 'ana@example.com')
    await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin.token, body: { chat_id: 1001 } })
  })
  after(async () => {
    await settleBackgroundSends(s.svc)
    await s.close()
    await tg.close()
  })

  test('Telegram answering 500 never delays or loses the report; the outbox job retries with backoff until it recovers', async () => {
    tg.failNext(2)
    const t0 = performance.now()
    const r = await report(s, ana.token, { message: 'charts are blank' }, 'tg-fail')
    assert.equal(r.status, 201)
    assert.ok(performance.now() - t0 < 3000)
    assert.ok(await s.svc.store.feedback.byId(r.body.id), 'the report is stored')
    await settleBackgroundSends(s.svc)
    let rows = await notifyRows()
    assert.deepEqual(rows.map((x) => [x.result, x.correlation_id, x.params?.attempt]), [['error.500', 'tg-fail', 1]])
    const [n] = await s.svc.store.feedback.notificationsFor(admin.userId)
    assert.deepEqual([n.status, n.attempts], ['pending', 1])

    // The next run retries at once and fails again; the one after that finds nothing due (backoff: 30 s).
    const tick1 = await runJobOnce(s.svc, outboxJob())
    assert.equal(tick1.result, 'error.partial')
    assert.deepEqual(tick1.output.failed, [n.id])
    const tick2 = await runJobOnce(s.svc, outboxJob())
    assert.deepEqual([tick2.result, tick2.output.due], ['success', 0])
    const waiting = (await s.svc.store.feedback.notification(n.id))!
    assert.deepEqual([waiting.status, waiting.attempts], ['pending', 2])
    assert.ok(Date.parse(waiting.next_attempt_at) - Date.now() > 20_000, 'the second retry waits about 30 s')

    const later = await runTelegramOutbox(s.svc, { correlationId: 'tg-later', now: new Date(Date.now() + 31_000) })
    assert.equal(later.sent, 1)
    rows = await notifyRows()
    assert.deepEqual(rows.map((x) => x.result), ['error.500', 'error.500', 'success'])
    assert.ok(rows.every((x) => x.client_kind === 'system' && x.resource === `notification:${n.id}`))
    const done = (await s.svc.store.feedback.notification(n.id))!
    assert.deepEqual([done.status, done.attempts, done.last_error], ['sent', 3, null])
    assert.equal(tg.received.filter((x) => x.status === 200).length, 1)
    const ticks = await s.svc.store.audit.find({ action: 'run_telegram_outbox' })
    assert.deepEqual(ticks.map((x) => x.result), ['success', 'error.partial'])
  })

  test('per admin: the first report of a fingerprint at once, duplicates within 5 minutes rolled into one digest', async () => {
    await s.svc.store.shared.purgeExpired(new Date(Date.now() + THROTTLE_MS + 1000)) // a fresh throttle window
    await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin2.token, body: { chat_id: '-2002' } })
    const sentBefore = tg.received.length
    const a = await report(s, ana.token, { message: 'the SQL editor freezes on paste' })
    await settleBackgroundSends(s.svc)
    assert.equal(tg.received.length - sentBefore, 2, 'each linked admin is told at once')
    assert.deepEqual(tg.received.slice(-2).map((x) => x.body.chat_id).sort(), ['-2002', '1001'])

    const b = await report(s, ana.token, { message: 'The SQL editor freezes on paste' })
    const c = await report(s, admin.token, { message: 'the sql editor  freezes on paste' })
    assert.equal(b.body.duplicate_of, a.body.id)
    assert.equal(c.body.duplicate_of, a.body.id)
    await settleBackgroundSends(s.svc)
    assert.equal(tg.received.length - sentBefore, 2, 'duplicates inside the window wait')
    for (const who of [admin, admin2]) {
      const digests = (await s.svc.store.feedback.notificationsFor(who.userId)).filter((n) => n.kind === 'digest')
      assert.equal(digests.length, 1)
      assert.deepEqual([digests[0].status, digests[0].report_ids], ['pending', [b.body.id, c.body.id]])
    }
    // Not due yet: a run now sends nothing.
    assert.equal((await runTelegramOutbox(s.svc, { correlationId: 'digest-early' })).sent, 0)

    const out = await runTelegramOutbox(s.svc, { correlationId: 'digest-due', now: new Date(Date.now() + THROTTLE_MS + 1000) })
    assert.equal(out.sent, 2)
    const digests = tg.received.slice(-2)
    for (const d of digests) {
      assert.match(d.body.text, /2 more report\(s\)/)
      assert.ok(d.body.text.includes(b.body.id.slice(0, 8)) && d.body.text.includes(c.body.id.slice(0, 8)))
    }
    const rows = await s.svc.store.audit.find({ action: 'notify.telegram', correlationId: 'digest-due' })
    assert.deepEqual(rows.map((x) => [x.result, x.params?.kind]), [['success', 'digest'], ['success', 'digest']])

    // A new problem is still announced at once, whatever the window says.
    const d = await report(s, ana.token, { message: 'a completely different problem' })
    assert.equal(d.body.duplicate_of, null)
    await settleBackgroundSends(s.svc)
    assert.equal(tg.received.length - sentBefore, 6)
  })

  test('unlinking stops messages; the link of a user who is no longer an admin is ignored', async () => {
    await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin2.token, body: { chat_id: null } })
    assert.equal(await s.svc.store.feedback.telegramLink(admin2.userId), undefined)
    let before = tg.received.length
    await report(s, ana.token, { message: 'yet another new problem' })
    await settleBackgroundSends(s.svc)
    assert.deepEqual(tg.received.slice(before).map((x) => x.body.chat_id), ['1001'])

    await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin2.token, body: { chat_id: '-2002' } })
    await s.svc.store.users.update(admin2.userId, { is_admin: false }, new Date().toISOString())
    before = tg.received.length
    await report(s, ana.token, { message: 'and one more new problem' })
    await settleBackgroundSends(s.svc)
    assert.deepEqual(tg.received.slice(before).map((x) => x.body.chat_id), ['1001'])
  })
})

test('without a bot token no notification is queued and nothing is sent', async () => {
  const tg = await fakeTelegram()
  const s = await startTestServer({ telegram: { botToken: null, apiBase: tg.url } })
  try {
    const admin = await s.bootstrap()
    const link = await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin.token, body: { chat_id: '42' } })
    assert.equal(link.body.telegram_configured, false)
    const r = await report(s, admin.token, { message: 'nobody will be told' })
    assert.equal(r.status, 201)
    await settleBackgroundSends(s.svc)
    assert.deepEqual(await s.svc.store.feedback.notificationsFor(admin.userId), [])
    assert.deepEqual(await s.svc.store.audit.find({ action: 'notify.telegram' }), [])
    const tick = await runJobOnce(s.svc, coreJobs(s.svc).find((j) => j.name === 'telegram_outbox')!)
    assert.equal(tick.output.configured, false)
    assert.equal(tg.received.length, 0)
  } finally {
    await s.close()
    await tg.close()
  }
})

test('a report whose notifications were never queued (the server died between the two) is notified by the outbox job', async () => {
  const tg = await fakeTelegram()
  const s = await startTestServer({ telegram: { botToken: 'test-token', apiBase: tg.url } })
  try {
    const admin = await s.bootstrap()
    await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin.token, body: { chat_id: '77' } })
    // What a request that stored its report and then died leaves behind: the report, no notification.
    const stranded = (minutesAgo: number, id: string) => {
      const at = new Date(Date.now() - minutesAgo * 60_000).toISOString()
      return s.svc.store.feedback.insertReport({
        id, created_at: at, updated_at: at, reporter_user: admin.userId, message: `stranded ${id}`, session_excerpt: null, session_file: null,
        environment: null, fingerprint: `fp-${id}`, duplicate_of: null, status: 'open', assignee: null, tags: [], resolution: null,
        resolved_at: null, resolved_by: null, correlation_id: null,
      })
    }
    await stranded(2, 'old-one')
    await stranded(0, 'just-filed') // its own request may still be queueing it: left alone for a minute

    const tick = await runJobOnce(s.svc, coreJobs(s.svc).find((j) => j.name === 'telegram_outbox')!)
    assert.equal(tick.result, 'success')
    assert.equal(tick.output.recovered, 1)
    assert.deepEqual(tg.received.map((x) => [x.body.chat_id, /stranded old-one/.test(String(x.body.text))]), [['77', true]])
    assert.deepEqual((await s.svc.store.feedback.awaitingNotification(new Date().toISOString(), 10)).map((r) => r.id), ['just-filed'])

    // Queued once: the next runs send nothing more for it.
    const again = await runJobOnce(s.svc, coreJobs(s.svc).find((j) => j.name === 'telegram_outbox')!)
    assert.equal(again.output.recovered, 0)
    assert.equal(tg.received.length, 1)
    // A report filed through the API is marked as it is queued, so the job never sends it twice.
    assert.equal((await report(s, admin.token, { message: 'filed the normal way' })).status, 201)
    await settleBackgroundSends(s.svc)
    const later = await runTelegramOutbox(s.svc, { correlationId: 'tg-recover-later', now: new Date(Date.now() + 120_000) })
    assert.equal(later.recovered, 1, 'only the one stranded a moment ago')
    assert.equal(tg.received.filter((x) => /filed the normal way/.test(String(x.body.text))).length, 1)
  } finally {
    await settleBackgroundSends(s.svc)
    await s.close()
    await tg.close()
  }
})
