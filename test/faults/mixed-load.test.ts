import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer } from '../helpers.ts'
import { configForDataDir } from '../../src/config.ts'
import { mixedLoad } from '../../bench/mixed-load.ts'

test('concurrent timeline readers while the data plane writes: no errors on either side', async () => {
  // The writers all act as the one admin, each with a query in flight: allow as many queries per person as writers.
  const s = await startTestServer({ query: { ...configForDataDir('/unused').query, perUserConcurrency: 3 } })
  try {
    const admin = await s.bootstrap()
    const out = await mixedLoad({ url: s.url, adminToken: admin.token, sourceDir: s.config.sourceDirs[0], readers: 6, writers: 3, seconds: 5 })
    assert.deepEqual(out.errors.slice(0, 5), [])
    assert.ok(out.reads > 50, `the timeline kept answering (${out.reads} reads)`)
    // Loose on purpose: this proves neither side starves, not a rate (npm run bench -- mixed-load reports that).
    assert.ok(out.writes > 10, `the data plane kept writing (${out.writes} writes)`)
    // Every write the data plane acknowledged left its audit row while the readers were reading.
    const uploads = await s.svc.store.audit.find({ action: 'session.upload', limit: 10_000 })
    assert.ok(uploads.length > 0 && uploads.every((r) => r.result === 'success'))
  } finally {
    await s.close()
  }
})
