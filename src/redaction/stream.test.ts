import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createRedactingLineStream, redactSecrets } from './index.ts'

const FIXTURES = new URL('../../test/fixtures/transcripts/real/', import.meta.url)

/** Pipes `chunks` through a redacting stream; returns the output bytes and the stream's counters. */
async function run(chunks: Iterable<Buffer> | AsyncIterable<Buffer>) {
  const stream = createRedactingLineStream()
  const out: Buffer[] = []
  await pipeline(Readable.from(chunks), stream, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk)
  })
  return { text: Buffer.concat(out).toString('utf8'), count: stream.count, kinds: stream.kinds }
}

/** Splits a buffer into pieces of varying sizes, cutting through lines and multi-byte characters. */
function chop(data: Buffer, sizes: number[]): Buffer[] {
  const pieces: Buffer[] = []
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]
    pieces.push(data.subarray(at, at + size))
    at += size
  }
  return pieces
}

const fakeKey = 'AKIA' + 'Q7ZB3XK2M9PL4T6W'
const sample = [
  '{"a":"é ✓ 😀"}',
  '',
  `{"cmd":"export AWS_ACCESS_KEY_ID=${fakeKey}"}\r`,
  `plain text password=hunter2hunter2 and ${fakeKey}`,
  '',
  '{"b":1}',
].join('\n')

function expected(text: string) {
  let count = 0
  const lines = text.split('\n').map((line) => {
    const result = redactSecrets(line)
    count += result.count
    return result.text
  })
  return { text: lines.join('\n'), count }
}

describe('createRedactingLineStream', () => {
  for (const sizes of [[1], [3, 7, 2], [64], [65536]]) {
    it(`redacts line by line with chunks of ${sizes.join('/')} bytes`, async () => {
      for (const text of [sample, sample + '\n', '\n' + sample + '\n\n']) {
        const result = await run(chop(Buffer.from(text), sizes))
        assert.equal(result.text, expected(text).text)
        assert.equal(result.count, 3)
        assert.deepEqual(result.kinds, { aws_access_key: 2, secret_assignment: 1 })
      }
    })
  }

  it('keeps a missing final newline missing and an empty input empty', async () => {
    assert.equal((await run([Buffer.from('no newline')])).text, 'no newline')
    assert.equal((await run([Buffer.from('line\n')])).text, 'line\n')
    assert.equal((await run([])).text, '')
    assert.equal((await run([Buffer.from('\n\n')])).text, '\n\n')
  })

  it('matches redactSecrets on the real fixtures, byte for byte, whatever the chunking', async () => {
    const data = Buffer.concat(readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).sort()
      .map((f) => readFileSync(new URL(f, FIXTURES))))
    const want = expected(data.toString('utf8'))
    const result = await run(chop(data, [4093, 65536, 17, 100000]))
    assert.equal(result.text, want.text)
    assert.equal(result.count, want.count)
    assert.equal(result.text.split('\n').length, data.toString('utf8').split('\n').length)
  })

  it('streams a large upload without needing it whole', async () => {
    const lineCount = 100_000
    async function* generate() {
      for (let i = 0; i < lineCount; i += 1000) {
        let block = ''
        for (let j = i; j < i + 1000; j++) {
          block += j % 1000 === 0
            ? `{"n":${j},"text":"export GITHUB_TOKEN=${'gh' + 'p_'}aZ7${'x9Qm2'.repeat(6)}abc"}\n`
            : `{"n":${j},"text":"ordinary line ${'lorem ipsum '.repeat(10)}"}\n`
        }
        yield Buffer.from(block)
      }
    }
    const stream = createRedactingLineStream()
    let bytes = 0
    let newlines = 0
    await pipeline(generate(), stream, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        bytes += chunk.length
        for (const byte of chunk) if (byte === 0x0a) newlines++
      }
    })
    assert.equal(newlines, lineCount)
    assert.ok(bytes > 10_000_000)
    assert.equal(stream.count, lineCount / 1000)
    assert.deepEqual(stream.kinds, { github_token: lineCount / 1000 })
  })
})
