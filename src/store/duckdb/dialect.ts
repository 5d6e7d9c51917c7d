import type { Dialect } from '../dialect.ts'

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  singleWriterProcess: true,
  json: (param) => `CAST(${param} AS JSON)`,
  ilike: (expr, param) => `${expr} ILIKE ${param}`,
}
