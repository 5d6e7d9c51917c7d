/**
 * What differs between the engines, in one object (see STYLE: no `if (postgres)` outside store/).
 * Repositories write portable SQL and ask the dialect only for these few fragments.
 */
export interface Dialect {
  readonly name: 'duckdb' | 'postgres'
  /** True when only one process may open the store for writing (DuckDB). */
  readonly singleWriterProcess: boolean
  /** Cast a bound text parameter holding JSON to the engine's JSON type. */
  json(param: string): string
  /** Case-insensitive substring match of a text expression against a bound pattern. */
  ilike(expr: string, param: string): string
  /** Continuous percentile (0..1) of a numeric expression, as an aggregate. */
  percentile(expr: string, p: number): string
  /** A JSON column as searchable text. */
  jsonText(column: string): string
}
