// Scores the deterministic failure scan against the hand-labelled transcripts.
// Usage: node --import tsx scripts/eval-findings.ts [path/to/labels.json]
// Exits 1 when any signal's precision or recall is below MIN_SCORE.
import { fileURLToPath } from 'node:url';
import { evaluateFindings, failingSignals, formatScoreTable, MIN_SCORE } from '../src/sessions/finding-eval.ts';

const defaultLabels = fileURLToPath(new URL('../test/fixtures/transcripts/labels.json', import.meta.url));
const labelsPath = process.argv[2] ?? defaultLabels;

const report = await evaluateFindings(labelsPath);
console.log(formatScoreTable(report));
for (const f of report.falsePositives) console.log(`false positive: ${f.file}:${f.line} ${f.finding_type}`);
for (const f of report.falseNegatives) console.log(`missed:         ${f.file}:${f.line} ${f.finding_type}`);

const failing = failingSignals(report);
if (failing.length > 0) {
  console.error(`below ${MIN_SCORE}: ${failing.map((s) => s.findingType).join(', ')}`);
  process.exitCode = 1;
}
