// `npm run bench`: every benchmark, printed as one table. Figures that compare two things are measured
// side by side in the same run and reported as ratios, because these machines are noisy.
import { benchAuditWriter, benchAuditedEndpoint, type Figure } from './audit.ts'

const only = process.argv.slice(2)
const suites: Array<[string, () => Promise<Figure[]>]> = [
  ['audit-writer', () => benchAuditWriter()],
  ['audited-endpoint', () => benchAuditedEndpoint()],
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
