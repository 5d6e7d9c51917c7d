import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  DuckDBInstance,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBListValue,
  DuckDBDecimalValue,
  type DuckDBAppender,
  type DuckDBConnection,
} from '@duckdb/node-api'
import type { AppendValue, Db, Row } from '../db.ts'
import { duckdbDialect } from './dialect.ts'

/** Converts DuckDB values to the plain JS shapes repositories expect. */
function toJs(v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) {
    return new Date(Number(v.micros / 1000n)).toISOString()
  }
  if (v instanceof DuckDBDecimalValue) return v.toDouble()
  if (v instanceof DuckDBListValue) return v.items.map(toJs)
  return v
}

/**
 * A small pool of connections to one DuckDB file. Every statement checks a connection out exclusively,
 * because a connection shares transaction state: two async callers on one connection would leak into
 * each other's BEGIN…COMMIT.
 */
class Pool {
  private idle: DuckDBConnection[] = []
  private waiters: Array<(c: DuckDBConnection) => void> = []
  constructor(private conns: DuckDBConnection[]) {
    this.idle = [...conns]
  }
  async acquire(): Promise<DuckDBConnection> {
    const c = this.idle.pop()
    if (c) return c
    return new Promise((resolve) => this.waiters.push(resolve))
  }
  release(c: DuckDBConnection) {
    const w = this.waiters.shift()
    if (w) w(c)
    else this.idle.push(c)
  }
  /** Each connection's appenders (appendOn), closed before their connection. */
  readonly appenders = new Map<DuckDBConnection, Appenders>()
  appendersOf(c: DuckDBConnection): Appenders {
    let a = this.appenders.get(c)
    if (!a) this.appenders.set(c, (a = new Map()))
    return a
  }
  closeAll() {
    for (const a of this.appenders.values()) {
      for (const ap of a.values()) {
        try {
          ap.closeSync()
        } catch {
          // nothing is left in it: every append flushed or failed
        }
      }
    }
    for (const c of this.conns) c.closeSync()
  }
}

async function runOn(conn: DuckDBConnection, sql: string, params: unknown[] = []): Promise<Row[]> {
  const reader = params.length
    ? await conn.runAndReadAll(sql, params as never)
    : await conn.runAndReadAll(sql)
  const names = reader.columnNames()
  return reader.getRows().map((r) => {
    const o: Row = {}
    for (let i = 0; i < names.length; i++) o[names[i]] = toJs(r[i])
    return o
  })
}

async function changedOn(conn: DuckDBConnection, sql: string, params: unknown[] = []): Promise<number> {
  const result = params.length ? await conn.run(sql, params as never) : await conn.run(sql)
  return Number(result.rowsChanged)
}

/**
 * The Appender writes typed vectors straight into the table's storage: for a batch of audit rows this is several
 * times cheaper than one INSERT with 14 bound parameters per row, which DuckDB parses, binds and plans each time.
 * Inside a transaction the rows commit (or roll back) with it.
 *
 * Each connection keeps its Appender per table across transactions: creating one costs as much as appending a
 * batch of 30 rows (a catalog lookup and the table's column types). One that failed is closed and made again.
 */
type Appenders = Map<string, DuckDBAppender>
async function appendOn(conn: DuckDBConnection, appenders: Appenders, table: string, rows: ReadonlyArray<ReadonlyArray<AppendValue>>): Promise<void> {
  let ap = appenders.get(table)
  if (!ap) {
    ap = await conn.createAppender(table)
    appenders.set(table, ap)
  }
  try {
    for (const row of rows) {
      if (row.length !== ap.columnCount) throw new Error(`append to ${table}: ${row.length} values for ${ap.columnCount} columns`)
      for (const v of row) {
        if (v === null) ap.appendNull()
        else if (typeof v === 'string') ap.appendVarchar(v)
        else if (typeof v === 'number') ap.appendDouble(v)
        else if (typeof v === 'bigint') ap.appendBigInt(v)
        else ap.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(v.getTime()) * 1000n))
      }
      ap.endRow()
    }
    ap.flushSync()
  } catch (e) {
    // Rows it holds must not reach a later transaction; a table changed since it was made needs a new one.
    appenders.delete(table)
    try {
      ap.closeSync()
    } catch {
      // closing flushes what is left, which fails the same way: the appender is gone either way
    }
    throw e
  }
}

/** A Db bound to one connection already inside a transaction. */
function txDb(conn: DuckDBConnection, appenders: Appenders): Db {
  const db: Db = {
    dialect: duckdbDialect,
    appendRows: (table, rows) => appendOn(conn, appenders, table, rows),
    all: async <T>(sql: string, params?: unknown[]) => (await runOn(conn, sql, params)) as T[],
    one: async <T>(sql: string, params?: unknown[]) => (await runOn(conn, sql, params))[0] as T | undefined,
    run: (sql, params) => changedOn(conn, sql, params),
    transaction: (fn) => fn(db), // already inside one: DuckDB has no nested transactions
    close: async () => {},
  }
  return db
}

export interface DuckDbHandle extends Db {
  readonly instance: DuckDBInstance
}

/**
 * Opens (creating when missing) the DuckDB file at path, or ':memory:'. `memoryLimitMb` caps DuckDB's buffer pool
 * (its default is 80 % of the machine's memory, which a long-running server fills with cached pages of the audit log).
 */
export async function openDuckDb(path: string, poolSize = 4, opts: { memoryLimitMb?: number } = {}): Promise<DuckDbHandle> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const instance = await DuckDBInstance.create(path, opts.memoryLimitMb ? { memory_limit: `${opts.memoryLimitMb}MB` } : {})
  const conns: DuckDBConnection[] = []
  for (let i = 0; i < poolSize; i++) conns.push(await instance.connect())
  const pool = new Pool(conns)
  const withConn = async <T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> => {
    const c = await pool.acquire()
    try {
      return await fn(c)
    } finally {
      pool.release(c)
    }
  }
  let closed = false
  return {
    instance,
    dialect: duckdbDialect,
    all: <T>(sql: string, params?: unknown[]) => withConn(async (c) => (await runOn(c, sql, params)) as T[]),
    one: <T>(sql: string, params?: unknown[]) => withConn(async (c) => (await runOn(c, sql, params))[0] as T | undefined),
    run: (sql, params) => withConn((c) => changedOn(c, sql, params)),
    transaction: <T>(fn: (tx: Db) => Promise<T>) =>
      withConn(async (c) => {
        await c.run('BEGIN TRANSACTION')
        try {
          const out = await fn(txDb(c, pool.appendersOf(c)))
          await c.run('COMMIT')
          return out
        } catch (e) {
          await c.run('ROLLBACK').catch(() => {})
          throw e
        }
      }),
    close: async () => {
      if (closed) return
      closed = true
      pool.closeAll()
      instance.closeSync()
    },
  }
}
