import { createReadStream } from 'node:fs';
import { isRecord, type JsonRecord } from './json-value.ts';

/**
 * Lines longer than this are skipped rather than buffered. Real Claude Code lines top out at a few
 * MB (a large file read or a base64 screenshot); anything bigger is not worth holding in memory.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Every physical line lands in exactly one of parsed/malformed/oversized/blank. */
export interface LineCounts {
  lines: number;
  parsed: number;
  malformed: number;
  oversized: number;
  blank: number;
}

/** One JSON object line of a JSONL file. `line` is the 1-based physical line number. */
export interface JsonLine {
  line: number;
  text: string;
  value: JsonRecord;
}

export interface ReadJsonLinesOptions {
  maxLineBytes?: number;
}

/** Fresh zeroed counters. */
export function emptyLineCounts(): LineCounts {
  return { lines: 0, parsed: 0, malformed: 0, oversized: 0, blank: 0 };
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Streams the JSON object lines of a JSONL file with memory bounded by `maxLineBytes` (plus one
 * read chunk), however large the file or any single line is. Blank, malformed (truncated JSON,
 * binary junk, non-object JSON) and oversized lines are never yielded but are counted in `counts`,
 * which is updated as reading proceeds and is also the generator's return value.
 */
export async function* readJsonLines(
  path: string,
  counts: LineCounts = emptyLineCounts(),
  options: ReadJsonLinesOptions = {},
): AsyncGenerator<JsonLine, LineCounts, undefined> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const splitter = new LineSplitter(maxLineBytes);
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const raws: RawLine[] = [];
  const collect = (raw: RawLine) => raws.push(raw);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    splitter.push(chunk, collect);
    for (const raw of raws) {
      const parsed = classifyLine(raw, counts);
      if (parsed) yield parsed;
    }
    raws.length = 0;
  }
  const last = splitter.end();
  if (last) {
    const parsed = classifyLine(last, counts);
    if (parsed) yield parsed;
  }
  return counts;
}

/**
 * Same lines and counting as readJsonLines, handed to `visit` synchronously chunk by chunk. Much
 * cheaper per line than iterating the async generator (no promise per line), for consumers that
 * only fold lines, such as the session processors.
 */
export async function visitJsonLines(
  path: string,
  visit: (line: JsonLine) => void,
  counts: LineCounts = emptyLineCounts(),
  options: ReadJsonLinesOptions = {},
): Promise<LineCounts> {
  const splitter = new LineSplitter(options.maxLineBytes ?? MAX_LINE_BYTES);
  const emit = (raw: RawLine) => {
    const parsed = classifyLine(raw, counts);
    if (parsed) visit(parsed);
  };
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  for await (const chunk of stream as AsyncIterable<Buffer>) splitter.push(chunk, emit);
  const last = splitter.end();
  if (last) emit(last);
  return counts;
}

/** Parses JSONL held in memory (tests, small uploads) with the same counting rules as the file reader. */
export function parseJsonLines(
  text: string,
  counts: LineCounts = emptyLineCounts(),
  options: ReadJsonLinesOptions = {},
): JsonLine[] {
  const splitter = new LineSplitter(options.maxLineBytes ?? MAX_LINE_BYTES);
  const out: JsonLine[] = [];
  const raws: RawLine[] = [];
  splitter.push(Buffer.from(text, 'utf8'), (raw) => raws.push(raw));
  const last = splitter.end();
  if (last) raws.push(last);
  for (const raw of raws) {
    const parsed = classifyLine(raw, counts);
    if (parsed) out.push(parsed);
  }
  return out;
}

/** A physical line: `bytes[start, end)`, without its newline. */
interface RawLine {
  line: number;
  bytes: Buffer | null; // null when the line was too long to keep
  start: number;
  end: number;
}

/**
 * Splits byte chunks on '\n'. Splitting bytes rather than decoded text is safe because 0x0a never
 * occurs inside a multi-byte UTF-8 sequence, and it lets an oversized line be dropped piece by piece.
 */
class LineSplitter {
  private pieces: Buffer[] = [];
  private size = 0;
  private tooLong = false;
  private lineNo = 0;
  private sawBytes = false;

  constructor(private readonly maxLineBytes: number) {}

  /** Splits a chunk, handing each completed line to `emit`; the unfinished tail is kept for the next chunk. */
  push(chunk: Buffer, emit: (raw: RawLine) => void): void {
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      if (nl !== -1 && !this.sawBytes && !this.tooLong) {
        // Most lines lie whole in one chunk: hand over the chunk and the line's bounds, no copy or view.
        this.lineNo += 1;
        emit({ line: this.lineNo, bytes: end - start > this.maxLineBytes ? null : chunk, start, end });
        start = nl + 1;
        continue;
      }
      this.append(chunk, start, end);
      if (nl === -1) return;
      emit(this.take());
      start = nl + 1;
    }
  }

  /** The final line when the file does not end with a newline. */
  end(): RawLine | null {
    return this.sawBytes ? this.take() : null;
  }

  private append(chunk: Buffer, start: number, end: number): void {
    if (end > start) this.sawBytes = true;
    if (this.tooLong || end === start) return;
    if (this.size + (end - start) > this.maxLineBytes) {
      this.tooLong = true;
      this.pieces = [];
      this.size = 0;
      return;
    }
    this.pieces.push(chunk.subarray(start, end));
    this.size += end - start;
  }

  private take(): RawLine {
    this.lineNo += 1;
    const bytes = this.tooLong
      ? null
      : this.pieces.length === 1
        ? this.pieces[0]
        : Buffer.concat(this.pieces, this.size);
    this.pieces = [];
    this.size = 0;
    this.tooLong = false;
    this.sawBytes = false;
    return { line: this.lineNo, bytes, start: 0, end: bytes?.length ?? 0 };
  }
}

function classifyLine(raw: RawLine, counts: LineCounts): JsonLine | null {
  counts.lines += 1;
  if (raw.bytes === null) {
    counts.oversized += 1;
    return null;
  }
  const { bytes, start } = raw;
  let end = raw.end;
  if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end -= 1;
  let text = bytes.toString('utf8', start, end);
  if (raw.line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Telling blank from damaged only after a failed parse keeps the common path to one pass.
    if (text.trim() === '') counts.blank += 1;
    else counts.malformed += 1;
    return null;
  }
  if (!isRecord(value)) {
    counts.malformed += 1;
    return null;
  }
  counts.parsed += 1;
  return { line: raw.line, text, value };
}
