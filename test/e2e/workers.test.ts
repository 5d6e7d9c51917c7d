import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { openStore, type Store } from '../../src/store/index.ts'
import { call, tempDir } from '../helpers.ts'
import { postgresBinDir, startPostgres, type PgServer } from '../support/postgres.ts'
import { testEngines } from '../support/stores.ts'
import { freePort } from '../support/free-port.ts'
import { AGNES_BIN as BIN } from '../support/agnes-bin.ts'

/**
 * The real server (bin/agnes serve → dist/, so `npm run build` first) with AGNES_WORKERS=2 on a real PostgreSQL:
 * both workers answer, a read through either counts once, the data plane works through the primary, exactly one
 * worker runs the scheduler, and a signal stops everything.
 */
const skip = !testEngines().includes('postgres') ? 'needs PostgreSQL (AGNES_TEST_STORES without postgres, or not installed)' : false

let pg: PgServer
let server: ChildProcess
let url: string
let dataDir: string
let store: Store
let output = ''
let admin: string

/** Log lines (pino JSON) the server printed. */
function logLines(): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((l) => {
    try {
      return l.startsWith('{') ? [JSON.parse(l)] : []
    } catch {
      return []
    }
  })
}

before(async () => {
  if (skip) return
  if (!postgresBinDir()) throw new Error('PostgreSQL is not installed: run scripts/ci-deps.sh')
  pg = await startPostgres()
  const databaseUrl = await pg.createDatabase('workers')
  dataDir = tempDir()
  const sources = join(dataDir, 'sources')
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,customer,amount\n1,acme,120.50\n2,globex,80.00\n3,acme,42.25\n')
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  server = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '', AGNES_DATA_DIR: dataDir, AGNES_PORT: String(port), AGNES_DATABASE_URL: databaseUrl, AGNES_WORKERS: '2',
      AGNES_SYNC_DUE_EVERY_SECONDS: '1', AGNES_SCRIPTS_DUE_EVERY_SECONDS: '1', AGNES_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout!.on('data', (d) => (output += d))
  server.stderr!.on('data', (d) => (output += d))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}:\n${output}`)
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false)
    if (ok) break
    if (Date.now() > deadline) throw new Error(`the server did not answer within 60 s:\n${output}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  store = await openStore({ stateDir: join(dataDir, 'state'), databaseUrl })
  const token = readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim()
  const b = await call(url, 'POST', '/api/auth/bootstrap', { body: { token, email: 'admin@example.com', password: 'admin-password' } })
  assert.equal(b.status, 201, b.text)
  admin = b.body.token
})

after(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGKILL')
    await new Promise((r) => server.once('exit', r))
  }
  await store?.close()
  await pg?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

/**
 * One request on a new connection (no keep-alive): the cluster hands out connections, not requests, to the workers
 * in turn, so a reused connection would always reach the same worker.
 */
