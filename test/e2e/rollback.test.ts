import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer } from '../helpers.ts'

/**
 * Rollback through the HTTP API, on the store the e2e suite runs on (AGNES_TEST_E2E_STORE=postgres for PostgreSQL):
 * the scenario, every rule (allowlist, conflict, nothing to revert, history incomplete, lockout, once under
 * concurrency) and every allowlisted action's inverse.
 */
let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let n = 0

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
})
after(async () => {
  await s.close()
})

/** Calls the API as the admin with a fresh correlation id and returns the answer with the id of its audit row. */
async function act(method: string, path: string, body?: unknown, token = admin.token) {
  const cid = `rb-${++n}`
  const r = await call(s.url, method, path, { token, body, headers: { 'x-correlation-id': cid } })
  const rows = await s.svc.store.audit.find({ correlationId: cid })
  return { ...r, event: rows[rows.length - 1] }
}

const rollback = (event_id: number, opts: { dry_run?: boolean; force?: boolean } = {}) => act('POST', '/api/admin/rollback', { event_id, ...opts })
const group = async (id: string) => (await call(s.url, 'GET', `/api/admin/groups/${id}`, { token: admin.token })).body

test("the issue's scenario: create a group, rename it, see the rename in Changes, preview and apply the rollback, see the rollback in Changes", async () => {
  const created = await act('POST', '/api/admin/groups', { name: 'analysts' })
  assert.equal(created.status, 201)
  const renamed = await act('PATCH', `/api/admin/groups/${created.body.id}`, { name: 'data-team' })
  assert.equal(renamed.status, 200)

  const changes = await call(s.url, 'GET', `/api/admin/activity/changes?resource=user_group:${created.body.id}`, { token: admin.token })
  assert.equal(changes.status, 200)
  assert.deepEqual(changes.body.rows.map((r: any) => [r.event.id, r.event.action]), [[renamed.event.id, 'user_group.update'], [created.event.id, 'user_group.create']])
  const [rename] = changes.body.rows
  assert.deepEqual(rename.changes, [{ field: 'name', kind: 'changed', before: 'analysts', after: 'data-team' }])
  assert.deepEqual([rename.no_op, rename.rollback], [false, { allowed: true }])

  const preview = await rollback(renamed.event.id, { dry_run: true })
  assert.equal(preview.status, 200, preview.text)
  assert.deepEqual(preview.body, {
    event_id: renamed.event.id, applied: false, conflicts: [],
    changes: [{ field: 'name', kind: 'changed', before: 'data-team', after: 'analysts' }],
    message: `would revert user_group:${created.body.id} to its state before event #${renamed.event.id}`,
  })
  assert.deepEqual([preview.event.action, preview.event.result, preview.event.params?.rolled_back_event_id], ['rollback.preview', 'success', renamed.event.id])
  assert.equal((await group(created.body.id)).name, 'data-team', 'a dry run changes nothing')

  const applied = await rollback(renamed.event.id)
  assert.equal(applied.status, 200, applied.text)
  assert.equal(applied.body.applied, true)
  assert.deepEqual(applied.body.changes, preview.body.changes)
  assert.equal((await group(created.body.id)).name, 'analysts')
  const row = applied.event
  assert.deepEqual([row.action, row.result, row.resource], ['rollback.apply', 'success', `user_group:${created.body.id}`])
  assert.deepEqual(row.params, { id: created.body.id, name: 'analysts', description: null, rolled_back_event_id: renamed.event.id, rolled_back_action: 'user_group.update', subject: 'user_group' })
  assert.deepEqual(row.params_before, { id: created.body.id, name: 'data-team', description: null })

  const after = await call(s.url, 'GET', `/api/admin/activity/changes?resource=user_group:${created.body.id}`, { token: admin.token })
  const top = after.body.rows[0]
  assert.deepEqual([top.event.id, top.event.action], [row.id, 'rollback.apply'])
  assert.deepEqual(top.changes, [{ field: 'name', kind: 'changed', before: 'data-team', after: 'analysts' }])
  assert.deepEqual(top.rollback, { allowed: true }, 'a rollback is itself reversible')
  assert.ok(!after.body.rows.some((r: any) => r.event.action === 'rollback.preview'), 'a preview changed nothing, so it is no change')

  // Rolling the rollback back renames it again.
  const again = await rollback(row.id)
  assert.equal(again.status, 200, again.text)
  assert.equal((await group(created.body.id)).name, 'data-team')
})

