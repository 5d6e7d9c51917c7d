// The tamper-evident audit log (issue 18): rows edited, deleted or moved directly in the store, behind the
// application's back, are found by verification, which names the first affected row; what the application itself
// does (batches, spool replay, retention purge, two writers on one database) keeps the chain valid.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { openStore, storeOver, type Store, type NewAuditRow } from '../../src/store/index.ts'
import type { Db } from '../../src/store/db.ts'
import { openDuckDb } from '../../src/store/duckdb/driver.ts'
import { openPostgres } from '../../src/store/postgres/driver.ts'
import { verifyAuditChain } from '../../src/audit/verify.ts'
import { describeStores, type StoreHarness } from '../support/stores.ts'

const row = (i: number, over: Partial<NewAuditRow> = {}): NewAuditRow => ({
  timestamp: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString(), user_id: 'u1', user_email: 'ana@example.com', action: 'query.run',
  resource: 'table:orders', params: { sql: `SELECT ${i}`, nested: { b: [1, 2], a: 'x\u0000y' } }, params_before: i % 2 ? null : { before: i },
  result: 'success', duration_ms: 1.25 * i, client_ip: '127.0.0.1', client_kind: 'api', correlation_id: `c-${i}`, ...over,
})

/** A migrated store, and raw SQL on the same database for the tampering (one DuckDB file allows one opener). */
async function tamperable(h: StoreHarness): Promise<{ store: Store; raw: Db; close(): Promise<void> }> {
  const cfg = await h.freshConfig()
  await (await openStore(cfg)).close()
  const raw = h.engine === 'postgres' ? await openPostgres(cfg.databaseUrl!) : await openDuckDb(join(cfg.stateDir, 'system.duckdb'))
  return { store: storeOver(raw), raw, close: () => raw.close() }
}

async function ids(raw: Db): Promise<Array<{ id: number; seq: number }>> {
  const rows = await raw.all<{ id: number | string; chain_seq: number | string }>(`SELECT id, chain_seq FROM audit_log ORDER BY chain_seq`)
  return rows.map((r) => ({ id: Number(r.id), seq: Number(r.chain_seq) }))
}

