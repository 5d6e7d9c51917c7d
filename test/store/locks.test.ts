import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeStores } from '../support/stores.ts'

describeStores('leases and shared state', (h) => {
  test('a lease is held by one holder until released or expired', async () => {
    const store = await h.store()
    const t0 = new Date('2026-11-24T10:00:00.000Z')
    assert.equal(await store.locks.acquire('sync:orders', 'job-a', 60_000, t0), true)
    assert.equal(await store.locks.acquire('sync:orders', 'job-b', 60_000, new Date(t0.getTime() + 1000)), false, 'held')
    assert.equal(await store.locks.acquire('sync:other', 'job-b', 60_000, t0), true, 'other names are independent')
    // Releasing needs the holder's name.
    await store.locks.release('sync:orders', 'job-b')
    const held = await store.locks.holder('sync:orders')
    assert.deepEqual(held, { holder: 'job-a', acquired_at: '2026-11-24T10:00:00.000Z', expires_at: '2026-11-24T10:01:00.000Z' })
    await store.locks.release('sync:orders', 'job-a')
    assert.equal(await store.locks.holder('sync:orders'), undefined)
    assert.equal(await store.locks.acquire('sync:orders', 'job-b', 60_000, t0), true, 'free again after release')
    // The holder may renew its own lease only once it expired; until then it already holds it.
    assert.equal(await store.locks.acquire('sync:orders', 'job-b', 60_000, new Date(t0.getTime() + 1000)), true)
    // An expired lease can be taken over (its holder died).
    assert.equal(await store.locks.acquire('sync:orders', 'job-c', 60_000, new Date(t0.getTime() + 61_000)), true)
    assert.equal((await store.locks.holder('sync:orders'))?.holder, 'job-c')
  })

  test('two racing acquirers of one lease: exactly one holds it', async () => {
    const store = await h.store()
    for (let round = 0; round < 5; round++) {
      const name = `sync:raced-${round}`
      const holders = ['a', 'b', 'c', 'd', 'e', 'f']
      const results = await Promise.all(holders.map((x) => store.locks.acquire(name, x, 60_000)))
      assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results}`)
      assert.equal((await store.locks.holder(name))?.holder, holders[results.indexOf(true)])
    }
    // Racing for an expired lease: again exactly one takes it over.
    const t0 = new Date('2026-11-24T10:00:00.000Z')
    assert.equal(await store.locks.acquire('job:expired', 'dead', 1000, t0), true)
    const later = new Date(t0.getTime() + 5000)
    const results = await Promise.all(['x', 'y', 'z', 'w'].map((x) => store.locks.acquire('job:expired', x, 60_000, later)))
    assert.equal(results.filter(Boolean).length, 1)
  })

  test('a de-duplication window admits one claim per key until it expires; cached values expire too', async () => {
    const store = await h.store()
    const t0 = new Date('2026-11-24T10:00:00.000Z')
    assert.equal(await store.shared.claimOnce('activity.read:u1:abc', 60_000, t0), true)
    assert.equal(await store.shared.claimOnce('activity.read:u1:abc', 60_000, new Date(t0.getTime() + 59_000)), false)
    assert.equal(await store.shared.claimOnce('activity.read:u2:abc', 60_000, t0), true, 'another actor has their own window')
    assert.equal(await store.shared.claimOnce('activity.read:u1:abc', 60_000, new Date(t0.getTime() + 60_000)), true, 'a new window after expiry')

    await store.shared.setCached('health', { status: 'green', n: 3 }, 30_000, t0)
    assert.deepEqual(await store.shared.cached('health', new Date(t0.getTime() + 29_000)), { status: 'green', n: 3 })
    assert.equal(await store.shared.cached('health', new Date(t0.getTime() + 30_000)), null)
    await store.shared.setCached('health', { status: 'red' }, 30_000, new Date(t0.getTime() + 30_000))
    assert.deepEqual(await store.shared.cached('health', new Date(t0.getTime() + 31_000)), { status: 'red' }, 'an upsert replaces the value')

    await store.shared.purgeExpired(new Date(t0.getTime() + 120_000))
    assert.equal(await store.shared.claimOnce('activity.read:u2:abc', 60_000, new Date(t0.getTime() + 120_000)), true, 'purged windows are free')
  })

  test('racing claims of one window: exactly one wins, every round', async () => {
    const store = await h.store()
    const t0 = new Date('2026-11-24T10:00:00.000Z')
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(Array.from({ length: 6 }, () => store.shared.claimOnce(`race-${round}`, 60_000, t0)))
      assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results}`)
    }
    // An expired window raced for: one winner again.
    const later = new Date(t0.getTime() + 61_000)
    const results = await Promise.all(Array.from({ length: 6 }, () => store.shared.claimOnce('race-0', 60_000, later)))
    assert.equal(results.filter(Boolean).length, 1)
    // Racing cache refreshes never fail.
    await Promise.all(Array.from({ length: 6 }, (_, i) => store.shared.setCached('pulse', { i }, 30_000, t0)))
    assert.equal(typeof (await store.shared.cached<{ i: number }>('pulse', t0))?.i, 'number')
  })
})
