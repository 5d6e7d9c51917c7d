import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { emptyLineCounts, parseJsonLines, readJsonLines, type JsonLine } from './jsonl-lines.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agnes-jsonl-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(bytes: Buffer | string, maxLineBytes?: number) {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.jsonl`);
  await writeFile(path, bytes);
  const counts = emptyLineCounts();
  const lines: JsonLine[] = [];
  for await (const line of readJsonLines(path, counts, { maxLineBytes })) lines.push(line);
  return { lines, counts };
}

test('yields objects with 1-based physical line numbers; damaged lines are counted, not fatal', async () => {
  const bytes = Buffer.concat([
    Buffer.from('{"a":1}\n'),
    Buffer.from('\n'), // 2 blank
    Buffer.from('{"type":"assistant","message":{"con\n'), // 3 truncated
    Buffer.from([0x00, 0xff, 0xfe, 0x89, 0x50, 0x0a]), // 4 binary junk
    Buffer.from('  \t \n'), // 5 whitespace only
    Buffer.from('[1,2]\n'), // 6 valid JSON, not an object
    Buffer.from('42\n'), // 7 valid JSON, not an object
    Buffer.from('{"b":2}\r\n'), // 8 CRLF
    Buffer.from('{"c":3}'), // 9 no trailing newline
  ]);
  const { lines, counts } = await readAll(bytes);
  assert.deepEqual(
    lines.map((l) => [l.line, l.value]),
    [
      [1, { a: 1 }],
      [8, { b: 2 }],
      [9, { c: 3 }],
    ],
  );
  assert.deepEqual(counts, { lines: 9, parsed: 3, malformed: 4, oversized: 0, blank: 2 });
});

test('a trailing newline does not create an extra line; a byte-order mark is ignored', async () => {
  const { lines, counts } = await readAll('\uFEFF{"a":1}\n{"b":2}\n');
  assert.equal(lines.length, 2);
  assert.deepEqual(counts, { lines: 2, parsed: 2, malformed: 0, oversized: 0, blank: 0 });
});

test('a line over the cap is skipped and counted as oversized, without shifting later line numbers', async () => {
  const long = `{"x":"${'y'.repeat(5000)}"}`;
  const { lines, counts } = await readAll(`{"a":1}\n${long}\n{"b":2}\n${long}`, 1024);
  assert.deepEqual(
    lines.map((l) => l.line),
    [1, 3],
  );
  assert.deepEqual(counts, { lines: 4, parsed: 2, malformed: 0, oversized: 2, blank: 0 });
});

test('lines split across read chunks are reassembled', async () => {
  const value = 'z'.repeat(200_000); // spans several 64 KiB chunks
  const { lines } = await readAll(`{"v":"${value}"}\n{"w":1}\n`);
  assert.equal((lines[0].value as { v: string }).v.length, 200_000);
  assert.equal(lines[1].line, 2);
});

test('multi-byte characters survive chunk boundaries', async () => {
  const text = 'é漢🙂'.repeat(40_000);
  const { lines } = await readAll(`${JSON.stringify({ t: text })}\n`);
  assert.equal((lines[0].value as { t: string }).t, text);
});

test('parseJsonLines applies the same rules to in-memory text', () => {
  const counts = emptyLineCounts();
  const lines = parseJsonLines('{"a":1}\n\nnot json\n{"b":2}', counts);
  assert.deepEqual(
    lines.map((l) => l.line),
    [1, 4],
  );
  assert.deepEqual(counts, { lines: 4, parsed: 2, malformed: 1, oversized: 0, blank: 1 });
});

test('lines ending or starting exactly at a read-chunk boundary, and a CRLF split across it, keep their numbers and text', async () => {
  const CHUNK = 64 * 1024; // the reader's read size
  // Line 1 fills the first chunk up to and including its newline; line 2 starts the second chunk.
  const first = `{"a":"${'x'.repeat(CHUNK - 9)}"}`; // 8 bytes of JSON around the x's, then \n = CHUNK
  assert.equal(Buffer.byteLength(`${first}\n`), CHUNK);
  // Line 3 ends with \r as the second chunk's last byte and its \n opens the third chunk.
  const second = '{"b":2}';
  const third = `{"c":"${'y'.repeat(CHUNK - second.length - 1 - 9)}"}`;
  assert.equal(Buffer.byteLength(`${first}\n${second}\n${third}\r`), 2 * CHUNK);
  const { lines, counts } = await readAll(`${first}\n${second}\n${third}\r\n{"d":4}\n`);
  assert.deepEqual(
    lines.map((l) => [l.line, Object.keys(l.value)[0], l.text.length]),
    [
      [1, 'a', first.length],
      [2, 'b', second.length],
      [3, 'c', third.length],
      [4, 'd', 7],
    ],
  );
  assert.deepEqual(counts, { lines: 4, parsed: 4, malformed: 0, oversized: 0, blank: 0 });
});

test('an oversized line inside one read chunk is skipped like one spanning several', async () => {
  const { lines, counts } = await readAll(`{"a":1}\n{"big":"${'z'.repeat(300)}"}\n\n{"b":2}\n`, 100);
  assert.deepEqual(
    lines.map((l) => l.line),
    [1, 4],
  );
  assert.deepEqual(counts, { lines: 4, parsed: 2, malformed: 0, oversized: 1, blank: 1 });
});
