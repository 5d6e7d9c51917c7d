import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call, type TestServer } from '../helpers.ts'

let s: TestServer
before(async () => {
  s = await startTestServer()
})
after(async () => {
  await s.close()
})

test('requests are served while the audit store refuses writes, and their rows arrive once it recovers', async () => {
  const admin = await s.bootstrap()
  const insertMany = s.svc.store.audit.insertMany.bind(s.svc.store.audit)
  let broken = true
  s.svc.store.audit.insertMany = async (rows) => {
    if (broken) throw new Error('IO Error: read-only file system')
    return insertMany(rows)
  }
  const results = await Promise.all(
    Array.from({ length: 5 }, (_, i) => call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: `g${i}` }, headers: { 'x-correlation-id': `while-broken-${i}` } })),
  )
  assert.deepEqual(results.map((r) => r.status), [201, 201, 201, 201, 201])
  assert.equal((await s.svc.store.audit.find({ action: 'user_group.create' })).length, 0)
  assert.ok(s.svc.audit.failures.since(new Date(Date.now() - 60_000)).rows >= 5, 'the failures are counted outside the store')

  // The admin sees it: the health pulse reads the failure count kept outside the store.
  const health = await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
  const auditField = health.body.fields.find((f: { key: string }) => f.key === 'audit_writes')
  assert.equal(auditField.color, 'red')
  assert.match(auditField.value, /failed to write: IO Error: read-only file system/)
  assert.equal(health.body.status, 'red')
  assert.match(health.body.fields.find((f: { key: string }) => f.key === 'diagnose_warnings').raw.join(' '), /spooled audit file/)

  broken = false
  await s.svc.audit.replaySpool()
  for (let i = 0; i < 5; i++) {
    const rows = await s.svc.store.audit.find({ correlationId: `while-broken-${i}` })
    assert.equal(rows.length, 1, `row ${i} arrives exactly once`)
    assert.equal(rows[0].action, 'user_group.create')
    assert.equal(rows[0].result, 'success')
  }
})
