import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { openStore, type Store } from '../store/index.ts'
import { AuditWriter, type AuditEntry } from './writer.ts'
import { capParams } from './caps.ts'
import { isAuditResult } from './vocabulary.ts'
import { verifyAuditChain } from './verify.ts'
import { tempDir } from '../../test/helpers.ts'

const log = pino({ level: 'silent' })
const entry = (i: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  action: 'query.run', result: 'success', client_kind: 'api', correlation_id: `c-${i}`, params: { i }, ...extra,
})

async function withStore(fn: (store: Store, stateDir: string) => Promise<void>) {
  const dir = tempDir()
  const stateDir = join(dir, 'state')
  const store = await openStore({ stateDir, databaseUrl: null })
  try {
    await fn(store, stateDir)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Makes the store's audit inserts fail (as a read-only disk would) until end(). */
function refuseAuditWrites(store: Store): { end(): void } {
  const insertMany = store.audit.insertMany.bind(store.audit)
  let refusing = true
  store.audit.insertMany = async (rows) => {
    if (refusing) throw new Error('disk is read-only')
    return insertMany(rows)
  }
  return {
    end() {
      refusing = false
    },
  }
}

test('the result vocabulary is closed: anything outside it is refused at write time', async () => {
  for (const ok of ['success', 'denied', 'skipped', 'error.400', 'error.in_progress', 'error.invalid_sql']) assert.ok(isAuditResult(ok), ok)
  for (const bad of ['ok', 'failed', 'error', 'error.', 'Error.400', 'success ', '', 'error.in progress']) assert.equal(isAuditResult(bad), false, bad)
  await withStore(async (store, stateDir) => {
    const w = new AuditWriter(store, stateDir, log)
    assert.throws(() => w.record(entry(1, { result: 'ok' })), /result outside the vocabulary/)
    assert.throws(() => w.record(entry(1, { client_kind: 'robot' })), /client_kind/)
    assert.throws(() => w.record(entry(1, { action: 'User Create' })), /action outside/)
    assert.equal(await store.audit.count(), 0)
  })
})

test('long strings are capped at write time: 200 for SQL and errors, 256 for the rest', () => {
  const capped = capParams({ sql: 's'.repeat(1000), error: 'e'.repeat(1000), name: 'n'.repeat(1000), nested: { path: 'p'.repeat(300) }, list: ['x'.repeat(300)] }) as any
  assert.equal(capped.sql.length, 200)
  assert.equal(capped.error.length, 200)
  assert.equal(capped.name.length, 256)
  assert.equal(capped.nested.path.length, 256)
  assert.equal(capped.list[0].length, 256)
  assert.equal((capParams({ short: 'kept' }) as { short: string }).short, 'kept')
})

test('concurrent records share commits (group commit) and every row arrives', async () => {
  await withStore(async (store, stateDir) => {
    let batches = 0
    const insertMany = store.audit.insertMany.bind(store.audit)
    store.audit.insertMany = async (rows) => {
      batches++
      return insertMany(rows)
    }
    const w = new AuditWriter(store, stateDir, log)
    await Promise.all(Array.from({ length: 300 }, (_, i) => w.record(entry(i))))
    assert.equal(await store.audit.count(), 300)
    assert.ok(batches < 30, `300 concurrent rows took ${batches} commits`)
    const rows = await store.audit.find({ correlationId: 'c-7' })
    assert.deepEqual(rows[0].params, { i: 7 })
  })
})

test('callers that record again as soon as their row is durable commit together, not in two alternating halves', async () => {
  await withStore(async (store, stateDir) => {
    const sizes: number[] = []
    const insertMany = store.audit.insertMany.bind(store.audit)
    store.audit.insertMany = async (rows, tally) => {
      sizes.push(rows.length)
      return insertMany(rows, tally)
    }
    const w = new AuditWriter(store, stateDir, log)
    let next = 0
    // 16 callers, each writing its next row once the last is durable (as the bench's 64 do), 160 rows in all.
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < 160) await w.record(entry(next++))
    }))
    assert.equal(await store.audit.count(), 160)
    // The first row starts a batch alone; the other 15 wait for it and go together with its caller's next row; from
    // then on all 16 at once (the last batch holds what is left).
    assert.deepEqual(sizes, [1, ...Array(9).fill(16), 15])
    const v = await verifyAuditChain(store)
    assert.deepEqual([v.ok, v.rows_checked], [true, 160])
  })
})

