import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { tmpdir } from 'node:os'
import { startPostgres } from '../test/support/postgres.ts'
import { load } from './load.ts'
import type { Figure } from './audit.ts'
import { freePort } from '../test/support/free-port.ts'

const BIN = join(import.meta.dirname, '..', 'bin', 'agnes')

/** The real server (bin/agnes → dist/, so build first) with `workers` HTTP workers on a PostgreSQL database. */
async function serve(workers: number, databaseUrl: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'agnes-bench-workers-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(BIN, ['serve'], {
    env: { PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter), AGNES_DATA_DIR: dataDir, AGNES_PORT: String(port), AGNES_DATABASE_URL: databaseUrl, AGNES_WORKERS: String(workers), AGNES_LOG_LEVEL: 'warn', AGNES_SCHEDULER: 'off' },
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
  const pg = await startPostgres()
  try {
    const one = await serve(1, await pg.createDatabase('one'))
    const two = await serve(2, await pg.createDatabase('two'))
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
        { name: '2 workers / 1 worker', value: median(b) / median(a), unit: 'ratio', note: 'side by side, rounds alternating' },
      ]
    } finally {
      await one.stop()
      await two.stop()
    }
  } finally {
    await pg.stop()
  }
}
