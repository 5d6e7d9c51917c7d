import type { Db } from '../db.ts'
import { joinedUser, joinedUserColumns, type UserRecord } from './users.ts'

export interface WebSessionRecord {
  id_hash: string
  user_id: string
  csrf_token: string
  created_at: string
  expires_at: string
}

export function webSessionsRepository(db: Db) {
  return {
    async insert(s: WebSessionRecord): Promise<void> {
      await db.run(`INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
        s.id_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at,
      ])
    },
    /** The session and its user in one query: every page and cookie request runs this. */
    async withUserByHash(hash: string): Promise<{ session: WebSessionRecord; user: UserRecord } | null> {
      const row = await db.one<Record<string, unknown>>(
        `SELECT s.id_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, ${joinedUserColumns('u')}
         FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1`,
        [hash],
      )
      if (!row) return null
      const { id_hash, user_id, csrf_token, created_at, expires_at } = row as unknown as WebSessionRecord
      return { session: { id_hash, user_id, csrf_token, created_at, expires_at }, user: joinedUser(row) }
    },
    async delete(hash: string): Promise<void> {
      await db.run(`DELETE FROM web_sessions WHERE id_hash = $1`, [hash])
    },
    async deleteExpired(now: string): Promise<number> {
      return db.run(`DELETE FROM web_sessions WHERE expires_at < $1`, [now])
    },
  }
}
