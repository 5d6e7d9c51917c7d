/**
 * Audit params are capped at write time so one huge request cannot bloat the log:
 * SQL previews and error texts at 200 characters, every other string (names, paths…) at 256.
 * Caps apply at any depth; arrays keep at most 100 items.
 */
export const CAP_NAME = 256
export const CAP_PREVIEW = 200
const PREVIEW_KEYS = new Set(['sql', 'sql_preview', 'error', 'message_preview', 'error_message'])
const MAX_ITEMS = 100

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

export function capParams(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return cut(value, PREVIEW_KEYS.has(key) ? CAP_PREVIEW : CAP_NAME)
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => capParams(v, key))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = capParams(v, k)
    return out
  }
  return value
}
