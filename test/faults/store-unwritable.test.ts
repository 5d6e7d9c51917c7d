import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir, call } from '../helpers.ts'
import { openStore } from '../../src/store/index.ts'
import { freePort } from '../support/free-port.ts'
import { serve, stopProcess } from '../support/serve.ts'

/**
 * A file the server cannot open for writing. Root ignores file modes, so under root the file is made immutable
 * (chattr +i, which binds root too); otherwise a read-only mode is enough.
 */
function unwritableFile(path: string): { release(): void } {
  writeFileSync(path, '')
  const root = process.getuid?.() === 0
  if (root) {
    const r = spawnSync('chattr', ['+i', path], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`cannot make ${path} immutable (chattr +i): ${r.stderr || r.error}`)
  } else {
    chmodSync(path, 0o444)
  }
  return {
    release() {
      if (root) spawnSync('chattr', ['-i', path])
      unlinkSync(path)
    },
  }
}

/**
 * DuckDB writes through its write-ahead log, created on the first write after a checkpoint. A server that
 * starts on a clean store (no WAL) and then finds the WAL unwritable is a store whose file refuses writes:
 * reads keep working, every write fails, as on a read-only or full disk.
 */
const needsChattr = process.getuid?.() === 0 && spawnSync('chattr', ['--help']).error ? 'running as root needs chattr (scripts/ci-deps.sh installs e2fsprogs)' : false

test('DuckDB store refusing writes (its write-ahead log unwritable): reads are served, writes get 503, the pulse shows it, and the rows arrive once it is writable again', { skip: needsChattr }, async () => {
  const dataDir = tempDir()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const wal = join(dataDir, 'state', 'system.duckdb.wal')
  let blocker: { release(): void } | null = null
  try {
    let server = await serve(dataDir, port)
    const token = readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim()
    const admin = (await call(url, 'POST', '/api/auth/bootstrap', { body: { token, email: 'admin@example.com' } })).body.token as string
    assert.equal((await call(url, 'POST', '/api/admin/groups', { token: admin, body: { name: 'before' } })).status, 201)
    await stopProcess(server) // a clean stop folds the WAL into the database file
    assert.equal(existsSync(wal), false)
    server = await serve(dataDir, port)
    assert.equal(existsSync(wal), false, 'starting on a migrated store writes nothing')
    blocker = unwritableFile(wal)

    const as = (cid: string) => ({ token: admin, headers: { 'x-correlation-id': cid } })
    const read = await call(url, 'GET', '/api/admin/activity/timeline?action_prefix=user_group', as('ro-read'))
    assert.equal(read.status, 200, read.text)
    assert.ok(read.body.rows.some((r: { params: { name?: string } }) => r.params?.name === 'before'), 'the timeline is read from the store')

    const write = await call(url, 'POST', '/api/admin/groups', { ...as('ro-write'), body: { name: 'during' } })
    assert.equal(write.status, 503, write.text)
    assert.equal(write.body.error.code, 'store_unavailable')
    assert.equal(write.body.error.message, "the server's store is unavailable right now; try again in a few seconds", 'no paths or internals')
    assert.equal(write.headers.get('retry-after'), '5')

    const pulse = await call(url, 'GET', '/api/admin/activity/health', { token: admin }) // polled, so not audited
    assert.equal(pulse.status, 200, pulse.text)
    const field = pulse.body.fields.find((f: { key: string }) => f.key === 'audit_writes')
    assert.equal(field.color, 'red')
    assert.match(field.value, /row\(s\) failed to write: .*system\.duckdb\.wal/)
    assert.equal((await call(url, 'GET', '/api/health')).status, 200, 'the store still answers reads')

    // Writable again: the next write is stored, and brings the spooled rows with it.
    blocker.release()
    blocker = null
    assert.equal((await call(url, 'POST', '/api/admin/groups', { ...as('ro-after'), body: { name: 'after' } })).status, 201)
    const arrived = async () => (await call(url, 'GET', '/api/admin/activity/timeline?correlation_id=ro-write&include_self_reads=true', { token: admin })).body.rows.length
    for (let i = 0; i < 100 && (await arrived()) === 0; i++) await new Promise((r) => setTimeout(r, 50))
    await stopProcess(server)

    const store = await openStore({ stateDir: join(dataDir, 'state'), databaseUrl: null })
    try {
      const rowsOf = async (cid: string) => (await store.audit.find({ correlationId: cid })).map((r) => `${r.action} ${r.result}`)
      assert.deepEqual(await rowsOf('ro-read'), ['activity.read success'])
      assert.deepEqual(await rowsOf('ro-write'), ['user_group.create error.store_unavailable'])
      assert.deepEqual(await rowsOf('ro-after'), ['user_group.create success'])
      assert.deepEqual((await store.groups.list()).map((g) => g.name).sort(), ['after', 'before'], 'the refused write changed nothing')
    } finally {
      await store.close()
    }
  } finally {
    blocker?.release()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
