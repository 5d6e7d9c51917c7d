import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers.ts'

test('a lease is held by one holder until released or expired', async () => {
  const dir = tempDir()
  const store = await openStore({ stateDir: join(dir, 'state'), databaseUrl: null })
  try {
    const t0 = new Date('2026-11-24T10:00:00.000Z')
    assert.equal(await store.locks.acquire('sync:orders', 'job-a', 60_000, t0), true)
    assert.equal(await store.locks.acquire('sync:orders', 'job-b', 60_000, new Date(t0.getTime() + 1000)), false, 'held')
    assert.equal(await store.locks.acquire('sync:other', 'job-b', 60_000, t0), true, 'other names are independent')
    // Releasing needs the holder's name.
    await store.locks.release('sync:orders', 'job-b')
    assert.equal((await store.locks.holder('sync:orders'))?.holder, 'job-a')
    await store.locks.release('sync:orders', 'job-a')
    assert.equal(await store.locks.acquire('sync:orders', 'job-b', 60_000, t0), true, 'free again after release')
    // An expired lease can be taken over (its holder died).
    assert.equal(await store.locks.acquire('sync:orders', 'job-c', 60_000, new Date(t0.getTime() + 61_000)), true)
    assert.equal((await store.locks.holder('sync:orders'))?.holder, 'job-c')
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a de-duplication window admits one claim per key until it expires; cached values expire too', async () => {
  const dir = tempDir()
  const store = await openStore({ stateDir: join(dir, 'state'), databaseUrl: null })
  try {
    const t0 = new Date('2026-11-24T10:00:00.000Z')
    assert.equal(await store.shared.claimOnce('activity.read:u1:abc', 60_000, t0), true)
    assert.equal(await store.shared.claimOnce('activity.read:u1:abc', 60_000, new Date(t0.getTime() + 59_000)), false)
    assert.equal(await store.shared.claimOnce('activity.read:u2:abc', 60_000, t0), true, 'another actor has their own window')
    assert.equal(await store.shared.claimOnce('activity.read:u1:abc', 60_000, new Date(t0.getTime() + 60_000)), true, 'a new window after expiry')
    const [a, b] = await Promise.all([store.shared.claimOnce('race', 60_000, t0), store.shared.claimOnce('race', 60_000, t0)])
    assert.equal(Number(a) + Number(b), 1, 'exactly one of two racing claims wins')

    await store.shared.setCached('health', { status: 'green' }, 30_000, t0)
    assert.deepEqual(await store.shared.cached('health', new Date(t0.getTime() + 29_000)), { status: 'green' })
    assert.equal(await store.shared.cached('health', new Date(t0.getTime() + 30_000)), null)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('two racing acquirers of one lease: exactly one holds it', async () => {
  const dir = tempDir()
  const store = await openStore({ stateDir: join(dir, 'state'), databaseUrl: null })
  try {
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((h) => store.locks.acquire('sync:raced', h, 60_000)))
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal((await store.locks.holder('sync:raced'))?.holder, ['a', 'b', 'c', 'd'][results.indexOf(true)])
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
