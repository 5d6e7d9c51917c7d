import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { availableParallelism, tmpdir } from 'node:os'
import { startPostgres } from '../test/support/postgres.ts'
import { load } from './load.ts'
import type { Figure } from './audit.ts'
import { freePort } from '../test/support/free-port.ts'
import { AGNES_BIN as BIN, pathWithThisNode } from '../test/support/agnes-bin.ts'


/**
 * Which CPUs the workers get and which the rest (this process's load generator, PostgreSQL): the upper half and the
 * lower half, with `taskset` (util-linux). On 2 cores that is one each, so two workers share one core, and the
 * figure says what a worker costs rather than what a second core would give; null when the machine cannot pin.
 */
function pinning(): { workers: string; rest: string; all: string; cores: number } | null {
  // Read before pinning: once this process is pinned, availableParallelism() counts only its own CPUs.
  const cores = availableParallelism()
  if (cores < 2 || spawnSync('taskset', ['--version']).status !== 0) return null
  const half = Math.floor(cores / 2)
  return { workers: `${half}-${cores - 1}`, rest: `0-${half - 1}`, all: `0-${cores - 1}`, cores }
}

/** The real server (bin/agnes → dist/, so build first) with `workers` HTTP workers on a PostgreSQL database. */
async function serve(workers: number, databaseUrl: string, cpus: string | null) {
  const dataDir = mkdtempSync(join(tmpdir(), 'agnes-bench-workers-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(cpus ? 'taskset' : BIN, cpus ? ['-c', cpus, BIN, 'serve'] : ['serve'], {
    env: { PATH: pathWithThisNode(), AGNES_DATA_DIR: dataDir, AGNES_PORT: String(port), AGNES_DATABASE_URL: databaseUrl, AGNES_WORKERS: String(workers), AGNES_LOG_LEVEL: 'warn', AGNES_SCHEDULER: 'off' },
    stdio: 'ignore',
  })
  for (let i = 0; i < 300 && !(await fetch(`${url}/api/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 200))
  const secret = readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim()
  const res = await fetch(`${url}/api/auth/bootstrap`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: secret, email: 'bench@example.com' }) })
  const token = ((await res.json()) as { token: string }).token
  return {
    url,
    token,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** One worker against two on PostgreSQL: the same audited requests, rounds alternating, medians compared. */
export async function benchWorkers(total = 2000, rounds = 3): Promise<Figure[]> {
  const pin = pinning()
  // This process and what it starts from now on (PostgreSQL) keep to the lower CPUs; the servers get the upper ones.
  if (pin) spawnSync('taskset', ['-a', '-p', '-c', pin.rest, String(process.pid)])
  const pg = await startPostgres()
  try {
    const one = await serve(1, await pg.createDatabase('one'), pin?.workers ?? null)
    const two = await serve(2, await pg.createDatabase('two'), pin?.workers ?? null)
    try {
      const run = (s: { url: string; token: string }) =>
        load({ url: s.url, path: '/api/admin/activity/timeline?limit=50', headers: { authorization: `Bearer ${s.token}` }, total, concurrency: 32 })
      await run(one)
      await run(two)
      const a: number[] = []
      const b: number[] = []
      for (let r = 0; r < rounds; r++) {
        a.push((await run(one)).rps)
        b.push((await run(two)).rps)
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
      return [
        { name: 'PostgreSQL, 1 worker: timeline requests', value: median(a), unit: 'req/s', note: `median of ${rounds} rounds × ${total}, 32 in flight` },
        { name: 'PostgreSQL, 2 workers: timeline requests', value: median(b), unit: 'req/s', note: 'same load, same run' },
        {
          name: '2 workers / 1 worker', value: median(b) / median(a), unit: 'ratio',
          note: pin ? `side by side, rounds alternating; workers on CPUs ${pin.workers}, load generator and PostgreSQL on ${pin.rest} of ${pin.cores}` : 'side by side, rounds alternating; not pinned (needs 2+ CPUs and taskset)',
        },
      ]
    } finally {
      await one.stop()
      await two.stop()
    }
  } finally {
    await pg.stop()
    // The suites after this one get every CPU again.
    if (pin) spawnSync('taskset', ['-a', '-p', '-c', pin.all, String(process.pid)])
  }
}
