import type { Db } from '../db.ts'
import { parseJsonColumn, toJsonColumn } from './json.ts'

export type TableSource =
  | { kind: 'file'; path: string; format: 'csv' | 'parquet' | 'json' }
  | { kind: 'sql'; sql: string }

export interface DataTableRecord {
  id: string
  source: TableSource
  sync_interval_minutes: number | null
  description: string | null
  created_at: string
  updated_at: string
  created_by: string | null
}

export interface SyncJobRecord {
  id: string
  status: 'queued' | 'running' | 'done' | 'failed'
  tables: string[]
  requested_by: string | null
  client_kind: string
  correlation_id: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  error: string | null
}

export interface SyncHistoryRecord {
  id: number
  table_id: string
  job_id: string | null
  synced_at: string
  rows: number | null
  duration_ms: number | null
  status: 'success' | 'error'
  error: string | null
}

const toTable = (r: Record<string, unknown>): DataTableRecord => ({ ...(r as unknown as DataTableRecord), source: parseJsonColumn<TableSource>(r.source)! })
const toJob = (r: Record<string, unknown>): SyncJobRecord => ({ ...(r as unknown as SyncJobRecord), tables: parseJsonColumn<string[]>(r.tables) ?? [] })

/** The table registry, sync jobs and the per-table-run sync history. */
export function dataTablesRepository(db: Db) {
  const j = db.dialect.json
  return {
    async insert(t: DataTableRecord): Promise<void> {
      await db.run(
        `INSERT INTO data_tables (id, source, sync_interval_minutes, description, created_at, updated_at, created_by) VALUES ($1, ${j('$2')}, $3, $4, $5, $6, $7)`,
        [t.id, toJsonColumn(t.source), t.sync_interval_minutes, t.description, t.created_at, t.updated_at, t.created_by],
      )
    },
    async byId(id: string): Promise<DataTableRecord | undefined> {
      const r = await db.one(`SELECT * FROM data_tables WHERE id = $1`, [id])
      return r ? toTable(r) : undefined
    },
    async list(): Promise<DataTableRecord[]> {
      return (await db.all(`SELECT * FROM data_tables ORDER BY id`)).map(toTable)
    },
    async update(id: string, patch: { source?: TableSource; sync_interval_minutes?: number | null; description?: string | null }, now: string): Promise<void> {
      const cur = await db.one(`SELECT * FROM data_tables WHERE id = $1`, [id])
      if (!cur) return
      const t = toTable(cur)
      await db.run(`UPDATE data_tables SET source = ${j('$1')}, sync_interval_minutes = $2, description = $3, updated_at = $4 WHERE id = $5`, [
        toJsonColumn(patch.source ?? t.source),
        patch.sync_interval_minutes === undefined ? t.sync_interval_minutes : patch.sync_interval_minutes,
        patch.description === undefined ? t.description : patch.description,
        now,
        id,
      ])
    },
    async delete(id: string): Promise<void> {
      await db.run(`DELETE FROM data_tables WHERE id = $1`, [id])
    },

    async insertJob(job: SyncJobRecord): Promise<void> {
      await db.run(
        `INSERT INTO sync_jobs (id, status, tables, requested_by, client_kind, correlation_id, created_at, started_at, finished_at, error)
         VALUES ($1, $2, ${j('$3')}, $4, $5, $6, $7, $8, $9, $10)`,
        [job.id, job.status, toJsonColumn(job.tables), job.requested_by, job.client_kind, job.correlation_id, job.created_at, job.started_at, job.finished_at, job.error],
      )
    },
    async job(id: string): Promise<SyncJobRecord | undefined> {
      const r = await db.one(`SELECT * FROM sync_jobs WHERE id = $1`, [id])
      return r ? toJob(r) : undefined
    },
    async setJobStatus(id: string, status: SyncJobRecord['status'], at: string, error: string | null = null): Promise<void> {
      if (status === 'running') await db.run(`UPDATE sync_jobs SET status = $1, started_at = $2 WHERE id = $3`, [status, at, id])
      else await db.run(`UPDATE sync_jobs SET status = $1, finished_at = $2, error = $3 WHERE id = $4`, [status, at, error, id])
    },
    /** Jobs left queued or running by a process that died; they are marked failed at start. */
    async failUnfinishedJobs(at: string): Promise<number> {
      return db.run(`UPDATE sync_jobs SET status = 'failed', finished_at = $1, error = 'the server stopped before this job finished' WHERE status IN ('queued', 'running')`, [at])
    },

    async insertHistory(h: Omit<SyncHistoryRecord, 'id'>): Promise<number> {
      const r = await db.one<{ id: number }>(
        `INSERT INTO sync_history (table_id, job_id, synced_at, rows, duration_ms, status, error) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [h.table_id, h.job_id, h.synced_at, h.rows, h.duration_ms, h.status, h.error],
      )
      return r!.id
    },
    historyForJob: (jobId: string) => db.all<SyncHistoryRecord>(`SELECT * FROM sync_history WHERE job_id = $1 ORDER BY id`, [jobId]),
    historyForTable: (tableId: string, limit = 50) =>
      db.all<SyncHistoryRecord>(`SELECT * FROM sync_history WHERE table_id = $1 ORDER BY synced_at DESC, id DESC LIMIT $2`, [tableId, limit]),
    /** The newest run per table, for deciding which tables are due. */
    /** The newest run per table by when it ran (not by id: a late-written row must not win). */
    lastRuns: () =>
      db.all<SyncHistoryRecord>(
        `SELECT id, table_id, job_id, synced_at, rows, duration_ms, status, error FROM (
           SELECT h.*, row_number() OVER (PARTITION BY table_id ORDER BY synced_at DESC, id DESC) AS rn FROM sync_history h
         ) ranked WHERE rn = 1`,
      ),
  }
}
