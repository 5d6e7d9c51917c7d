import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import pino from 'pino'
import { configForDataDir } from '../src/config.ts'
import { openStore } from '../src/store/index.ts'
import { AuditWriter } from '../src/audit/index.ts'
import { buildApp } from '../src/web/app.ts'
import { load } from './load.ts'
import { benchServices } from './setup.ts'

export interface Figure {
  name: string
  value: number
  unit: string
  note?: string
}

const log = pino({ level: 'silent' })

/** Audit writer throughput: rows/s when `concurrency` callers each await durability (group commit) vs one at a time. */
export async function benchAuditWriter(rows = 5000): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'agnes-bench-'))
  const store = await openStore({ stateDir: join(dir, 'state'), databaseUrl: null })
  const writer = new AuditWriter(store, join(dir, 'state'), log)
  const entry = (i: number) => ({ action: 'query.run', result: 'success', client_kind: 'api', correlation_id: `b${i}`, params: { sql: 'SELECT 1', rows: i } })
  try {
    let t = process.hrtime.bigint()
    const serialRows = Math.min(500, rows)
    for (let i = 0; i < serialRows; i++) await writer.record(entry(i))
    const serial = serialRows / (Number(process.hrtime.bigint() - t) / 1e9)
    t = process.hrtime.bigint()
    const inflight = 64
    let next = 0
    await Promise.all(Array.from({ length: inflight }, async () => {
      while (next < rows) await writer.record(entry(next++))
    }))
    const grouped = rows / (Number(process.hrtime.bigint() - t) / 1e9)
    return [
      { name: 'audit rows/s, one caller at a time (a commit per row)', value: serial, unit: 'rows/s', note: `${serialRows} rows` },
      { name: 'audit rows/s, 64 concurrent callers (group commit)', value: grouped, unit: 'rows/s', note: `${rows} rows; ${(grouped / serial).toFixed(1)}× the one-at-a-time rate` },
    ]
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** GET /api/me through the full stack, with the audit writer on and with it replaced by a no-op, in alternating rounds. */
export async function benchAuditedEndpoint(total = 3000, rounds = 3): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'agnes-bench-'))
  const config = configForDataDir(dir, { port: 0 })
  const { svc, token: pat, close } = await benchServices(config)
  const audit = svc.audit
  const noAudit = Object.create(audit) as AuditWriter
  noAudit.record = () => Promise.resolve()
  const audited = await buildApp(svc)
  const unaudited = await buildApp({ ...svc, audit: noAudit })
  await audited.listen({ host: '127.0.0.1', port: 0 })
  await unaudited.listen({ host: '127.0.0.1', port: 0 })
  const urlOf = (app: typeof audited) => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const headers = { authorization: `Bearer ${pat}` }
  try {
    // Warm-up, then alternate so drift in machine load hits both sides alike.
    await load({ url: urlOf(audited), path: '/api/me', headers, total: 300, concurrency: 16 })
    await load({ url: urlOf(unaudited), path: '/api/me', headers, total: 300, concurrency: 16 })
    const a: number[] = []
    const u: number[] = []
    for (let r = 0; r < rounds; r++) {
      a.push((await load({ url: urlOf(audited), path: '/api/me', headers, total, concurrency: 32 })).rps)
      u.push((await load({ url: urlOf(unaudited), path: '/api/me', headers, total, concurrency: 32 })).rps)
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
    const ma = median(a)
    const mu = median(u)
    return [
      { name: 'GET /api/me audited', value: ma, unit: 'req/s', note: `median of ${rounds} rounds × ${total} requests, 32 in flight` },
      { name: 'GET /api/me with auditing off', value: mu, unit: 'req/s', note: 'same app, audit writer replaced by a no-op' },
      { name: 'audited / unaudited throughput', value: ma / mu, unit: 'ratio', note: 'side by side in one run' },
    ]
  } finally {
    await audited.close()
    await unaudited.close()
    await close()
    rmSync(dir, { recursive: true, force: true })
  }
}
