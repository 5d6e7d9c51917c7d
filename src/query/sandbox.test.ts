import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DuckDBInstance } from '@duckdb/node-api'
import { hardenConnection, openSandboxedQueryConnection } from './sandbox.ts'
import { checkReadOnlySql } from './sql-guard.ts'

describe('hardenConnection / openSandboxedQueryConnection', () => {
  it('makes read_csv fail at execution, bypassing the SQL guard', async () => {
    const instance = await DuckDBInstance.create(':memory:')
    const conn = await openSandboxedQueryConnection(instance)
    await assert.rejects(conn.runAndReadAll("SELECT * FROM read_csv('/etc/passwd')"), /disabled by configuration/)
    await assert.rejects(conn.runAndReadAll("SELECT * FROM read_text('/etc/hostname')"), /disabled by configuration/)
    await assert.rejects(conn.run("COPY (SELECT 1) TO '/tmp/agnes-sandbox-test.csv'"), /disabled by configuration/)
    await assert.rejects(conn.run('SET enable_external_access = true'), /locked/)
    await assert.rejects(conn.run('SET lock_configuration = false'), /locked/)
    // Ordinary queries still work.
    const reader = await conn.runAndReadAll('SELECT 41 + 1 AS answer')
    assert.deepEqual(reader.getRowObjectsJson(), [{ answer: 42 }])
    conn.closeSync()
    instance.closeSync()
  })

  it('still lets the SQL guard parse queries on a hardened connection', async () => {
    const instance = await DuckDBInstance.create(':memory:')
    const conn = await openSandboxedQueryConnection(instance)
    assert.deepEqual(await checkReadOnlySql(conn, 'SELECT * FROM range(3)'), { ok: true, tables: [] })
    assert.equal((await checkReadOnlySql(conn, 'DROP TABLE x')).ok, false)
    conn.closeSync()
    instance.closeSync()
  })

  it('applies to the whole instance (the settings are global), not only the hardened connection', async () => {
    const instance = await DuckDBInstance.create(':memory:')
    const before = await instance.connect()
    const hardened = await instance.connect()
    await hardenConnection(hardened)
    await assert.rejects(before.runAndReadAll("SELECT * FROM read_text('/etc/hostname')"), /disabled by configuration/)
    const later = await instance.connect()
    await assert.rejects(later.runAndReadAll("SELECT * FROM read_text('/etc/hostname')"), /disabled by configuration/)
    // A second call is a no-op rather than a "configuration locked" error.
    await hardenConnection(later)
    for (const c of [before, hardened, later]) c.closeSync()
    instance.closeSync()
  })

  it('leaves other instances alone', async () => {
    const sandboxed = await DuckDBInstance.create(':memory:')
    const other = await DuckDBInstance.create(':memory:')
    const hardened = await openSandboxedQueryConnection(sandboxed)
    const free = await other.connect()
    const reader = await free.runAndReadAll("SELECT count(*) AS n FROM read_text('/etc/hostname')")
    assert.deepEqual(reader.getRowObjectsJson(), [{ n: '1' }])
    hardened.closeSync()
    free.closeSync()
    sandboxed.closeSync()
    other.closeSync()
  })

  it('refuses an instance locked with external access still enabled', async () => {
    const instance = await DuckDBInstance.create(':memory:')
    const conn = await instance.connect()
    await conn.run('SET lock_configuration = true')
    await assert.rejects(openSandboxedQueryConnection(instance), /already locked/)
    conn.closeSync()
    instance.closeSync()
  })
})
