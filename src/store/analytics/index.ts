import { mkdirSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api'

/**
 * The analytics database: synced tables live in their own DuckDB file, apart from the system store,
 * so analysts' queries never touch users, tokens or the audit log.
 *
 * The instance is sandboxed at open: file access is limited to the configured source folders (for
 * syncs) and the export folder (for downloads), then the configuration is locked so no statement can
 * widen it. This is defence in depth behind the read-only SQL guard. All analytics SQL lives here.
 */
export interface QueryColumn {
  name: string
  type: string
}

export interface QueryOutput {
  columns: QueryColumn[]
  rows: unknown[][]
  truncated: boolean
}

export class QueryTimeoutError extends Error {}

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
const INTEGER_TYPES = new Set(['BIGINT', 'HUGEINT', 'UBIGINT', 'UHUGEINT'])

/** JSON-safe rows: big integers become numbers when exact, else strings; everything else as DuckDB's JSON form. */
function jsonRows(result: DuckDBResultReader): { columns: QueryColumn[]; rows: unknown[][] } {
  const names = result.columnNames()
  const types = result.columnTypes().map((t) => t.toString())
  const rows = result.getRowsJson() as unknown[][]
  const intCols = types.map((t) => INTEGER_TYPES.has(t))
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (intCols[i] && typeof row[i] === 'string') {
        const n = Number(row[i])
        if (Number.isSafeInteger(n)) row[i] = n
      }
    }
  }
  return { columns: names.map((name, i) => ({ name, type: types[i] })), rows }
}

export interface Analytics {
  readonly path: string
  readonly exportDir: string
  /** Replaces table `id` with the contents of a source file; resolves to its row count. */
  materializeFile(id: string, path: string, format: keyof typeof READERS): Promise<number>
  /** Replaces table `id` with the result of a (guard-checked) SELECT over other tables. */
  materializeSql(id: string, sql: string): Promise<number>
  /** Runs a (guard-checked) SELECT with a row limit and a time limit. */
  query(sql: string, opts: { limit: number; timeoutMs: number }): Promise<QueryOutput>
  /** Writes table `id` to a file in the export folder; the caller streams and deletes it. */
  exportTable(id: string, format: 'parquet' | 'csv', fileName: string): Promise<string>
  tableExists(id: string): Promise<boolean>
  dropTable(id: string): Promise<void>
  /** A connection for the SQL guard's parser (json_serialize_sql needs no data access). */
  withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export async function openAnalytics(opts: { dataDir: string; sourceDirs: string[] }): Promise<Analytics> {
  const dir = join(opts.dataDir, 'analytics')
  const exportDir = join(dir, 'exports')
  mkdirSync(exportDir, { recursive: true })
  const path = join(dir, 'analytics.duckdb')
  const instance = await DuckDBInstance.create(path)
  const setup = await instance.connect()
  const allowed = [...opts.sourceDirs, exportDir].map((d) => {
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

  // Statements that change tables run one at a time; queries each get their own connection so a
  // slow query can be interrupted without touching anything else.
  let writeChain: Promise<unknown> = Promise.resolve()
  const serialWrite = <T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> => {
    const run = writeChain.then(async () => {
      const c = await instance.connect()
      try {
        return await fn(c)
      } finally {
        c.closeSync()
      }
    })
    writeChain = run.catch(() => {})
    return run
  }
  const withConnection = async <T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> => {
    const c = await instance.connect()
    try {
      return await fn(c)
    } finally {
      c.closeSync()
    }
  }
  const countRows = async (c: DuckDBConnection, id: string) => {
    const r = await c.runAndReadAll(`SELECT count(*) AS n FROM ${ident(id)}`)
    return Number(r.getRows()[0][0])
  }

  return {
    path,
    exportDir,
    materializeFile: (id, file, format) =>
      serialWrite(async (c) => {
        await c.run(`CREATE OR REPLACE TABLE ${ident(id)} AS SELECT * FROM ${READERS[format]}(${literal(file)})`)
        return countRows(c, id)
      }),
    materializeSql: (id, sql) =>
      serialWrite(async (c) => {
        await c.run(`CREATE OR REPLACE TABLE ${ident(id)} AS ${sql}`)
        return countRows(c, id)
      }),
    query: (sql, { limit, timeoutMs }) =>
      withConnection(async (c) => {
        let timedOut = false
        const timer = setTimeout(() => {
          timedOut = true
          c.interrupt()
        }, timeoutMs)
        try {
          const result = await c.runAndReadAll(`SELECT * FROM (${sql}) AS agnes_query LIMIT ${Math.floor(limit) + 1}`)
          const out = jsonRows(result)
          const truncated = out.rows.length > limit
          return { ...out, rows: truncated ? out.rows.slice(0, limit) : out.rows, truncated }
        } catch (e) {
          if (timedOut) throw new QueryTimeoutError(`the query ran longer than ${Math.round(timeoutMs / 1000)} s and was stopped`)
          throw e
        } finally {
          clearTimeout(timer)
        }
      }),
    exportTable: (id, format, fileName) =>
      withConnection(async (c) => {
        if (!/^[A-Za-z0-9._-]+$/.test(fileName)) throw new Error('bad export file name')
        const out = join(exportDir, fileName)
        const fmt = format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true'
        await c.run(`COPY ${ident(id)} TO ${literal(out)} (${fmt})`)
        return out
      }),
    tableExists: (id) =>
      withConnection(async (c) => {
        const r = await c.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $1`, [id])
        return Number(r.getRows()[0][0]) > 0
      }),
    dropTable: (id) =>
      serialWrite(async (c) => {
        await c.run(`DROP TABLE IF EXISTS ${ident(id)}`)
      }),
    withConnection,
    close: async () => {
      await writeChain.catch(() => {})
      instance.closeSync()
    },
  }
}
