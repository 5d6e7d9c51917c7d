import { randomUUID } from 'node:crypto'
import type { Actor, AuditNote, Services } from '../../services.ts'
import type { DataTableRecord, SyncHistoryRecord, SyncJobRecord } from '../../store/index.ts'
import { AppError, notFound } from '../../errors.ts'
import { realSourcePath, sqlDependencies } from '../tables/index.ts'

/** A sync lease outlives any reasonable sync; it only matters when a process died holding it. */
const SYNC_LEASE_MS = 60 * 60_000
const lockName = (tableId: string) => `sync:${tableId}`

/** Orders tables so that SQL tables come after the tables they read (file tables first). */
async function inDependencyOrder(svc: Pick<Services, 'analytics'>, tables: DataTableRecord[]): Promise<DataTableRecord[]> {
  const byId = new Map(tables.map((t) => [t.id, t]))
  const deps = new Map<string, string[]>()
  for (const t of tables) deps.set(t.id, t.source.kind === 'sql' ? (await sqlDependencies(svc, t.source.sql)).filter((d) => byId.has(d)) : [])
  const out: DataTableRecord[] = []
  const seen = new Set<string>()
  const visit = (id: string, path: Set<string>) => {
    if (seen.has(id) || path.has(id)) return
    path.add(id)
    for (const d of deps.get(id) ?? []) visit(d, path)
    seen.add(id)
    out.push(byId.get(id)!)
  }
  for (const t of tables) visit(t.id, new Set())
  return out
}

/**
 * Runs one table's sync, records its sync_history row and its own `sync.run` audit row (resource `table:<id>`,
 * `error.sync_failed` when it fails), so the timeline shows each table's run and a filter on the table finds it.
 * Never throws: failures become an error row.
 */
export async function syncTable(svc: Pick<Services, 'config' | 'store' | 'analytics' | 'log' | 'audit' | 'clock'>, table: DataTableRecord, job: SyncJobRecord, actor: Actor): Promise<SyncHistoryRecord> {
  const jobId = job.id
  const t0 = performance.now()
  let rows: number | null = null
  let error: string | null = null
  try {
    if (table.source.kind === 'file') {
      const real = realSourcePath(svc.config.sourceDirs, table.source.path)
      if (!real.ok) throw new Error(real.error)
      rows = await svc.analytics.materializeFile(table.id, real.path, table.source.format)
    } else {
      rows = await svc.analytics.materializeSql(table.id, table.source.sql)
    }
  } catch (e) {
    // DuckDB's messages name the file and the line; keep the first line, which is the readable part.
    error = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 500)
    svc.log.warn({ table: table.id, err: error }, 'sync failed')
  }
  const rec = {
    table_id: table.id,
    job_id: jobId,
    synced_at: svc.clock.now().toISOString(),
    rows: error ? null : rows,
    duration_ms: Math.round((performance.now() - t0) * 1000) / 1000,
    status: (error ? 'error' : 'success') as 'success' | 'error',
    error,
  }
  const id = await svc.store.tables.insertHistory(rec)
  await svc.audit.record({
    action: 'sync.run',
    result: error ? 'error.sync_failed' : 'success',
    user_id: actor.user?.id ?? null,
    user_email: actor.user?.email ?? null,
    resource: `table:${table.id}`,
    params: { job_id: jobId, source_kind: table.source.kind, rows: rec.rows, error, sync_history_id: id },
    duration_ms: rec.duration_ms,
    client_kind: actor.clientKind,
    correlation_id: job.correlation_id ?? job.id,
  })
  return { id, ...rec }
}

/**
 * Takes the sync lease of every table, or none: a table already syncing makes the whole request a 409,
 * so a caller never gets a half-started job.
 */
async function leaseAll(svc: Pick<Services, 'store'>, tableIds: string[], holder: string): Promise<string[]> {
  const taken: string[] = []
  for (const id of tableIds) {
    if (await svc.store.locks.acquire(lockName(id), holder, SYNC_LEASE_MS)) taken.push(id)
    else {
      for (const t of taken) await svc.store.locks.release(lockName(t), holder)
      return tableIds.filter((x) => !taken.includes(x))
    }
  }
  return []
}

async function runJob(svc: Services, job: SyncJobRecord, tables: DataTableRecord[], actor: Actor): Promise<SyncHistoryRecord[]> {
  await svc.store.tables.setJobStatus(job.id, 'running', svc.clock.now().toISOString())
  const results: SyncHistoryRecord[] = []
  try {
    for (const t of await inDependencyOrder(svc, tables)) {
      try {
        results.push(await syncTable(svc, t, job, actor))
      } finally {
        await svc.store.locks.release(lockName(t.id), job.id)
      }
    }
    const failed = results.filter((r) => r.status === 'error')
    await svc.store.tables.setJobStatus(job.id, failed.length ? 'failed' : 'done', svc.clock.now().toISOString(), failed.length ? `${failed.length} of ${results.length} tables failed` : null)
  } catch (e) {
    svc.log.error({ err: e, job: job.id }, 'sync job crashed')
    for (const t of tables) await svc.store.locks.release(lockName(t.id), job.id).catch(() => {})
    await svc.store.tables.setJobStatus(job.id, 'failed', svc.clock.now().toISOString(), String(e).slice(0, 500)).catch(() => {})
  }
  return results
}

