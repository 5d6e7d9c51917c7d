import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call } from '../helpers.ts'
test('concurrent requests with one token never fail on each other (the last_used_at race)', async () => {
  const s = await startTestServer()
  const admin = await s.bootstrap()
  const bad: string[] = []
  const [tokenRow] = await s.svc.store.tokens.listForUser(admin.userId)
  for (let round = 0; round < 20; round++) {
    // Make last_used_at stale, so every request of the round tries to refresh it at once.
    await s.svc.store.tokens.touch(tokenRow.id, '2000-01-01T00:00:00.000Z')
    const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: `g${round}-${i}` } })))
    for (const r of rs) if (r.status !== 201) bad.push(`${r.status} ${r.text}`)
  }
  await s.close()
  assert.deepEqual(bad.slice(0, 3), [])
})
