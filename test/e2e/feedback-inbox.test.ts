// The feedback inbox over HTTP: internal notes (admins only, audited), replies the reporter sees (agnes reports, Telegram
// when they linked a chat), the reporter told when a report is closed, the sorts, and bulk actions on a selection.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { startTestServer, call, runCli, type TestServer } from '../helpers.ts'
import { settleBackgroundSends } from '../../src/integrations/telegram/index.ts'

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let bo: { token: string; userId: string }
let tg: { url: string; received: Array<{ chat_id: string; text: string }>; server: Server }
const ids: Record<string, string> = {}

async function report(token: string, message: string) {
  const r = await call(s.url, 'POST', '/api/feedback', { token, body: { message, ack_preview: true } })
  assert.equal(r.status, 201, r.text)
  return r.body.id as string
}
const api = (method: string, path: string, body?: unknown, token = admin.token, cid?: string) =>
  call(s.url, method, path, { token, body, headers: cid ? { 'x-correlation-id': cid } : {} })
const mine = async (token: string) => (await api('GET', '/api/feedback/mine', undefined, token)).body.rows as Array<Record<string, any>>

async function until<T>(what: string, fn: () => T | null | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

before(async () => {
  const received: Array<{ chat_id: string; text: string }> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"result":{}}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  tg = { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, server }
  s = await startTestServer({ telegram: { botToken: 'tg-token', apiBase: tg.url } })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  bo = await s.addUser(admin.token, 'bo@example.com')
  assert.equal((await api('POST', '/api/me/telegram-link', { chat_id: '5151' }, bo.token)).status, 200)
  // Filed in this order: a problem three people hit, one two people hit, one alone.
  ids.slow1 = await report(ana.token, 'The dashboard is slow to load')
  ids.export1 = await report(ana.token, 'CSV export drops the header row')
  ids.slow2 = await report(bo.token, 'The dashboard is slow to load')
  ids.alone = await report(bo.token, 'A typo on the login page')
  ids.export2 = await report(bo.token, 'CSV export drops the header row')
  ids.slow3 = await report(ana.token, 'The dashboard is slow to load')
})
after(async () => {
  await settleBackgroundSends(s.svc)
  await s.close()
  await new Promise((r) => tg.server.close(r))
})

test('internal notes: admins add and read them, audited; the reporter never sees them; a non-admin cannot add one', async () => {
  const n = await api('POST', `/api/admin/feedback/${ids.slow1}/notes`, { body: 'Probably the events table scan. token agnes_pat_' + 'x'.repeat(43) }, admin.token, 'note-1')
  assert.equal(n.status, 201, n.text)
  assert.deepEqual([n.body.kind, n.body.author_user, n.body.author_email], ['note', admin.userId, 'admin@example.com'])
  assert.match(n.body.body, /^Probably the events table scan\. token \[REDACTED:agnes_token\]$/)
  const rows = await s.svc.store.audit.find({ correlationId: 'note-1' })
  assert.deepEqual(rows.map((r) => [r.action, r.result, r.resource, r.params?.note_id, r.params_before]), [['feedback.note', 'success', `feedback:${ids.slow1}`, n.body.id, null]])
  const d = (await api('GET', `/api/admin/feedback/${ids.slow1}`)).body
  assert.deepEqual(d.notes.map((x: { id: string }) => x.id), [n.body.id])
  assert.deepEqual(d.replies, [])
  const seen = (await mine(ana.token)).find((r) => r.id === ids.slow1)!
  assert.deepEqual([seen.replies, seen.news], [[], false], 'a note is not news for the reporter')
  assert.ok(!JSON.stringify(await mine(ana.token)).includes('events table scan'))
  const shown = await runCli(['admin', 'feedback', 'show', ids.slow1], { AGNES_URL: s.url, AGNES_TOKEN: admin.token })
  assert.match(shown.stdout, /^note from admin@example\.com \(.+\): Probably the events table scan\. token \[REDACTED:agnes_token\]$/m)
  const refused = await api('POST', `/api/admin/feedback/${ids.slow1}/notes`, { body: 'me too' }, ana.token)
  assert.equal(refused.status, 403)
  assert.equal((await api('POST', '/api/admin/feedback/no-such-report/notes', { body: 'x' })).status, 404)
  assert.equal((await api('POST', `/api/admin/feedback/${ids.slow1}/notes`, { body: '   ' })).status, 400)
})

