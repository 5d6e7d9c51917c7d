// What the Users page relies on from the API: the list's last-active and token counts, a token's holder, and the
// refusals that keep the instance (and the admin using it) from being locked out, each with a message a page can show.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call, type TestServer } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }
let n = 0

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
})
after(async () => {
  await s.close()
})

/** A request with a fresh correlation id; answers with the audit row it wrote. */
async function act(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const cid = `ul-${++n}`
  const r = await call(s.url, method, path, { ...opts, headers: { ...opts.headers, 'x-correlation-id': cid } })
  const [event] = await s.svc.store.audit.find({ correlationId: cid })
  return { ...r, event }
}

/** A browser session for a token, as the token sign-in form makes one: the cookie and the CSRF token pages send. */
async function webSession(token: string): Promise<Record<string, string>> {
  const form = await fetch(`${s.url}/login`)
  const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(await form.text())![1]
  const signIn = await fetch(`${s.url}/auth/token-login`, {
    method: 'POST', body: new URLSearchParams({ token, login_csrf: loginCsrf }), redirect: 'manual',
    headers: { cookie: form.headers.get('set-cookie')!.split(';')[0] },
  })
  assert.equal(signIn.status, 303)
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]
  const page = await (await fetch(`${s.url}/`, { headers: { cookie } })).text()
  return { cookie, 'x-csrf-token': /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1] }
}

test('the user list says when each person was last active and how many of their tokens still work; a token names its holder', async () => {
  const ana = await s.addUser(admin.token, 'ana@example.com')
  const spare = await call(s.url, 'POST', `/api/admin/users/${ana.userId}/tokens`, { token: admin.token, body: { name: 'spare' } })
  await call(s.url, 'DELETE', `/api/admin/tokens/${spare.body.id}`, { token: admin.token })
  const list = async () => (await call(s.url, 'GET', '/api/admin/users', { token: admin.token })).body.rows as Array<Record<string, unknown>>
  const anaRow = async () => (await list()).find((u) => u.id === ana.userId)!
  assert.deepEqual([(await anaRow()).last_active, (await anaRow()).token_count], [null, 1], 'never active; the revoked token does not count')

  // A query is being active (src/activity/usage.ts); reading an admin list is not.
  const q = await act('POST', '/api/query', { token: ana.token, body: { sql: 'SELECT 1 AS x' } })
  assert.equal(q.status, 200, q.text)
  assert.equal((await anaRow()).last_active, q.event.timestamp)
  assert.equal((await list()).find((u) => u.id === admin.userId)!.last_active, null)

  const t = await act('GET', `/api/admin/tokens/${spare.body.id}`, { token: admin.token })
  assert.equal(t.status, 200)
  assert.equal(t.body.user_id, ana.userId)
  assert.equal(t.body.name, 'spare')
  assert.equal(typeof t.body.revoked_at, 'string')
  assert.equal('token_hash' in t.body, false)
  assert.deepEqual([t.event.action, t.event.resource, t.event.result], ['token.read', `token:${spare.body.id}`, 'success'])
  const missing = await call(s.url, 'GET', '/api/admin/tokens/no-such-token', { token: admin.token })
  assert.deepEqual([missing.status, missing.body.error.code], [404, 'not_found'])
})

test('the only admin cannot demote or delete themselves: a 409 lockout saying why; with another admin it is a 400 to ask them', async () => {
  const demote = await act('PATCH', `/api/admin/users/${admin.userId}`, { token: admin.token, body: { is_admin: false } })
  assert.equal(demote.status, 409)
  assert.equal(demote.body.error.code, 'lockout')
  assert.equal(demote.body.error.message, 'removing your own admin rights would leave the instance without an admin: make another user an admin first')
  assert.equal(demote.event.result, 'error.lockout')
  const del = await act('DELETE', `/api/admin/users/${admin.userId}`, { token: admin.token })
  assert.equal(del.status, 409)
  assert.match(del.body.error.message, /^deleting yourself would leave the instance without an admin/)
  assert.equal((await s.svc.store.users.byId(admin.userId))?.is_admin, true)

  const other = await s.addUser(admin.token, 'second-admin@example.com', { is_admin: true })
  const again = await act('PATCH', `/api/admin/users/${admin.userId}`, { token: admin.token, body: { is_admin: false } })
  assert.equal(again.status, 400)
  assert.equal(again.body.error.message, 'you cannot remove your own admin rights: ask another admin')
  // Demoting another admin is fine while one is left, and refused for the last one (by a user who is no admin then).
  assert.equal((await call(s.url, 'PATCH', `/api/admin/users/${other.userId}`, { token: admin.token, body: { is_admin: false } })).status, 200)
  assert.equal(await s.svc.store.users.countAdmins(), 1)
})

test('an admin cannot take away their own last way to sign in: the last working token without a password, or the password without a token', async () => {
  // Bea has no password and one token; she signs in to the web pages with it.
  const bea = await s.addUser(admin.token, 'bea@example.com', { is_admin: true })
  const [beaToken] = await s.svc.store.tokens.listForUser(bea.userId)
  const web = await webSession(bea.token)
  const revoke = await act('DELETE', `/api/admin/tokens/${beaToken.id}`, { headers: web })
  assert.equal(revoke.status, 409)
  assert.equal(revoke.body.error.code, 'lockout')
  assert.match(revoke.body.error.message, /^this is your last working token and you have no password: revoking it would leave you no way to sign in once this session ends/)
  assert.equal(revoke.event.result, 'error.lockout')
  assert.equal((await call(s.url, 'DELETE', `/api/me/tokens/${beaToken.id}`, { headers: web })).body.error.code, 'lockout')
  assert.equal((await call(s.url, 'GET', '/api/me', { token: bea.token })).status, 200, 'the token still works')

  // With a second token the first may go; so may another person's last token (an admin removes it on purpose).
  const second = await call(s.url, 'POST', '/api/me/tokens', { headers: web, body: { name: 'second' } })
  assert.equal(second.status, 201)
  assert.equal((await act('DELETE', `/api/admin/tokens/${beaToken.id}`, { headers: web })).status, 200)
  const cyd = await s.addUser(admin.token, 'cyd@example.com')
  const [cydToken] = await s.svc.store.tokens.listForUser(cyd.userId)
  assert.equal((await call(s.url, 'DELETE', `/api/admin/tokens/${cydToken.id}`, { headers: web })).status, 200)

  // The password may go while a token works, and a token while there is a password; not the last of both.
  const setPassword = () => call(s.url, 'PATCH', `/api/admin/users/${bea.userId}`, { headers: web, body: { password: 'bea-password-1' } })
  assert.equal((await setPassword()).status, 200)
  assert.equal((await call(s.url, 'PATCH', `/api/admin/users/${bea.userId}`, { headers: web, body: { password: null } })).status, 200)
  assert.equal((await setPassword()).status, 200)
  assert.equal((await call(s.url, 'DELETE', `/api/admin/tokens/${second.body.id}`, { headers: web })).status, 200)
  const last = await act('PATCH', `/api/admin/users/${bea.userId}`, { headers: web, body: { password: null } })
  assert.equal(last.status, 409)
  assert.equal(last.body.error.message, 'removing your password would leave you no way to sign in once this session ends: create a token first')
  assert.notEqual((await s.svc.store.users.byId(bea.userId))?.password_hash, null, 'the password stays')
})
