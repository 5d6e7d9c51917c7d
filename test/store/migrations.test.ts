import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '../../src/store/index.ts'
import { duckdbMigrations } from '../../src/store/duckdb/migrations.ts'
import { openDuckDb } from '../../src/store/duckdb/driver.ts'
import { tempDir } from '../helpers.ts'

const latest = Math.max(...duckdbMigrations.map((m) => m.version))

test('a database created at version 1 upgrades to the latest and keeps its data', async () => {
  const dir = tempDir()
  const cfg = { stateDir: join(dir, 'state'), databaseUrl: null }
  try {
    const old = await openStore(cfg, { upTo: 1 })
    assert.equal(await old.schemaVersion(), 1)
    const now = new Date().toISOString()
    await old.users.insert({ id: 'u1', email: 'kept@example.com', username: 'kept', name: 'Kept', is_admin: true, password_hash: null, created_at: now, updated_at: now })
    await old.audit.insertMany([{ timestamp: now, user_id: 'u1', user_email: 'kept@example.com', action: 'user.create', resource: 'user:u1', params: { a: 1 }, params_before: null, result: 'success', duration_ms: 1.5, client_ip: '127.0.0.1', client_kind: 'api', correlation_id: 'c1' }])
    await old.close()

    const upgraded = await openStore(cfg)
    assert.equal(await upgraded.schemaVersion(), latest)
    assert.equal((await upgraded.users.byId('u1'))?.email, 'kept@example.com')
    const [row] = await upgraded.audit.find({ correlationId: 'c1' })
    assert.deepEqual(row.params, { a: 1 })
    await upgraded.close()

    // Opening again is a no-op: the same version, one schema_version row per migration.
    const again = await openStore(cfg)
    assert.equal(await again.schemaVersion(), latest)
    await again.close()
    const raw = await openDuckDb(join(cfg.stateDir, 'system.duckdb'))
    const versions = await raw.all<{ version: number }>('SELECT version FROM schema_version ORDER BY version')
    assert.deepEqual(versions.map((v) => v.version), duckdbMigrations.map((m) => m.version).sort((a, b) => a - b))
    const idx = await raw.all<{ index_name: string }>(`SELECT index_name FROM duckdb_indexes() WHERE table_name = 'audit_log' ORDER BY index_name`)
    assert.deepEqual(idx.map((i) => i.index_name), ['audit_action_ts', 'audit_correlation', 'audit_ts', 'audit_user_ts'])
    await raw.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a migration that fails leaves the previous version in place', async () => {
  const dir = tempDir()
  try {
    const db = await openDuckDb(join(dir, 'x.duckdb'))
    const { migrate } = await import('../../src/store/migrate.ts')
    await migrate(db, [{ version: 1, name: 'ok', statements: ['CREATE TABLE a (x INTEGER)'] }])
    await assert.rejects(migrate(db, [
      { version: 1, name: 'ok', statements: ['CREATE TABLE a (x INTEGER)'] },
      { version: 2, name: 'broken', statements: ['CREATE TABLE b (y INTEGER)', 'THIS IS NOT SQL'] },
    ]))
    const v = await db.one<{ v: number }>('SELECT max(version) AS v FROM schema_version')
    assert.equal(v?.v, 1)
    const b = await db.all(`SELECT table_name FROM duckdb_tables() WHERE table_name = 'b'`)
    assert.equal(b.length, 0, 'the half-applied migration was rolled back')
    await db.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
