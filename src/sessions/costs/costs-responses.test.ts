import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parseResponses, readResponses, totalTokens } from './responses.ts'

const COSTS = fileURLToPath(new URL('../../../test/fixtures/transcripts/costs/', import.meta.url))
const REAL = fileURLToPath(new URL('../../../test/fixtures/transcripts/real/', import.meta.url))

const line = (o: Record<string, unknown>) => JSON.stringify(o)
const reply = (id: string, req: string | null, usage: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  line({
    type: 'assistant', timestamp: '2026-02-10T09:00:00.000Z', sessionId: 's1', cwd: '/p', ...(req ? { requestId: req } : {}),
    message: { id, model: 'claude-opus-4-6', role: 'assistant', content: [{ type: 'text', text: 'x' }], usage }, ...extra,
  })

test('streamed snapshots: the final usage of a response counts, not the first line written while it streamed', async () => {
  const r = await readResponses(`${COSTS}streamed-snapshots.jsonl`)
  assert.deepEqual(
    r.responses.map((x) => [x.key, x.line, x.input, x.output, x.cacheCreation, x.cacheCreation1h, x.cacheRead]),
    [
      ['msg_stream_1:req_stream_1', 4, 3, 780, 2000, 2000, 10000],
      ['msg_stream_2:req_stream_2', 6, 1, 12, 300, 0, 12000],
    ],
  )
  assert.deepEqual(totalTokens(r.responses), { input: 4, output: 792, cacheCreation: 2300, cacheCreation1h: 2000, cacheRead: 22000, responses: 2 })
  assert.equal(r.responses[0].timestamp, '2026-02-10T09:00:05.000Z', 'the kept snapshot is dated by its own line')
})

test('a snapshot with fewer output tokens than one already seen does not replace it, wherever it comes in the file', () => {
  const r = parseResponses([reply('m', 'q', { output_tokens: 50 }), reply('m', 'q', { output_tokens: 7 })].join('\n'))
  assert.deepEqual(r.responses.map((x) => [x.output, x.line]), [[50, 1]])
})

test('duplicated lines count once', async () => {
  const r = await readResponses(`${COSTS}duplicated-lines.jsonl`)
  assert.deepEqual(totalTokens(r.responses), { input: 14, output: 49, cacheCreation: 5000, cacheCreation1h: 0, cacheRead: 5000, responses: 2 })
})

test('a resumed session repeats its original responses with the same keys, so the two files together count each once', async () => {
  const original = await readResponses(`${COSTS}resumed-original.jsonl`)
  const continued = await readResponses(`${COSTS}resumed-continued.jsonl`)
  assert.deepEqual(original.responses.map((x) => x.key), ['msg_res_1:req_res_1', 'msg_res_2:req_res_2'])
  assert.deepEqual(continued.responses.map((x) => [x.key, x.sessionId]), [
    ['msg_res_1:req_res_1', 'a3a3a3a3-0000-4000-8000-000000000003'],
    ['msg_res_2:req_res_2', 'a3a3a3a3-0000-4000-8000-000000000003'],
    ['msg_res_3:req_res_3', 'a3a3a3a3-0000-4000-8000-00000000003b'],
  ])
  assert.deepEqual(totalTokens([...original.responses, ...continued.responses]), {
    input: 127, output: 150, cacheCreation: 1000, cacheCreation1h: 0, cacheRead: 2100, responses: 3,
  })
  assert.equal(continued.firstTimestamp, original.firstTimestamp, 'the copies keep their times: the store breaks the tie by file name')
})

test('a subagent file is recognised by its name and sidechain lines, and carries its parent session\'s id', async () => {
  const sub = await readResponses(`${COSTS}agent-b7c1d2e.jsonl`)
  assert.equal(sub.isSubagent, true)
  assert.deepEqual(sub.responses.map((x) => [x.key, x.model, x.sessionId, x.sidechain]), [
    ['msg_sub_1:req_sub_1', 'claude-haiku-4-5-20251001', 'a4a4a4a4-0000-4000-8000-000000000004', true],
    ['msg_sub_2:req_sub_2', 'claude-haiku-4-5-20251001', 'a4a4a4a4-0000-4000-8000-000000000004', true],
  ])
  const parent = await readResponses(`${COSTS}subagent-parent.jsonl`)
  assert.equal(parent.isSubagent, false)
  assert.deepEqual(totalTokens([...parent.responses, ...sub.responses]), {
    input: 21, output: 315, cacheCreation: 13200, cacheCreation1h: 4200, cacheRead: 53000, responses: 4,
  })
})

test('costUSD written by old Claude Code versions is kept per response; inline sidechain lines count in the main file', async () => {
  const r = await readResponses(`${COSTS}transcript-cost.jsonl`)
  assert.deepEqual(r.responses.map((x) => [x.costUsd, x.sidechain]), [[0.0185, false], [0.0024, true]])
  assert.equal(r.isSubagent, false)
})

test('<synthetic> messages are no API call; speed and inference_geo are kept for pricing', async () => {
  const r = await readResponses(`${COSTS}fast-geo-unknown.jsonl`)
  assert.deepEqual(r.responses.map((x) => [x.model, x.speed, x.inferenceGeo]), [
    ['claude-opus-4-6', 'fast', null],
    ['claude-opus-4-6', null, 'us'],
    ['claude-nova-9', null, null],
  ])
})

test('keys without a request id or a message id, and lines without a time', () => {
  const r = parseResponses(
    [
      line({ type: 'user', timestamp: '2026-02-10T08:00:00.000Z', sessionId: 's1', cwd: '/p', message: { role: 'user', content: 'hi' } }),
      reply('m1', null, { input_tokens: 1 }, { timestamp: undefined }),
      reply('m1', null, { input_tokens: 1, output_tokens: 3 }, { timestamp: undefined }),
      line({ type: 'assistant', requestId: 'r9', message: { model: 'claude-opus-4-6', usage: { output_tokens: 2 } } }),
      line({ type: 'assistant', message: { model: 'claude-opus-4-6', usage: { output_tokens: 4 } } }),
      line({ type: 'assistant', message: { id: 'no-usage', model: 'claude-opus-4-6' } }),
      '{"type":"assistant", broken',
    ].join('\n'),
  )
  assert.deepEqual(r.responses.map((x) => [x.key, x.output, x.timestamp, x.sessionId, x.cwd]), [
    ['msg:m1', 3, '2026-02-10T08:00:00.000Z', 's1', '/p'],
    ['req:r9', 2, '2026-02-10T08:00:00.000Z', 's1', '/p'],
    ['line:5', 4, '2026-02-10T08:00:00.000Z', 's1', '/p'],
  ])
  assert.equal(r.counts.malformed, 1)
})

test('a 1-hour share larger than the cache write (a malformed split) is capped at the write', () => {
  const r = parseResponses(reply('m', 'q', { cache_creation_input_tokens: 10, cache_creation: { ephemeral_1h_input_tokens: 25 } }))
  assert.deepEqual(totalTokens(r.responses), { input: 0, output: 0, cacheCreation: 10, cacheCreation1h: 10, cacheRead: 0, responses: 1 })
})

test('a real transcript whose responses stream over several lines (Claude Code 2.1.39)', async () => {
  const r = await readResponses(`${REAL}marot__spotter__tool_heavy.jsonl`)
  // 9 assistant lines with usage, 4 responses: their first lines say 64 output tokens in all, their final ones 212.
  assert.deepEqual(totalTokens(r.responses), { input: 54, output: 212, cacheCreation: 17696, cacheCreation1h: 17696, cacheRead: 88231, responses: 4 })
})