test('a reply reaches the reporter in agnes reports and on Telegram, apart from the resolution, and is news once', async () => {
  const r = await api('POST', `/api/admin/feedback/${ids.slow2}/replies`, { body: 'Thanks! Does it happen on every page?' }, admin.token, 'reply-1')
  assert.equal(r.status, 201, r.text)
  assert.equal((await s.svc.store.audit.find({ correlationId: 'reply-1', action: 'feedback.reply' })).length, 1, 'the reply is audited')
  const msg = await until('the reply on Telegram', () => tg.received.find((m) => m.chat_id === '5151' && /a reply to your report/.test(m.text)))
  assert.match(msg.text, /Reply: Thanks! Does it happen on every page\?/)

  const out = await runCli(['reports'], { AGNES_URL: s.url, AGNES_TOKEN: bo.token })
  assert.equal(out.code, 0, out.stderr)
  assert.match(out.stdout, new RegExp(`^${ids.slow2}\\s+\\*\\s+\\S+ \\S+\\s+open\\s+The dashboard is slow to load\\s+1\\s*$`, 'm'))
  assert.match(out.stdout, /^\* [0-9a-f]{8} "The dashboard is slow to load" is open\n {2}reply from admin@example\.com \(.+\): Thanks! Does it happen on every page\?$/m)
  const after = (await mine(bo.token)).find((x) => x.id === ids.slow2)!
  assert.deepEqual([after.news, after.resolution, after.replies.map((c: { body: string }) => c.body)], [false, null, ['Thanks! Does it happen on every page?']])
  assert.equal((await api('GET', `/api/admin/feedback/${ids.slow2}`)).body.replies.length, 1)

  // And on his dashboard, as text.
  await api('POST', `/api/admin/feedback/${ids.slow2}/replies`, { body: 'Try <img src=x onerror="alert(1)"> & reload' })
  const dash = await call(s.url, 'GET', '/', { token: bo.token, headers: { accept: 'text/html' } })
  const card = dash.text.slice(dash.text.indexOf('id="my-reports"'))
  assert.match(card, /<b>Reply from admin@example\.com<\/b> <span class="muted mr-when">[^<]+ UTC<\/span><br>Thanks! Does it happen on every page\?<\/p>/)
  assert.ok(card.includes('Try &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; reload'), 'a reply is escaped')
  assert.match(card, /1 with news since you last looked/)
  // Someone who filed no report gets no card.
  const carol = await s.addUser(admin.token, 'carol@example.com')
  assert.ok(!(await call(s.url, 'GET', '/', { token: carol.token, headers: { accept: 'text/html' } })).text.includes('id="my-reports"'))
})

test('sorts: newest, oldest open, most duplicates; a cursor belongs to its sort', async () => {
  const order = async (sort: string) => (await api('GET', `/api/admin/feedback?sort=${sort}`)).body.rows.map((r: { id: string }) => r.id)
  assert.deepEqual(await order('newest'), [ids.slow3, ids.export2, ids.alone, ids.slow2, ids.export1, ids.slow1])
  assert.deepEqual(await order('oldest_open'), [ids.slow1, ids.export1, ids.slow2, ids.alone, ids.export2, ids.slow3])
  assert.deepEqual(await order('duplicates'), [ids.slow3, ids.slow2, ids.slow1, ids.export2, ids.export1, ids.alone])
  const p1 = (await api('GET', '/api/admin/feedback?sort=duplicates&limit=4')).body
  const p2 = (await api('GET', `/api/admin/feedback?sort=duplicates&limit=4&cursor=${p1.next_cursor}`)).body
  assert.deepEqual([...p1.rows, ...p2.rows].map((r: { id: string }) => r.id), await order('duplicates'))
  const wrong = await api('GET', `/api/admin/feedback?sort=newest&cursor=${p1.next_cursor}`)
  assert.deepEqual([wrong.status, wrong.body.error.code], [400, 'invalid_cursor'])
  assert.equal((await api('GET', '/api/admin/feedback?sort=loudest')).status, 400)
})

