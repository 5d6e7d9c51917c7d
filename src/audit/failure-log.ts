import { appendFileSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Failed audit writes are counted in a file beside the store, not in the store (which may be the thing failing)
 * and not in process memory (which would be wrong with several workers). One line per failed batch.
 */
export class AuditFailureLog {
  constructor(readonly path: string) {}

  record(at: Date, rows: number, error: string): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true })
      appendFileSync(this.path, JSON.stringify({ at: at.toISOString(), rows, error: error.slice(0, 200) }) + '\n')
    } catch {
      // Nowhere left to write: the spool still holds the rows, and the logger has the error.
    }
  }

  /** Failures (batches, rows) since a moment. */
  since(from: Date): { batches: number; rows: number; last_error: string | null; last_at: string | null } {
    let text = ''
    try {
      text = readFileSync(this.path, 'utf8')
    } catch {
      return { batches: 0, rows: 0, last_error: null, last_at: null }
    }
    let batches = 0
    let rows = 0
    let last: { at: string; error: string } | null = null
    for (const line of text.split('\n')) {
      if (!line) continue
      try {
        const e = JSON.parse(line) as { at: string; rows: number; error: string }
        if (new Date(e.at) < from) continue
        batches++
        rows += e.rows
        last = e
      } catch {
        batches++ // a torn line is still a failure worth seeing
      }
    }
    return { batches, rows, last_error: last?.error ?? null, last_at: last?.at ?? null }
  }
}
