import type { Db } from '../db.ts'
import { isConflictError } from './json.ts'

/**
 * Named leases kept in the store, so they hold across workers: a sync of one table, a scheduler job.
 * A lease expires on its own, so a crashed holder never blocks forever.
 */
export function locksRepository(db: Db) {
  return {
    /** Takes the lease when it is free or expired. Resolves true when `holder` now holds it. */
    async acquire(name: string, holder: string, ttlMs: number, now = new Date()): Promise<boolean> {
      const expires = new Date(now.getTime() + ttlMs).toISOString()
      // The row comes back only when this holder inserted it or took over an expired one, so a free lease costs one
      // statement. A concurrent acquirer that commits first makes the update's condition false (PostgreSQL) or this
      // write conflict (DuckDB); the holder check below then tells who holds it.
      try {
        const rows = await db.all<{ holder: string }>(
          `INSERT INTO locks (name, holder, acquired_at, expires_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
           WHERE locks.expires_at < $3
           RETURNING holder`,
          [name, holder, now.toISOString(), expires],
        )
        if (rows.some((r) => r.holder === holder)) return true
      } catch (e) {
        if (!isConflictError(e)) throw e
      }
      // Not taken now: it may already be this holder's (a lease still held is not renewed by acquiring it again).
      const row = await db.one<{ holder: string }>(`SELECT holder FROM locks WHERE name = $1`, [name])
      return row?.holder === holder
    },
    /**
     * Extends a lease `holder` still holds. False when it does not (released, or expired and taken over): the
     * holder must then stop what the lease guarded. An expired lease nobody took yet is still the holder's.
     */
    async renew(name: string, holder: string, ttlMs: number, now = new Date()): Promise<boolean> {
      const expires = new Date(now.getTime() + ttlMs).toISOString()
      try {
        return (await db.run(`UPDATE locks SET expires_at = $1 WHERE name = $2 AND holder = $3`, [expires, name, holder])) > 0
      } catch (e) {
        if (isConflictError(e)) return false // a concurrent acquirer is taking it over
        throw e
      }
    },
    async release(name: string, holder: string): Promise<void> {
      await db.run(`DELETE FROM locks WHERE name = $1 AND holder = $2`, [name, holder])
    },
    /** Releases every lease `holder` holds, in one statement (a query's two slots). */
    async releaseAll(holder: string): Promise<void> {
      await db.run(`DELETE FROM locks WHERE holder = $1`, [holder])
    },
    holder: (name: string) => db.one<{ holder: string; acquired_at: string; expires_at: string }>(`SELECT holder, acquired_at, expires_at FROM locks WHERE name = $1`, [name]),
  }
}
