import type { Dialect } from './dialect.ts'

/** A row as drivers return it: timestamps as ISO strings with Z, integers as numbers, JSON as parsed values or text. */
export type Row = Record<string, unknown>

/** A value for appendRows. */
export type AppendValue = null | string | number | bigint | Date

/**
 * The narrow SQL surface repositories use. Parameters are positional `$1, $2…` in every engine.
 * Only code under src/store/ sees this interface.
 */
export interface Db {
  readonly dialect: Dialect
  all<T = Row>(sql: string, params?: unknown[]): Promise<T[]>
  one<T = Row>(sql: string, params?: unknown[]): Promise<T | undefined>
  /** Runs a statement; resolves to the number of rows it changed where the engine reports it. */
  run(sql: string, params?: unknown[]): Promise<number>
  /**
   * Bulk load into `table`, inside the current transaction: each row gives a value for every column, in the table's
   * column order (null, string, number for DOUBLE, bigint for integers, Date for timestamps). Only where the engine
   * has a faster path than INSERT (DuckDB's Appender: no SQL to parse, no parameters to bind); callers fall back to
   * INSERT where it is missing.
   */
  appendRows?(table: string, rows: ReadonlyArray<ReadonlyArray<AppendValue>>): Promise<void>
  /** Runs fn on one connection inside BEGIN/COMMIT; rolls back when fn throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>
  close(): Promise<void>
}
