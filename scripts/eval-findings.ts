// Scores the deterministic failure scan against the labelled transcripts, one table per labelled set
// (development: may be looked at while tuning; held_out: scored only at the end), then lists every
// false alarm and every miss with its file and line.
// Usage: node --import tsx scripts/eval-findings.ts [path/to/labels.json] [--set NAME]
// Exits 1 when any signal's precision or recall is below MIN_SCORE in any set scored.
import { fileURLToPath } from 'node:url';
import { evaluateFindings, failingSignals, formatScoreTable, MIN_SCORE } from '../src/sessions/finding-eval.ts';

const defaultLabels = fileURLToPath(new URL('../test/fixtures/transcripts/labels.json', import.meta.url));
const args = process.argv.slice(2);
const setFlag = args.indexOf('--set');
const onlySet = setFlag === -1 ? null : args[setFlag + 1];
const labelsPath = args.find((a, i) => !a.startsWith('--') && (setFlag === -1 || i !== setFlag + 1)) ?? defaultLabels;

const reports = (await evaluateFindings(labelsPath)).filter((r) => onlySet === null || r.set === onlySet);
if (reports.length === 0) throw new Error(`no labelled set named ${onlySet}`);
const failing: string[] = [];
for (const report of reports) {
  console.log(`\n== ${report.set} (${report.files.length} files)`);
  console.log(formatScoreTable(report));
  for (const f of report.falsePositives) console.log(`false alarm: ${f.file}:${f.line} ${f.finding_type}`);
  for (const f of report.falseNegatives) console.log(`missed:      ${f.file}:${f.line} ${f.finding_type}`);
  for (const s of failingSignals(report)) failing.push(`${report.set}/${s.findingType}`);
}

if (failing.length > 0) {
  console.error(`below ${MIN_SCORE}: ${failing.join(', ')}`);
  process.exitCode = 1;
}
