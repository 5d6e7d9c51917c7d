import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { configForDataDir } from '../src/config.ts'
import { buildApp } from '../src/web/app.ts'
import { benchServices } from './setup.ts'
import { mixedLoad } from './mixed-load.ts'
import type { Figure } from './audit.ts'

/** 16 timeline readers against 4 data-plane writers for 15 s, on one DuckDB-backed server. */
export async function mixedLoadFigures(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'agnes-bench-mixed-'))
  // The writers all act as the one admin, each with a query in flight: allow as many queries per person as writers.
  const base = configForDataDir(dir)
  const config = configForDataDir(dir, { port: 0, query: { ...base.query, perUserConcurrency: 4 } })
  const { svc, token, close } = await benchServices(config)
  const app = await buildApp(svc)
  await app.listen({ host: '127.0.0.1', port: 0 })
  try {
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const out = await mixedLoad({ url, adminToken: token, sourceDir: config.sourceDirs[0], readers: 16, writers: 4, seconds: 15 })
    return [
      { name: 'mixed load: timeline reads', value: out.reads / out.seconds, unit: 'req/s', note: `16 readers, p50 ${out.p50.toFixed(1)} ms, p95 ${out.p95.toFixed(1)} ms` },
      { name: 'mixed load: data-plane writes', value: out.writes / out.seconds, unit: 'req/s', note: '4 writers: queries, group changes, uploads, syncs' },
      { name: 'mixed load: errors', value: out.errors.length, unit: 'count', note: out.errors.slice(0, 3).join('; ') || 'none' },
    ]
  } finally {
    await app.close()
    await close()
    rmSync(dir, { recursive: true, force: true })
  }
}
