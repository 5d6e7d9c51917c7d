import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Bounded mixed load on 127.0.0.1: `readers` clients read the Activity Center timeline while `writers`
 * clients drive the data plane (syncs, queries, group changes, session uploads), for `seconds`.
 * Returns per-side counts, errors and timeline latency percentiles. Used by a fault test and a benchmark.
 */
export async function mixedLoad(opts: { url: string; adminToken: string; sourceDir: string; readers: number; writers: number; seconds: number }) {
  mkdirSync(opts.sourceDir, { recursive: true })
  writeFileSync(join(opts.sourceDir, 'load.csv'), 'k,v\n' + Array.from({ length: 500 }, (_, i) => `${i},${i * 3}`).join('\n') + '\n')
  const auth = { authorization: `Bearer ${opts.adminToken}` }
  const json = { ...auth, 'content-type': 'application/json' }
  await fetch(`${opts.url}/api/admin/tables`, { method: 'POST', headers: json, body: JSON.stringify({ id: 'load', source: { kind: 'file', path: join(opts.sourceDir, 'load.csv') } }) })
  const deadline = Date.now() + opts.seconds * 1000
  const latencies: number[] = []
  const errors: string[] = []
  let reads = 0
  let writes = 0
  const filters = ['', 'result_class=error', 'action_prefix=query', 'client_kind=api', 'q=load', 'action_in=sync.trigger,query.run']
  const reader = async (n: number) => {
    for (let i = n; Date.now() < deadline; i++) {
      const t = performance.now()
      try {
        const r = await fetch(`${opts.url}/api/admin/activity/timeline?${filters[i % filters.length]}&limit=50`, { headers: auth })
        await r.arrayBuffer()
        if (r.status !== 200) errors.push(`timeline ${r.status}`)
      } catch (e) {
        errors.push(`timeline ${(e as Error).message}`)
      }
      latencies.push(performance.now() - t)
      reads++
    }
  }
  const writer = async (n: number) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const step = (n + i) % 4
      try {
        let r: Response
        if (step === 0) r = await fetch(`${opts.url}/api/query`, { method: 'POST', headers: json, body: JSON.stringify({ sql: `SELECT sum(v) FROM load WHERE k > ${i % 400}` }) })
        else if (step === 1) r = await fetch(`${opts.url}/api/admin/groups`, { method: 'POST', headers: json, body: JSON.stringify({ name: `load-${n}-${i}` }) })
        else if (step === 2) r = await fetch(`${opts.url}/api/upload/sessions?filename=load-${n}-${i % 5}.jsonl`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: `{"type":"user","message":{"role":"user","content":"run ${i}"}}\n` })
        else r = await fetch(`${opts.url}/api/sync/trigger`, { method: 'POST', headers: json, body: JSON.stringify({ tables: ['load'] }) })
        await r.arrayBuffer()
        // A sync already running is a correct 409, and an empty table before its first sync a correct 400.
        if (r.status >= 500 || (r.status >= 400 && r.status !== 409 && !(step === 0 && r.status === 400))) errors.push(`write step ${step}: ${r.status}`)
      } catch (e) {
        errors.push(`write ${(e as Error).message}`)
      }
      writes++
    }
  }
  await Promise.all([...Array.from({ length: opts.readers }, (_, n) => reader(n)), ...Array.from({ length: opts.writers }, (_, n) => writer(n))])
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0
  return { reads, writes, errors, p50: pct(50), p95: pct(95), seconds: opts.seconds }
}
