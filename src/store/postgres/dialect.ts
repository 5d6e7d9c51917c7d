import type { Dialect } from '../dialect.ts'

/**
 * PostgreSQL's fragments. The repositories' SQL is otherwise shared: `count(*) FILTER`, `strpos`, `split_part`,
 * `ON CONFLICT … DO UPDATE … WHERE <table>.<col>`, `LIKE … ESCAPE` and keyset comparisons read the same in both engines.
 */
export const postgresDialect: Dialect = {
  name: 'postgres',
  singleWriterProcess: false,
  json: (param) => `CAST(${param} AS JSONB)`,
  ilike: (expr, param) => `${expr} ILIKE ${param}`,
  percentile: (expr, p) => `percentile_cont(${Number(p)}) WITHIN GROUP (ORDER BY ${expr})`,
  // JSONB's own text form: keys in its order, a space after `:` and `,` (see store/migrations.ts).
  jsonText: (column) => `CAST(${column} AS TEXT)`,
}