test('allowlist: anything else is a 422 not_reversible that says why; an unknown event is a 404', async () => {
  const user = await act('POST', '/api/admin/users', { email: 'bo@example.com' })
  const r = await rollback(user.event.id)
  assert.equal(r.status, 422)
  assert.equal(r.body.error.code, 'not_reversible')
  assert.match(r.body.error.message, /user\.create is not on the rollback allowlist: accounts are removed on purpose/)
  assert.deepEqual([r.body.event_id, r.body.applied, r.body.changes, r.body.conflicts], [user.event.id, false, [], []])
  assert.deepEqual([r.event.action, r.event.result], ['rollback.apply', 'error.not_reversible'])

  const read = await act('GET', '/api/admin/users')
  assert.match((await rollback(read.event.id)).body.error.message, /user\.list changes no record to put back/)
  await act('POST', '/api/admin/groups', { name: 'taken' })
  const refused = await act('POST', '/api/admin/groups', { name: 'taken' })
  assert.equal(refused.status, 409)
  assert.match((await rollback(refused.event.id)).body.error.message, /did not change anything \(its result is error\.409\)/)
  const query = await act('POST', '/api/query', { sql: 'SELECT 1' })
  assert.match((await rollback(query.event.id)).body.error.message, /query\.run changes no record to put back: runs a read-only SELECT/)
  assert.equal((await rollback(999_999_999)).status, 404)
  const bad = await call(s.url, 'POST', '/api/admin/rollback', { token: admin.token, body: { event_id: 'one' } })
  assert.equal(bad.status, 400)
})

