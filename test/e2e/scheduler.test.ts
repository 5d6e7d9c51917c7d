import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { coreJobs, runJobOnce, type Job } from '../../src/scheduler/index.ts'

let s: TestServer
let admin: { token: string; userId: string }
before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  mkdirSync(s.config.sourceDirs[0], { recursive: true })
  writeFileSync(join(s.config.sourceDirs[0], 'daily.csv'), 'd,v\n2026-11-01,1\n')
})
after(async () => {
  await s.close()
})

test('run_sync_due syncs the tables whose interval has passed and writes one run_ row per tick', async () => {
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'daily', source: { kind: 'file', path: 'daily.csv' }, sync_interval_minutes: 1440 } })
  await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'manual_only', source: { kind: 'file', path: 'daily.csv' } } })
  const job = coreJobs(s.svc).find((j) => j.name === 'sync_due')!
  const first = await runJobOnce(s.svc, job)
  assert.equal(first.result, 'success')
  assert.deepEqual({ ...first.output, job_id: undefined }, { synced: ['daily'], failed: [], busy: [], job_id: undefined })
  assert.equal(typeof first.output.job_id, 'string')
  const second = await runJobOnce(s.svc, job)
  assert.deepEqual(second.output, { synced: [], failed: [], busy: [] }, 'not due again until its interval passes')
  const rows = await s.svc.store.audit.find({ action: 'run_sync_due' })
  assert.equal(rows.length, 2)
  assert.deepEqual([rows[0].client_kind, rows[0].result, rows[0].resource], ['scheduler', 'success', 'job:sync_due'])
  assert.ok(rows[0].duration_ms !== null)
  assert.match(rows[0].correlation_id, /^sched-/)
})

test('a job past its budget is recorded as error.timeout without waiting for it, and does not overlap itself', async () => {
  let release!: () => void
  const slow: Job = {
    name: 'slow', action: 'run_slow_test', everyMs: 60_000, budgetMs: 100,
    run: () => new Promise((resolve) => (release = () => resolve({ done: true }))),
  }
  const t0 = Date.now()
  const r = await runJobOnce(s.svc, slow)
  assert.equal(r.result, 'error.timeout')
  assert.ok(Date.now() - t0 < 2000)
  // The work is still going and still holds the job's lease: the next tick is skipped, not doubled.
  const again = await runJobOnce(s.svc, slow)
  assert.equal(again.result, 'skipped')
  // HTTP stays responsive meanwhile.
  assert.equal((await call(s.url, 'GET', '/api/health')).status, 200)
  release()
  await new Promise((res) => setTimeout(res, 50))
  const rows = await s.svc.store.audit.find({ action: 'run_slow_test' })
  assert.deepEqual(rows.map((x) => x.result).sort(), ['error.timeout', 'skipped'])
})

test('a run that ended has let go of its lease when it returns: the next run starts at once, even with a slow store', async () => {
  // The store takes its time letting go of a lease (a busy database): a run started right after the last one ended
  // used to find the lease still held and skip.
  const locks = s.svc.store.locks
  const slowStore = { ...s.svc.store, locks: { ...locks, release: async (key: string, holder: string) => {
    await new Promise((r) => setTimeout(r, 40))
    return locks.release(key, holder)
  } } }
  const svc = { ...s.svc, store: slowStore }
  const quick: Job = { name: 'quick', action: 'run_quick_test', everyMs: 60_000, budgetMs: 5000, run: async () => ({ done: true }) }
  const results: string[] = []
  for (let i = 0; i < 3; i++) results.push((await runJobOnce(svc, quick)).result)
  assert.deepEqual(results, ['success', 'success', 'success'])
})

test('a job that throws is recorded with its error and the scheduler carries on', async () => {
  const bad: Job = { name: 'bad', action: 'run_bad_test', everyMs: 60_000, budgetMs: 5000, run: async () => { throw new Error('boom') } }
  const r = await runJobOnce(s.svc, bad)
  assert.equal(r.result, 'error.exception')
  const [row] = await s.svc.store.audit.find({ action: 'run_bad_test' })
  assert.equal(row.params?.error, 'boom')
})

test('a query over the time limit is stopped and answered 422, audited error.timeout', async () => {
  await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { query_timeout_seconds: 1 } })
  const r = await call(s.url, 'POST', '/api/query', {
    token: admin.token, headers: { 'x-correlation-id': 'slow-q' },
    body: { sql: 'SELECT count(*) FROM range(100000000000) a' },
  })
  assert.equal(r.status, 422, r.text)
  assert.equal(r.body.error.code, 'query_timeout')
  assert.equal((await s.svc.store.audit.find({ correlationId: 'slow-q' }))[0].result, 'error.timeout')
  await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { query_timeout_seconds: null } })
})