function fresh<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: T; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      `${url}${path}`,
      { method, agent: false, headers: { authorization: `Bearer ${admin}`, ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => {
          const headers = new Headers()
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v)
          resolve({ status: res.statusCode ?? 0, headers, text, body: text ? JSON.parse(text) : null })
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** Calls until two different workers answered (or 60 s passed); returns every answer with its worker. */
async function throughBothWorkers<T>(fn: () => Promise<{ status: number; headers: Headers; body: T; text: string }>) {
  const answers: Array<{ worker: string; status: number; body: T }> = []
  const deadline = Date.now() + 60_000
  while (new Set(answers.map((a) => a.worker)).size < 2) {
    if (Date.now() > deadline) throw new Error(`only worker(s) ${[...new Set(answers.map((a) => a.worker))]} answered within 60 s`)
    const r = await fn()
    assert.equal(r.status, 200, r.text)
    answers.push({ worker: r.headers.get('x-agnes-worker') ?? 'none', status: r.status, body: r.body })
  }
  return answers
}

test('two workers answer the same timeline filters alike, and the read is audited once', { skip }, async () => {
  const since = new Date(Date.now() - 3_600_000).toISOString()
  const path = `/api/admin/activity/timeline?since=${encodeURIComponent(since)}&action_prefix=auth.&limit=50`
  const answers = await throughBothWorkers(() => fresh('GET', path))
  const workers = [...new Set(answers.map((a) => a.worker))]
  assert.equal(workers.length, 2)
  for (const w of workers) assert.match(w, /^\d+$/, 'X-Agnes-Worker is the pid')
  for (const a of answers) assert.deepEqual(a.body, answers[0].body, 'every worker gives the same page')

  const reads = (await store.audit.find({ action: 'activity.read', limit: 1000 })).filter(
    (r) => JSON.stringify(r.params?.filters) === JSON.stringify({ since, action_prefix: 'auth.' }),
  )
  assert.equal(reads.length, 1, `${answers.length} reads through ${workers.length} workers, one activity.read row`)
})

test('the data plane works through every worker: a table synced by one worker is queried through every other', { skip }, async () => {
  const reg = await call(url, 'POST', '/api/admin/tables', { token: admin, body: { id: 'orders', source: { kind: 'file', path: join(dataDir, 'sources', 'orders.csv') } } })
  assert.equal(reg.status, 201, reg.text)
  const trig = await call(url, 'POST', '/api/sync/trigger', { token: admin, body: { tables: ['orders'] } })
  assert.equal(trig.status, 202, trig.text)
  let job: { status: string } = { status: 'queued' }
  for (let i = 0; i < 200 && job.status !== 'done' && job.status !== 'failed'; i++) {
    job = (await call(url, 'GET', `/api/sync/jobs/${trig.body.job_id}`, { token: admin })).body
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.equal(job.status, 'done', JSON.stringify(job))
  const answers = await throughBothWorkers(() =>
    fresh('POST', '/api/query', { sql: 'SELECT customer, sum(amount) AS total FROM orders GROUP BY customer ORDER BY customer' }),
  )
  for (const a of answers) assert.deepEqual((a.body as { rows: unknown[] }).rows, [['acme', 162.75], ['globex', 80]])
  const bad = await call(url, 'POST', '/api/query', { token: admin, body: { sql: 'SELECT * FROM no_such_table' } })
  assert.equal(bad.status, 400, bad.text)
})

test('exactly one worker runs the scheduler', { skip }, async () => {
  // Jobs tick every second: give them a few seconds to show themselves.
  await new Promise((r) => setTimeout(r, 4000))
  const elected = logLines().filter((l) => l.msg === 'this process runs the scheduler')
  assert.equal(elected.length, 1, `one election: ${JSON.stringify(elected)}`)
  const lease = await store.locks.holder('scheduler')
  assert.ok(lease, 'the scheduler lease is held')
  assert.equal(lease.holder.split(':')[1], String(elected[0].pid), 'by the elected worker')
  const workerPids = new Set(logLines().filter((l) => l.msg === 'worker listening').map((l) => String(l.worker)))
  assert.equal(workerPids.size, 2)
  assert.ok(workerPids.has(String(elected[0].pid)), 'the elected process is one of the workers')

  const ticks = await store.audit.find({ action: 'run_sync_due', limit: 1000 })
  assert.ok(ticks.length >= 2, `sync_due ran (${ticks.length} ticks)`)
  // Two schedulers would each tick every second (twice the rows) and collide on the job lease ("skipped").
  assert.deepEqual(ticks.filter((t) => t.result === 'skipped'), [])
  const first = Date.parse(ticks[ticks.length - 1].timestamp)
  const last = Date.parse(ticks[0].timestamp)
  assert.ok(ticks.length <= Math.ceil((last - first) / 1000) + 2, `${ticks.length} ticks in ${last - first} ms: one scheduler`)
})

test('a signal stops the primary and both workers', { skip }, async () => {
  server.kill('SIGTERM')
  const code = await new Promise<number | null>((resolve) => server.once('exit', (c) => resolve(c)))
  assert.equal(code, 0, output.slice(-2000))
  if (process.env.DUMP_WORKER_LOG) console.log(output)
  // The elected worker handed the lease back on its way out.
  assert.equal(await store.locks.holder('scheduler'), undefined)
})
