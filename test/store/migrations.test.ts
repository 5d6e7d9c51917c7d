import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { openStore } from '../../src/store/index.ts'
import { migrate } from '../../src/store/migrate.ts'
import type { Db } from '../../src/store/db.ts'
import { migrations } from '../../src/store/migrations.ts'
import { openDuckDb } from '../../src/store/duckdb/driver.ts'
import { openPostgres } from '../../src/store/postgres/driver.ts'
import { describeStores, type StoreConfig, type StoreHarness } from '../support/stores.ts'

const latest = Math.max(...migrations.map((m) => m.version))

/** The raw database behind a store config, for looking at the schema itself. */
function openRaw(h: StoreHarness, cfg: StoreConfig): Promise<Db> {
  return h.engine === 'postgres' ? openPostgres(cfg.databaseUrl!) : openDuckDb(join(cfg.stateDir, 'system.duckdb'))
}

/** Writes an audit row as a store of an old version would have: the repository of today chains it (migration 11). */
async function insertOldAuditRow(h: StoreHarness, cfg: StoreConfig, r: { timestamp: string; user_id: string | null; user_email: string | null; action: string; resource: string | null; params: unknown; result: string; duration_ms: number | null; client_ip: string | null; correlation_id: string }) {
  const raw = await openRaw(h, cfg)
  try {
    await raw.run(
      `INSERT INTO audit_log (timestamp, user_id, user_email, action, resource, params, params_before, result, duration_ms, client_ip, client_kind, correlation_id)
       VALUES ($1, $2, $3, $4, $5, CAST($6 AS JSON), NULL, $7, $8, $9, 'api', $10)`,
      [r.timestamp, r.user_id, r.user_email, r.action, r.resource, JSON.stringify(r.params), r.result, r.duration_ms, r.client_ip, r.correlation_id],
    )
  } finally {
    await raw.close()
  }
}

/** Indexes created by migrations (not the ones behind PRIMARY KEY / UNIQUE constraints). */
function indexesOf(h: StoreHarness, raw: Db, table?: string): Promise<Array<{ table_name: string; index_name: string }>> {
  const sql =
    h.engine === 'postgres'
      ? `SELECT tablename AS table_name, indexname AS index_name FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN (SELECT conname FROM pg_constraint)`
      : `SELECT table_name, index_name FROM duckdb_indexes()`
  return raw.all<{ table_name: string; index_name: string }>(
    `SELECT * FROM (${sql}) i ${table ? 'WHERE table_name = $1' : ''} ORDER BY table_name, index_name`,
    table ? [table] : [],
  )
}

