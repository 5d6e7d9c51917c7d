// Failure-scan throughput next to the cost of merely splitting lines and JSON.parse-ing them.
// Usage: node --import tsx bench/failure-scan.ts [file.jsonl ...]   (default: the real fixtures)
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scanTranscriptFile } from '../src/sessions/failure-scan.ts';

// Rounds alternate the two passes file by file; each keeps its best time per file, so a busy moment on a shared
// machine costs both alike. Timing whole passes (best of 9) still moved the ratio by ±0.08 between runs at load
// average 1–5 on 2 cores: a pass of ~60 ms rarely runs through a quiet moment, a file's few milliseconds often do.
const ROUNDS = 15;
// Same read size as the JSONL reader, so the baseline differs only in the work done per line.
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Times `scanTranscriptFile` and a bare split-and-parse pass over the same files, alternating the
 * two on each file for several rounds after a warm-up; each pass's time is the sum of its best time
 * on every file. `ratio` is scan throughput as a fraction of parse throughput (1 would mean the scan
 * costs nothing beyond parsing).
 */
export async function benchFailureScan(
  files: string[],
): Promise<{ scanMBps: number; parseMBps: number; ratio: number; bytes: number }> {
  let bytes = 0;
  for (const file of files) bytes += (await stat(file)).size;
  await parseAll(files);
  await scanAll(files);
  const bestParse = files.map(() => Infinity);
  const bestScan = files.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [i, file] of files.entries()) {
      bestParse[i] = Math.min(bestParse[i], await timed(() => splitAndParse(file)));
      bestScan[i] = Math.min(bestScan[i], await timed(() => scanTranscriptFile(file)));
    }
  }
  const sum = (seconds: number[]) => seconds.reduce((a, b) => a + b, 0);
  const mb = bytes / (1024 * 1024);
  const scanMBps = mb / sum(bestScan);
  const parseMBps = mb / sum(bestParse);
  return { scanMBps, parseMBps, ratio: scanMBps / parseMBps, bytes };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function scanAll(files: string[]): Promise<number> {
  let findings = 0;
  for (const file of files) findings += (await scanTranscriptFile(file)).findings.length;
  return findings;
}

async function parseAll(files: string[]): Promise<number> {
  let parsed = 0;
  for (const file of files) parsed += await splitAndParse(file);
  return parsed;
}

/** The baseline: split on newlines and JSON.parse each line, nothing else. */
async function splitAndParse(path: string): Promise<number> {
  let parsed = 0;
  let carry: Buffer = Buffer.alloc(0);
  const parse = (bytes: Buffer) => {
    try {
      JSON.parse(bytes.toString('utf8'));
      parsed += 1;
    } catch {
      // Damaged lines cost the same attempt in both passes.
    }
  };
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      if (nl > start) parse(data.subarray(start, nl));
      start = nl + 1;
    }
    carry = data.subarray(start);
  }
  if (carry.length > 0) parse(carry);
  return parsed;
}

async function defaultFiles(): Promise<string[]> {
  const dir = fileURLToPath(new URL('../test/fixtures/transcripts/real/', import.meta.url));
  return (await readdir(dir))
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(dir, name));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : await defaultFiles();
  const r = await benchFailureScan(files);
  console.log(`files      ${files.length} (${(r.bytes / (1024 * 1024)).toFixed(1)} MB)`);
  console.log(`parse      ${r.parseMBps.toFixed(1)} MB/s  (split lines + JSON.parse)`);
  console.log(`scan       ${r.scanMBps.toFixed(1)} MB/s  (scanTranscriptFile)`);
  console.log(`ratio      ${r.ratio.toFixed(2)}  (scan / parse)`);
}
