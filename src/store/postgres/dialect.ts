import type { Dialect } from '../dialect.ts'

/**
 * PostgreSQL's fragments. The repositories' SQL is otherwise shared: `count(*) FILTER`, `strpos`, `split_part`,
 * `ON CONFLICT … DO UPDATE … WHERE <table>.<col>`, `LIKE … ESCAPE` and keyset comparisons read the same in both engines.
 */
export const postgresDialect: Dialect = {
  name: 'postgres',
  singleWriterProcess: false,
  // JSON, not JSONB: the text stays as written, as in DuckDB (see store/migrations.ts).
  json: (param) => `CAST(${param} AS JSON)`,
  ilike: (expr, param) => `${expr} ILIKE ${param}`,
  percentile: (expr, p) => `percentile_cont(${Number(p)}) WITHIN GROUP (ORDER BY ${expr})`,
  jsonText: (column) => `CAST(${column} AS TEXT)`,
}
