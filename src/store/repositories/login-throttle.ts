import type { Db } from '../db.ts'
import { isConflictError, retryOnConflict } from './json.ts'

/** How one family of keys is throttled: `free` attempts, then `baseMs` doubling per attempt, never more than `capMs`. */
export interface ThrottlePolicy {
  free: number
  baseMs: number
  capMs: number
  /** A key whose last attempt is older than this starts again from zero. */
  forgetAfterMs: number
}

export interface ThrottleRecord {
  key: string
  failures: number
  last_attempt_ms: number
  blocked_until_ms: number
}

/**
 * Attempts a conflicting concurrent write may make us retry (DuckDB reports two writers of one key as a conflict).
 * Fifteen parallel guesses on one busy machine used up five, refusing attempts the limit allows; each retry waits a
 * random few ms (retryOnConflict: at most 50), so the whole is bounded well under a second of waiting per attempt in practice.
 */
const CONFLICT_RETRIES = 25

const int = (n: number, what: string) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`login throttle: ${what} must be a non-negative integer`)
  return n
}

/**
 * The wait after the attempt whose number is `attempts` (an SQL expression): nothing for the first `free - 1`
 * attempts, then baseMs, 2·baseMs, 4·baseMs … up to capMs. The exponent is bounded so the power never overflows.
 */
function delaySql(attempts: string, p: ThrottlePolicy): string {
  const free = int(p.free, 'free')
  return `CASE WHEN ${attempts} < ${free} THEN 0
    ELSE CAST(LEAST(${int(p.capMs, 'capMs')}, ${int(p.baseMs, 'baseMs')} * power(2, LEAST(${attempts} - ${free}, 40))) AS BIGINT) END`
}

/**
 * Sign-in attempt counters kept in the store, so every worker (and every host on one PostgreSQL) sees the same
 * figures. Each attempt is counted before its password is checked: a burst of parallel guesses cannot all slip
 * through while the first ones are still being verified.
 */
export function loginThrottleRepository(db: Db) {
  return {
    /**
     * Counts one attempt on `key` unless the key is waiting out a delay. One statement decides, so two workers
     * cannot both take the last free attempt. Resolves to the attempt's number, or to how long to wait (ms).
     */
    async take(key: string, p: ThrottlePolicy, nowMs: number): Promise<{ allowed: true; attempts: number } | { allowed: false; retryAfterMs: number }> {
      const now = int(nowMs, 'now')
      const next = `CASE WHEN login_throttle.last_attempt_ms < CAST($3 AS BIGINT) THEN 1 ELSE login_throttle.failures + 1 END`
      const sql = `INSERT INTO login_throttle (key, failures, last_attempt_ms, blocked_until_ms)
        VALUES ($1, 1, CAST($2 AS BIGINT), CAST($2 AS BIGINT) + ${delaySql('1', p)})
        ON CONFLICT (key) DO UPDATE SET failures = ${next}, last_attempt_ms = CAST($2 AS BIGINT),
          blocked_until_ms = CAST($2 AS BIGINT) + ${delaySql(`(${next})`, p)}
        WHERE login_throttle.blocked_until_ms <= CAST($2 AS BIGINT)
        RETURNING failures`
      try {
        return await retryOnConflict(async () => {
          const row = await db.one<{ failures: number }>(sql, [key, now, now - int(p.forgetAfterMs, 'forgetAfterMs')])
          if (row) return { allowed: true, attempts: Number(row.failures) }
          const held = await db.one<{ blocked_until_ms: number }>(`SELECT blocked_until_ms FROM login_throttle WHERE key = $1`, [key])
          // Gone already (a success cleared it between the two statements): the next attempt may go ahead.
          return { allowed: false, retryAfterMs: Math.max(Number(held?.blocked_until_ms ?? now) - now, 1) }
        }, CONFLICT_RETRIES)
      } catch (e) {
        if (!isConflictError(e)) throw e
        // Still racing other attempts on this very key: refuse this one rather than let it through uncounted.
        return { allowed: false, retryAfterMs: 1000 }
      }
    },
    /**
     * Takes back an attempt counted at `attemptMs` that turned out to be a success (an address's count): the
     * count drops by one, and the wait it set is lifted unless a later attempt has set its own since.
     */
    async giveBack(key: string, attemptMs: number): Promise<void> {
      await db.run(
        `UPDATE login_throttle SET failures = GREATEST(failures - 1, 0),
           blocked_until_ms = CASE WHEN last_attempt_ms = CAST($2 AS BIGINT) THEN CAST($2 AS BIGINT) ELSE blocked_until_ms END
         WHERE key = $1`,
        [key, int(attemptMs, 'attemptMs')],
      ).catch((e) => {
        if (!isConflictError(e)) throw e
      })
    },
    /**
     * Forgets a key (an account after its right password). A concurrent attempt on the same key may make DuckDB
     * report a conflict: retried, and if it still conflicts the count is left as it is (the sign-in stands).
     */
    async clear(key: string): Promise<void> {
      await retryOnConflict(() => db.run(`DELETE FROM login_throttle WHERE key = $1`, [key]), CONFLICT_RETRIES).catch((e) => {
        if (!isConflictError(e)) throw e
      })
    },
    get: (key: string) =>
      db.one<ThrottleRecord>(`SELECT key, failures, last_attempt_ms, blocked_until_ms FROM login_throttle WHERE key = $1`, [key]),
    /** Drops keys idle since before `beforeMs` and no longer waiting; they would start from zero anyway. */
    async purgeIdle(beforeMs: number, nowMs: number): Promise<number> {
      return db.run(`DELETE FROM login_throttle WHERE last_attempt_ms < CAST($1 AS BIGINT) AND blocked_until_ms <= CAST($2 AS BIGINT)`, [
        int(beforeMs, 'before'), int(nowMs, 'now'),
      ])
    },
  }
}
