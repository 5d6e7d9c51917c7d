/**
 * The text to bind for a JSON column. A NUL character (JSON's escape `\u0000`) becomes U+FFFD, the
 * replacement character: PostgreSQL's JSONB refuses NUL, and a row the store refuses would be lost
 * (an audit row) or fail a request. Both engines store the same, so they keep answering alike.
 */
export function toJsonColumn(value: unknown): string {
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd')
}

/** JSON columns come back as text from both drivers (PostgreSQL's leaves JSON unparsed too); values are accepted as well. */
export function parseJsonColumn<T = unknown>(v: unknown): T | null {
  if (v === null || v === undefined) return null
  if (typeof v !== 'string') return v as T
  try {
    return JSON.parse(v) as T
  } catch {
    return null
  }
}

/** True for the error an engine raises when a concurrent writer claimed the same key first. */
export function isConflictError(e: unknown): boolean {
  const m = e instanceof Error ? e.message : String(e)
  return /constraint violation|duplicate key|conflict on|could not serialize|Conflict/i.test(m)
}
