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

/** The longest wait between two tries of a write that conflicted. */
const MAX_CONFLICT_WAIT_MS = 50

/**
 * Runs `write` again, up to `retries` more times, while it fails with a write conflict (DuckDB reports two writers of
 * one row rather than waiting; PostgreSQL a serialization failure). Each retry waits a random few milliseconds, more
 * with each try and at most MAX_CONFLICT_WAIT_MS, so racing writers do not use up their tries in lockstep. The last
 * conflict, or any other error, is thrown.
 */
export async function retryOnConflict<T>(write: () => Promise<T>, retries: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write()
    } catch (e) {
      if (!isConflictError(e) || attempt >= retries) throw e
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(MAX_CONFLICT_WAIT_MS, 2 + 8 * attempt)))
    }
  }
}
