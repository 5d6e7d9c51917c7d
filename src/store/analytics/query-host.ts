// The query host: a child process of the server that runs analysts' SQL, and nothing else.
//
// Why a process of its own: DuckDB's work is scheduled on the libuv thread pool of the process that calls it, and
// the system store (users, tokens, the audit log) uses that same pool. Long analyst queries used to hold every
// thread of it, so /api/me waited for them. Here they wait on this process's threads; the server runs this process
// at a lower CPU priority, and a query that exhausts memory can only take this process down (the server starts
// another one).
//
// Why an instance per query: a query runs on a fresh in-memory DuckDB whose catalogue holds only views over the
// tables the caller may read and names, whose file access is limited to exactly those tables' Parquet files, and
// whose configuration is locked before the analyst's SQL runs. Whatever the SQL says (CTE names shadowing tables,
// file paths, globs, catalogue functions), there is nothing else to read. The read-only guard still runs first, to
// give good error messages and to name the tables; it is no longer what keeps data apart.
import { availableParallelism } from 'node:os'
import { DuckDBInstance, JsonDuckDBValueConverter, type DuckDBConnection } from '@duckdb/node-api'
import { checkReadOnlySql } from './guard.ts'
import type { QueryFailureKind, QueryReply, QueryRequest } from './query-protocol.ts'

/** One thread per query: N queries at once use at most N cores, and the cap on concurrent queries bounds the rest. */
const THREADS_PER_QUERY = Math.max(1, Math.floor(availableParallelism() / 2))
const INTEGER_TYPES = new Set(['BIGINT', 'HUGEINT', 'UBIGINT', 'UHUGEINT'])

