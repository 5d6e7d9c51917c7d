import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call, type TestServer } from '../helpers.ts'

let s: TestServer
let ada: { token: string; userId: string }
let bob: { token: string; userId: string }
let ana: { token: string; userId: string }

before(async () => {
  s = await startTestServer()
  ada = await s.bootstrap('ada@example.com')
  bob = await s.addUser(ada.token, 'bob@example.com', { is_admin: true })
  ana = await s.addUser(ada.token, 'ana@example.com')
})
after(async () => {
  await s.close()
})

const views = (token: string) => call(s.url, 'GET', '/api/admin/activity/views', { token })

test('an admin saves filters under a name; private views stay theirs, shared ones are seen (not changed) by the other admins', async () => {
  const filters = { action_in: 'sync.run', result_class: 'error', since: '2026-11-01T00:00:00Z' }
  const mine = await call(s.url, 'POST', '/api/admin/activity/views', { token: ada.token, body: { name: 'Failed syncs', filters }, headers: { 'x-correlation-id': 'sv-create' } })
  assert.equal(mine.status, 201, mine.text)
  assert.deepEqual([mine.body.name, mine.body.filters, mine.body.shared, mine.body.mine], ['Failed syncs', filters, false, true])
  const [row] = await s.svc.store.audit.find({ correlationId: 'sv-create' })
  assert.deepEqual([row.action, row.resource, row.result, row.params_before], ['saved_view.create', `saved_view:${mine.body.id}`, 'success', null])
  assert.deepEqual(row.params, { name: 'Failed syncs', filters, shared: false })

  assert.deepEqual((await views(ada.token)).body.rows.map((v: { name: string }) => v.name), ['Failed syncs'])
  assert.deepEqual((await views(bob.token)).body.rows, [], 'a private view is not listed for another admin')
  assert.equal((await call(s.url, 'PATCH', `/api/admin/activity/views/${mine.body.id}`, { token: bob.token, body: { name: 'mine now' } })).status, 404)

  const shared = await call(s.url, 'PATCH', `/api/admin/activity/views/${mine.body.id}`, { token: ada.token, body: { shared: true }, headers: { 'x-correlation-id': 'sv-share' } })
  assert.equal(shared.status, 200, shared.text)
  const [shareRow] = await s.svc.store.audit.find({ correlationId: 'sv-share' })
  assert.deepEqual([shareRow.params_before?.shared, shareRow.params?.shared], [false, true])
  const seen = (await views(bob.token)).body.rows
  assert.deepEqual(seen.map((v: { name: string; mine: boolean }) => [v.name, v.mine]), [['Failed syncs', false]])
  const refused = await call(s.url, 'PATCH', `/api/admin/activity/views/${mine.body.id}`, { token: bob.token, body: { name: 'mine now' } })
  assert.equal(refused.status, 403)
  assert.match(refused.body.error.message, /save a copy under your own name/)
  assert.equal((await call(s.url, 'DELETE', `/api/admin/activity/views/${mine.body.id}`, { token: bob.token })).status, 403)

  // Bob may keep a view of the same name; Ada may not have two.
  assert.equal((await call(s.url, 'POST', '/api/admin/activity/views', { token: bob.token, body: { name: 'Failed syncs', filters: {} } })).status, 201)
  const dup = await call(s.url, 'POST', '/api/admin/activity/views', { token: ada.token, body: { name: 'Failed syncs', filters: {} } })
  assert.equal(dup.status, 409)
  assert.equal(dup.body.error.code, 'view_exists')

  const del = await call(s.url, 'DELETE', `/api/admin/activity/views/${mine.body.id}`, { token: ada.token, headers: { 'x-correlation-id': 'sv-delete' } })
  assert.equal(del.status, 200)
  const [delRow] = await s.svc.store.audit.find({ correlationId: 'sv-delete' })
  assert.deepEqual([delRow.params_before?.name, delRow.params], ['Failed syncs', null])
  assert.deepEqual((await views(bob.token)).body.rows.map((v: { mine: boolean }) => v.mine), [true])
})

test('a view whose filters the timeline would refuse is refused, naming the filter; analysts have no views', async () => {
  const bad = await call(s.url, 'POST', '/api/admin/activity/views', { token: ada.token, body: { name: 'odd', filters: { result_class: 'sideways' } } })
  assert.equal(bad.status, 400)
  assert.match(bad.body.error.message, /filters\.result_class/)
  const unknown = await call(s.url, 'POST', '/api/admin/activity/views', { token: ada.token, body: { name: 'odd', filters: { colour: 'red' } } })
  assert.equal(unknown.status, 400)
  assert.match(unknown.body.error.message, /colour/)
  const paged = await call(s.url, 'POST', '/api/admin/activity/views', { token: ada.token, body: { name: 'odd', filters: { cursor: 'abc' } } })
  assert.equal(paged.status, 400, 'a cursor is a place in one listing, not a filter')
  assert.equal((await call(s.url, 'POST', '/api/admin/activity/views', { token: ada.token, body: { name: '', filters: {} } })).status, 400)
  assert.equal((await views(ana.token)).status, 403)
  assert.equal((await call(s.url, 'POST', '/api/admin/activity/views', { token: ana.token, body: { name: 'x', filters: {} } })).status, 403)
})
