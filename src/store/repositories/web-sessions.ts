import type { Db } from '../db.ts'

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
    byHash: (hash: string) =>
      db.one<WebSessionRecord>(`SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM web_sessions WHERE id_hash = $1`, [hash]),
    async delete(hash: string): Promise<void> {
      await db.run(`DELETE FROM web_sessions WHERE id_hash = $1`, [hash])
    },
    async deleteExpired(now: string): Promise<number> {
      return db.run(`DELETE FROM web_sessions WHERE expires_at < $1`, [now])
    },
  }
}