export interface StartedJob {
  job: SyncJobRecord
  /** Resolves when the job has finished (the HTTP route does not wait; the scheduler does). */
  done: Promise<SyncHistoryRecord[]>
}

/**
 * Starts a sync job for the given tables (all registered tables when none are named).
 * 409 (audited error.in_progress) when a named table is already syncing.
 */
export async function startSync(
  svc: Services,
  note: AuditNote,
  actor: Actor,
  opts: { tables?: string[]; correlationId?: string | null },
): Promise<StartedJob> {
  const all = await svc.store.tables.list()
  let tables: DataTableRecord[]
  if (opts.tables?.length) {
    const byId = new Map(all.map((t) => [t.id, t]))
    const unique = [...new Set(opts.tables)]
    const missing = unique.filter((id) => !byId.has(id))
    note.params = { tables: unique }
    if (missing.length) throw notFound(`table ${missing.join(', ')}`)
    tables = unique.map((id) => byId.get(id)!)
  } else {
    tables = all
    note.params = { tables: 'all' }
  }
  if (tables.length === 0) throw new AppError(400, 'nothing_to_sync', 'no tables are registered yet', { field: 'tables' })
  note.resource = tables.length === 1 ? `table:${tables[0].id}` : 'tables'

  const jobId = randomUUID()
  const busy = await leaseAll(svc, tables.map((t) => t.id), jobId)
  if (busy.length) {
    throw new AppError(409, 'sync_in_progress', `a sync of ${busy.join(', ')} is already running`, { field: 'tables', auditResult: 'error.in_progress' })
  }
  const job: SyncJobRecord = {
    id: jobId, status: 'queued', tables: tables.map((t) => t.id), requested_by: actor.user?.id ?? null, client_kind: actor.clientKind,
    correlation_id: opts.correlationId ?? null, created_at: svc.clock.now().toISOString(), started_at: null, finished_at: null, error: null,
  }
  await svc.store.tables.insertJob(job)
  note.params = { tables: job.tables, job_id: jobId }
  // The job continues after the response; DuckDB works on its own threads, so the event loop stays free.
  const done = runJob(svc, job, tables, actor)
  return { job, done }
}

/**
 * A sync job's status, for the person who started it and for admins. Anyone else gets the same 404 as for a job
 * that does not exist: job ids are not secrets, and table names, row counts and errors are not theirs to read.
 */
export async function getSyncJob(svc: Pick<Services, 'store'>, actor: Actor, id: string) {
  const job = await svc.store.tables.job(id)
  if (!job || !(actor.user?.is_admin || (actor.user && job.requested_by === actor.user.id))) throw notFound('sync job')
  const history = await svc.store.tables.historyForJob(id)
  return {
    job_id: job.id,
    status: job.status,
    created_at: job.created_at,
    started_at: job.started_at,
    finished_at: job.finished_at,
    error: job.error,
    tables: job.tables.map((tid) => {
      const h = history.find((x) => x.table_id === tid)
      return h
        ? { table_id: tid, status: h.status, rows: h.rows, duration_ms: h.duration_ms, error: h.error, synced_at: h.synced_at }
        : { table_id: tid, status: job.status === 'queued' || job.status === 'running' ? 'pending' : 'skipped', rows: null, duration_ms: null, error: null, synced_at: null }
    }),
  }
}

/** Tables whose interval has passed since their last run (or that never ran). */
export async function dueTables(svc: Pick<Services, 'store' | 'clock'>, now = svc.clock.now()): Promise<DataTableRecord[]> {
  const last = new Map((await svc.store.tables.lastRuns()).map((r) => [r.table_id, r]))
  return (await svc.store.tables.list()).filter((t) => {
    if (!t.sync_interval_minutes) return false
    const l = last.get(t.id)
    return !l || Date.parse(l.synced_at) + t.sync_interval_minutes * 60_000 <= now.getTime()
  })
}

/** The scheduler's sync: every due table that is not already syncing, in one job it waits for. */
export async function syncDue(svc: Services, actor: Actor): Promise<{ synced: string[]; failed: string[]; busy: string[]; job_id?: string }> {
  const due = await dueTables(svc)
  if (due.length === 0) return { synced: [], failed: [], busy: [] }
  const jobId = randomUUID()
  const free: DataTableRecord[] = []
  const busy: string[] = []
  for (const t of due) {
    if (await svc.store.locks.acquire(lockName(t.id), jobId, SYNC_LEASE_MS)) free.push(t)
    else busy.push(t.id)
  }
  if (free.length === 0) return { synced: [], failed: [], busy }
  const job: SyncJobRecord = {
    id: jobId, status: 'queued', tables: free.map((t) => t.id), requested_by: null, client_kind: actor.clientKind,
    correlation_id: null, created_at: svc.clock.now().toISOString(), started_at: null, finished_at: null, error: null,
  }
  await svc.store.tables.insertJob(job)
  const results = await runJob(svc, job, free, actor)
  return {
    job_id: jobId,
    synced: results.filter((r) => r.status === 'success').map((r) => r.table_id),
    failed: results.filter((r) => r.status === 'error').map((r) => r.table_id),
    busy,
  }
}
