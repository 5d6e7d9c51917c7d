import type { Db } from '../db.ts'
import { isConflictError, parseJsonColumn, toJsonColumn } from './json.ts'

/**
 * The exact states before and after reversible changes, keyed by the sha256 of their canonical JSON (the audit
 * row's params carry the hash as state_sha256). Audit params are capped and redacted; these are what a rollback
 * restores and what the Changes view diffs.
 */
export function changeStatesRepository(db: Db) {
  return {
    /** Keeps a state under its hash (a state reached again is kept once) and marks it used at `now`. */
    async put(sha256: string, state: Record<string, unknown>, now: string): Promise<void> {
      await db
        .run(
          `INSERT INTO change_states (sha256, state, created_at, last_used_at) VALUES ($1, ${db.dialect.json('$2')}, $3, $3)
           ON CONFLICT (sha256) DO UPDATE SET last_used_at = excluded.last_used_at`,
          [sha256, toJsonColumn(state), now],
        )
        .catch((e) => {
          // A concurrent writer stored the same state a moment earlier: it is kept either way.
          if (!isConflictError(e)) throw e
        })
    },
    /** The states with these hashes; a hash not kept (never, or purged) is absent from the map. */
    async getMany(hashes: string[]): Promise<Map<string, Record<string, unknown>>> {
      const unique = [...new Set(hashes)]
      if (unique.length === 0) return new Map()
      const rows = await db.all<{ sha256: string; state: unknown }>(
        `SELECT sha256, state FROM change_states WHERE sha256 IN (${unique.map((_, i) => `$${i + 1}`).join(', ')})`,
        unique,
      )
      return new Map(rows.map((r) => [r.sha256, parseJsonColumn<Record<string, unknown>>(r.state) ?? {}]))
    },
    /** Deletes states no audit row newer than `beforeIso` refers to, at most `limit` of them. */
    async purgeUnusedBefore(beforeIso: string, limit: number): Promise<number> {
      return db.run(
        `DELETE FROM change_states WHERE sha256 IN (SELECT sha256 FROM change_states WHERE last_used_at < $1 ORDER BY last_used_at LIMIT $2)`,
        [beforeIso, limit],
      )
    },
  }
}