class Refusal extends Error {
  constructor(readonly kind: QueryFailureKind, message: string, readonly tables?: string[]) {
    super(message)
  }
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`
}

/** Table ids whose Parquet files the bound plan scans, read from json_serialize_plan's output. */
function filesInPlan(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) filesInPlan(item, out)
    return
  }
  if (typeof node !== 'object' || node === null) return
  const rec = node as Record<string, unknown>
  const data = rec.function_data as { files?: unknown } | undefined
  if (data && Array.isArray(data.files)) for (const f of data.files) if (typeof f === 'string') out.add(f)
  for (const value of Object.values(rec)) filesInPlan(value, out)
}

async function tablesInPlan(conn: DuckDBConnection, sql: string, fileToTable: Map<string, string>, fallback: string[]): Promise<string[]> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_plan($1::VARCHAR) AS plan', [sql])
  const raw = reader.getRowObjectsJson()[0]?.plan
  if (typeof raw !== 'string') return fallback
  const plan = JSON.parse(raw) as { error?: boolean; plans?: unknown }
  // Some statement kinds (DESCRIBE, SUMMARIZE) have no serializable plan; they read what they name.
  if (plan.error) return fallback
  const files = new Set<string>()
  filesInPlan(plan.plans, files)
  return [...files].map((f) => fileToTable.get(f)).filter((t): t is string => Boolean(t)).sort()
}

/** The host's parser: no tables, no file access, configuration locked. The guard needs nothing more. */
let parser: Promise<DuckDBInstance> | null = null
function parserInstance(): Promise<DuckDBInstance> {
  parser ??= (async () => {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1', enable_external_access: 'false' })
    const c = await instance.connect()
    await c.run('SET lock_configuration = true')
    c.closeSync()
    return instance
  })()
  return parser
}

/**
 * An instance for one set of tables: views over exactly their files and nothing else, file access limited to those
 * files, configuration locked. Any query that names exactly that set may use it, whoever sends it, because the
 * caller was found allowed to read every table in it before; nothing a read-only statement does changes it. Kept
 * for reuse (creating one costs more than a small query), the least recently used closed past MAX_CATALOGUES.
 */
interface Catalogue {
  instance: DuckDBInstance
  fileToTable: Map<string, string>
  active: number
  lastUsed: number
  /** Taken out of the cache; closed when its last query ends. */
  retired: boolean
}
const MAX_CATALOGUES = 32
const catalogues = new Map<string, Promise<Catalogue>>()

async function openCatalogue(tables: string[], tableFiles: Record<string, string>, memoryLimitBytes: number): Promise<Catalogue> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(THREADS_PER_QUERY),
    memory_limit: `${Math.max(16, Math.floor(memoryLimitBytes / (1024 * 1024)))}MB`,
    // Nothing spills to disk: a query that needs more memory than its limit fails instead of filling the disk.
    temp_directory: '',
  })
  const c = await instance.connect()
  const fileToTable = new Map<string, string>()
  try {
    for (const table of tables) {
      const file = tableFiles[table]
      fileToTable.set(file, table)
      try {
        await c.run(`CREATE VIEW ${quoteIdent(table)} AS SELECT * FROM read_parquet(${literal(file)})`)
      } catch {
        throw new Refusal('invalid_sql', `table ${table} has not been synced yet; run a sync first`, tables)
      }
    }
    const files = [...fileToTable.keys()].map(literal).join(', ')
    await c.run(`SET allowed_paths = [${files}]`)
    await c.run('SET allowed_directories = []')
    await c.run('SET enable_external_access = false')
    await c.run('SET lock_configuration = true')
  } catch (e) {
    c.closeSync()
    instance.closeSync()
    throw e
  }
  c.closeSync()
  return { instance, fileToTable, active: 0, lastUsed: Date.now(), retired: false }
}

/** The catalogue for a table set, counted as in use by the caller (who must decrement `active` when done). */
async function catalogueFor(tables: string[], tableFiles: Record<string, string>, memoryLimitBytes: number): Promise<{ key: string; catalogue: Catalogue }> {
  const key = JSON.stringify([memoryLimitBytes, ...tables.map((t) => [t, tableFiles[t]])])
  for (;;) {
    let pending = catalogues.get(key)
    if (!pending) {
      pending = openCatalogue(tables, tableFiles, memoryLimitBytes)
      catalogues.set(key, pending)
      pending.catch(() => catalogues.delete(key))
    }
    const catalogue = await pending
    // Retired while we waited (evicted, or its view went stale): it is out of the cache, so the next turn builds one.
    if (catalogue.retired) continue
    catalogue.active++
    catalogue.lastUsed = Date.now()
    evictIdle()
    return { key, catalogue }
  }
}

/** Closes the least recently used idle catalogues past MAX_CATALOGUES. */
function evictIdle(): void {
  if (catalogues.size <= MAX_CATALOGUES) return
  void Promise.allSettled([...catalogues.entries()].map(async ([key, p]) => ({ key, c: await p }))).then((all) => {
    const idle = all
      .flatMap((r) => (r.status === 'fulfilled' && r.value.c.active === 0 && !r.value.c.retired ? [r.value] : []))
      .sort((a, b) => a.c.lastUsed - b.c.lastUsed)
    for (const { key, c } of idle.slice(0, Math.max(0, catalogues.size - MAX_CATALOGUES))) {
      catalogues.delete(key)
      c.retired = true
      c.instance.closeSync()
    }
  })
}

function forget(key: string): void {
  const p = catalogues.get(key)
  catalogues.delete(key)
  void p?.then((c) => {
    c.retired = true
    if (c.active === 0) c.instance.closeSync()
  }, () => {})
}

async function runOne(req: QueryRequest, deadline: number, onConnection: (c: DuckDBConnection) => void, retry = true): Promise<QueryReply> {
  const t0 = performance.now()
  const p = await (await parserInstance()).connect()
  onConnection(p)
  let check
  try {
    check = await checkReadOnlySql(p, req.sql)
  } finally {
    p.closeSync()
  }
  if (!check.ok) throw new Refusal('invalid_sql', check.reason)
  const unknown = check.tables.filter((t) => !(t in req.tableFiles))
  if (unknown.length) throw new Refusal('unknown_table', `unknown table: ${unknown.join(', ')}`, check.tables)
  if (req.readable !== 'all') {
    const readable = new Set(req.readable)
    const refused = check.tables.filter((t) => !readable.has(t))
    if (refused.length) throw new Refusal('forbidden', `you may not read: ${refused.join(', ')}`, check.tables)
  }
  if (Date.now() > deadline) throw new Refusal('timeout', 'timeout')

  // The catalogue: one view per table the statement names (all readable by now), over its file alone.
  const { key, catalogue } = await catalogueFor(check.tables, req.tableFiles, req.memoryLimitBytes)
  let conn: DuckDBConnection | null = null
  try {
    conn = await catalogue.instance.connect()
    onConnection(conn)
    return await execute(req, conn, catalogue.fileToTable, check.tables, t0)
  } catch (e) {
    // A table re-synced with other columns no longer matches the view bound to its old shape: build a new one.
    if (retry && e instanceof Error && /Contents of view were altered/.test(e.message)) {
      forget(key)
      return await runOne(req, deadline, onConnection, false)
    }
    throw e
  } finally {
    conn?.closeSync()
    catalogue.active--
    if (catalogue.retired && catalogue.active === 0) catalogue.instance.closeSync()
  }
}

async function execute(req: QueryRequest, conn: DuckDBConnection, fileToTable: Map<string, string>, named: string[], t0: number): Promise<QueryReply> {
  const tablesRead = await tablesInPlan(conn, req.sql, fileToTable, named)
  const result = await conn.stream(req.sql)
  const columns = result.columnNames().map((name, i) => ({ name, type: result.columnTypes()[i].toString() }))
  const intCols = columns.map((c) => INTEGER_TYPES.has(c.type))
  const parts: string[] = []
  let bytes = 2
  let truncated = false
  fetch: for (;;) {
    const chunk = await result.fetchChunk()
    if (!chunk || chunk.rowCount === 0) break
    for (let r = 0; r < chunk.rowCount; r++) {
      if (parts.length === req.limit) {
        truncated = true
        break fetch
      }
      const row = chunk.convertRowValues(r, JsonDuckDBValueConverter) as unknown[]
      for (let i = 0; i < row.length; i++) {
        if (intCols[i] && typeof row[i] === 'string') {
          const n = Number(row[i])
          if (Number.isSafeInteger(n)) row[i] = n
        }
      }
      const json = JSON.stringify(row)
      bytes += Buffer.byteLength(json) + 1
      if (bytes > req.maxResultBytes) {
        throw new Refusal('result_too_large', `the result is larger than ${formatBytes(req.maxResultBytes)} (AGNES_QUERY_MAX_RESULT_MB); select fewer rows or columns, or download the table`)
      }
      parts.push(json)
    }
  }
  return {
    id: req.id, ok: true, columns, rowsJson: `[${parts.join(',')}]`, rowCount: parts.length, truncated, tablesRead,
    durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / (1024 * 1024)) * 100) / 100} MB` : `${Math.round(n / 1024)} KB`
}

