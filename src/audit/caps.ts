import { redactSecrets } from '../redaction/index.ts'

/**
 * Every string an audit row stores goes through here at write time (params, params_before, resource, at any
 * depth): secrets are redacted first (SQL text and error messages quote whatever the caller typed, a token in
 * an SQL comment included), then the string is capped so one huge request cannot bloat the log:
 * SQL previews and error texts at 200 characters, every other string (names, paths…) at 256.
 * Arrays keep at most 100 items.
 */
export const CAP_NAME = 256
export const CAP_PREVIEW = 200
const PREVIEW_KEYS = new Set(['sql', 'sql_preview', 'error', 'message_preview', 'error_message'])
const MAX_ITEMS = 100
// Redaction looks this far past the cap, so a secret that straddles the cut is still recognised whole, while a
// multi-megabyte SQL text costs no more than a short one.
const REDACT_MARGIN = 1024

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

/** A string as an audit row may store it: secrets redacted, then cut to `max` characters. */
export function redactAuditString(s: string, max = CAP_NAME): string {
  const head = s.length > max + REDACT_MARGIN ? s.slice(0, max + REDACT_MARGIN) : s
  return cut(redactSecrets(head).text, max)
}

/** Redacts and caps every string in an audit value (see above); numbers, booleans and null pass unchanged. */
export function capParams(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return redactAuditString(value, PREVIEW_KEYS.has(key) ? CAP_PREVIEW : CAP_NAME)
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => capParams(v, key))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = capParams(v, k)
    return out
  }
  return value
}
