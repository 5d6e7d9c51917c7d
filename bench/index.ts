// `npm run bench`: every benchmark, printed as one table. Figures that compare two things are measured
// side by side in the same run and reported as ratios, because these machines are noisy.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { benchAuditChain, benchAuditWriter, benchAuditedEndpoint, type Figure } from './audit.ts'
import { benchFailureScan } from './failure-scan.ts'
import { benchRedaction } from './redaction.ts'
import { benchTimeline } from './activity.ts'
import { mixedLoadFigures } from './mixed-load-bench.ts'
import { benchWorkers } from './workers.ts'
import { benchQuery } from './query.ts'
import { benchFirstRows } from './first-rows.ts'
import { benchRequestOverhead } from './request-overhead.ts'
import { benchServerRss } from './server-rss.ts'

const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'transcripts', 'real')

async function failureScanFigures(): Promise<Figure[]> {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).map((f) => join(FIXTURES, f))
  const r = await benchFailureScan(files)
  const mb = (r.bytes / 1e6).toFixed(1)
  return [
    { name: 'failure_scan throughput', value: r.scanMBps, unit: 'MB/s', note: `${files.length} real transcripts, ${mb} MB` },
    { name: 'split lines + JSON.parse only', value: r.parseMBps, unit: 'MB/s', note: 'same files, same run' },
    { name: 'failure_scan / parse-only throughput', value: r.ratio, unit: 'ratio', note: 'side by side in one run' },
  ]
}

const only = process.argv.slice(2)
const suites: Array<[string, () => Promise<Figure[]>]> = [
  ['audit-writer', () => benchAuditWriter()],
  ['audit-chain', () => benchAuditChain()],
  ['audited-endpoint', () => benchAuditedEndpoint()],
  ['request-overhead', () => benchRequestOverhead()],
  ['redaction', () => benchRedaction()],
  ['failure-scan', failureScanFigures],
  ['timeline-1m', () => benchTimeline(1_000_000)],
  ['timeline-10m', () => benchTimeline(10_000_000, 15)],
  ['server-rss-1m', () => benchServerRss(1_000_000)],
  ['server-rss-10m', () => benchServerRss(10_000_000)],
  ['mixed-load', mixedLoadFigures],
  ['workers-pg', () => benchWorkers()],
  ['query', () => benchQuery()],
  ['first-rows', () => benchFirstRows()],
]

const fmt = (f: Figure) => (f.unit === 'ratio' ? `${f.value.toFixed(3)}` : f.value >= 100 ? f.value.toFixed(0) : f.value.toFixed(2))
const all: Array<Figure & { suite: string }> = []
for (const [name, run] of suites) {
  if (only.length && !only.includes(name)) continue
  process.stderr.write(`running ${name}…\n`)
  for (const f of await run()) all.push({ ...f, suite: name })
}
const w = Math.max(...all.map((f) => f.name.length))
console.log(`${'figure'.padEnd(w)}  ${'value'.padStart(10)}  unit     note`)
for (const f of all) console.log(`${f.name.padEnd(w)}  ${fmt(f).padStart(10)}  ${f.unit.padEnd(7)}  ${f.note ?? ''}`)
