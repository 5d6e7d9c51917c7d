import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConfigError, loadConfig, type LlmConfig } from '../../config.ts'
import { ANTHROPIC_VERSION, LlmError, backoffMs, requestMessage } from './index.ts'

/**
 * The Messages API client against a local server that plays the API: what is sent (path, headers, body), what is
 * read back, and the retry rules: 429, 408, 5xx, timeouts and broken connections retried with doubling waits (or
 * Retry-After) up to maxAttempts; 4xx and answers of the wrong shape not retried; the key never in a message.
 */

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void
let server: Server
let base = ''
let handlers: Handler[] = []
const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = []

before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const h = handlers.shift() ?? ((_q, _b, r) => r.writeHead(500).end('{"error":{"message":"no handler"}}'))
      h(req, body, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

const KEY = 'sk-ant-test-0123456789abcdef'
const llm = (over: Partial<LlmConfig> = {}): LlmConfig => ({ apiBase: base, apiKey: KEY, model: 'claude-haiku-4-5', timeoutMs: 500, maxAttempts: 3, retryBaseMs: 40, ...over })
const answer = (text: string, usage = { input_tokens: 120, output_tokens: 30 }): Handler => (_q, _b, r) =>
  r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5-20251001', content: [{ type: 'text', text }], usage }))
const status = (code: number, headers: Record<string, string> = {}): Handler => (_q, _b, r) =>
  r.writeHead(code, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ type: 'error', error: { type: 'x', message: `status ${code} from the fake` } }))
const hang: Handler = () => {} // never answers
const REQ = { system: 'judge', prompt: 'is this a failure?', maxTokens: 100 }

function reset(...hs: Handler[]) {
  handlers = hs
  received.length = 0
}

test('one request: POST {base}/v1/messages with the key, the API version and the Messages body; the text and usage are read back', async () => {
  reset(answer('{"findings": []}'))
  const out = await requestMessage(llm(), REQ)
  assert.deepEqual(out, { text: '{"findings": []}', model: 'claude-haiku-4-5-20251001', inputTokens: 120, outputTokens: 30, attempts: 1 })
  assert.equal(received.length, 1)
  const r = received[0]
  assert.deepEqual([r.method, r.url, r.headers['x-api-key'], r.headers['anthropic-version'], r.headers['content-type']], ['POST', '/v1/messages', KEY, ANTHROPIC_VERSION, 'application/json'])
  assert.deepEqual(JSON.parse(r.body), { model: 'claude-haiku-4-5', max_tokens: 100, system: 'judge', messages: [{ role: 'user', content: 'is this a failure?' }] })
})

test('429 and 5xx are retried after doubling waits, or the Retry-After the server asked for', async () => {
  reset(status(429), status(503), answer('ok'))
  const waits: number[] = []
  const out = await requestMessage(llm(), REQ, { sleep: async (ms) => void waits.push(ms) })
  assert.deepEqual([out.text, out.attempts, received.length], ['ok', 3, 3])
  assert.deepEqual(waits, [40, 80])

  reset(status(429, { 'retry-after': '2' }), answer('ok'))
  const asked: number[] = []
  await requestMessage(llm(), REQ, { sleep: async (ms) => void asked.push(ms) })
  assert.deepEqual(asked, [2000])
  assert.equal(backoffMs(1, 40, 120_000), 30_000, 'a Retry-After is obeyed up to 30 s')
  assert.equal(backoffMs(3, 1000, null), 4000)

  // Real waits, not injected: the retries really are spaced.
  reset(status(500), status(502), answer('ok'))
  const t0 = performance.now()
  await requestMessage(llm({ retryBaseMs: 50 }), REQ)
  assert.ok(performance.now() - t0 >= 140, 'waited 50 + 100 ms between the three attempts')
})

