// What a request costs Agnes against the least any Fastify server can do (issue 18): a bare Fastify route and Agnes's
// GET /api/health and GET /api/me (token auth, an audit row durable before the response), each server in its own
// process, loaded in alternating rounds by the same generator in this process (32 requests in flight, keep-alive).
// The figures are shares of the bare route's throughput, measured side by side in one run.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { freePort } from '../test/support/free-port.ts'
import type { Figure } from './audit.ts'
import { load } from './load.ts'
import { processMemoryMb, serveBuild } from './serve.ts'

const ROOT = join(import.meta.dirname, '..')

/** Where the product stood when issue 18 was filed, measured the same way: the share of the bare route. */
const FILED = { me: 0.017 }
const GOAL = { me: 0.15, health: 0.4 }

export async function benchRequestOverhead(total = 6000, rounds = 5): Promise<Figure[]> {
  const port = await freePort()
  const bare = spawn(process.execPath, [join(import.meta.dirname, 'bare-fastify.mjs'), String(port)], { stdio: 'ignore' })
  const bareUrl = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100 && !(await fetch(`${bareUrl}/ok`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100))
  const agnes = await serveBuild('request-overhead', ROOT)
  const auth = { authorization: `Bearer ${agnes.token}` }
  const cases = [
    { key: 'bare', url: bareUrl, path: '/ok', headers: {} },
    { key: 'health', url: agnes.url, path: '/api/health', headers: {} },
    { key: 'me', url: agnes.url, path: '/api/me', headers: auth },
  ] as const
  const rps = new Map<string, number[]>(cases.map((c) => [c.key, []]))
  const p50 = new Map<string, number[]>(cases.map((c) => [c.key, []]))
  try {
    for (const c of cases) await load({ ...c, total: 1000, concurrency: 32 }) // warm-up
    for (let r = 0; r < rounds; r++) {
      // Alternate the order too, so drift in the machine's load hits every case alike.
      for (const c of r % 2 ? [...cases].reverse() : cases) {
        const res = await load({ ...c, total, concurrency: 32 })
        if (res.failed) throw new Error(`${c.path}: ${res.failed} requests failed`)
        rps.get(c.key)!.push(res.rps)
        p50.get(c.key)!.push(res.p50)
      }
    }
    const mem = processMemoryMb(agnes.pid())
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    const m = (k: string) => med(rps.get(k)!)
    const note = (k: string) => `median of ${rounds} rounds × ${total}, p50 ${med(p50.get(k)!).toFixed(1)} ms`
    return [
      { name: 'bare Fastify route, own process', value: m('bare'), unit: 'req/s', note: `${note('bare')}; the baseline of the two ratios below` },
      { name: 'GET /api/health, Agnes process', value: m('health'), unit: 'req/s', note: note('health') },
      { name: 'GET /api/me (token, audit row durable), Agnes process', value: m('me'), unit: 'req/s', note: note('me') },
      { name: '/api/health / bare Fastify', value: m('health') / m('bare'), unit: 'ratio', note: `goal ≥ ${GOAL.health}` },
      { name: '/api/me / bare Fastify', value: m('me') / m('bare'), unit: 'ratio', note: `goal ≥ ${GOAL.me}; ${FILED.me} when issue 18 was filed` },
      { name: 'Agnes server RSS after the rounds', value: mem.rss, unit: 'MB', note: `peak ${mem.peak.toFixed(0)} MB, the server process alone` },
    ]
  } finally {
    bare.kill('SIGTERM')
    await agnes.stop()
  }
}
