import pg from 'pg'
import type { Db, Row } from '../db.ts'
import { postgresDialect } from './dialect.ts'

const OID = { int8: 20, numeric: 1700, timestamp: 1114, timestamptz: 1184, date: 1082, json: 114, jsonb: 3802 } as const

const defaultTimestamp = pg.types.getTypeParser(OID.timestamptz, 'text') as (v: string) => Date | number

/** A PostgreSQL timestamp as the DuckDB driver gives it: an ISO string with Z at millisecond precision. */
function isoTimestamp(v: string): string {
  const d = defaultTimestamp(v)
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : v // ±infinity stays as PostgreSQL wrote it
}

/**
 * Converts PostgreSQL values to the shapes the DuckDB driver returns, so repositories see one kind of row:
 * timestamps as ISO strings, int8 (every count(*)) as numbers when exact, numeric as numbers, and JSON columns
 * as their text. JSON is left as text on purpose: a JSON string value such as "123" parsed by the driver could not
 * be told apart from JSON text by the repositories' one parse path (`parseJsonColumn`), which would read it back as 123.
 * These parsers belong to this pool only (not pg's global registry).
 */
const parsers: Record<number, (v: string) => unknown> = {
  [OID.int8]: (v) => {
    const n = Number(v)
    return Number.isSafeInteger(n) ? n : v
  },
  [OID.numeric]: (v) => Number(v),
  [OID.timestamptz]: isoTimestamp,
  [OID.timestamp]: (v) => isoTimestamp(v + '+00'),
  [OID.date]: (v) => v,
  [OID.json]: (v) => v,
  [OID.jsonb]: (v) => v,
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    parsers[oid] ?? (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
}

type Queryable = pg.Pool | pg.PoolClient

/**
 * PostgreSQL cannot store a NUL character in text, which DuckDB can. Rather than refuse the write (an audit batch
 * would be lost to one odd request), it is stored as U+FFFD. JSON needs nothing: its `\u0000` escape is plain text to
 * PostgreSQL's JSON type. Every other value goes through untouched.
 */
function storable(params: unknown[]): unknown[] {
  return params.map((v) => (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v))
}

async function rowsOf(q: Queryable, sql: string, params: unknown[] = []): Promise<Row[]> {
  const r = await q.query(sql, params.length ? storable(params) : params)
  return r.rows as Row[]
}

async function changedOn(q: Queryable, sql: string, params: unknown[] = []): Promise<number> {
  const r = await q.query(sql, params.length ? storable(params) : params)
  return r.rowCount ?? 0
}

/** A Db bound to one client already inside a transaction. */
function txDb(client: pg.PoolClient): Db {
  const db: Db = {
    dialect: postgresDialect,
    all: async <T>(sql: string, params?: unknown[]) => (await rowsOf(client, sql, params)) as T[],
    one: async <T>(sql: string, params?: unknown[]) => (await rowsOf(client, sql, params))[0] as T | undefined,
    run: (sql, params) => changedOn(client, sql, params),
    transaction: (fn) => fn(db), // already inside one, as with DuckDB
    close: async () => {},
  }
  return db
}

export interface PostgresHandle extends Db {
  readonly pool: pg.Pool
  /**
   * Runs fn while holding a session-level advisory lock, so processes that start together (several workers,
   * several hosts) apply migrations one after the other instead of racing on the same DDL.
   */
  exclusively<T>(fn: () => Promise<T>): Promise<T>
}

/** An arbitrary constant: the advisory lock key Agnes takes around migrations. */
const MIGRATION_LOCK_KEY = 4_207_310_022

/**
 * Opens a pool to the PostgreSQL database at `url`. Transactions run on one client at REPEATABLE READ: the same
 * snapshot-and-first-committer-wins behaviour DuckDB gives, so a repository's "retry on conflict" (e.g. two
 * writers updating one digest row) works the same in both engines instead of silently losing an update.
 */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<PostgresHandle> {
  // Every session in UTC (unless the URL sets its own options), so any date arithmetic in SQL reads like DuckDB's.
  const options = /[?&]options=/.test(url) ? undefined : '-c TimeZone=UTC'
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, types, application_name: 'agnes', options })
  // An idle client whose server went away must not crash the process; the next query reports the problem.
  pool.on('error', () => {})
  // Fail at open, with the server's message, rather than at the first request.
  try {
    await pool.query('SELECT 1')
  } catch (e) {
    await pool.end().catch(() => {})
    throw e
  }
  let closed = false
  const handle: PostgresHandle = {
    pool,
    dialect: postgresDialect,
    all: async <T>(sql: string, params?: unknown[]) => (await rowsOf(pool, sql, params)) as T[],
    one: async <T>(sql: string, params?: unknown[]) => (await rowsOf(pool, sql, params))[0] as T | undefined,
    run: (sql, params) => changedOn(pool, sql, params),
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const client = await pool.connect()
      let broken = false
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
        try {
          const out = await fn(txDb(client))
          await client.query('COMMIT')
          return out
        } catch (e) {
          await client.query('ROLLBACK').catch(() => {
            broken = true
          })
          throw e
        }
      } finally {
        client.release(broken)
      }
    },
    async exclusively<T>(fn: () => Promise<T>): Promise<T> {
      const client = await pool.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
        try {
          return await fn()
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {})
        }
      } finally {
        client.release()
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      await pool.end()
    },
  }
  return handle
}
