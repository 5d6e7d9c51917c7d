// GET /api/me/tokens: a person lists their own tokens (never anyone else's, never a secret or hash), newest first,
// with the one the request is signed with marked; revoked ones stay listed with their time; each listing is audited.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call, type TestServer } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
})
after(async () => {
  await s.close()
})

test('lists only your own tokens, newest first, without secrets; current marks the calling token; revoked ones keep their time', async () => {
  const laptop = await call(s.url, 'POST', '/api/me/tokens', { token: ana.token, body: { name: 'laptop', expires_in_days: 30 } })
  assert.equal(laptop.status, 201, laptop.text)
  const old = await call(s.url, 'POST', '/api/me/tokens', { token: ana.token, body: { name: 'old desktop' } })
  assert.equal((await call(s.url, 'DELETE', `/api/me/tokens/${old.body.id}`, { token: ana.token })).status, 200)
  // Someone else's token is not listed.
  await call(s.url, 'POST', '/api/me/tokens', { token: admin.token, body: { name: 'admin only' } })

  const r = await call(s.url, 'GET', '/api/me/tokens', { token: ana.token, headers: { 'x-correlation-id': 'list-my-tokens' } })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.body.next_cursor, null)
  const rows = r.body.rows as Array<Record<string, unknown>>
  assert.deepEqual(rows.map((t) => t.name), ['old desktop', 'laptop', null], 'newest first; the token the admin issued has no name')
  for (const t of rows) {
    assert.deepEqual(Object.keys(t).sort(), ['created_at', 'current', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'revoked_at'])
    assert.match(String(t.prefix), /^agnes_pat_.{6}$/)
  }
  assert.ok(!r.text.includes(laptop.body.token), 'the secret is never listed')
  assert.ok(!/hash/.test(r.text), 'nor its hash')
  const by = Object.fromEntries(rows.map((t) => [t.name ?? 'issued', t]))
  assert.equal(by.issued.current, true, 'the request is signed with the token the admin issued')
  assert.equal(by.laptop.current, false)
  assert.equal(by.laptop.expires_at, laptop.body.expires_at)
  assert.equal(by.laptop.revoked_at, null)
  assert.match(String(by['old desktop'].revoked_at), /^\d{4}-\d{2}-\d{2}T/)
  assert.ok(by.issued.last_used_at, 'the calling token was just used')

  const [row] = await s.svc.store.audit.find({ correlationId: 'list-my-tokens' })
  assert.deepEqual([row.action, row.result, row.resource, row.params], ['token.list', 'success', `user:${ana.userId}`, { count: 3 }])

  // The admin sees theirs, not ana's.
  const admins = await call(s.url, 'GET', '/api/me/tokens', { token: admin.token })
  assert.deepEqual(admins.body.rows.map((t: { name: string | null }) => t.name), ['admin only', 'bootstrap'])
})

test('without credentials it is a 401', async () => {
  const r = await call(s.url, 'GET', '/api/me/tokens')
  assert.equal(r.status, 401)
})