test('bulk: tag, assign and resolve a selection in one audited request; the reporters are told; an unknown id changes nothing', async () => {
  const sel = [ids.slow1, ids.slow2, ids.slow3]
  const missing = await api('POST', '/api/admin/feedback/bulk', { ids: [...sel, 'nope'], add_tags: ['perf'] })
  assert.deepEqual([missing.status, missing.body.error.message], [404, 'no report nope: nothing was changed'])
  assert.ok((await Promise.all(sel.map((id) => s.svc.store.feedback.byId(id)))).every((r) => r!.tags.length === 0))

  const tagged = await api('POST', '/api/admin/feedback/bulk', { ids: sel, add_tags: ['perf', 'dashboard'], assignee: 'me' }, admin.token, 'bulk-1')
  assert.equal(tagged.status, 200, tagged.text)
  assert.equal(tagged.body.updated, 3)
  for (const r of tagged.body.rows) assert.deepEqual([r.tags, r.assignee], [['perf', 'dashboard'], admin.userId])
  const [row] = await s.svc.store.audit.find({ correlationId: 'bulk-1', action: 'feedback.bulk_update' })
  assert.deepEqual([row.action, row.result, row.params?.ids, row.params?.assignee], ['feedback.bulk_update', 'success', sel, admin.userId])
  assert.deepEqual((row.params_before?.reports as Record<string, { tags: string[]; assignee: string | null }>)[ids.slow1], { status: 'open', assignee: null, tags: [], resolution: null })

  const untag = await api('POST', '/api/admin/feedback/bulk', { ids: [ids.slow1], remove_tags: ['dashboard'] })
  assert.deepEqual(untag.body.rows[0].tags, ['perf'])

  const tgBefore = tg.received.length
  const resolved = await api('POST', '/api/admin/feedback/bulk', { ids: sel, status: 'resolved', resolution: 'Added an index on events.' }, admin.token, 'bulk-2')
  assert.equal(resolved.status, 200, resolved.text)
  for (const r of resolved.body.rows) assert.deepEqual([r.status, r.resolution, r.resolved_by], ['resolved', 'Added an index on events.', admin.userId])
  const [row2] = await s.svc.store.audit.find({ correlationId: 'bulk-2', action: 'feedback.bulk_update' })
  assert.deepEqual([...(row2.params?.reporters_told as string[])].sort(), [...sel].sort())
  // Bo linked a chat and filed slow2: he hears of it; Ana did not link one.
  const told = await until('the resolution on Telegram', () => tg.received.slice(tgBefore).find((m) => /was resolved/.test(m.text)))
  assert.equal(told.chat_id, '5151')
  assert.match(told.text, /Resolution: Added an index on events\./)
  const anaSees = (await mine(ana.token)).filter((r) => r.id === ids.slow1 || r.id === ids.slow3)
  assert.deepEqual(anaSees.map((r) => [r.status, r.resolution, r.news]), [['resolved', 'Added an index on events.', true], ['resolved', 'Added an index on events.', true]])

  assert.equal((await api('POST', '/api/admin/feedback/bulk', { ids: sel })).status, 400, 'no change given')
  assert.equal((await api('POST', '/api/admin/feedback/bulk', { ids: [] , status: 'open' })).status, 400)
  assert.equal((await api('POST', '/api/admin/feedback/bulk', { ids: sel, status: 'open' }, ana.token)).status, 403)
})
