import { test } from 'node:test'
import { systemClock } from '../../src/clock.ts'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { configForDataDir } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { AuditWriter } from '../../src/audit/index.ts'
import { createProductAnalytics } from '../../src/integrations/posthog/index.ts'
import type { Services } from '../../src/services.ts'
import type { Job } from '../../src/scheduler/index.ts'
import { startElectedScheduler, SCHEDULER_LEASE } from '../../src/scheduler/election.ts'
import { describeStores } from '../support/stores.ts'
import { tempDir } from '../helpers.ts'

const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 25))
  }
  return true
}

describeStores('the scheduler lease', (h) => {
  test('one of several processes runs the jobs; when it dies without a word, another takes over after the lease time', async () => {
    const store = await h.store()
    const dir = tempDir()
    const config = configForDataDir(dir)
    const log = createLogger({ logLevel: 'silent' })
    // Each "process" has its own audit writer and jobs over the one store, as workers do.
    const svcFor = (): Services => ({
      config, store, log, audit: new AuditWriter(store, join(dir, 'state'), log), analytics: null as never, product: createProductAnalytics(config), clock: systemClock,
    })
    const ran: string[] = []
    const job = (who: string): Job => ({
      name: 'probe', action: 'run_probe', everyMs: 100, budgetMs: 5000,
      run: async () => {
        ran.push(who)
        return {}
      },
    })
    const opts = { ttlMs: 1200, renewMs: 150 }
    const a = startElectedScheduler(svcFor(), [job('a')], { ...opts, holder: 'host:1:a' })
    assert.ok(await until(() => a.isLeader(), 3000), 'the first process is elected')
    const b = startElectedScheduler(svcFor(), [job('b')], { ...opts, holder: 'host:2:b' })
    const c = startElectedScheduler(svcFor(), [job('c')], { ...opts, holder: 'host:3:c' })
    // Past the first tick (1 s) and several lease renewals: only a's jobs ran.
    assert.ok(await until(() => ran.length >= 3, 5000), 'the leader runs its jobs')
    assert.deepEqual([b.isLeader(), c.isLeader()], [false, false])
    assert.deepEqual([...new Set(ran)], ['a'])
    assert.equal((await store.locks.holder(SCHEDULER_LEASE))?.holder, 'host:1:a')

    // a dies: its lease is not released, so the others wait for it to expire, then exactly one takes over.
    await a.stop({ release: false })
    ran.length = 0
    assert.ok(await until(() => b.isLeader() || c.isLeader(), 5000), 'another process took over')
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(Number(b.isLeader()) + Number(c.isLeader()), 1, 'exactly one leader')
    const next = b.isLeader() ? 'b' : 'c'
    assert.deepEqual([...new Set(ran)], [next], 'only the new leader runs jobs')

    // A graceful stop hands the lease back at once.
    await (next === 'b' ? b : c).stop()
    const rest = next === 'b' ? c : b
    assert.ok(await until(() => rest.isLeader(), 1000), 'the last one takes over within a renewal')
    await rest.stop()
    assert.equal(await store.locks.holder(SCHEDULER_LEASE), undefined)
    rmSync(dir, { recursive: true, force: true })
  })
})