/** Runs one request under its time limit (parsing and planning included) and turns every failure into a reply. */
export async function answer(req: QueryRequest): Promise<QueryReply> {
  const deadline = Date.now() + req.timeoutMs
  let conn: DuckDBConnection | null = null
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    conn?.interrupt()
  }, req.timeoutMs)
  try {
    return await runOne(req, deadline, (c) => {
      conn = c
    })
  } catch (e) {
    const seconds = Math.round(req.timeoutMs / 100) / 10
    if (timedOut || (e instanceof Refusal && e.kind === 'timeout')) {
      return { id: req.id, ok: false, kind: 'timeout', message: `the query ran longer than ${seconds} s and was stopped` }
    }
    if (e instanceof Refusal) return { id: req.id, ok: false, kind: e.kind, message: e.message, tables: e.tables }
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]
    if (/Out of Memory/i.test(message)) {
      return { id: req.id, ok: false, kind: 'out_of_memory', message: `the query needs more memory than its limit of ${formatBytes(req.memoryLimitBytes)} (AGNES_QUERY_MEMORY_MB)` }
    }
    // A statement that parses but fails (a missing column, a bad cast) is the caller's SQL, not a server fault.
    return { id: req.id, ok: false, kind: 'invalid_sql', message }
  } finally {
    clearTimeout(timer)
  }
}

// Started as a child process: answer the server's requests until it goes away.
if (process.send) {
  process.on('message', (req: QueryRequest) => {
    void answer(req).then((reply) => {
      if (process.connected) process.send!(reply)
    })
  })
  process.on('disconnect', () => process.exit(0))
}
