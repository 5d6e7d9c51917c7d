// Cost of secret redaction where it runs: on every audit row (the writer is on every request's path) and on every
// uploaded transcript line. Run alone with `node --import tsx bench/redaction.ts`, or as the `redaction` suite of
// `npm run bench`.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CAP_NAME, CAP_PREVIEW, capParams } from '../src/audit/index.ts'
import { redactSecrets } from '../src/redaction/index.ts'
import type { Figure } from './audit.ts'

const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'transcripts', 'real')

/** What the writer stored before redaction: the same caps, no redaction. The baseline of the ratio below. */
function capOnly(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    const n = ['sql', 'sql_preview', 'error', 'message_preview', 'error_message'].includes(key) ? CAP_PREVIEW : CAP_NAME
    return value.length > n ? `${value.slice(0, n - 1)}…` : value
  }
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => capOnly(v, key))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = capOnly(v, k)
    return out
  }
  return value
}

/** Audit rows as the routes record them: resource, params and correlation id (the strings the writer redacts). */
function sampleRows(n: number): Array<{ resource: string; params: Record<string, unknown>; correlation_id: string }> {
  const shapes = [
    (i: number) => ({ resource: 'query', params: { sql: `SELECT o.id, sum(o.amount) FROM orders o WHERE o.customer_id = ${i} GROUP BY 1 ORDER BY 2 DESC`, limit: 1000, rows: i % 500, tables: ['orders'] } }),
    (i: number) => ({ resource: 'activity', params: { view: 'timeline', filters: { action: 'query.run', user: 'ana@example.com', since: '2026-01-01' }, page: i } }),
    (i: number) => ({ resource: `session:ana/${i}.jsonl`, params: { mode: 'raw', count: 1, bytes: 10491, redactions: 0, files: [{ filename: `${i}.jsonl`, sha256: '9cc7ca0b762e7011f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2', redaction_kinds: {} }] } }),
    (i: number) => ({ resource: `user:${i}`, params: { email: `user${i}@example.com`, is_admin: false } }),
    (i: number) => ({ resource: 'table:orders', params: { error: `Binder Error: Referenced column "amount${i}" not found in FROM clause`, sql: 'SELECT amount FROM orders' } }),
    (i: number) => ({ resource: 'me', params: {} }),
  ]
  return Array.from({ length: n }, (_, i) => ({ ...shapes[i % shapes.length](i), correlation_id: `1af7fc5e-8455-4414-9ccd-${String(i).padStart(12, '0')}` }))
}

/** µs per row to prepare `rows` with `prepare`, best of `rounds`. */
function perRow(rows: ReturnType<typeof sampleRows>, prepare: (v: unknown, key?: string) => unknown, rounds: number): number {
  let best = Infinity
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint()
    for (const row of rows) {
      prepare(row.resource)
      prepare(row.params)
      prepare(row.correlation_id)
    }
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e3 / rows.length)
  }
  return best
}

export async function benchRedaction(): Promise<Figure[]> {
  const rows = sampleRows(6000)
  perRow(rows, capParams, 2) // warm-up, so both sides are compiled
  perRow(rows, capOnly, 2)
  const redacted = perRow(rows, capParams, 7)
  const capped = perRow(rows, capOnly, 7)

  const lines = readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).flatMap((f) => readFileSync(join(FIXTURES, f), 'utf8').split('\n'))
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0)
  let best = Infinity
  for (let r = 0; r < 4; r++) {
    const started = process.hrtime.bigint()
    for (const line of lines) redactSecrets(line)
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9)
  }
  return [
    { name: 'audit row: redact + cap its strings', value: redacted, unit: 'µs/row', note: `${rows.length} rows of 6 route shapes, best of 7` },
    { name: 'audit row: cap only (before redaction)', value: capped, unit: 'µs/row', note: 'same rows, same run' },
    { name: 'audit row redaction cost', value: redacted - capped, unit: 'µs/row', note: 'the difference of the two' },
    { name: 'transcript redaction throughput', value: bytes / 1e6 / best, unit: 'MB/s', note: `${lines.length} lines of the real transcripts, best of 4` },
  ]
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await benchRedaction()) console.log(`${f.name.padEnd(42)} ${f.value.toFixed(2).padStart(8)} ${f.unit.padEnd(7)} ${f.note ?? ''}`)
}
