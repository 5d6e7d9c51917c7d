import type { Db } from '../db.ts'
import { isConflictError, parseJsonColumn, toJsonColumn } from './json.ts'

/**
 * Small pieces of state that must be right with several workers, so they live in the store:
 * de-duplication windows ("at most one activity.read per actor and filter per 60 s") and cached figures
 * (the health pulse, 30 s).
 */
export function sharedStateRepository(db: Db) {
  return {
    /**
     * Claims `key` for `ttlMs`. True for the first claimant in the window; false while an unexpired claim exists.
     * The claim is one statement, so two workers racing for it cannot both win.
     */
    async claimOnce(key: string, ttlMs: number, now = new Date()): Promise<boolean> {
      const expires = new Date(now.getTime() + ttlMs).toISOString()
      // Most calls land inside a window already claimed (a page reads its timeline, KPIs and facets with the same
      // filters): a read answers those without a write transaction. The upsert below still decides every race.
      if (await this.isClaimed(key, now)) return false
      try {
        const changed = await db.run(
          `INSERT INTO dedup_windows (key, expires_at) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE dedup_windows.expires_at <= $3`,
          [key, expires, now.toISOString()],
        )
        return changed > 0
      } catch (e) {
        if (isConflictError(e)) return false // a concurrent claim committed first
        throw e
      }
    },
    /** Whether an unexpired claim of `key` exists: a read, which decides no race (claimOnce does). */
    async isClaimed(key: string, now = new Date()): Promise<boolean> {
      return Boolean(await db.one(`SELECT 1 AS held FROM dedup_windows WHERE key = $1 AND expires_at > $2`, [key, now.toISOString()]))
    },
    async cached<T>(key: string, now = new Date()): Promise<T | null> {
      const r = await db.one<{ value: unknown }>(`SELECT value FROM cached_values WHERE key = $1 AND expires_at > $2`, [key, now.toISOString()])
      return r ? parseJsonColumn<T>(r.value) : null
    },
    async setCached(key: string, value: unknown, ttlMs: number, now = new Date()): Promise<void> {
      // Two workers refreshing the same figure at once: either value is fine, so a lost race is not an error.
      await db.run(
        `INSERT INTO cached_values (key, value, expires_at) VALUES ($1, ${db.dialect.json('$2')}, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
        [key, toJsonColumn(value), new Date(now.getTime() + ttlMs).toISOString()],
      ).catch((e) => {
        if (!isConflictError(e)) throw e
      })
    },
    /** Drops expired windows and cache entries; run from time to time so the tables stay small. */
    async purgeExpired(now = new Date()): Promise<void> {
      await db.run(`DELETE FROM dedup_windows WHERE expires_at <= $1`, [now.toISOString()])
      await db.run(`DELETE FROM cached_values WHERE expires_at <= $1`, [now.toISOString()])
    },
  }
}
