import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir, call } from '../helpers.ts'
import { openStore } from '../../src/store/index.ts'
import { freePort } from '../support/free-port.ts'
import { serve, stopProcess } from '../support/serve.ts'
import { postgresBinDir, startPostgres, type PgServer } from '../support/postgres.ts'

const noPostgres = postgresBinDir() ? false : 'PostgreSQL is not installed (scripts/ci-deps.sh installs it)'

for (const engine of ['duckdb', 'postgres'] as const) {
  test(`kill -9 during a stream of audited requests (${engine}): after restart every request that got a 2xx has its audit row`, { skip: engine === 'postgres' && noPostgres }, async () => {
    const dataDir = tempDir()
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    let pgServer: PgServer | null = null
    try {
      const databaseUrl = engine === 'postgres' ? await (pgServer = await startPostgres()).createDatabase('kill9') : null
      const env: Record<string, string> = databaseUrl ? { AGNES_DATABASE_URL: databaseUrl } : {}
      let server = await serve(dataDir, port, env)
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
      await stopProcess(server, 'SIGKILL')
      stop = true
      await Promise.all(clients)
      assert.ok(acknowledged.length > 20, `enough requests were acknowledged before the kill (${acknowledged.length})`)

      // The store opens cleanly after the crash, through the server itself…
      server = await serve(dataDir, port, env)
      assert.equal((await call(url, 'GET', '/api/health')).status, 200)
      await stopProcess(server)
      // …and every acknowledged request has its row.
      const store = await openStore({ stateDir: join(dataDir, 'state'), databaseUrl })
      try {
        const rows = await store.audit.find({ action: 'user_group.create', limit: 20_000 })
        const audited = new Set(rows.map((r) => r.correlation_id))
        const missing = acknowledged.filter((cid) => !audited.has(cid))
        assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged requests lost their audit row`)
        // And each group that was acknowledged exists.
        const groups = new Set((await store.groups.list()).map((g) => g.name))
        assert.deepEqual(acknowledged.filter((cid) => !groups.has(cid)), [])
      } finally {
        await store.close()
      }
    } finally {
      await pgServer?.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
}
