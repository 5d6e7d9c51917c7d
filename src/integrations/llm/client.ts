import { setTimeout as sleep } from 'node:timers/promises'
import type { LlmConfig } from '../../config.ts'

/** The Messages API version sent as `anthropic-version`. */
export const ANTHROPIC_VERSION = '2023-06-01'
/** The longest wait a Retry-After header may ask for; a longer one is cut to this. */
export const MAX_RETRY_AFTER_MS = 30_000

export interface LlmRequest {
  system: string
  /** The one user message. */
  prompt: string
  maxTokens: number
}

export interface LlmAnswer {
  /** The text blocks of the answer, joined. */
  text: string
  /** The model that answered, as the API names it. */
  model: string
  inputTokens: number
  outputTokens: number
  /** How many attempts it took (1 when the first answered). */
  attempts: number
}

/**
 * Why a request failed after its attempts: `retryable` errors (429, 5xx, timeouts, network) were retried up to the
 * configured number of attempts; the others (400, 401, 403, 404, an answer that is not a Messages API answer) were not.
 * The message never holds the API key.
 */
export class LlmError extends Error {
  constructor(
    message: string,
    readonly kind: 'http' | 'timeout' | 'network' | 'bad_answer',
    readonly status: number | null,
    readonly retryable: boolean,
    readonly attempts: number,
  ) {
    super(message)
  }
}

type AttemptError = Omit<LlmError, 'attempts' | 'name' | 'stack'> & { retryAfterMs: number | null }

/** The wait before retry `n` (1 = the first retry): a Retry-After header when the server sent one, else base × 2^(n-1). */
export function backoffMs(retry: number, baseMs: number, retryAfterMs: number | null): number {
  if (retryAfterMs !== null) return Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS)
  return baseMs * 2 ** (retry - 1)
}

function retryAfter(res: Response): number | null {
  const h = res.headers.get('retry-after')
  if (h === null) return null
  const s = Number(h)
  if (Number.isFinite(s)) return s * 1000
  const at = Date.parse(h)
  return Number.isNaN(at) ? null : at - Date.now()
}

async function attempt(llm: LlmConfig, body: string): Promise<LlmAnswer | AttemptError> {
  const fail = (message: string, kind: LlmError['kind'], status: number | null, retryable: boolean, retryAfterMs: number | null = null): AttemptError =>
    ({ message, kind, status, retryable, retryAfterMs })
  let res: Response
  try {
    res = await fetch(`${llm.apiBase}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': llm.apiKey, 'anthropic-version': ANTHROPIC_VERSION },
      body,
      signal: AbortSignal.timeout(llm.timeoutMs),
    })
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string; message?: string } }
    if (err.name === 'TimeoutError') return fail(`no answer within ${llm.timeoutMs / 1000} s`, 'timeout', null, true)
    return fail(`cannot reach ${llm.apiBase}: ${err.cause?.code ?? err.cause?.message?.slice(0, 200) ?? 'network failure'}`, 'network', null, true)
  }
  let text: string
  try {
    text = await res.text()
  } catch (e) {
    const err = e as { name?: string }
    if (err.name === 'TimeoutError') return fail(`no complete answer within ${llm.timeoutMs / 1000} s`, 'timeout', null, true)
    return fail('the connection broke while the answer was read', 'network', null, true)
  }
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = null
  }
  if (!res.ok) {
    const apiMessage = (parsed as { error?: { message?: unknown } } | null)?.error?.message
    const why = typeof apiMessage === 'string' ? apiMessage.slice(0, 300) : `HTTP ${res.status}`
    const retryable = res.status === 429 || res.status === 408 || res.status >= 500
    return fail(`HTTP ${res.status}: ${why}`, 'http', res.status, retryable, retryable ? retryAfter(res) : null)
  }
  const a = parsed as { content?: unknown; model?: unknown; usage?: { input_tokens?: unknown; output_tokens?: unknown } } | null
  if (!a || !Array.isArray(a.content)) return fail('the answer is not a Messages API answer (no content)', 'bad_answer', res.status, false)
  const out = a.content
    .filter((b): b is { type: 'text'; text: string } => Boolean(b) && (b as { type?: unknown }).type === 'text' && typeof (b as { text?: unknown }).text === 'string')
    .map((b) => b.text)
    .join('')
  const tokens = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0)
  return {
    text: out, model: typeof a.model === 'string' ? a.model : llm.model,
    inputTokens: tokens(a.usage?.input_tokens), outputTokens: tokens(a.usage?.output_tokens), attempts: 0,
  }
}

/**
 * One request to an endpoint speaking the Anthropic Messages API: POST {apiBase}/v1/messages with the `x-api-key` and
 * `anthropic-version` headers. Each attempt is abandoned after `timeoutMs`; 429, 408, 5xx, timeouts and network
 * errors are retried, at most `maxAttempts` attempts in all, after base × 2^(n-1) ms (or the server's Retry-After,
 * at most 30 s). Throws an LlmError when no attempt answered.
 */
export async function requestMessage(llm: LlmConfig, req: LlmRequest, opts: { sleep?: (ms: number) => Promise<unknown> } = {}): Promise<LlmAnswer> {
  const wait = opts.sleep ?? ((ms: number) => sleep(ms))
  const body = JSON.stringify({
    model: llm.model,
    max_tokens: req.maxTokens,
    system: req.system,
    messages: [{ role: 'user', content: req.prompt }],
  })
  const attempts = Math.max(1, llm.maxAttempts)
  for (let n = 1; ; n++) {
    const out = await attempt(llm, body)
    if (!('retryable' in out)) return { ...out, attempts: n }
    if (!out.retryable || n >= attempts) {
      throw new LlmError(`${out.message}${n > 1 ? ` (after ${n} attempts)` : ''}`, out.kind, out.status, out.retryable, n)
    }
    await wait(backoffMs(n, llm.retryBaseMs, out.retryAfterMs))
  }
}
