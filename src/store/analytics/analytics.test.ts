import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { openAnalytics, type Analytics } from './index.ts'

const limits = { limit: 100, timeoutMs: 10_000, maxResultBytes: 1024 * 1024, memoryLimitBytes: 128 * 1024 * 1024 }

describe('analytics table files and the query host', () => {
  let dir: string
  let sources: string
  let analytics: Analytics

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agnes-analytics-'))
    sources = join(dir, 'sources')
    mkdirSync(sources)
    // A data dir from before table files: the tables live in analytics/analytics.duckdb.
    mkdirSync(join(dir, 'analytics'))
    const legacy = await DuckDBInstance.create(join(dir, 'analytics', 'analytics.duckdb'))
    const c = await legacy.connect()
    await c.run(`CREATE TABLE kept AS SELECT * FROM (VALUES (1, 'one'), (2, 'two')) t(id, name)`)
    c.closeSync()
    legacy.closeSync()
    analytics = await openAnalytics({ dataDir: dir, sourceDirs: [sources] })
  })
  after(async () => {
    await analytics.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('moves tables of the old single database into table files, keeping the old file', async () => {
    assert.equal(await analytics.tableExists('kept'), true)
    assert.ok(existsSync(join(dir, 'analytics', 'analytics.duckdb.before-table-files')))
    assert.ok(!existsSync(join(dir, 'analytics', 'analytics.duckdb')))
    const r = await analytics.query('SELECT name FROM kept ORDER BY id', { knownTables: ['kept'], readable: 'all' }, limits)
    assert.ok(r.ok)
    assert.equal(r.ok && r.rowsJson, '[["one"],["two"]]')
  })

  it('serves the new shape of a table re-synced with other columns', async () => {
    writeFileSync(join(sources, 'shape.csv'), 'a,b\n1,2\n')
    await analytics.materializeFile('shape', join(sources, 'shape.csv'), 'csv')
    const access = { knownTables: ['shape'], readable: ['shape'] }
    const first = await analytics.query('SELECT * FROM shape', access, limits)
    assert.deepEqual(first.ok && first.columns.map((c) => c.name), ['a', 'b'])
    writeFileSync(join(sources, 'shape.csv'), 'x,y,z\nq,r,s\n')
    await analytics.materializeFile('shape', join(sources, 'shape.csv'), 'csv')
    const second = await analytics.query('SELECT * FROM shape', access, limits)
    assert.ok(second.ok, JSON.stringify(second))
    assert.deepEqual(second.ok && second.columns.map((c) => c.name), ['x', 'y', 'z'])
    assert.equal(second.ok && second.rowsJson, '[["q","r","s"]]')
  })

  it('a catalogue built for one table set shows nothing else, even to a later query naming fewer tables', async () => {
    writeFileSync(join(sources, 'one.csv'), 'v\n1\n')
    writeFileSync(join(sources, 'two.csv'), 'v\n2\n')
    await analytics.materializeFile('one', join(sources, 'one.csv'), 'csv')
    await analytics.materializeFile('two', join(sources, 'two.csv'), 'csv')
    const all = { knownTables: ['one', 'two'], readable: 'all' as const }
    const both = await analytics.query('SELECT * FROM one UNION ALL SELECT * FROM two', all, limits)
    assert.ok(both.ok)
    assert.deepEqual(both.ok && both.tablesRead, ['one', 'two'])
    // Granted only `one`: a statement that reaches `two` without naming it (a recursive CTE) finds nothing.
    const sneaky = await analytics.query('WITH RECURSIVE two AS (FROM two UNION FROM two) SELECT * FROM one, two', { knownTables: ['one', 'two'], readable: ['one'] }, limits)
    assert.equal(sneaky.ok, false)
    assert.ok(!sneaky.ok && sneaky.kind === 'invalid_sql', JSON.stringify(sneaky))
  })

  it('refuses a table that was never synced with a message saying so', async () => {
    const r = await analytics.query('SELECT * FROM later', { knownTables: ['later'], readable: 'all' }, limits)
    assert.ok(!r.ok && r.kind === 'invalid_sql' && /has not been synced yet/.test(r.message), JSON.stringify(r))
  })
})
