import type { Db } from '../db.ts'

export interface ScriptRecord {
  id: string
  sql: string
  schedule: string
  created_at: string
  updated_at: string
  created_by: string | null
  next_run_at: string | null
  last_run_at: string | null
  last_status: 'success' | 'error' | null
  last_error: string | null
}

/** Scheduled SQL scripts that build derived tables. */
export function scriptsRepository(db: Db) {
  return {
    async insert(s: ScriptRecord): Promise<void> {
      await db.run(
        `INSERT INTO scripts (id, sql, schedule, created_at, updated_at, created_by, next_run_at, last_run_at, last_status, last_error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [s.id, s.sql, s.schedule, s.created_at, s.updated_at, s.created_by, s.next_run_at, s.last_run_at, s.last_status, s.last_error],
      )
    },
    byId: (id: string) => db.one<ScriptRecord>(`SELECT * FROM scripts WHERE id = $1`, [id]),
    list: () => db.all<ScriptRecord>(`SELECT * FROM scripts ORDER BY id`),
    due: (nowIso: string) => db.all<ScriptRecord>(`SELECT * FROM scripts WHERE next_run_at IS NOT NULL AND next_run_at <= $1 ORDER BY next_run_at, id`, [nowIso]),
    async recordRun(id: string, at: string, status: 'success' | 'error', error: string | null, nextRunAt: string | null): Promise<void> {
      await db.run(`UPDATE scripts SET last_run_at = $1, last_status = $2, last_error = $3, next_run_at = $4 WHERE id = $5`, [at, status, error, nextRunAt, id])
    },
    async setSchedule(id: string, schedule: string, nextRunAt: string, updatedAt: string): Promise<void> {
      await db.run(`UPDATE scripts SET schedule = $1, next_run_at = $2, updated_at = $3 WHERE id = $4`, [schedule, nextRunAt, updatedAt, id])
    },
    async delete(id: string): Promise<void> {
      await db.run(`DELETE FROM scripts WHERE id = $1`, [id])
    },
  }
}
