import type { Db } from './db.ts'

/**
 * The store cannot serve the request right now: PostgreSQL is stopped, unreachable, out of connections or read-only,
 * or DuckDB cannot write its files (read-only or full disk). Not the caller's fault and not a bug in the request, so
 * the HTTP edge answers 503 with Retry-After instead of 500, and the caller can simply try again.
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the store is unavailable: ${reason}`, options)
    this.name = 'StoreUnavailableError'
  }
}

/** SQLSTATE classes meaning "the server, not the statement": connection (08), shutdown (57P01–57P03), resources (53), I/O (58030), read-only (25006). */
const PG_UNAVAILABLE = /^(08|57P0[1-3]|53|58030|25006)/
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
/** pg's own words for a connection that went away or never came. */
const PG_CONNECTION_LOST = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/
/** DuckDB's words for a file it cannot write: its WAL or database file unwritable, the disk full, or the instance given up. */
const DUCKDB_UNWRITABLE = /^IO Error|Cannot open file|Permission denied|Operation not permitted|Read-only file system|No space left on device|database has been invalidated/
/** A commit that failed on another writer's row is a conflict for the caller to handle, whatever words surround it. */
const DUCKDB_CONFLICT = /conflict|constraint|duplicate key/i

/** Returns a StoreUnavailableError for an engine error that says the store itself is unavailable; other errors unchanged. */
export function classifyStoreError(engine: Db['dialect']['name'], e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof StoreUnavailableError) return e
  const code = (e as { code?: unknown }).code
  const first = e.message.split('\n')[0]
  if (engine === 'postgres') {
    if (typeof code === 'string' && (NET_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && PG_UNAVAILABLE.test(code)))) {
      return new StoreUnavailableError(first, { cause: e })
    }
    if (PG_CONNECTION_LOST.test(first)) return new StoreUnavailableError(first, { cause: e })
    return e
  }
  return DUCKDB_UNWRITABLE.test(first) && !DUCKDB_CONFLICT.test(first) ? new StoreUnavailableError(first, { cause: e }) : e
}

/** The same Db, its failures classified: "the store is unavailable" becomes a StoreUnavailableError. */
export function classifyingUnavailable<T extends Db>(db: T): T {
  const engine = db.dialect.name
  const fail = (e: unknown): never => {
    throw classifyStoreError(engine, e)
  }
  return {
    ...db,
    all: <R>(sql: string, params?: unknown[]) => db.all<R>(sql, params).catch(fail),
    one: <R>(sql: string, params?: unknown[]) => db.one<R>(sql, params).catch(fail),
    run: (sql: string, params?: unknown[]) => db.run(sql, params).catch(fail),
    transaction: <R>(fn: (tx: Db) => Promise<R>) => db.transaction(fn).catch(fail),
  } as T
}
