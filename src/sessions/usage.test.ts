import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseTranscript } from './transcript.ts';
import { summarizeUsage, usageFromEvents } from './usage.ts';

const REAL = fileURLToPath(new URL('../../test/fixtures/transcripts/real/', import.meta.url));

const at = (minute: number, second = 0) => new Date(Date.UTC(2025, 0, 1, 9, minute, second)).toISOString();
const prompt = (minute: number, text: string) => JSON.stringify({ type: 'user', timestamp: at(minute), message: { role: 'user', content: text } });
const reply = (minute: number, id: string, blocks: unknown[], usage: Record<string, number>, model = 'claude-sonnet-4-5') =>
  JSON.stringify({ type: 'assistant', timestamp: at(minute), message: { id, model, role: 'assistant', content: blocks, usage } });
const result = (minute: number, id: string, content: string, isError: boolean) =>
  JSON.stringify({
    type: 'user',
    timestamp: at(minute),
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, is_error: isError }] },
  });

test('tokens count once per message even though every block line repeats the usage', () => {
  const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 };
  const { events } = parseTranscript(
    [
      prompt(0, 'count'),
      reply(0, 'msg_a', [{ type: 'text', text: 'Counting.' }], usage),
      // Same message, next block: output grew while streaming.
      reply(0, 'msg_a', [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'wc -l' } }], { ...usage, output_tokens: 40 }),
      result(1, 't1', 'Exit code 1', true),
      reply(1, 'msg_b', [{ type: 'tool_use', id: 't2', name: 'Read', input: { file_path: '/a' } }], { input_tokens: 3, output_tokens: 7 }, 'claude-opus-4-6'),
      result(1, 't2', 'ok', false),
      reply(2, 'msg_c', [{ type: 'tool_use', id: 't3', name: 'Bash', input: { command: 'ls' } }], { input_tokens: 1, output_tokens: 1 }),
      result(2, 't3', 'Permission to use Bash has been denied.', true),
    ].join('\n'),
  );
  const usageSummary = usageFromEvents(events);
  assert.deepEqual(usageSummary.tokens, { input: 14, output: 48, cacheCreation: 100, cacheRead: 1000 });
  assert.deepEqual(usageSummary.toolCalls, { Bash: 2, Read: 1 });
  assert.equal(usageSummary.toolCallTotal, 3);
  assert.equal(usageSummary.toolErrors, 2);
  assert.deepEqual(usageSummary.models, ['claude-sonnet-4-5', 'claude-opus-4-6']);
  assert.equal(usageSummary.turns, 1);
  assert.equal(usageSummary.humanPrompts, 1);
});

test('active time leaves out gaps over 10 minutes, which split activity blocks', () => {
  const { events } = parseTranscript(
    [
      prompt(0, 'a'),
      reply(2, 'm1', [{ type: 'text', text: 'x' }], {}), // +120 s
      prompt(12, 'b'), // +600 s: exactly 10 minutes still counts
      reply(13, 'm2', [{ type: 'text', text: 'y' }], {}), // +60 s
      prompt(40, 'c'), // +27 min: new block, not counted
      reply(41, 'm3', [{ type: 'text', text: 'z' }], {}), // +60 s
    ].join('\n'),
  );
  const summary = usageFromEvents(events);
  assert.equal(summary.activeSeconds, 120 + 600 + 60 + 60);
  assert.equal(summary.activityBlocks, 2);
  assert.equal(summary.firstTimestamp, at(0));
  assert.equal(summary.lastTimestamp, at(41));
  assert.equal(summary.turns, 3);
});

test('summarizeUsage streams a real file', async () => {
  const summary = await summarizeUsage(`${REAL}marot__spotter__short.jsonl`);
  assert.equal(summary.firstTimestamp, '2026-02-10T21:11:52.438Z');
  assert.equal(summary.lastTimestamp, '2026-02-10T21:16:12.381Z');
  assert.deepEqual(summary.toolCalls, { Bash: 1, Glob: 1 });
  assert.equal(summary.toolErrors, 2); // both calls refused at the permission prompt
  assert.deepEqual(summary.tokens, { input: 3, output: 13, cacheCreation: 13835, cacheRead: 11515 });
  assert.deepEqual(summary.models, ['claude-opus-4-6']);
  assert.equal(summary.activeSeconds, 260);
  assert.equal(summary.activityBlocks, 1);
});
