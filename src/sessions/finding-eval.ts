import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FINDING_TYPES, scanTranscriptFile, type FindingType } from './failure-scan.ts';
import { asNumber, asString, isRecord } from './json-value.ts';

/** Each signal must reach this precision and recall on the labelled fixtures. */
export const MIN_SCORE = 0.9;

/** A finding identified the way labels.json names it. */
export interface LabelledFinding {
  file: string;
  finding_type: FindingType;
  line: number;
}

export interface SignalScore {
  findingType: FindingType;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

export interface EvalReport {
  /** Name of the labelled set ("development", "held_out"; "all" for a labels file without sets). */
  set: string;
  files: string[];
  scores: SignalScore[];
  falsePositives: LabelledFinding[];
  falseNegatives: LabelledFinding[];
}

interface Labels {
  /** Set name → files, in the order the labels file lists them. */
  sets: Map<string, string[]>;
  findings: LabelledFinding[];
}

/**
 * Scans every file of every labelled set and scores each signal per set. A finding matches a label
 * only with the same file, type and line; anything else is a false positive. The labels file keeps
 * a development set (looked at while tuning) apart from a held-out set (scored only at the end), so
 * each set gets its own report.
 */
export async function evaluateFindings(labelsPath: string): Promise<EvalReport[]> {
  const labels = parseLabels(JSON.parse(await readFile(labelsPath, 'utf8')));
  const base = dirname(labelsPath);
  const reports: EvalReport[] = [];
  for (const [set, files] of labels.sets) {
    const inSet = new Set(files);
    reports.push(await scoreFiles(set, files, labels.findings.filter((f) => inSet.has(f.file)), base));
  }
  return reports;
}

async function scoreFiles(set: string, files: string[], labelled: LabelledFinding[], base: string): Promise<EvalReport> {
  const expected = new Set(labelled.map(key));
  const found = new Set<string>();
  const foundList: LabelledFinding[] = [];
  for (const file of files) {
    const { findings } = await scanTranscriptFile(resolve(base, file));
    for (const f of findings) {
      const item: LabelledFinding = { file, finding_type: f.findingType, line: f.line };
      if (found.has(key(item))) continue;
      found.add(key(item));
      foundList.push(item);
    }
  }
  const falsePositives = foundList.filter((f) => !expected.has(key(f)));
  const falseNegatives = labelled.filter((f) => !found.has(key(f)));
  const scores = FINDING_TYPES.map((findingType) => {
    const tp = foundList.filter((f) => f.finding_type === findingType && expected.has(key(f))).length;
    const fp = falsePositives.filter((f) => f.finding_type === findingType).length;
    const fn = falseNegatives.filter((f) => f.finding_type === findingType).length;
    return {
      findingType,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      // With nothing predicted and nothing expected the detector is exactly right.
      precision: tp + fp === 0 ? (fn === 0 ? 1 : 0) : tp / (tp + fp),
      recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    };
  });
  return { set, files, scores, falsePositives, falseNegatives };
}

/** Signals whose precision or recall is below `min`. */
export function failingSignals(report: EvalReport, min: number = MIN_SCORE): SignalScore[] {
  return report.scores.filter((s) => s.precision < min || s.recall < min);
}

/** Plain-text table of the scores, one row per signal. */
export function formatScoreTable(report: EvalReport): string {
  const header = ['signal', 'tp', 'fp', 'fn', 'precision', 'recall'];
  const rows = report.scores.map((s) => [
    s.findingType,
    String(s.truePositives),
    String(s.falsePositives),
    String(s.falseNegatives),
    s.precision.toFixed(3),
    s.recall.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)].join('\n');
}

function key(f: LabelledFinding): string {
  return `${f.file}\u0000${f.finding_type}\u0000${f.line}`;
}

function parseLabels(value: unknown): Labels {
  if (!isRecord(value) || !Array.isArray(value.findings)) throw new Error('labels file must have a "findings" array');
  const sets = new Map<string, string[]>();
  if (isRecord(value.sets)) {
    for (const [name, list] of Object.entries(value.sets)) sets.set(name, parseFiles(list));
  } else {
    sets.set('all', parseFiles(value.files));
  }
  const files = [...sets.values()].flat();
  if (new Set(files).size !== files.length) throw new Error('a file is listed twice (each file belongs to exactly one set)');
  const findings = value.findings.map((entry): LabelledFinding => {
    const file = isRecord(entry) ? asString(entry.file) : undefined;
    const type = isRecord(entry) ? asString(entry.finding_type) : undefined;
    const line = isRecord(entry) ? asNumber(entry.line) : undefined;
    if (!file || !files.includes(file) || line === undefined || !FINDING_TYPES.includes(type as FindingType)) {
      throw new Error(`bad label: ${JSON.stringify(entry)}`);
    }
    return { file, finding_type: type as FindingType, line };
  });
  return { sets, findings };
}

function parseFiles(list: unknown): string[] {
  if (!Array.isArray(list)) throw new Error('labels file must list files in "sets" (or a "files" array)');
  return list.map((f) => {
    const file = asString(f);
    if (!file) throw new Error(`bad file entry: ${JSON.stringify(f)}`);
    return file;
  });
}
