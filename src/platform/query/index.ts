import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import type { Actor, AuditNote, Services } from '../../services.ts'
import { AppError, forbidden, notFound } from '../../errors.ts'
import type { QueryReply } from '../../store/analytics/index.ts'
import { withQuerySlot } from './slots.ts'
import { readableTables } from '../tables/index.ts'
import { sqlFingerprint } from '../../activity/fingerprint.ts'

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

function failure(reply: Extract<QueryReply, { ok: false }>, config: Services['config']): AppError {
  switch (reply.kind) {
    case 'invalid_sql':
    case 'unknown_table':
      return invalidSql(reply.message)
    case 'forbidden':
      return forbidden(reply.message)
    case 'timeout':
      return new AppError(422, 'query_timeout', reply.message, { auditResult: 'error.timeout' })
    case 'result_too_large':
      return new AppError(413, 'result_too_large', reply.message, { auditResult: 'error.result_too_large', details: { max_result_bytes: config.query.maxResultBytes } })
    case 'out_of_memory':
      return new AppError(422, 'query_out_of_memory', reply.message, { auditResult: 'error.out_of_memory' })
    case 'engine_restarted':
      return new AppError(503, 'query_engine_restarted', reply.message, { auditResult: 'error.engine_restarted', retryAfterSeconds: 1 })
  }
}

/**
 * Runs one read-only statement over synced tables, as the JSON body to send. The statement runs in the query host
 * on an instance that holds only the tables the actor may read (see store/analytics/query-host.ts), under a row
 * limit, a result size limit, a memory limit and a time limit that parsing counts against, in one of the actor's
 * and the instance's query slots. The audit row names the tables the bound plan read.
 */
export async function runQuery(svc: Services, note: AuditNote, actor: Actor, input: { sql: string; limit?: number }): Promise<string> {
  const settings = await svc.store.instance.getConfig()
  const maxRows = Number(settings.query_row_limit ?? DEFAULT_ROW_LIMIT)
  const limit = Math.min(input.limit ?? maxRows, maxRows)
  const timeoutMs = Number(settings.query_timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000
  note.params = { sql: input.sql, limit }
  const sqlBytes = Buffer.byteLength(input.sql)
  if (sqlBytes > svc.config.query.maxSqlBytes) {
    throw new AppError(413, 'sql_too_large', `the SQL text is ${Math.ceil(sqlBytes / 1024)} KB; at most ${svc.config.query.maxSqlBytes / 1024} KB is accepted (AGNES_QUERY_MAX_SQL_KB)`, { field: 'sql', auditResult: 'error.sql_too_large' })
  }
  // params.sql is cut at 200 characters when stored, too short to parse a longer query again: the Queries view groups
  // calls by this fingerprint of the whole text, taken from DuckDB's parse tree (src/activity/fingerprint.ts).
  note.params.fingerprint = await sqlFingerprint(input.sql)
  const readable = await readableTables(svc, actor)
  const access = { knownTables: [...(await knownTables(svc))], readable: readable === 'all' ? ('all' as const) : [...readable] }
  const limits = { limit, timeoutMs, maxResultBytes: svc.config.query.maxResultBytes, memoryLimitBytes: svc.config.query.memoryLimitBytes }
  const userKey = actor.user?.id ?? 'anonymous'
  const reply = await withQuerySlot(svc, userKey, timeoutMs, () => svc.analytics.query(input.sql, access, limits))
  if (!reply.ok) {
    if (reply.tables?.length) {
      note.params.tables = reply.tables
      note.resource = reply.tables.length === 1 ? `table:${reply.tables[0]}` : 'tables'
    }
    throw failure(reply, svc.config)
  }
  note.params = { ...note.params, tables: reply.tablesRead, rows: reply.rowCount, truncated: reply.truncated }
  note.resource = reply.tablesRead.length === 1 ? `table:${reply.tablesRead[0]}` : reply.tablesRead.length ? 'tables' : null
  return `{"columns":${JSON.stringify(reply.columns)},"rows":${reply.rowsJson},"row_count":${reply.rowCount},"truncated":${reply.truncated},"duration_ms":${reply.durationMs}}`
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
