// The server's own memory with a large audit log (issue 18: at most 250 MB at 10 M rows, the server process alone).
// `rows` audit rows are seeded into a fresh store, `bin/agnes serve` starts on it in its own process, and this process
// then asks what an admin's Activity Center asks (the timeline's views, KPIs, facets, chart, the health pulse) and
// loads /api/me, reading the server's resident memory (VmRSS) and its peak (VmHWM) from /proc.
import { join } from 'node:path'
import type { Figure } from './audit.ts'
import { load } from './load.ts'
import { processMemoryMb, serveBuild } from './serve.ts'

const ROOT = join(import.meta.dirname, '..')
const VIEWS = [
  'timeline?limit=100', 'timeline?limit=100&result_class=error', 'timeline?limit=100&user_id=user-7',
  'timeline?limit=100&action_prefix=query.&client_kind=cli', 'timeline?limit=100&q=t12',
  'kpis', 'facets', 'histogram', 'health',
]

export async function benchServerRss(rows = 10_000_000, rounds = 3): Promise<Figure[]> {
  const t0 = performance.now()
  const s = await serveBuild('server-rss', ROOT, rows)
  const seeded = (performance.now() - t0) / 1000
  const headers = { authorization: `Bearer ${s.token}` }
  try {
    const idle = processMemoryMb(s.pid())
    for (let r = 0; r < rounds; r++) {
      for (const v of VIEWS) {
        const res = await fetch(`${s.url}/api/admin/activity/${v}`, { headers })
        if (!res.ok) throw new Error(`${v}: ${res.status} ${await res.text()}`)
        await res.arrayBuffer()
      }
      await load({ url: s.url, path: '/api/me', headers, total: 3000, concurrency: 32 })
    }
    const after = processMemoryMb(s.pid())
    const note = `${(rows / 1e6).toFixed(0)} M audit rows (seeded and started in ${seeded.toFixed(0)} s); ${rounds} rounds of ${VIEWS.length} Activity views + 3,000 /api/me`
    return [
      { name: `server RSS idle, ${(rows / 1e6).toFixed(0)} M audit rows`, value: idle.rss, unit: 'MB', note: 'the server process alone, after start' },
      { name: `server RSS after the rounds`, value: after.rss, unit: 'MB', note },
      { name: `server peak RSS (VmHWM)`, value: after.peak, unit: 'MB', note: 'goal ≤ 250 MB' },
    ]
  } finally {
    await s.stop()
  }
}
