import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { tempDir, call } from '../helpers.ts'
import { openStore } from '../../src/store/index.ts'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'agnes')

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

function serve(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', AGNES_DATA_DIR: dataDir, AGNES_PORT: String(port), AGNES_LOG_LEVEL: 'warn', AGNES_SCHEDULER: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000)
    child.stdout!.on('data', (d) => {
      out += d
      if (out.includes('listening')) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.stderr!.on('data', (d) => (out += d))
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)))
  })
}

test('kill -9 during a stream of audited requests: after restart every request that got a 2xx has its audit row', async () => {
  const dataDir = tempDir()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  try {
    let server = await serve(dataDir, port)
    const token = readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim()
    const admin = (await call(url, 'POST', '/api/auth/bootstrap', { body: { token, email: 'admin@example.com' } })).body.token as string

    // Eight clients write groups as fast as they can; the server is killed in the middle of it.
    const acknowledged: string[] = []
    let stop = false
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; !stop && i < 2000; i++) {
        const cid = `k9-${c}-${i}`
        try {
          const r = await call(url, 'POST', '/api/admin/groups', { token: admin, body: { name: cid }, headers: { 'x-correlation-id': cid } })
          if (r.status === 201) acknowledged.push(cid)
        } catch {
          return // connection refused or reset: the server is gone
        }
      }
    })
    await new Promise((r) => setTimeout(r, 1500))
    server.kill('SIGKILL')
    stop = true
    await Promise.all(clients)
    await new Promise((r) => server.once('exit', r).listenerCount('exit') && setTimeout(r, 200))
    assert.ok(acknowledged.length > 20, `enough requests were acknowledged before the kill (${acknowledged.length})`)

    // The store opens cleanly after the crash, through the server itself…
    server = await serve(dataDir, port)
    assert.equal((await call(url, 'GET', '/api/health')).status, 200)
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    // …and every acknowledged request has its row.
    const store = await openStore({ stateDir: join(dataDir, 'state'), databaseUrl: null })
    const rows = await store.audit.find({ action: 'user_group.create', limit: 10_000 })
    const audited = new Set(rows.map((r) => r.correlation_id))
    const missing = acknowledged.filter((cid) => !audited.has(cid))
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged requests lost their audit row`)
    // And each group that was acknowledged exists.
    const groups = new Set((await store.groups.list()).map((g) => g.name))
    assert.deepEqual(acknowledged.filter((cid) => !groups.has(cid)), [])
    await store.close()
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})
