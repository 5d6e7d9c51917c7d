import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import type { Actor, AuditNote, Services } from '../../services.ts'
import { AppError, forbidden, notFound } from '../../errors.ts'
import { checkReadOnlySql } from '../../query/sql-guard.ts'
import { QueryTimeoutError } from '../../store/analytics/index.ts'
import { readableTables } from '../tables/index.ts'

export const DEFAULT_ROW_LIMIT = 10_000
export const DEFAULT_TIMEOUT_SECONDS = 30

const invalidSql = (message: string) => new AppError(400, 'invalid_sql', message, { field: 'sql', auditResult: 'error.invalid_sql' })

/** Every table the actor may query: registered tables and script outputs. */
async function knownTables(svc: Pick<Services, 'store'>): Promise<Set<string>> {
  const ids = new Set((await svc.store.tables.list()).map((t) => t.id))
  for (const s of await svc.store.scripts.list()) ids.add(s.id)
  return ids
}

async function authorizeTables(svc: Pick<Services, 'store'>, actor: Actor, tables: string[]) {
  const known = await knownTables(svc)
  const unknown = tables.filter((t) => !known.has(t))
  if (unknown.length) throw invalidSql(`unknown table: ${unknown.join(', ')}`)
  const readable = await readableTables(svc, actor)
  if (readable !== 'all') {
    const refused = tables.filter((t) => !readable.has(t))
    if (refused.length) throw forbidden(`you may not read: ${refused.join(', ')}`)
  }
}

/**
 * Runs one read-only SELECT over synced tables. The statement is parsed by DuckDB and refused unless it
 * is a single SELECT over tables the actor may read; it then runs on the sandboxed analytics database
 * with a row limit and a time limit.
 */
export async function runQuery(svc: Services, note: AuditNote, actor: Actor, input: { sql: string; limit?: number }) {
  const sql = input.sql.trim().replace(/;\s*$/, '')
  const settings = await svc.store.instance.getConfig()
  const maxRows = Number(settings.query_row_limit ?? DEFAULT_ROW_LIMIT)
  const limit = Math.min(input.limit ?? maxRows, maxRows)
  const timeoutMs = Number(settings.query_timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000
  note.params = { sql: input.sql, limit }
  const check = await svc.analytics.withConnection((c) => checkReadOnlySql(c, sql))
  if (!check.ok) throw invalidSql(check.reason)
  note.params.tables = check.tables
  note.resource = check.tables.length === 1 ? `table:${check.tables[0]}` : check.tables.length ? 'tables' : null
  await authorizeTables(svc, actor, check.tables)
  const t0 = performance.now()
  let out
  try {
    out = await svc.analytics.query(sql, { limit, timeoutMs })
  } catch (e) {
    if (e instanceof QueryTimeoutError) throw new AppError(422, 'query_timeout', e.message, { auditResult: 'error.timeout' })
    // A statement that parses but fails (a missing column, a bad cast) is the caller's SQL, not a server fault.
    throw invalidSql((e instanceof Error ? e.message : String(e)).split('\n')[0])
  }
  const duration_ms = Math.round((performance.now() - t0) * 1000) / 1000
  note.params = { ...note.params, rows: out.rows.length, truncated: out.truncated }
  return { columns: out.columns, rows: out.rows, row_count: out.rows.length, truncated: out.truncated, duration_ms }
}

/** Writes a table to a temporary file for streaming; the caller deletes it once sent. */
export async function prepareDownload(svc: Services, note: AuditNote, actor: Actor, tableId: string, format: 'parquet' | 'csv') {
  note.resource = `table:${tableId}`
  note.params = { format }
  if (!(await knownTables(svc)).has(tableId)) throw notFound('table')
  await authorizeTables(svc, actor, [tableId])
  if (!(await svc.analytics.tableExists(tableId))) {
    throw new AppError(409, 'not_synced', `table ${tableId} has not been synced yet; run a sync first`)
  }
  const path = await svc.analytics.exportTable(tableId, format, `${tableId}-${randomUUID()}.${format}`)
  const bytes = statSync(path).size
  note.params = { format, bytes }
  return { path, bytes, fileName: `${tableId}.${format}`, contentType: format === 'parquet' ? 'application/vnd.apache.parquet' : 'text/csv; charset=utf-8' }
}
