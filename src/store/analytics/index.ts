import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { checkReadOnlySql, type SqlCheckResult } from './guard.ts'
import { QueryHostClient } from './query-client.ts'
import type { QueryReply, QueryRequest } from './query-protocol.ts'

export type { QueryReply } from './query-protocol.ts'

/**
 * The analytics data: every synced table is one Parquet file, `$AGNES_DATA_DIR/analytics/tables/<id>.parquet`,
 * apart from the system store, so analysts' queries never touch users, tokens or the audit log.
 *
 * Files rather than one database, because each analyst query runs on an instance of its own that can open exactly
 * the files of the tables its caller may read (query-host.ts), in another process. A sync writes a new file beside
 * the old one and renames it into place, so a query already reading the old file finishes on it, and any process
 * (every worker of a cluster) can run queries without owning a database file.
 *
 * Syncs and downloads run here, on an in-memory DuckDB whose file access is limited to the source folders, the
 * tables folder and the export folder, its configuration locked. All analytics SQL lives in this folder.
 */
export interface QueryLimits {
  limit: number
  timeoutMs: number
  maxResultBytes: number
  memoryLimitBytes: number
}

const IDENT = /^[a-z][a-z0-9_]{0,62}$/

/** Quotes an identifier we validated ourselves; refuses anything else rather than escaping it. */
function ident(id: string): string {
  if (!IDENT.test(id)) throw new Error(`not a valid table id: ${id}`)
  return `"${id}"`
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

const READERS = { csv: 'read_csv', parquet: 'read_parquet', json: 'read_json_auto' } as const

export interface Analytics {
  readonly exportDir: string
  /** Replaces table `id` with the contents of a source file; resolves to its row count. */
  materializeFile(id: string, path: string, format: keyof typeof READERS): Promise<number>
  /** Replaces table `id` with the result of a (guard-checked) SELECT over other tables. */
  materializeSql(id: string, sql: string): Promise<number>
  /**
   * Runs an analyst's SQL in the query host, on an instance holding only the tables in `readable` that it names.
   * Never throws for the caller's SQL: refusals and failures are replies with ok: false.
   */
  query(sql: string, access: { knownTables: string[]; readable: 'all' | string[] }, limits: QueryLimits): Promise<QueryReply>
  /** Parses SQL with the read-only guard (for admin-defined SQL tables and scripts); runs nothing. */
  checkSql(sql: string): Promise<SqlCheckResult>
  /** Writes table `id` to a file in the export folder; the caller streams and deletes it. */
  exportTable(id: string, format: 'parquet' | 'csv', fileName: string): Promise<string>
  tableExists(id: string): Promise<boolean>
  dropTable(id: string): Promise<void>
  close(): Promise<void>
}

export interface AnalyticsOptions {
  dataDir: string
  sourceDirs: string[]
  /** Queries this process may run at once (sizes the query host). */
  queryConcurrency?: number
  onQueryHostRestart?: (reason: string) => void
}

export async function openAnalytics(opts: AnalyticsOptions): Promise<Analytics> {
  const dir = join(opts.dataDir, 'analytics')
  const exportDir = join(dir, 'exports')
  const tablesDir = join(dir, 'tables')
  mkdirSync(exportDir, { recursive: true })
  mkdirSync(tablesDir, { recursive: true })
  const tableFile = (id: string) => join(tablesDir, `${ident(id).slice(1, -1)}.parquet`)

  const instance = await DuckDBInstance.create(':memory:')
  const setup = await instance.connect()
  await upgradeLegacyDatabase(setup, dir, tableFile)
  const allowed = [...opts.sourceDirs, tablesDir, exportDir].map((d) => {
    let real = d
    try {
      real = realpathSync(d)
    } catch {
      // a source folder that does not exist yet; its files cannot be read until it does
    }
    return literal(real.endsWith('/') ? real : `${real}/`)
  })
  await setup.run(`SET allowed_directories = [${allowed.join(', ')}]`)
  await setup.run(`SET enable_external_access = false`)
  await setup.run(`SET lock_configuration = true`)
  setup.closeSync()

  const host = new QueryHostClient({ concurrency: opts.queryConcurrency ?? 4, onRestart: opts.onQueryHostRestart })

  // Syncs of different tables may run at once (each holds its table's lease); each writes its own temporary file.
  const withConnection = async <T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> => {
    const c = await instance.connect()
    try {
      return await fn(c)
    } finally {
      c.closeSync()
    }
  }

  /** Writes `select` to a temporary Parquet file and renames it over table `id`'s file; resolves to the row count. */
  const replaceTable = (id: string, select: string, prepare?: (c: DuckDBConnection) => Promise<void>) =>
    withConnection(async (c) => {
      const target = tableFile(id)
      const tmp = join(tablesDir, `.${id}-${randomUUID()}.parquet.tmp`)
      try {
        await prepare?.(c)
        const out = await c.run(`COPY (${select}\n) TO ${literal(tmp)} (FORMAT parquet)`)
        const rows = Number(out.rowsChanged)
        renameSync(tmp, target)
        return rows
      } finally {
        rmSync(tmp, { force: true })
      }
    })

  return {
    exportDir,
    materializeFile: (id, file, format) => replaceTable(id, `SELECT * FROM ${READERS[format]}(${literal(file)})`),
    materializeSql: (id, sql) =>
      replaceTable(id, sql, async (c) => {
        // The SQL names other tables: give this connection a view of each synced one, as temporary views.
        for (const name of readdirSync(tablesDir)) {
          const m = /^([a-z][a-z0-9_]{0,62})\.parquet$/.exec(name)
          if (m) await c.run(`CREATE OR REPLACE TEMP VIEW ${ident(m[1])} AS SELECT * FROM read_parquet(${literal(join(tablesDir, name))})`)
        }
      }),
    query: (sql, access, limits) => {
      const tableFiles: QueryRequest['tableFiles'] = {}
      for (const id of access.knownTables) if (IDENT.test(id)) tableFiles[id] = tableFile(id)
      return host.run({ sql, tableFiles, readable: access.readable, ...limits })
    },
    checkSql: (sql) => withConnection((c) => checkReadOnlySql(c, sql)),
    exportTable: async (id, format, fileName) => {
      if (!/^[A-Za-z0-9._-]+$/.test(fileName)) throw new Error('bad export file name')
      const out = join(exportDir, fileName)
      if (format === 'parquet') {
        copyFileSync(tableFile(id), out)
        return out
      }
      await withConnection((c) => c.run(`COPY (SELECT * FROM read_parquet(${literal(tableFile(id))})) TO ${literal(out)} (FORMAT csv, HEADER true)`))
      return out
    },
    tableExists: async (id) => existsSync(tableFile(id)),
    dropTable: async (id) => {
      rmSync(tableFile(id), { force: true })
    },
    close: async () => {
      await host.close()
      instance.closeSync()
    },
  }
}

/**
 * Versions before table files kept every synced table in `analytics/analytics.duckdb`. On first start after the
 * upgrade each table is written out as its Parquet file and the old database is kept, renamed, so nothing is lost.
 */
async function upgradeLegacyDatabase(c: DuckDBConnection, dir: string, tableFile: (id: string) => string): Promise<void> {
  const legacy = join(dir, 'analytics.duckdb')
  if (!existsSync(legacy)) return
  await c.run(`ATTACH ${literal(legacy)} AS legacy (READ_ONLY)`)
  const reader = await c.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE database_name = 'legacy' AND schema_name = 'main'`)
  for (const [name] of reader.getRows()) {
    const id = String(name)
    if (!IDENT.test(id) || existsSync(tableFile(id))) continue
    const tmp = `${tableFile(id)}.tmp`
    await c.run(`COPY legacy.main.${ident(id)} TO ${literal(tmp)} (FORMAT parquet)`)
    renameSync(tmp, tableFile(id))
  }
  await c.run('DETACH legacy')
  renameSync(legacy, `${legacy}.before-table-files`)
  try {
    unlinkSync(`${legacy}.wal`)
  } catch {
    // no write-ahead log left behind
  }
}
