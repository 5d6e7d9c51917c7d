// The timeline hides the viewing admin's own reads (of Sessions, Feedback, users, …), not only their Activity reads,
// so looking around does not drown what happened; one switch shows them, and other people's reads stay visible.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call, type TestServer } from '../helpers.ts'

let s: TestServer
after(async () => {
  await s?.close()
})

test("the viewing admin's own reads are hidden by default; another admin's are shown; include_self_reads shows all", async () => {
  s = await startTestServer()
  const ada = await s.bootstrap('ada@example.com')
  const bob = await s.addUser(ada.token, 'bob@example.com', { is_admin: true })
  for (const who of [ada, bob]) {
    for (const path of ['/api/admin/sessions', '/api/admin/sessions/heatmap', '/api/admin/feedback', '/api/admin/users']) {
      assert.equal((await call(s.url, 'GET', path, { token: who.token })).status, 200, path)
    }
  }
  const actionsOf = async (viewer: string, include: boolean) => {
    const r = await call(s.url, 'GET', `/api/admin/activity/timeline?limit=500${include ? '&include_self_reads=true' : ''}`, { token: viewer })
    assert.equal(r.status, 200, r.text)
    return r.body.rows as Array<{ action: string; user_email: string }>
  }
  const reads = (rows: Array<{ action: string; user_email: string }>, email: string) =>
    rows.filter((r) => r.user_email === email && /\.(list|read|heatmap)/.test(r.action)).map((r) => r.action).sort()

  const adaView = await actionsOf(ada.token, false)
  assert.deepEqual(reads(adaView, 'ada@example.com'), [], 'her own reads are hidden')
  assert.deepEqual(reads(adaView, 'bob@example.com'), ['feedback.read', 'sessions.heatmap', 'sessions.list', 'user.list'], "Bob's reads are shown to her")
  assert.ok(adaView.some((r) => r.action === 'user.create'), 'changes stay')
  const bobView = await actionsOf(bob.token, false)
  assert.deepEqual(reads(bobView, 'bob@example.com'), [])
  assert.deepEqual(reads(bobView, 'ada@example.com'), ['feedback.read', 'sessions.heatmap', 'sessions.list', 'user.list'])
  const all = await actionsOf(ada.token, true)
  // Her reads of the Activity Center itself too (the timeline calls above).
  assert.deepEqual(reads(all, 'ada@example.com'), ['activity.read', 'feedback.read', 'sessions.heatmap', 'sessions.list', 'user.list'])
  // KPIs count what the timeline lists, for the same viewer.
  const kpis = await call(s.url, 'GET', '/api/admin/activity/kpis', { token: ada.token })
  assert.equal(kpis.body.events, (await actionsOf(ada.token, false)).length)
})
