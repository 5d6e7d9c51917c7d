import type { Db } from '../db.ts'
import { isConflictError } from './json.ts'
import { joinedUser, joinedUserColumns, type UserRecord } from './users.ts'

export interface TokenRecord {
  id: string
  user_id: string
  name: string | null
  token_hash: string
  token_prefix: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

const COLS = 'id, user_id, name, token_hash, token_prefix, created_at, expires_at, last_used_at, revoked_at'

export function tokensRepository(db: Db) {
  return {
    async insert(t: TokenRecord): Promise<void> {
      await db.run(`INSERT INTO personal_access_tokens (${COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        t.id, t.user_id, t.name, t.token_hash, t.token_prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
      ])
    },
    byId: (id: string) => db.one<TokenRecord>(`SELECT ${COLS} FROM personal_access_tokens WHERE id = $1`, [id]),
    /** The token and its user in one query: authentication runs this on every request. */
    async withUserByHash(hash: string): Promise<{ token: TokenRecord; user: UserRecord } | null> {
      const row = await db.one<Record<string, unknown>>(
        `SELECT ${COLS.split(', ').map((c) => `t.${c}`).join(', ')}, ${joinedUserColumns('u')}
         FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
        [hash],
      )
      if (!row) return null
      const token = Object.fromEntries(COLS.split(', ').map((c) => [c, row[c]])) as unknown as TokenRecord
      return { token, user: joinedUser(row) }
    },
    listForUser: (userId: string) =>
      db.all<TokenRecord>(`SELECT ${COLS} FROM personal_access_tokens WHERE user_id = $1 ORDER BY created_at, id`, [userId]),
    /** Per user, the tokens that still sign requests at `now`: neither revoked nor expired. */
    async activeCounts(now: string): Promise<Map<string, number>> {
      const rows = await db.all<{ user_id: string; n: number }>(
        `SELECT user_id, count(*) AS n FROM personal_access_tokens
         WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1) GROUP BY user_id`,
        [now],
      )
      return new Map(rows.map((r) => [r.user_id, Number(r.n)]))
    },
    async revoke(id: string, now: string): Promise<void> {
      await db.run(`UPDATE personal_access_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, [now, id])
    },
    /**
     * Records that the token was just used. Concurrent requests with one token race to do this; the
     * losers' conflict means a winner just wrote the same moment, so it is not an error.
     */
    async touch(id: string, now: string): Promise<void> {
      await db.run(`UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2`, [now, id]).catch((e) => {
        if (!isConflictError(e)) throw e
      })
    },
  }
}
