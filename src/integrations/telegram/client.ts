import type { Config } from '../../config.ts'

/** How long one sendMessage may take before it counts as a network failure. */
export const SEND_TIMEOUT_MS = 10_000

export type SendOutcome =
  | { ok: true }
  /** `result` is the audit result: error.<http status> or error.network. `retryAfterS` is Telegram's flood-control hint. */
  | { ok: false; result: string; error: string; retryAfterS: number | null }

/**
 * One Bot API sendMessage: POST {apiBase}/bot{token}/sendMessage with {chat_id, text, parse_mode: "HTML"}.
 * Never throws, and never puts the token (which is part of the URL) into an error message.
 */
export async function sendTelegramMessage(
  telegram: Config['telegram'],
  chatId: string,
  text: string,
  opts: { timeoutMs?: number } = {},
): Promise<SendOutcome> {
  if (!telegram.botToken) return { ok: false, result: 'error.not_configured', error: 'TELEGRAM_BOT_TOKEN is not set', retryAfterS: null }
  const url = `${telegram.apiBase}/bot${telegram.botToken}/sendMessage`
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: chatId, text, parse_mode: 'HTML' }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? SEND_TIMEOUT_MS),
    })
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string } }
    const why = err.name === 'TimeoutError' ? `no answer within ${Math.round((opts.timeoutMs ?? SEND_TIMEOUT_MS) / 1000)} s` : (err.cause?.code ?? 'network failure')
    return { ok: false, result: 'error.network', error: `cannot reach the Telegram Bot API: ${why}`, retryAfterS: null }
  }
  const text_ = await res.text().catch(() => '')
  let body: { ok?: boolean; description?: string; parameters?: { retry_after?: number } } | null = null
  try {
    body = text_ ? JSON.parse(text_) : null
  } catch {
    body = null
  }
  if (res.ok && body?.ok !== false) return { ok: true }
  const status = res.ok ? 'api' : String(res.status)
  const description = typeof body?.description === 'string' ? body.description.slice(0, 300) : `HTTP ${res.status}`
  const retry = body?.parameters?.retry_after
  return { ok: false, result: `error.${status}`, error: description, retryAfterS: typeof retry === 'number' && retry > 0 ? retry : null }
}
