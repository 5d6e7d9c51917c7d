import { test } from 'node:test'
import assert from 'node:assert/strict'
import { postgresBinDir, startPostgres } from '../support/postgres.ts'
import { startTestServer, call } from '../helpers.ts'

/**
 * PostgreSQL stopped under a running server, then started again: every request is answered (503 with a clear
 * body and Retry-After while the store is gone, never a 500 or a hang), the server keeps running, and once
 * PostgreSQL is back the same server serves again and the outage's audit rows, spooled meanwhile, reach the store.
 */
test('PostgreSQL stopped and started again: requests are answered 503 meanwhile, then served, and no audit row is lost', { skip: postgresBinDir() ? false : 'PostgreSQL is not installed (scripts/ci-deps.sh installs it)' }, async () => {
  const pgServer = await startPostgres()
  const databaseUrl = await pgServer.createDatabase('outage')
  const s = await startTestServer({ databaseUrl })
  try {
    const admin = await s.bootstrap()
    const as = (cid: string) => ({ token: admin.token, headers: { 'x-correlation-id': cid } })
    assert.equal((await call(s.url, 'POST', '/api/admin/groups', { ...as('up-write'), body: { name: 'before' } })).status, 201)

    await pgServer.halt()
    const during = {
      health: await call(s.url, 'GET', '/api/health'),
      read: await call(s.url, 'GET', '/api/admin/activity/timeline', as('down-read')),
      write: await call(s.url, 'POST', '/api/admin/groups', { ...as('down-write'), body: { name: 'during' } }),
      anonymous: await call(s.url, 'GET', '/api/admin/activity/timeline', { headers: { 'x-correlation-id': 'down-anonymous' } }),
    }
    for (const [name, r] of Object.entries(during).filter(([n]) => n !== 'anonymous')) {
      assert.equal(r.status, 503, `${name}: ${r.text}`)
      assert.equal(r.body.error.code, 'store_unavailable', name)
      assert.equal(r.body.error.message, "the server's store is unavailable right now; try again in a few seconds", name)
      assert.equal(r.headers.get('retry-after'), '5', name)
    }
    assert.equal(during.anonymous.status, 401, 'no credentials needs no store to refuse')

    await pgServer.resume()
    // The same server, its pool reconnecting on its own.
    let back = await call(s.url, 'POST', '/api/admin/groups', { ...as('back-write'), body: { name: 'after' } })
    for (let i = 0; i < 50 && back.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 100))
      back = await call(s.url, 'POST', '/api/admin/groups', { ...as('back-write'), body: { name: 'after' } })
    }
    assert.equal(back.status, 201, back.text)
    assert.equal((await call(s.url, 'GET', '/api/health')).status, 200)

    const rowsOf = async (cid: string) => (await s.svc.store.audit.find({ correlationId: cid })).map((r) => `${r.action} ${r.result}`)
    for (let i = 0; i < 100 && (await rowsOf('down-write')).length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(await rowsOf('down-read'), ['activity.read error.store_unavailable'])
    assert.deepEqual(await rowsOf('down-write'), ['user_group.create error.store_unavailable'])
    assert.deepEqual(await rowsOf('down-anonymous'), ['activity.read denied'])
    assert.deepEqual(await rowsOf('back-write'), ['user_group.create success'])
    assert.deepEqual((await s.svc.store.groups.list()).map((g) => g.name).sort(), ['after', 'before'])

    const pulse = await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
    const field = pulse.body.fields.find((f: { key: string }) => f.key === 'audit_writes')
    assert.equal(field.color, 'red')
    assert.match(field.value, /3 row\(s\) failed to write: the store is unavailable/)
  } finally {
    await s.close()
    await pgServer.stop()
  }
})
