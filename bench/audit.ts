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

/**
 * What the tamper-evident chain costs the audit writer: 64 concurrent callers, every row durable before its caller
 * continues, with the chain (each row hashed onto the previous, appended with the batch's head) and with the same rows inserted
 * unchained, alternating on one DuckDB store in one run.
 */
export async function benchAuditChain(rows = 5000, rounds = 3): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'agnes-bench-'))
  const stateDir = join(dir, 'state')
  await (await openStore({ stateDir, databaseUrl: null })).close()
  const { openDuckDb } = await import('../src/store/duckdb/driver.ts')
  const { storeOver } = await import('../src/store/index.ts')
  const { toJsonColumn } = await import('../src/store/repositories/json.ts')
  const db = await openDuckDb(join(stateDir, 'system.duckdb'))
  const chained = storeOver(db)
  const unchained = storeOver(db)
  // The insert as it was before the chain: one multi-row INSERT in one transaction, no head, no hashes.
  unchained.audit.insertMany = async (batch) => {
    const values: string[] = []
    const params: unknown[] = []
    for (const r of batch) {
      const b = params.length
      values.push(`(${Array.from({ length: 12 }, (_, i) => (i === 5 || i === 6 ? `CAST($${b + i + 1} AS JSON)` : `$${b + i + 1}`)).join(', ')})`)
      params.push(r.timestamp, r.user_id, r.user_email, r.action, r.resource, r.params === null ? null : toJsonColumn(r.params), r.params_before === null ? null : toJsonColumn(r.params_before), r.result, r.duration_ms, r.client_ip, r.client_kind, r.correlation_id)
    }
    await db.transaction((tx) => tx.run(`INSERT INTO audit_log (timestamp, user_id, user_email, action, resource, params, params_before, result, duration_ms, client_ip, client_kind, correlation_id) VALUES ${values.join(', ')}`, params))
  }
  const entry = (i: number) => ({ action: 'query.run', result: 'success', client_kind: 'api', correlation_id: `b${i}`, params: { sql: 'SELECT 1', rows: i } })
  const run = async (store: typeof chained) => {
    const writer = new AuditWriter(store, stateDir, log)
    const t = process.hrtime.bigint()
    let next = 0
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < rows) await writer.record(entry(next++))
    }))
    return rows / (Number(process.hrtime.bigint() - t) / 1e9)
  }
  try {
    const withChain: number[] = []
    const without: number[] = []
    for (let r = 0; r < rounds; r++) {
      without.push(await run(unchained))
      withChain.push(await run(chained))
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    return [
      { name: 'audit rows/s, 64 callers, unchained insert', value: med(without), unit: 'rows/s', note: `median of ${rounds} rounds of ${rows}` },
      { name: 'audit rows/s, 64 callers, hash-chained', value: med(withChain), unit: 'rows/s', note: 'each row hashed onto the last, appended with its head' },
      { name: 'audit chain: chained / unchained', value: med(withChain) / med(without), unit: 'ratio', note: 'alternating rounds, one run' },
    ]
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
