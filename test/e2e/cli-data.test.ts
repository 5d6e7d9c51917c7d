import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, tempDir, type TestServer, runCli } from '../helpers.ts'

let s: TestServer
let admin: { token: string; userId: string }
let work: string

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  work = tempDir('agnes-cli-data-')
  const sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'people.csv'), 'id,name,note\n1,Ada,"likes, commas"\n2,Grace,"says ""hi"""\n')
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'people', source: { kind: 'file', path: 'people.csv' } } })
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'ghost', source: { kind: 'file', path: 'ghost.csv' } } })
})
after(async () => {
  await s.close()
  rmSync(work, { recursive: true, force: true })
})

function agnes(args: string[]) {
  return runCli(args, { HOME: work, AGNES_URL: s.url, AGNES_TOKEN: admin.token }, work)
}

test('agnes sync waits for the job and reports each table; a failed table makes the exit code non-zero', async () => {
  const ok = await agnes(['sync', 'people', '--json'])
  assert.equal(ok.code, 0, ok.stderr)
  const out = JSON.parse(ok.stdout)
  assert.equal(out.status, 'done')
  assert.deepEqual(out.tables.map((t: { table_id: string; rows: number }) => [t.table_id, t.rows]), [['people', 2]])

  const bad = await agnes(['sync', 'people', 'ghost'])
  assert.equal(bad.code, 1)
  assert.match(bad.stdout, /ghost\s+error\s+.*source file not found/)
  assert.match(bad.stderr, /1 table\(s\) failed to sync/)

  const unknown = await agnes(['sync', 'nope'])
  assert.equal(unknown.code, 1)
  assert.match(unknown.stderr, /table nope not found/)
})

test('agnes query prints a table, JSON or CSV; bad SQL exits non-zero with the reason', async () => {
  const json = await agnes(['query', 'SELECT id, name FROM people ORDER BY id', '--json'])
  assert.equal(json.code, 0, json.stderr)
  assert.deepEqual(JSON.parse(json.stdout).rows, [[1, 'Ada'], [2, 'Grace']])

  const csv = await agnes(['query', 'SELECT name, note FROM people ORDER BY id', '--csv'])
  assert.equal(csv.stdout, 'name,note\nAda,"likes, commas"\nGrace,"says ""hi"""\n')

  const plain = await agnes(['query', 'SELECT name FROM people ORDER BY id', '--limit', '1'])
  assert.match(plain.stdout, /^name\nAda\n$/)
  assert.match(plain.stderr, /1 row\(s\) \(truncated/)

  const bad = await agnes(['query', 'DROP TABLE people'])
  assert.equal(bad.code, 1)
  assert.equal(bad.stderr.trim().split('\n').length, 1)
  assert.match(bad.stderr, /^agnes: .*\(sql\)$/m)

  const usage = await agnes(['query', 'SELECT 1', '--limit', 'many'])
  assert.equal(usage.code, 2)
})

test('agnes pull writes the table to a file', async () => {
  const r = await agnes(['pull', 'people', '--format', 'csv', '-o', 'people-out.csv'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(readFileSync(join(work, 'people-out.csv'), 'utf8').split('\n')[0], 'id,name,note')
  const pq = await agnes(['pull', 'people', '--json'])
  assert.equal(JSON.parse(pq.stdout).output, 'people.parquet')
  assert.equal(readFileSync(join(work, 'people.parquet')).subarray(0, 4).toString(), 'PAR1')
  const missing = await agnes(['pull', 'ghost'])
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /has not been synced yet/)
  assert.equal(existsSync(join(work, 'ghost.parquet')), false)
  assert.equal(existsSync(join(work, 'ghost.parquet.part')), false)
  // A table that does not exist is named, with the nearest tables you may read.
  const typo = await agnes(['pull', 'peple'])
  assert.equal(typo.code, 1)
  assert.match(typo.stderr, /no table called peple \(did you mean people\?\)/)
  const far = await agnes(['pull', 'zzzzzzzzzz'])
  assert.match(far.stderr, /no table called zzzzzzzzzz; the tables you may read: .*people/)
})
