import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openStore, type Store, type ThrottlePolicy } from '../../src/store/index.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'

/** The sign-in state of the store (login throttle counters, retired usernames), the same on every engine. */

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)
const POLICY: ThrottlePolicy = { free: 3, baseMs: 1000, capMs: 5000, forgetAfterMs: 60_000 }

async function addUser(store: Store, id: string, email: string, username = email.split('@')[0]) {
  const at = new Date(T0).toISOString()
  await store.users.insert({ id, email, username, name: null, is_admin: false, password_hash: null, created_at: at, updated_at: at })
}

describeStores('sign-in state', (h) => {
  test('login throttle: free attempts, then a doubling wait up to the cap; refused attempts do not count', async () => {
    const s = await h.store()
    const take = (ms: number) => s.loginThrottle.take('account:ana@example.com', POLICY, ms)
    assert.deepEqual(await take(T0), { allowed: true, attempts: 1 })
    assert.deepEqual(await take(T0), { allowed: true, attempts: 2 })
    assert.deepEqual(await take(T0), { allowed: true, attempts: 3 }, 'the third (last free) attempt goes through')
    assert.deepEqual(await take(T0 + 400), { allowed: false, retryAfterMs: 600 }, 'then a 1 s wait')
    assert.deepEqual(await take(T0 + 999), { allowed: false, retryAfterMs: 1 })
    assert.equal((await s.loginThrottle.get('account:ana@example.com'))?.failures, 3, 'refused attempts are not counted')
    assert.deepEqual(await take(T0 + 1000), { allowed: true, attempts: 4 })
    assert.deepEqual(await take(T0 + 2999), { allowed: false, retryAfterMs: 1 }, '2 s after the fourth')
    assert.deepEqual(await take(T0 + 3000), { allowed: true, attempts: 5 })
    assert.deepEqual(await take(T0 + 3001), { allowed: false, retryAfterMs: 3999 }, '4 s after the fifth')
    assert.deepEqual(await take(T0 + 7000), { allowed: true, attempts: 6 })
    assert.deepEqual(await take(T0 + 7001), { allowed: false, retryAfterMs: 4999 }, 'capped at 5 s, not 8')
    h.answer('throttle.row', await s.loginThrottle.get('account:ana@example.com'))
    assert.deepEqual(await s.loginThrottle.get('account:ana@example.com'), { key: 'account:ana@example.com', failures: 6, last_attempt_ms: T0 + 7000, blocked_until_ms: T0 + 12_000 })
    // Other keys are independent.
    assert.deepEqual(await s.loginThrottle.take('account:ben@example.com', POLICY, T0 + 7001), { allowed: true, attempts: 1 })
    // A key idle longer than forgetAfterMs starts from zero.
    assert.deepEqual(await take(T0 + 7000 + 60_001), { allowed: true, attempts: 1 })
  })

  test('login throttle: clear forgets a key; giveBack takes one attempt and its wait back', async () => {
    const s = await h.store()
    for (let i = 0; i < 3; i++) await s.loginThrottle.take('address:10.0.0.1', POLICY, T0)
    assert.equal((await s.loginThrottle.take('address:10.0.0.1', POLICY, T0)).allowed, false)
    // The third attempt succeeded after all: the wait it set is lifted, the count drops to 2.
    await s.loginThrottle.giveBack('address:10.0.0.1', T0)
    assert.deepEqual(await s.loginThrottle.get('address:10.0.0.1'), { key: 'address:10.0.0.1', failures: 2, last_attempt_ms: T0, blocked_until_ms: T0 })
    assert.deepEqual(await s.loginThrottle.take('address:10.0.0.1', POLICY, T0 + 1), { allowed: true, attempts: 3 })
    // A later attempt's wait is not lifted by giving back an earlier one.
    await s.loginThrottle.giveBack('address:10.0.0.1', T0)
    assert.equal((await s.loginThrottle.get('address:10.0.0.1'))?.blocked_until_ms, T0 + 1 + 1000)
    await s.loginThrottle.clear('address:10.0.0.1')
    assert.equal(await s.loginThrottle.get('address:10.0.0.1'), undefined)
    // purgeIdle drops keys idle and not waiting, nothing else.
    await s.loginThrottle.take('account:old@example.com', POLICY, T0)
    await s.loginThrottle.take('account:new@example.com', POLICY, T0 + 50_000)
    assert.equal(await s.loginThrottle.purgeIdle(T0 + 10_000, T0 + 60_000), 1)
    assert.equal(await s.loginThrottle.get('account:old@example.com'), undefined)
    assert.ok(await s.loginThrottle.get('account:new@example.com'))
  })

  test('login throttle: a burst of parallel attempts gets exactly the free ones through', async () => {
    const s = await h.store()
    const results = await Promise.all(Array.from({ length: 12 }, () => s.loginThrottle.take('account:burst@example.com', POLICY, T0)))
    const allowed = results.filter((r) => r.allowed)
    assert.equal(allowed.length, POLICY.free, JSON.stringify(results))
    assert.equal((await s.loginThrottle.get('account:burst@example.com'))?.failures, POLICY.free)
    // Sign-ins clearing the key while others are counted on it: nothing fails.
    const mixed = await Promise.allSettled([
      ...Array.from({ length: 6 }, () => s.loginThrottle.take('account:mixed@example.com', POLICY, T0)),
      ...Array.from({ length: 3 }, () => s.loginThrottle.clear('account:mixed@example.com')),
      ...Array.from({ length: 3 }, () => s.loginThrottle.giveBack('account:mixed@example.com', T0)),
    ])
    assert.deepEqual(mixed.filter((r) => r.status === 'rejected'), [])
  })

  test('a deleted user\u2019s username is retired and never offered again', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana@example.com')
    await addUser(s, 'u2', 'ana_b@example.com', 'ana_b')
    await s.users.delete('u1', '2026-11-24T11:00:00.000Z')
    assert.equal(await s.users.byId('u1'), undefined)
    assert.deepEqual(await s.users.retiredUsernames(), [{ username: 'ana', user_id: 'u1', retired_at: '2026-11-24T11:00:00.000Z' }])
    assert.deepEqual(await s.users.usernamesLike('ana'), ['ana', 'ana_b'], 'the retired name still counts as taken')
    // `_` is a character here, not LIKE's wildcard.
    assert.deepEqual(await s.users.usernamesLike('ana_'), ['ana_b'])
    h.answer('retired', await s.users.retiredUsernames())
  })

  test('migration 8 retires the usernames of users deleted before it (their transcripts are still filed under them)', async () => {
    const cfg = await h.freshConfig()
    const old = await openStore(cfg, { upTo: 7 })
    await addUser(old, 'u1', 'kept@example.com')
    const at = new Date(T0).toISOString()
    for (const [user_id, username] of [['u1', 'kept'], ['gone-id', 'gone']]) {
      await old.sessionUploads.upsert({ session_file: `${username}/a.jsonl`, user_id, username, filename: 'a.jsonl', bytes: 1, sha256: 'x', redactions: 0, redaction_kinds: null, uploaded_at: at, updated_at: at })
    }
    await old.close()
    const upgraded = await openStore(cfg)
    try {
      assert.deepEqual((await upgraded.users.retiredUsernames()).map((r) => [r.username, r.user_id]), [['gone', 'gone-id']])
    } finally {
      await upgraded.close()
    }
  })
})

testEnginesAgree('every engine keeps the same sign-in state')
