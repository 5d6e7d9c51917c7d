/**
 * Display masking for audit params: the store keeps raw values; what an admin sees by default hides
 * literal values inside SQL (they are often customer data) and cuts long strings. Revealing the raw
 * value is a separate, audited action (audit.reveal_raw).
 */
export const DISPLAY_CAP = 128
const SQL_KEYS = new Set(['sql', 'sql_preview'])

/** Replaces SQL string literals ('…', with '' escapes) by ?. */
export function maskSqlLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'?/g, '?')
}

function cut(s: string): string {
  return s.length > DISPLAY_CAP ? `${s.slice(0, DISPLAY_CAP - 1)}…` : s
}

export function maskValue(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return cut(SQL_KEYS.has(key) ? maskSqlLiterals(value) : value)
  if (Array.isArray(value)) return value.map((v) => maskValue(v, key))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, k)
    return out
  }
  return value
}
