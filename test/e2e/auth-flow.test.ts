import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { statSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer } from '../helpers.ts'

let s: TestServer
before(async () => {
  s = await startTestServer()
})
after(async () => {
  await s.close()
})

const auditFor = async (correlationId: string) => s.svc.store.audit.find({ correlationId })

/** The sign-in page's pre-session CSRF cookie and the value its forms carry (test/e2e/signin-hardening.test.ts covers them). */
async function loginForm(): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${s.url}/login`)
  const csrf = /name="login_csrf" value="([^"]+)"/.exec(await r.text())![1]
  return { cookie: r.headers.get('set-cookie')!.split(';')[0], csrf }
}

test('the bootstrap token is written with mode 0600 and health reports the schema version', async () => {
  const path = join(s.dataDir, 'bootstrap-token')
  assert.equal(statSync(path).mode & 0o777, 0o600)
  const h = await call(s.url, 'GET', '/api/health')
  assert.equal(h.status, 200)
  assert.deepEqual(Object.keys(h.body).sort(), ['schema_version', 'status', 'version'])
  assert.equal(h.body.status, 'ok')
  assert.equal(h.body.schema_version, await s.svc.store.schemaVersion())
})

test('bootstrap → user → token → use → revoke → 401, each step audited', async () => {
  const wrong = await call(s.url, 'POST', '/api/auth/bootstrap', { body: { token: 'not-the-token', email: 'a@example.com' }, headers: { 'x-correlation-id': 'boot-wrong' } })
  assert.equal(wrong.status, 403)
  assert.equal(wrong.body.error.code, 'forbidden')
  assert.equal((await auditFor('boot-wrong'))[0].result, 'denied')

  const admin = await s.bootstrap('root@example.com')
  assert.match(admin.token, /^agnes_pat_[A-Za-z0-9_-]{43}$/)
  assert.equal(existsSync(join(s.dataDir, 'bootstrap-token')), false, 'the bootstrap secret is removed once used')
  const again = await call(s.url, 'POST', '/api/auth/bootstrap', { body: { token: 'whatever', email: 'b@example.com' } })
  assert.equal(again.status, 409)
  // The README's curl reads the secret's file, which is gone now: it sends "" and must hear why, not a bare 400.
  const readmeAgain = await call(s.url, 'POST', '/api/auth/bootstrap', { body: { token: '', email: 'b@example.com' } })
  assert.equal(readmeAgain.status, 409)
  assert.equal(readmeAgain.body.error.code, 'already_bootstrapped')
  assert.match(readmeAgain.body.error.message, /an admin already exists.*sign in at \/login/)

  const created = await call(s.url, 'POST', '/api/admin/users', {
    token: admin.token, body: { email: 'Ana@Example.com', name: 'Ana' }, headers: { 'x-correlation-id': 'step-create', 'user-agent': 'agnes-cli/0.1.0' },
  })
  assert.equal(created.status, 201)
  assert.equal(created.headers.get('x-correlation-id'), 'step-create')
  assert.deepEqual({ email: created.body.email, name: created.body.name, is_admin: created.body.is_admin }, { email: 'ana@example.com', name: 'Ana', is_admin: false })
  const [createRow] = await auditFor('step-create')
  assert.equal(createRow.action, 'user.create')
  assert.equal(createRow.result, 'success')
  assert.equal(createRow.client_kind, 'cli')
  assert.equal(createRow.user_email, 'root@example.com')
  assert.equal(createRow.resource, `user:${created.body.id}`)
  assert.ok(createRow.duration_ms !== null && createRow.duration_ms >= 0)

  const dup = await call(s.url, 'POST', '/api/admin/users', { token: admin.token, body: { email: 'ana@example.com' } })
  assert.equal(dup.status, 409)
  assert.equal(dup.body.error.field, 'email')

  const tok = await call(s.url, 'POST', `/api/admin/users/${created.body.id}/tokens`, { token: admin.token, body: { name: 'laptop' }, headers: { 'x-correlation-id': 'step-token' } })
  assert.equal(tok.status, 201)
  assert.match(tok.body.token, /^agnes_pat_/)
  const [tokRow] = await auditFor('step-token')
  assert.equal(tokRow.action, 'token.create')
  assert.ok(!JSON.stringify(tokRow).includes(tok.body.token), 'the secret never reaches the audit log')
  // Only the hash is stored.
  const stored = await s.svc.store.tokens.byId(tok.body.id)
  assert.ok(stored && stored.token_hash !== tok.body.token && !stored.token_hash.includes(tok.body.token))

  const me = await call(s.url, 'GET', '/api/me', { token: tok.body.token, headers: { 'x-correlation-id': 'step-use' } })
  assert.equal(me.status, 200)
  assert.equal(me.body.email, 'ana@example.com')
  const [useRow] = await auditFor('step-use')
  assert.deepEqual([useRow.action, useRow.result, useRow.client_kind, useRow.user_email], ['user.read_self', 'success', 'api', 'ana@example.com'])
  assert.ok((await s.svc.store.tokens.byId(tok.body.id))?.last_used_at, 'last_used_at is recorded')

  const notAdmin = await call(s.url, 'GET', '/api/admin/users', { token: tok.body.token, headers: { 'x-correlation-id': 'step-403' } })
  assert.equal(notAdmin.status, 403)
  assert.equal((await auditFor('step-403'))[0].result, 'denied')

  const revoke = await call(s.url, 'DELETE', `/api/admin/tokens/${tok.body.id}`, { token: admin.token, headers: { 'x-correlation-id': 'step-revoke' } })
  assert.equal(revoke.status, 200)
  assert.ok(revoke.body.revoked_at)
  const [revokeRow] = await auditFor('step-revoke')
  assert.equal(revokeRow.action, 'token.revoke')
  assert.equal(revokeRow.params_before?.revoked_at, null, 'params_before holds the token as it was')

  const after = await call(s.url, 'GET', '/api/me', { token: tok.body.token, headers: { 'x-correlation-id': 'step-after' } })
  assert.equal(after.status, 401)
  assert.equal(after.body.error.code, 'unauthorized')
  const [afterRow] = await auditFor('step-after')
  assert.deepEqual([afterRow.result, afterRow.user_id], ['denied', null])
})

test('a token past its expiry gets 401', async () => {
  const admin = (await s.svc.store.users.list()).find((u) => u.is_admin)!
  const { newPersonalToken, sha256Hex } = await import('../../src/platform/auth/secrets.ts')
  const live = newPersonalToken()
  const expired = newPersonalToken()
  const base = { user_id: admin.id, name: null, token_prefix: 'agnes_pat_x', created_at: '2026-01-01T00:00:00.000Z', last_used_at: null, revoked_at: null }
  await s.svc.store.tokens.insert({ ...base, id: 'live-token', token_hash: sha256Hex(live), expires_at: new Date(Date.now() + 60_000).toISOString() })
  await s.svc.store.tokens.insert({ ...base, id: 'expired-token', token_hash: sha256Hex(expired), expires_at: new Date(Date.now() - 1000).toISOString() })
  assert.equal((await call(s.url, 'GET', '/api/me', { token: live })).status, 200)
  assert.equal((await call(s.url, 'GET', '/api/me', { token: expired })).status, 401)
})

test('web login with password sets a session cookie; changes need the CSRF token', async () => {
  assert.equal((await call(s.url, 'GET', '/api/admin/users')).status, 401)
  const root = (await s.svc.store.users.list()).find((u) => u.email === 'root@example.com')!
  const form = await loginForm()
  const bad = await fetch(`${s.url}/login`, { method: 'POST', body: new URLSearchParams({ email: 'root@example.com', password: 'nope-nope', login_csrf: form.csrf }), redirect: 'manual', headers: { cookie: form.cookie, 'x-correlation-id': 'login-bad' } })
  assert.equal(bad.status, 401)
  assert.match(await bad.text(), /Wrong e-mail or password/)
  assert.equal((await auditFor('login-bad'))[0].action, 'auth.login_failed')

  const ok = await fetch(`${s.url}/login`, { method: 'POST', body: new URLSearchParams({ email: 'root@example.com', password: 'admin-password', next: '/', login_csrf: form.csrf }), redirect: 'manual', headers: { cookie: form.cookie, 'x-correlation-id': 'login-ok' } })
  assert.equal(ok.status, 303)
  const cookie = ok.headers.get('set-cookie')!
  assert.match(cookie, /agnes_session=.+; Path=\/; HttpOnly; SameSite=Lax/)
  const [loginRow] = await auditFor('login-ok')
  assert.deepEqual([loginRow.action, loginRow.result, loginRow.client_kind, loginRow.user_id], ['auth.login', 'success', 'web', root.id])

  const jar = cookie.split(';')[0]
  const page = await fetch(`${s.url}/`, { headers: { cookie: jar } })
  assert.equal(page.status, 200)
  const html = await page.text()
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(html)?.[1]
  assert.ok(csrf, 'the page carries the CSRF token for its scripts')

  const noCsrf = await call(s.url, 'POST', '/api/admin/groups', { body: { name: 'analysts' }, headers: { cookie: jar } })
  assert.equal(noCsrf.status, 403)
  assert.equal(noCsrf.body.error.code, 'csrf_failed')
  const withCsrf = await call(s.url, 'POST', '/api/admin/groups', { body: { name: 'analysts' }, headers: { cookie: jar, 'x-csrf-token': csrf!, 'x-correlation-id': 'grp-web' } })
  assert.equal(withCsrf.status, 201)
  assert.equal((await auditFor('grp-web'))[0].client_kind, 'web')
  // Reads with the cookie need no CSRF token.
  assert.equal((await call(s.url, 'GET', '/api/admin/groups', { headers: { cookie: jar } })).status, 200)
})

test('token login through the form sets the session cookie; a bad token does not', async () => {
  const root = (await s.svc.store.users.list()).find((u) => u.email === 'root@example.com')!
  const { createToken } = await import('../../src/platform/auth/tokens.ts')
  const t = await createToken(s.svc, {}, root.id, { name: 'browser' })
  const form = await loginForm()
  const bad = await fetch(`${s.url}/auth/token-login`, { method: 'POST', body: new URLSearchParams({ token: 'agnes_pat_nope', login_csrf: form.csrf }), redirect: 'manual', headers: { cookie: form.cookie } })
  assert.equal(bad.status, 401)
  assert.equal(bad.headers.get('set-cookie'), null)
  const ok = await fetch(`${s.url}/auth/token-login`, { method: 'POST', body: new URLSearchParams({ token: t.token, login_csrf: form.csrf }), redirect: 'manual', headers: { cookie: form.cookie } })
  assert.equal(ok.status, 303)
  const jar = ok.headers.get('set-cookie')!.split(';')[0]
  const me = await call(s.url, 'GET', '/api/me', { headers: { cookie: jar } })
  assert.equal(me.body.email, 'root@example.com')
  // Logging out ends the session.
  const page = await (await fetch(`${s.url}/`, { headers: { cookie: jar } })).text()
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1]
  const out = await fetch(`${s.url}/auth/logout`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }), redirect: 'manual', headers: { cookie: jar } })
  assert.equal(out.status, 303)
  assert.equal((await call(s.url, 'GET', '/api/me', { headers: { cookie: jar } })).status, 401)
})

test('groups, members, grants, config and templates are audited with params_before', async () => {
  const root = (await s.svc.store.users.list()).find((u) => u.email === 'root@example.com')!
  const { createToken } = await import('../../src/platform/auth/tokens.ts')
  const { token } = await createToken(s.svc, {}, root.id, { name: 'groups' })
  const ana = (await s.svc.store.users.list()).find((u) => u.email === 'ana@example.com')!
  const g = await call(s.url, 'POST', '/api/admin/groups', { token, body: { name: 'finance' } })
  assert.equal(g.status, 201)
  const m = await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token, body: { user_id: ana.id } })
  assert.equal(m.status, 201)
  assert.equal((await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token, body: { user_id: ana.id } })).status, 409)
  const grant = await call(s.url, 'POST', '/api/admin/grants', { token, body: { group_id: g.body.id, resource: 'table:orders', permission: 'read' } })
  assert.equal(grant.status, 201)
  assert.deepEqual(await s.svc.store.groups.resourcesGranted(ana.id, 'read'), ['table:orders'])

  const rename = await call(s.url, 'PATCH', `/api/admin/groups/${g.body.id}`, { token, body: { name: 'finance-team' }, headers: { 'x-correlation-id': 'grp-rename' } })
  assert.equal(rename.status, 200)
  const [renameRow] = await auditFor('grp-rename')
  assert.equal(renameRow.action, 'user_group.update')
  assert.equal(renameRow.params_before?.name, 'finance')

  await call(s.url, 'PATCH', '/api/admin/config', { token, body: { instance_name: 'Acme' } })
  const cfg = await call(s.url, 'PATCH', '/api/admin/config', { token, body: { instance_name: 'Acme Analytics' }, headers: { 'x-correlation-id': 'cfg-2' } })
  assert.equal(cfg.body.config.instance_name, 'Acme Analytics')
  assert.deepEqual((await auditFor('cfg-2'))[0].params_before, { instance_name: 'Acme' })

  const tpl = await call(s.url, 'PUT', '/api/admin/templates/setup_prompt', { token, body: { content: 'Hello analysts' }, headers: { 'x-correlation-id': 'tpl-1' } })
  assert.equal(tpl.status, 200)
  assert.equal((await auditFor('tpl-1'))[0].action, 'instance_template.set')

  const removeMember = await call(s.url, 'DELETE', `/api/admin/groups/${g.body.id}/members/${ana.id}`, { token, headers: { 'x-correlation-id': 'mem-rm' } })
  assert.equal(removeMember.status, 200)
  assert.equal((await auditFor('mem-rm'))[0].action, 'user_group_member.remove')
  assert.deepEqual(await s.svc.store.groups.resourcesGranted(ana.id, 'read'), [])

  const del = await call(s.url, 'DELETE', `/api/admin/groups/${g.body.id}`, { token, headers: { 'x-correlation-id': 'grp-del' } })
  assert.equal(del.status, 200)
  const [delRow] = await auditFor('grp-del')
  assert.equal(delRow.action, 'user_group.delete')
  assert.equal(delRow.params_before?.name, 'finance-team')
  assert.equal((await s.svc.store.groups.listGrants()).length, 0, 'grants go with their group')
})

test('an admin cannot remove the last admin', async () => {
  const root = (await s.svc.store.users.list()).find((u) => u.email === 'root@example.com')!
  const { createToken } = await import('../../src/platform/auth/tokens.ts')
  const { token } = await createToken(s.svc, {}, root.id, {})
  // The only admin is told why it cannot be done at all (test/e2e/users-lockout.test.ts has the other cases).
  const selfDemote = await call(s.url, 'PATCH', `/api/admin/users/${root.id}`, { token, body: { is_admin: false } })
  assert.equal(selfDemote.status, 409)
  assert.equal(selfDemote.body.error.code, 'lockout')
  const selfDelete = await call(s.url, 'DELETE', `/api/admin/users/${root.id}`, { token })
  assert.equal(selfDelete.status, 409)
  assert.equal(selfDelete.body.error.code, 'lockout')
  assert.ok(await s.svc.store.users.byId(root.id))
})

test('a fresh install creates its default source folder, so it is not flagged as missing', async () => {
  const fresh = await startTestServer()
  try {
    assert.ok(existsSync(join(fresh.dataDir, 'sources')))
    const admin = await fresh.bootstrap()
    const health = await call(fresh.url, 'GET', '/api/admin/activity/health', { token: admin.token })
    const diagnose = health.body.fields.find((f: { key: string }) => f.key === 'diagnose_warnings')
    // (Test servers run with the scheduler off, which is a warning of its own.)
    assert.deepEqual(diagnose.raw.filter((w: string) => /source folder/.test(w)), [])
  } finally {
    await fresh.close()
  }
})
