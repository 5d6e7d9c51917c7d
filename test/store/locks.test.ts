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
