// The tamper-evident audit log end to end: the API and the CLI verify it, a row edited behind the application's
// back is named, the CLI exits non-zero, and the health pulse turns red until the chain holds again.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { startServer, type RunningServer } from '../../src/main.ts'
import { createLogger } from '../../src/logger.ts'
import { openDuckDb } from '../../src/store/duckdb/driver.ts'
import { openPostgres } from '../../src/store/postgres/driver.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'
import { startTestServer, call, runCli, type TestServer } from '../helpers.ts'

let s: TestServer
let again: RunningServer | null = null
after(async () => {
  await again?.stop()
  rmSync(s.dataDir, { recursive: true, force: true })
})

test('verify through the API, the CLI and the scheduled job; an edited row is named and the pulse turns red', async () => {
  s = await startTestServer()
  const admin = await s.bootstrap()
  for (let i = 0; i < 5; i++) await call(s.url, 'GET', '/api/me', { token: admin.token })
  const ok = await call(s.url, 'GET', '/api/admin/audit/verify', { token: admin.token })
  assert.equal(ok.status, 200, ok.text)
  assert.equal(ok.body.ok, true)
  assert.ok(ok.body.rows_checked >= 6, ok.text)
  const cli = await runCli(['admin', 'audit', 'verify'], { AGNES_URL: s.url, AGNES_TOKEN: admin.token })
  assert.equal(cli.code, 0, cli.stderr)
  assert.match(cli.stdout, /^OK: the audit log's chain holds, \d+ row\(s\) checked in commit order/)

  // Edit a row behind the application's back: stop the server, change the store, start again on the same data.
  await s.stop()
  const raw = s.config.databaseUrl ? await openPostgres(s.config.databaseUrl) : await openDuckDb(join(s.config.stateDir, 'system.duckdb'))
  const target = await raw.one<{ id: number | string }>(`SELECT id FROM audit_log WHERE action = 'user.read_self' ORDER BY chain_seq LIMIT 1 OFFSET 2`)
  await raw.run(`UPDATE audit_log SET result = 'denied' WHERE id = $1`, [target!.id])
  await raw.close()
  again = await startServer(s.config, { log: createLogger({ logLevel: 'silent' }), announce: () => {} })

  const job = coreJobs(again.svc).find((j) => j.name === 'audit_verify')!
  const tick = await runJobOnce(again.svc, job)
  assert.equal(tick.result, 'error.partial')
  assert.equal((tick.output.first_bad as { id: number }).id, Number(target!.id))
  await again.svc.store.shared.setCached('activity.health', null, 1)
  const health = await call(again.url, 'GET', '/api/admin/activity/health', { token: admin.token })
  const field = health.body.fields.find((f: { key: string }) => f.key === 'audit_chain')
  assert.equal(field.color, 'red')
  assert.match(field.value, new RegExp(`broken at row ${target!.id}: the row does not match its hash`))
  assert.equal(health.body.status, 'red')

  const api = await call(again.url, 'GET', '/api/admin/audit/verify', { token: admin.token })
  assert.deepEqual([api.status, api.body.ok, api.body.first_bad.id], [200, false, Number(target!.id)])
  const broken = await runCli(['admin', 'audit', 'verify'], { AGNES_URL: again.url, AGNES_TOKEN: admin.token })
  assert.equal(broken.code, 1)
  assert.match(broken.stdout, new RegExp(`^BROKEN at row ${target!.id} \\(position \\d+\\): the row does not match its hash`))
  const json = await runCli(['admin', 'audit', 'verify', '--json'], { AGNES_URL: again.url, AGNES_TOKEN: admin.token })
  assert.equal(json.code, 1)
  assert.equal(JSON.parse(json.stdout).first_bad.id, Number(target!.id))
  // Analysts may not verify (or learn about) the audit log.
  const u = await call(again.url, 'POST', '/api/admin/users', { token: admin.token, body: { email: 'ana@example.com' } })
  const t = await call(again.url, 'POST', `/api/admin/users/${u.body.id}/tokens`, { token: admin.token, body: {} })
  assert.equal((await call(again.url, 'GET', '/api/admin/audit/verify', { token: t.body.token })).status, 403)
})