test('conflict: a record changed again since the event is a 409 listing the fields, unless forced', async () => {
  const g = await act('POST', '/api/admin/groups', { name: 'conflict-a' })
  const first = await act('PATCH', `/api/admin/groups/${g.body.id}`, { name: 'conflict-b', description: 'first' })
  await act('PATCH', `/api/admin/groups/${g.body.id}`, { name: 'conflict-c' })
  const r = await rollback(first.event.id)
  assert.equal(r.status, 409)
  assert.equal(r.body.error.code, 'conflict')
  assert.match(r.body.error.message, /changed again since event #\d+ \(name\): send force/)
  assert.deepEqual(r.body.conflicts, [{ field: 'name', expected: 'conflict-b', actual: 'conflict-c' }])
  assert.deepEqual(r.body.changes, [
    { field: 'description', kind: 'removed', before: 'first', after: null },
    { field: 'name', kind: 'changed', before: 'conflict-c', after: 'conflict-a' },
  ])
  assert.equal(r.event.result, 'error.conflict')
  assert.equal((await group(g.body.id)).name, 'conflict-c', 'nothing changed')
  const preview = await rollback(first.event.id, { dry_run: true })
  assert.equal(preview.status, 409, 'a dry run answers what the apply would')

  const forced = await rollback(first.event.id, { force: true })
  assert.equal(forced.status, 200, forced.text)
  assert.equal(forced.body.applied, true)
  assert.deepEqual(forced.body.conflicts, r.body.conflicts)
  assert.match(forced.body.message, /overwriting later changes to name$/)
  assert.deepEqual([(await group(g.body.id)).name, (await group(g.body.id)).description], ['conflict-a', null])
  assert.equal(forced.event.params?.force, true)
})

test('nothing to revert: a record already back as it was answers 200 applied false, audited as skipped', async () => {
  const g = await act('POST', '/api/admin/groups', { name: 'same-a' })
  const rename = await act('PATCH', `/api/admin/groups/${g.body.id}`, { name: 'same-b' })
  await act('PATCH', `/api/admin/groups/${g.body.id}`, { name: 'same-a' })
  const r = await rollback(rename.event.id)
  assert.equal(r.status, 200)
  assert.deepEqual(r.body, {
    event_id: rename.event.id, applied: false, changes: [], conflicts: [],
    message: `nothing to revert: user_group:${g.body.id} is already as it was before event #${rename.event.id}`,
  })
  assert.deepEqual([r.event.action, r.event.result, r.event.params?.applied], ['rollback.apply', 'skipped', false])
  // A deleted group whose create is rolled back: already gone.
  const gone = await act('POST', '/api/admin/groups', { name: 'gone' })
  await act('DELETE', `/api/admin/groups/${gone.body.id}`)
  assert.equal((await rollback(gone.event.id)).body.applied, false)
})

test('history incomplete: rows without params_before, or written before whole states were kept, are a 422', async () => {
  const g = await act('POST', '/api/admin/groups', { name: 'old-history' })
  const base = { timestamp: new Date().toISOString(), user_id: admin.userId, user_email: 'admin@example.com', resource: `user_group:${g.body.id}`, result: 'success', duration_ms: 1, client_ip: '127.0.0.1', client_kind: 'api' }
  await s.svc.store.audit.insertMany([
    { ...base, action: 'user_group.update', params: { name: 'renamed' }, params_before: null, correlation_id: 'old-no-before' },
    // What user_group.update wrote before this change: the record with its timestamps, and only the patch after.
    { ...base, action: 'user_group.update', params: { name: 'renamed' }, params_before: { id: g.body.id, name: 'old-history', description: null, created_at: base.timestamp, updated_at: base.timestamp }, correlation_id: 'old-patch' },
  ])
  const [noBefore] = await s.svc.store.audit.find({ correlationId: 'old-no-before' })
  const [patch] = await s.svc.store.audit.find({ correlationId: 'old-patch' })
  const a = await rollback(noBefore.id)
  assert.equal(a.status, 422)
  assert.equal(a.body.error.code, 'history_incomplete')
  assert.match(a.body.error.message, /has no params_before/)
  const b = await rollback(patch.id)
  assert.equal(b.body.error.code, 'history_incomplete')
  assert.match(b.body.error.message, /recorded before Agnes kept whole states/)
  const changes = await call(s.url, 'GET', `/api/admin/activity/changes?correlation_id=old-no-before`, { token: admin.token })
  assert.deepEqual(changes.body.rows[0].rollback, { allowed: false, reason: a.body.error.message })
})

test('lockout on the API: revoking the token the request is signed with, or the last admin rights, is a 409 lockout', async () => {
  const own = (await s.svc.store.tokens.listForUser(admin.userId))[0]
  const r = await act('DELETE', `/api/admin/tokens/${own.id}`)
  assert.equal(r.status, 409)
  assert.equal(r.body.error.code, 'lockout')
  assert.match(r.body.error.message, /this request is signed with that token/)
  assert.equal(r.event.result, 'error.lockout')
  assert.equal((await call(s.url, 'GET', '/api/me', { token: admin.token })).status, 200, 'the token still works')
  const mine = (await s.svc.store.tokens.listForUser(ana.userId))[0]
  assert.equal((await call(s.url, 'DELETE', `/api/me/tokens/${mine.id}`, { token: ana.token })).body.error.code, 'lockout')

  // Two admins demoting each other at the same moment: one succeeds, the other is refused, one admin is left.
  const other = await s.addUser(admin.token, 'second-admin@example.com', { is_admin: true })
  const [x, y] = await Promise.all([
    call(s.url, 'PATCH', `/api/admin/users/${other.userId}`, { token: admin.token, body: { is_admin: false } }),
    call(s.url, 'PATCH', `/api/admin/users/${admin.userId}`, { token: other.token, body: { is_admin: false } }),
  ])
  assert.deepEqual([x.status, y.status].sort(), [200, 409])
  const refused = x.status === 409 ? x : y
  assert.equal(refused.body.error.code, 'lockout')
  assert.match(refused.body.error.message, /would leave the instance without an admin: make another user an admin first/)
  assert.equal(await s.svc.store.users.countAdmins(), 1)
  // Put the original admin back for the tests that follow.
  if (x.status === 409) await call(s.url, 'PATCH', `/api/admin/users/${admin.userId}`, { token: other.token, body: { is_admin: true } })
  assert.equal((await s.svc.store.users.byId(admin.userId))?.is_admin, true)
})

test('once under concurrency: two rollbacks of one event at the same moment apply once', async () => {
  for (let round = 0; round < 3; round++) {
    const g = await act('POST', '/api/admin/groups', { name: `race-${round}` })
    const rename = await act('PATCH', `/api/admin/groups/${g.body.id}`, { name: `raced-${round}` })
    const answers = await Promise.all([0, 1].map((i) => call(s.url, 'POST', '/api/admin/rollback', { token: admin.token, body: { event_id: rename.event.id }, headers: { 'x-correlation-id': `race-${round}-${i}` } })))
    assert.deepEqual(answers.map((a) => a.status), [200, 200], answers.map((a) => a.text).join('\n'))
    assert.deepEqual(answers.map((a) => a.body.applied).sort(), [false, true], `round ${round}`)
    const rows = (await Promise.all([0, 1].map((i) => s.svc.store.audit.find({ correlationId: `race-${round}-${i}` })))).flat()
    assert.deepEqual(rows.map((r) => r.result).sort(), ['skipped', 'success'])
    assert.equal((await group(g.body.id)).name, `race-${round}`)
  }
})

test('every allowlisted action is put back by its inverse, exactly, and the rollback can be rolled back', async () => {
  const roundTrip = async (event: { id: number }, check: () => Promise<void>, recheck?: () => Promise<void>) => {
    const r = await rollback(event.id)
    assert.equal(r.status, 200, r.text)
    assert.equal(r.body.applied, true, r.text)
    await check()
    if (recheck) {
      const back = await rollback(r.event.id)
      assert.equal(back.status, 200, back.text)
      assert.equal(back.body.applied, true)
      await recheck()
    }
  }
  // instance_config.update: each key back to its prior value, unset when it had none.
  await act('PATCH', '/api/admin/config', { instance_name: 'Acme' })
  const cfg = await act('PATCH', '/api/admin/config', { instance_name: 'Acme Analytics', query_row_limit: 500 })
  const config = async () => (await call(s.url, 'GET', '/api/admin/config', { token: admin.token })).body.config
  await roundTrip(cfg.event, async () => {
    const c = await config()
    assert.deepEqual([c.instance_name, c.query_row_limit], ['Acme', undefined])
  }, async () => {
    const c = await config()
    assert.deepEqual([c.instance_name, c.query_row_limit], ['Acme Analytics', 500])
  })

  // instance_template.set: longer than the audit log keeps (256 characters), restored exactly from the kept state.
  const v1 = `Welcome.\n${'a'.repeat(400)}\nversion one`
  const v2 = `Welcome.\n${'a'.repeat(400)}\nversion two`
  const t1 = await act('PUT', '/api/admin/templates/setup_prompt', { content: v1 })
  const t2 = await act('PUT', '/api/admin/templates/setup_prompt', { content: v2 })
  assert.match(String(t2.event.params?.state_sha256), /^[0-9a-f]{64}$/, 'a state the row cannot hold is kept by its hash')
  const template = async () => (await call(s.url, 'GET', '/api/admin/templates/setup_prompt', { token: admin.token }))
  await roundTrip(t2.event, async () => assert.equal((await template()).body.content, v1), async () => assert.equal((await template()).body.content, v2))
  const tplChanges = await call(s.url, 'GET', `/api/admin/activity/changes?correlation_id=${t2.event.correlation_id}`, { token: admin.token })
  assert.equal(tplChanges.body.rows[0].no_op, false, 'a change past the 256th character is still a change')
  assert.deepEqual(tplChanges.body.rows[0].changes.map((c: any) => c.field), ['content'])
  // Rolling back the first set (the template did not exist) deletes it… after the later set conflicts.
  assert.equal((await rollback(t1.event.id)).status, 409)
  assert.equal((await rollback(t1.event.id, { force: true })).status, 200)
  assert.equal((await template()).status, 404)

  // table.register / update / unregister.
  const dir = join(s.config.sourceDirs[0], 'rb')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'orders.csv'), 'id,amount\n1,10\n')
  writeFileSync(join(dir, 'orders2.csv'), 'id,amount\n2,20\n')
  const reg = await act('POST', '/api/admin/tables', { id: 'rb_orders', source: { kind: 'file', path: join(dir, 'orders.csv') }, sync_interval_minutes: 60 })
  assert.equal(reg.status, 201, reg.text)
  const upd = await act('PATCH', '/api/admin/tables/rb_orders', { source: { kind: 'file', path: join(dir, 'orders2.csv') }, description: 'second file' })
  const table = async () => (await s.svc.store.tables.byId('rb_orders')) ?? null
  await roundTrip(upd.event, async () => {
    const t = await table()
    assert.deepEqual([t?.source, t?.description], [{ kind: 'file', path: join(dir, 'orders.csv'), format: 'csv' }, null])
  })
  const unreg = await act('DELETE', '/api/admin/tables/rb_orders')
  assert.equal(unreg.status, 200)
  await roundTrip(unreg.event, async () => assert.equal((await table())?.sync_interval_minutes, 60), async () => assert.equal(await table(), null))
  await act('POST', '/api/admin/tables', { id: 'rb_orders', source: { kind: 'file', path: join(dir, 'orders.csv') } })
  const reg2 = (await s.svc.store.audit.find({ action: 'table.register' }))[0]
  await roundTrip(reg2, async () => assert.equal(await table(), null))

  // user_group.delete brings the group back with its members and grants, under its old id.
  const g = await act('POST', '/api/admin/groups', { name: 'finance', description: 'money' })
  const member = await act('POST', `/api/admin/groups/${g.body.id}/members`, { user_id: ana.userId })
  const grant = await act('POST', '/api/admin/grants', { group_id: g.body.id, resource: 'table:orders', permission: 'read' })
  const del = await act('DELETE', `/api/admin/groups/${g.body.id}`)
  assert.deepEqual({ ...del.event.params_before }, {
    id: g.body.id, name: 'finance', description: 'money', members: [ana.userId],
    grants: [{ id: grant.body.id, resource: 'table:orders', permission: 'read' }],
  })
  await roundTrip(del.event, async () => {
    const back = await group(g.body.id)
    assert.deepEqual([back.name, back.description, back.members.map((m: any) => m.user_id)], ['finance', 'money', [ana.userId]])
    assert.deepEqual(await s.svc.store.groups.resourcesGranted(ana.userId, 'read'), ['table:orders'])
    assert.equal((await s.svc.store.groups.grantById(grant.body.id))?.resource, 'table:orders')
  }, async () => assert.equal(await s.svc.store.groups.byId(g.body.id), undefined))
  await rollback((await s.svc.store.audit.find({ action: 'rollback.apply', limit: 1 }))[0].id) // back again, for what follows

  // user_group_member.add / remove and resource_grant.add / remove.
  await roundTrip(member.event, async () => assert.equal(await s.svc.store.groups.isMember(g.body.id, ana.userId), false), async () => assert.equal(await s.svc.store.groups.isMember(g.body.id, ana.userId), true))
  const removed = await act('DELETE', `/api/admin/groups/${g.body.id}/members/${ana.userId}`)
  await roundTrip(removed.event, async () => assert.equal(await s.svc.store.groups.isMember(g.body.id, ana.userId), true))
  await roundTrip(grant.event, async () => assert.equal(await s.svc.store.groups.grantById(grant.body.id), undefined), async () => assert.ok(await s.svc.store.groups.grantById(grant.body.id)))
  const revoked = await act('DELETE', `/api/admin/grants/${grant.body.id}`)
  await roundTrip(revoked.event, async () => assert.ok(await s.svc.store.groups.grantById(grant.body.id)))

  // user_group.create: its members and grants were added since, so it conflicts unless forced.
  const create = (await s.svc.store.audit.find({ correlationId: g.event.correlation_id }))[0]
  const conflicted = await rollback(create.id)
  assert.equal(conflicted.status, 409)
  assert.deepEqual(conflicted.body.conflicts.map((c: any) => c.field), ['grants', 'members'])
  assert.equal((await rollback(create.id, { force: true })).body.applied, true)
  assert.equal(await s.svc.store.groups.byId(g.body.id), undefined)
})