test('bounded: after maxAttempts failures an LlmError says why and how many attempts; the key is never in it', async () => {
  reset(status(503), status(503), status(503), answer('never reached'))
  const err = await requestMessage(llm(), REQ, { sleep: async () => {} }).catch((e) => e)
  assert.ok(err instanceof LlmError)
  assert.deepEqual([err.kind, err.status, err.retryable, err.attempts], ['http', 503, true, 3])
  assert.equal(err.message, 'HTTP 503: status 503 from the fake (after 3 attempts)')
  assert.equal(received.length, 3, 'no fourth attempt')
  assert.ok(!err.message.includes(KEY))
})

test('4xx other than 408/429, and an answer that is not a Messages answer, are not retried', async () => {
  for (const code of [400, 401, 404]) {
    reset(status(code), answer('never reached'))
    const err = await requestMessage(llm(), REQ, { sleep: async () => {} }).catch((e) => e)
    assert.deepEqual([err.kind, err.status, err.retryable, err.attempts, received.length], ['http', code, false, 1, 1], String(code))
  }
  reset((_q, _b, r) => r.writeHead(200).end('<html>a proxy page</html>'))
  const err = await requestMessage(llm(), REQ).catch((e) => e)
  assert.deepEqual([err.kind, err.retryable, received.length], ['bad_answer', false, 1])
})

test('an attempt that gets no answer within timeoutMs is abandoned and retried; the whole request is bounded', async () => {
  reset(hang, answer('second time lucky'))
  const t0 = performance.now()
  const out = await requestMessage(llm({ timeoutMs: 150 }), REQ, { sleep: async () => {} })
  assert.deepEqual([out.text, out.attempts], ['second time lucky', 2])
  assert.ok(performance.now() - t0 >= 150)

  reset(hang, hang, hang)
  const t1 = performance.now()
  const err = await requestMessage(llm({ timeoutMs: 100, maxAttempts: 3 }), REQ, { sleep: async () => {} }).catch((e) => e)
  const took = performance.now() - t1
  assert.deepEqual([err.kind, err.attempts, received.length], ['timeout', 3, 3])
  assert.equal(err.message, 'no answer within 0.1 s (after 3 attempts)')
  assert.ok(took >= 300 && took < 2000, `three attempts of 100 ms, took ${Math.round(took)} ms`)
})

test('an unreachable API is a network error, retried, then given up on', async () => {
  reset()
  // A port that was just free: nothing listens there.
  const closed = createServer()
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
  const port = (closed.address() as AddressInfo).port
  await new Promise((r) => closed.close(r))
  const err = await requestMessage(llm({ apiBase: `http://127.0.0.1:${port}` }), REQ, { sleep: async () => {} }).catch((e) => e)
  assert.deepEqual([err.kind, err.retryable, err.attempts], ['network', true, 3])
  assert.equal(err.message, `cannot reach http://127.0.0.1:${port}: ECONNREFUSED (after 3 attempts)`)
})

test('configuration: off without the three variables; all three turn it on; one or two alone are refused with the list of problems', () => {
  const env = { AGNES_DATA_DIR: '/tmp/agnes-llm-config' }
  assert.equal(loadConfig(env).llm, null)
  assert.deepEqual(
    loadConfig({ ...env, AGNES_LLM_API_BASE: 'http://127.0.0.1:4000/', AGNES_LLM_API_KEY: 'k', AGNES_LLM_MODEL: 'claude-haiku-4-5', AGNES_LLM_TIMEOUT_SECONDS: '20' }).llm,
    { apiBase: 'http://127.0.0.1:4000', apiKey: 'k', model: 'claude-haiku-4-5', timeoutMs: 20_000, maxAttempts: 3, retryBaseMs: 1000 },
  )
  assert.throws(() => loadConfig({ ...env, AGNES_LLM_API_KEY: 'k' }), (e: unknown) => e instanceof ConfigError && /the LLM judge needs all three/.test(e.message))
  assert.throws(() => loadConfig({ ...env, AGNES_LLM_API_BASE: 'not a url', AGNES_LLM_API_KEY: 'k', AGNES_LLM_MODEL: 'm' }), ConfigError)
})
