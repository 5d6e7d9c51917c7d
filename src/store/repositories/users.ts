import type { Db } from '../db.ts'

export interface UserRecord {
  id: string
  email: string
  username: string
  name: string | null
  is_admin: boolean
  password_hash: string | null
  created_at: string
  updated_at: string
}

const COLS = 'id, email, username, name, is_admin, password_hash, created_at, updated_at'

/** The users columns of a join, as `<alias>.<col> AS u_<col>`, and the record back out of such a row. */
export function joinedUserColumns(alias: string): string {
  return COLS.split(', ').map((c) => `${alias}.${c} AS u_${c}`).join(', ')
}
export function joinedUser(row: Record<string, unknown>): UserRecord {
  return Object.fromEntries(COLS.split(', ').map((c) => [c, row[`u_${c}`]])) as unknown as UserRecord
}

export function usersRepository(db: Db) {
  return {
    async insert(u: UserRecord): Promise<void> {
      await db.run(`INSERT INTO users (${COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        u.id, u.email, u.username, u.name, u.is_admin, u.password_hash, u.created_at, u.updated_at,
      ])
    },
    byId: (id: string) => db.one<UserRecord>(`SELECT ${COLS} FROM users WHERE id = $1`, [id]),
    byEmail: (email: string) => db.one<UserRecord>(`SELECT ${COLS} FROM users WHERE lower(email) = lower($1)`, [email]),
    byUsername: (username: string) => db.one<UserRecord>(`SELECT ${COLS} FROM users WHERE username = $1`, [username]),
    /** Usernames starting with `prefix` that were ever handed out: those of current users and of deleted ones. */
    async usernamesLike(prefix: string): Promise<string[]> {
      const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      const rows = await db.all<{ username: string }>(
        `SELECT username FROM users WHERE username LIKE $1 ESCAPE '\\'
         UNION SELECT username FROM retired_usernames WHERE username LIKE $1 ESCAPE '\\'`,
        [pattern],
      )
      return rows.map((r) => r.username).sort()
    },
    /** The usernames of deleted users, never handed out again. */
    retiredUsernames: () => db.all<{ username: string; user_id: string | null; retired_at: string }>(`SELECT username, user_id, retired_at FROM retired_usernames ORDER BY username`),
    list: () => db.all<UserRecord>(`SELECT ${COLS} FROM users ORDER BY created_at, id`),
    async countAdmins(): Promise<number> {
      const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM users WHERE is_admin`)
      return r?.n ?? 0
    },
    async update(id: string, patch: { name?: string | null; is_admin?: boolean; password_hash?: string | null }, now: string) {
      const sets: string[] = []
      const params: unknown[] = []
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue
        params.push(v)
        sets.push(`${k} = $${params.length}`)
      }
      params.push(now)
      sets.push(`updated_at = $${params.length}`)
      params.push(id)
      await db.run(`UPDATE users SET ${sets.join(', ')} WHERE id = $${params.length}`, params)
    },
    /**
     * Removes the user and everything that only exists for them, in one transaction. Their username is retired in
     * the same transaction: their transcripts stay filed under it, so no later user may be given it.
     */
    async delete(id: string, now = new Date().toISOString()): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run(
          `INSERT INTO retired_usernames (username, user_id, retired_at) SELECT username, id, $2 FROM users WHERE id = $1
           ON CONFLICT (username) DO NOTHING`,
          [id, now],
        )
        await tx.run(`DELETE FROM personal_access_tokens WHERE user_id = $1`, [id])
        await tx.run(`DELETE FROM web_sessions WHERE user_id = $1`, [id])
        await tx.run(`DELETE FROM user_group_members WHERE user_id = $1`, [id])
        await tx.run(`DELETE FROM users WHERE id = $1`, [id])
      })
    },
  }
}