describeStores('audit chain', (h) => {
  test('rows written in several batches verify, in commit order, up to the head', async () => {
    const t = await tamperable(h)
    try {
      await t.store.audit.insertMany([row(1), row(2), row(3)])
      await t.store.audit.insertMany([row(4)])
      await Promise.all([t.store.audit.insertMany([row(5), row(6)]), t.store.audit.insertMany([row(7)])])
      const v = await verifyAuditChain(t.store)
      assert.deepEqual([v.ok, v.rows_checked, v.head_seq, v.first_bad], [true, 7, 7, undefined])
      assert.deepEqual((await ids(t.raw)).map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7])
    } finally {
      await t.close()
    }
  })

  test('a batch the store refuses leaves no row and does not move the head: the next batch chains onto what committed', async () => {
    const t = await tamperable(h)
    try {
      await t.store.audit.insertMany([row(1), row(2)])
      // A row the store refuses (action is NOT NULL) fails its whole batch, the rows before it in the batch too.
      await assert.rejects(t.store.audit.insertMany([row(3), row(4, { action: null as unknown as string })]))
      await t.store.audit.insertMany([row(5), row(6)])
      await t.store.audit.insertMany([row(7)])
      const v = await verifyAuditChain(t.store)
      assert.deepEqual([v.ok, v.rows_checked, v.head_seq], [true, 5, 5])
      const kept = await t.raw.all<{ correlation_id: string; chain_seq: number | string }>(`SELECT correlation_id, chain_seq FROM audit_log ORDER BY chain_seq`)
      assert.deepEqual(kept.map((r) => [r.correlation_id, Number(r.chain_seq)]), [['c-1', 1], ['c-2', 2], ['c-5', 3], ['c-6', 4], ['c-7', 5]])
      // The head kept outside the audit log is where the rows end, so deleting the newest row is still found.
      await t.raw.run(`DELETE FROM audit_log WHERE chain_seq = 5`)
      const cut = await verifyAuditChain(t.store)
      assert.deepEqual([cut.ok, cut.first_bad?.seq], [false, 5])
      assert.match(cut.first_bad!.reason, /newest rows, 5 to 5, are missing/)
    } finally {
      await t.close()
    }
  })

  test('rows committed while a check walks the chain are left to the next check, not reported as broken', async () => {
    const t = await tamperable(h)
    try {
      await t.store.audit.insertMany([1, 2, 3].map((i) => row(i)))
      const headBefore = await t.store.audit.chainState()
      await t.store.audit.insertMany([4, 5].map((i) => row(i)))
      // The check read the head before rows 4 and 5 committed.
      const seen = { ...t.store.audit, chainState: async () => headBefore }
      const v = await verifyAuditChain({ audit: seen })
      assert.deepEqual([v.ok, v.rows_checked, v.head_seq], [true, 3, 3])
    } finally {
      await t.close()
    }
  })

  test("an edited row's params, result or time: verification names that row", async () => {
    for (const edit of [
      `UPDATE audit_log SET params = CAST('{"sql":"SELECT 1"}' AS JSON) WHERE chain_seq = 3`,
      `UPDATE audit_log SET result = 'denied' WHERE chain_seq = 3`,
      `UPDATE audit_log SET timestamp = CAST('2020-01-01T00:00:00Z' AS TIMESTAMPTZ) WHERE chain_seq = 3`,
      `UPDATE audit_log SET user_email = NULL WHERE chain_seq = 3`,
    ]) {
      const t = await tamperable(h)
      try {
        await t.store.audit.insertMany([1, 2, 3, 4, 5].map((i) => row(i)))
        const third = (await ids(t.raw))[2]
        await t.raw.run(edit)
        const v = await verifyAuditChain(t.store)
        assert.equal(v.ok, false, edit)
        assert.deepEqual([v.first_bad?.id, v.first_bad?.seq, v.rows_checked], [third.id, 3, 2], edit)
        assert.match(v.first_bad!.reason, /does not match its hash/)
      } finally {
        await t.close()
      }
    }
  })

  test('a deleted row: verification names the row after the gap; rows deleted from the end: the head says so', async () => {
    const t = await tamperable(h)
    try {
      await t.store.audit.insertMany([1, 2, 3, 4, 5].map((i) => row(i)))
      const all = await ids(t.raw)
      await t.raw.run(`DELETE FROM audit_log WHERE chain_seq = 2`)
      const v = await verifyAuditChain(t.store)
      assert.deepEqual([v.ok, v.first_bad?.id, v.first_bad?.seq], [false, all[2].id, 2])
      assert.match(v.first_bad!.reason, /row 2 of the chain is missing/)

      const t2 = await tamperable(h)
      try {
        await t2.store.audit.insertMany([1, 2, 3, 4, 5].map((i) => row(i)))
        await t2.raw.run(`DELETE FROM audit_log WHERE chain_seq >= 4`)
        const end = await verifyAuditChain(t2.store)
        assert.deepEqual([end.ok, end.first_bad?.id, end.first_bad?.seq, end.rows_checked], [false, null, 4, 3])
        assert.match(end.first_bad!.reason, /newest rows, 4 to 5, are missing/)
      } finally {
        await t2.close()
      }
    } finally {
      await t.close()
    }
  })

  test('two rows swapped (their places, or their contents): verification names the first one out of place', async () => {
    const t = await tamperable(h)
    try {
      await t.store.audit.insertMany([1, 2, 3, 4, 5].map((i) => row(i)))
      const all = await ids(t.raw)
      // Swap the places of rows 2 and 4.
      await t.raw.run(`UPDATE audit_log SET chain_seq = -1 WHERE chain_seq = 2`)
      await t.raw.run(`UPDATE audit_log SET chain_seq = 2 WHERE chain_seq = 4`)
      await t.raw.run(`UPDATE audit_log SET chain_seq = 4 WHERE chain_seq = -1`)
      const v = await verifyAuditChain(t.store)
      assert.deepEqual([v.ok, v.first_bad?.id, v.first_bad?.seq], [false, all[3].id, 2])
      assert.match(v.first_bad!.reason, /edited, or rows were moved or swapped/)
    } finally {
      await t.close()
    }
    const t2 = await tamperable(h)
    try {
      await t2.store.audit.insertMany([1, 2, 3].map((i) => row(i)))
      const all = await ids(t2.raw)
      // Swap the contents of rows 1 and 2, hashes included.
      await t2.raw.run(`UPDATE audit_log SET chain_seq = -1 WHERE chain_seq = 1`)
      await t2.raw.run(`UPDATE audit_log SET chain_seq = 1 WHERE chain_seq = 2`)
      await t2.raw.run(`UPDATE audit_log SET chain_seq = 2 WHERE chain_seq = -1`)
      const v = await verifyAuditChain(t2.store)
      assert.deepEqual([v.ok, v.first_bad?.id, v.first_bad?.seq], [false, all[1].id, 1])
    } finally {
      await t2.close()
    }
  })

  test('a row added behind the application is found', async () => {
    const t = await tamperable(h)
    try {
      await t.store.audit.insertMany([1, 2, 3].map((i) => row(i)))
      await t.raw.run(
        `INSERT INTO audit_log (timestamp, action, result, client_kind, correlation_id, chain_seq, row_hash) VALUES ('2026-11-01T00:00:02Z', 'user.delete', 'success', 'api', 'fake', 2, 'f00')`,
      )
      const v = await verifyAuditChain(t.store)
      assert.equal(v.ok, false)
      assert.equal(v.first_bad?.seq, 2)
    } finally {
      await t.close()
    }
  })

  test('retention purge cuts the chain at an anchor: what is left still verifies, and the purge is bounded', async () => {
    const t = await tamperable(h)
    try {
      const old = (i: number) => row(i, { timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() })
      await t.store.audit.insertMany([old(1), old(2), old(3), old(4), row(5), row(6)])
      // A row replayed late from the spool: old, but committed after newer rows.
      await t.store.audit.insertMany([old(7)])
      assert.equal(await t.store.audit.purgeBefore('2026-01-01T00:00:00Z', 3), 3)
      let v = await verifyAuditChain(t.store)
      assert.deepEqual([v.ok, v.anchor_seq, v.rows_checked], [true, 3, 4])
      assert.equal(await t.store.audit.purgeBefore('2026-01-01T00:00:00Z', 3), 1, 'stops at the first row to keep')
      v = await verifyAuditChain(t.store)
      assert.deepEqual([v.ok, v.anchor_seq, v.rows_checked], [true, 4, 3])
      // The late old row waits for the rows committed before it; after more purging it goes too.
      assert.equal(await t.store.audit.purgeBefore('2027-01-01T00:00:00Z', 100), 3)
      v = await verifyAuditChain(t.store)
      assert.deepEqual([v.ok, v.anchor_seq, v.rows_checked, v.head_seq], [true, 7, 0, 7])
      await t.store.audit.insertMany([row(8)])
      assert.deepEqual([(await verifyAuditChain(t.store)).ok, (await verifyAuditChain(t.store)).rows_checked], [true, 1])
    } finally {
      await t.close()
    }
  })

  if (h.engine === 'postgres') {
    test('two stores (two workers) writing to one database at once chain in commit order', async () => {
      const cfg = await h.freshConfig()
      const a = await openStore(cfg)
      const b = await openStore(cfg)
      try {
        await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).audit.insertMany([row(i * 2), row(i * 2 + 1)])))
        const v = await verifyAuditChain(a)
        assert.deepEqual([v.ok, v.rows_checked, v.head_seq], [true, 40, 40])
      } finally {
        await a.close()
        await b.close()
      }
    })
  }
})