/** Every column of every table, with a type name both engines agree on. */
async function columnsOf(raw: Db) {
  const rows = await raw.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
     WHERE table_schema IN ('main', 'public') ORDER BY table_name, column_name`,
  )
  const type = (t: string) =>
    ({ 'character varying': 'text', varchar: 'text', jsonb: 'json', 'double precision': 'double', 'timestamp with time zone': 'timestamptz' })[t.toLowerCase()] ??
    t.toLowerCase()
  return rows.map((r) => `${r.table_name}.${r.column_name} ${type(r.data_type)}${r.is_nullable === 'NO' ? ' not null' : ''}`)
}

const schemas = new Map<string, { columns: string[]; indexes: string[] }>()

describeStores('migrations', (h) => {
  test('a database created at version 1 upgrades to the latest and keeps its data', async () => {
    const cfg = await h.freshConfig()
    const old = await openStore(cfg, { upTo: 1 })
    assert.equal(await old.schemaVersion(), 1)
    const now = new Date().toISOString()
    await old.users.insert({ id: 'u1', email: 'kept@example.com', username: 'kept', name: 'Kept', is_admin: true, password_hash: null, created_at: now, updated_at: now })
    await old.close()
    await insertOldAuditRow(h, cfg, { timestamp: now, user_id: 'u1', user_email: 'kept@example.com', action: 'user.create', resource: 'user:u1', params: { a: 1 }, result: 'success', duration_ms: 1.5, client_ip: '127.0.0.1', correlation_id: 'c1' })

    const upgraded = await openStore(cfg)
    assert.equal(await upgraded.schemaVersion(), latest)
    assert.equal((await upgraded.users.byId('u1'))?.email, 'kept@example.com')
    const [row] = await upgraded.audit.find({ correlationId: 'c1' })
    assert.deepEqual(row.params, { a: 1 })
    assert.equal(row.timestamp, now)
    // Tables of later migrations work after the upgrade.
    await upgraded.tables.insert({ id: 'orders', source: { kind: 'sql', sql: 'SELECT 1' }, sync_interval_minutes: null, description: null, created_at: now, updated_at: now, created_by: 'u1' })
    assert.equal((await upgraded.tables.list()).length, 1)
    await upgraded.close()

    // Opening again is a no-op: the same version, one schema_version row per migration.
    const again = await openStore(cfg)
    assert.equal(await again.schemaVersion(), latest)
    await again.close()
    const raw = await openRaw(h, cfg)
    try {
      const versions = await raw.all<{ version: number }>('SELECT version FROM schema_version ORDER BY version')
      assert.deepEqual(versions.map((v) => v.version), migrations.map((m) => m.version).sort((a, b) => a - b))
      const idx = await indexesOf(h, raw, 'audit_log')
      assert.deepEqual(idx.map((i) => i.index_name), ['audit_action_ts', 'audit_chain_seq', 'audit_correlation', 'audit_ts', 'audit_user_ts'])
      schemas.set(h.engine, { columns: await columnsOf(raw), indexes: (await indexesOf(h, raw)).map((i) => `${i.table_name}.${i.index_name}`) })
    } finally {
      await raw.close()
    }
  })

  test('stores opened at the same moment migrate once', async () => {
    const cfg = await h.freshConfig()
    if (h.engine === 'duckdb') {
      // One process owns a DuckDB file; opening it twice in one process shares nothing, so only PostgreSQL races here.
      const s = await openStore(cfg)
      assert.equal(await s.schemaVersion(), latest)
      await s.close()
      return
    }
    const stores = await Promise.all([openStore(cfg), openStore(cfg), openStore(cfg)])
    for (const s of stores) assert.equal(await s.schemaVersion(), latest)
    await Promise.all(stores.map((s) => s.close()))
  })

  test('version 6: PostgreSQL JSON columns become JSONB, keeping their values, an escaped NUL becoming U+FFFD', async () => {
    const cfg = await h.freshConfig()
    const old = await openStore(cfg, { upTo: 5 })
    const now = new Date().toISOString()
    await old.close()
    await insertOldAuditRow(h, cfg, { timestamp: now, user_id: null, user_email: null, action: 'user.create', resource: null, params: { b: 'x', a: [1, 2] }, result: 'success', duration_ms: null, client_ip: null, correlation_id: 'before-6' })
    if (h.engine === 'postgres') {
      // Rows written by a version-5 PostgreSQL could hold the NUL escape JSON accepts and JSONB refuses,
      // next to a backslash that only looks like one.
      const raw = await openRaw(h, cfg)
      try {
        await raw.run(`UPDATE audit_log SET params_before = CAST($1 AS JSON) WHERE correlation_id = 'before-6'`, ['{"nul":"a\\u0000b","literal":"\\\\u0000","both":"\\\\\\u0000"}'])
      } finally {
        await raw.close()
      }
    }
    const upgraded = await openStore(cfg)
    const [row] = await upgraded.audit.find({ correlationId: 'before-6' })
    await upgraded.close()
    assert.deepEqual(row.params, { a: [1, 2], b: 'x' })
    if (h.engine === 'postgres') assert.deepEqual(row.params_before, { nul: 'a\uFFFDb', literal: '\\u0000', both: '\\\uFFFD' })
    const raw = await openRaw(h, cfg)
    try {
      const types = await raw.all<{ t: string }>(`SELECT DISTINCT lower(data_type) AS t FROM information_schema.columns WHERE table_schema IN ('main', 'public') AND lower(data_type) LIKE 'json%'`)
      assert.deepEqual(types.map((r) => r.t), [h.engine === 'postgres' ? 'jsonb' : 'json'])
    } finally {
      await raw.close()
    }
  })

  test('a migration that fails leaves the previous version in place', async () => {
    const cfg = await h.freshConfig()
    const db = await openRaw(h, cfg)
    try {
      await migrate(db, [{ version: 1, name: 'ok', statements: ['CREATE TABLE a (x INTEGER)'] }])
      await assert.rejects(migrate(db, [
        { version: 1, name: 'ok', statements: ['CREATE TABLE a (x INTEGER)'] },
        { version: 2, name: 'broken', statements: ['CREATE TABLE b (y INTEGER)', 'THIS IS NOT SQL'] },
      ]))
      const v = await db.one<{ v: number }>('SELECT max(version) AS v FROM schema_version')
      assert.equal(v?.v, 1)
      const b = await db.all(`SELECT table_name FROM information_schema.tables WHERE table_name = 'b'`)
      assert.equal(b.length, 0, 'the half-applied migration was rolled back')
    } finally {
      await db.close()
    }
  })
})

test('both engines end with the same tables, columns, nullability and indexes', async (t) => {
  const duck = schemas.get('duckdb')
  const pg = schemas.get('postgres')
  if (!duck || !pg) return t.skip('needs both engines')
  assert.ok(duck.columns.length > 100 && duck.indexes.length > 10, 'the schema was read')
  assert.ok(duck.columns.includes('audit_log.params json') && duck.columns.includes('users.email text not null'))
  assert.deepEqual(pg.columns, duck.columns)
  assert.deepEqual(pg.indexes, duck.indexes)
})