test('when the store refuses writes, records still resolve, rows are spooled and counted, and a replay stores them once', async () => {
  await withStore(async (store, stateDir) => {
    const outage = refuseAuditWrites(store)
    const w = new AuditWriter(store, stateDir, log)
    await Promise.all([w.record(entry(1)), w.record(entry(2)), w.record(entry(3))])
    assert.equal(await store.audit.count(), 0)
    const spooled = readFileSync(join(stateDir, 'audit-spool.ndjson'), 'utf8').trim().split('\n')
    assert.equal(spooled.length, 3)
    const f = w.failures.since(new Date(Date.now() - 60_000))
    assert.equal(f.rows, 3)
    assert.match(f.last_error ?? '', /read-only/)

    assert.equal(await w.replaySpool(), 0, 'replay while still broken keeps the rows')
    assert.equal(w.spool.pendingFiles().length, 1)
    outage.end()
    assert.equal(await w.replaySpool(), 3)
    assert.equal(await w.replaySpool(), 0)
    assert.equal(await store.audit.count(), 3)
    assert.equal(existsSync(join(stateDir, 'audit-spool.ndjson')), false)
    assert.deepEqual((await store.audit.find({ correlationId: 'c-2' }))[0].params, { i: 2 })
  })
})

test('once the store accepts writes again, the next stored row brings the spooled ones with it (no waiting for the timer)', async () => {
  await withStore(async (store, stateDir) => {
    const outage = refuseAuditWrites(store)
    const w = new AuditWriter(store, stateDir, log)
    await Promise.all([w.record(entry(1)), w.record(entry(2))])
    assert.equal(await store.audit.count(), 0)
    outage.end()
    await w.record(entry(3))
    for (let i = 0; i < 200 && (await store.audit.count()) < 3; i++) await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual((await store.audit.find()).map((r) => r.correlation_id).sort(), ['c-1', 'c-2', 'c-3'])
    assert.equal(w.spool.pendingFiles().length, 0)
    // Replayed rows join the tamper-evident chain where they are committed: it still verifies.
    const v = await verifyAuditChain(store)
    assert.deepEqual([v.ok, v.rows_checked], [true, 3])
  })
})

test('a spool file claimed by another live process is left to it; one whose claimant died is replayed', async () => {
  await withStore(async (store, stateDir) => {
    const w = new AuditWriter(store, stateDir, log)
    const row = (cid: string) => JSON.stringify({ timestamp: new Date().toISOString(), user_id: null, user_email: null, action: 'query.run', resource: null, params: null, params_before: null, result: 'success', duration_ms: 1, client_ip: null, client_kind: 'api', correlation_id: cid }) + '\n'
    const { writeFileSync } = await import('node:fs')
    // The parent of this test process is alive; a pid far above pid_max is not.
    writeFileSync(join(stateDir, `audit-spool.ndjson.replaying.${process.ppid}.1`), row('live-claim'))
    writeFileSync(join(stateDir, 'audit-spool.ndjson.replaying.99999999.1'), row('dead-claim'))
    assert.equal(await w.replaySpool(), 1)
    assert.equal((await store.audit.find({ correlationId: 'dead-claim' })).length, 1)
    assert.equal((await store.audit.find({ correlationId: 'live-claim' })).length, 0)
    assert.equal(w.spool.pendingFiles().length, 1, "the live process's file is still there for it")
  })
})

test('commits are added to the per-minute counts at most once a second: the rest follow on a timer, and at once when asked', async () => {
  await withStore(async (store, stateDir) => {
    const writer = new AuditWriter(store, stateDir, log)
    const window = () => store.opsMetrics.auditWrites(new Date(Date.now() - 3_600_000).toISOString(), new Date(Date.now() + 60_000).toISOString())
    for (let i = 0; i < 3; i++) await writer.record(entry(i))
    // The first commit carried its count; the next two wait (no upsert with each batch).
    assert.deepEqual(await window(), { batches: 1, rows: 1, failed_batches: 0, failed_rows: 0 })
    await new Promise((r) => setTimeout(r, 1300))
    assert.deepEqual(await window(), { batches: 3, rows: 3, failed_batches: 0, failed_rows: 0 }, 'the timer added them')
    await writer.record(entry(3))
    await writer.record(entry(4))
    await writer.flushCounts()
    assert.deepEqual(await window(), { batches: 5, rows: 5, failed_batches: 0, failed_rows: 0 }, 'flushCounts adds them at once')
  })
})
