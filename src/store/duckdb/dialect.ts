import type { Dialect } from '../dialect.ts'

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  singleWriterProcess: true,
  json: (param) => `CAST(${param} AS JSON)`,
  ilike: (expr, param) => `${expr} ILIKE ${param}`,
  percentile: (expr, p) => `quantile_cont(${expr}, ${Number(p)})`,
  jsonText: (column) => `CAST(${column} AS VARCHAR)`,
}
