// Walks the JSON that DuckDB's json_serialize_sql() produces for a SELECT statement and collects what the read-only
// guard needs: the base tables it reads and every construct that could reach outside the synced tables.
// The walk is generic (every nested object and array is visited) so node shapes added by future DuckDB versions are
// still searched for table functions, table references and function calls.

/** Table functions that only generate values from their arguments and never touch files, network or the catalog. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest'])

// Scalar functions with side effects or a way out of the query: sequences and the random seed change state, the
// sleeps tie up a worker, write_log writes, and the json_*_sql helpers parse or plan a second query hidden in a
// string (json_serialize_plan binds it, so a read_csv inside would open the file). getenv only exists in the CLI,
// but is refused in case an embedding adds it.
const DENIED_FUNCTIONS = new Set([
  'getenv', 'nextval', 'setseed', 'sleep_ms', 'pg_sleep', 'write_log',
  'json_serialize_plan', 'json_serialize_sql', 'json_deserialize_sql', 'json_execute_serialized_sql',
  'query', 'query_table', 'glob', 'sniff_csv', 'sql_auto_complete', 'which_secret',
  'checkpoint', 'force_checkpoint', 'enable_logging', 'disable_logging', 'truncate_duckdb_logs',
])

// Name families of table functions that read files, remote storage or engine internals; also refused when called
// in scalar position, where DuckDB would reject them anyway, so that the reason names the real problem.
const DENIED_FUNCTION_PREFIX = /^(read_|duckdb_|pragma_|parquet_|iceberg_|delta_|sqlite_|postgres_|mysql_|http_|s3_)/

// DuckDB treats a table name that looks like a path, URL or glob as a file to scan (replacement scan), so such
// names are refused even though the parser calls them base tables.
const FILE_LIKE_NAME = /[/\\:.*?~]/

// Built-in catalog views (duckdb_tables, pg_tables, sqlite_master, pragma_database_list, ...) are reachable without
// a schema; they list every table and setting of the server, not only the synced data.
const CATALOG_VIEW_NAME = /^(duckdb_|pg_|sqlite_|pragma_)/
const SYSTEM_SCHEMAS = new Set(['information_schema', 'pg_catalog'])

/** What one walk over a serialized statement found. */
export interface StatementFindings {
  /** Base tables read, lower-cased, as `table`, `schema.table` or `catalog.schema.table`. */
  tables: Set<string>
  /** Human-readable reasons to refuse the statement; empty when it is acceptable. */
  problems: Set<string>
}

type Node = Record<string, unknown>

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** Walks one statement's `node` from json_serialize_sql() output, adding to `findings`. */
export function inspectStatement(statement: unknown, findings: StatementFindings): void {
  visit(statement, new Set(), { ...findings, tableCalls: new WeakSet() })
}

interface Walk extends StatementFindings {
  /** Function nodes already judged as table function calls, so they are not reported twice. */
  tableCalls: WeakSet<object>
}

function visit(value: unknown, ctes: ReadonlySet<string>, found: Walk): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, ctes, found)
    return
  }
  if (!isNode(value)) return

  checkNode(value, ctes, found)

  // A recursive CTE's own body refers to itself by name.
  let scope = ctes
  if (typeof value.cte_name === 'string' && value.cte_name !== '') {
    scope = new Set(scope).add(value.cte_name.toLowerCase())
  }

  const cteEntries = cteMapEntries(value)
  if (cteEntries) {
    // Each CTE body sees the CTEs defined before it; the rest of the query sees all of them.
    let visible = new Set(scope)
    for (const entry of cteEntries) {
      visit(entry, visible, found)
      const name = isNode(entry) ? text(entry.key).toLowerCase() : ''
      if (name) visible = new Set(visible).add(name)
    }
    scope = visible
  }

  for (const [key, child] of Object.entries(value)) {
    if (key === 'cte_map' && cteEntries) continue
    visit(child, scope, found)
  }
}

function cteMapEntries(node: Node): unknown[] | undefined {
  const map = node.cte_map
  if (isNode(map) && Array.isArray(map.map)) return map.map
  return undefined
}

function checkNode(node: Node, ctes: ReadonlySet<string>, found: Walk): void {
  const type = text(node.type)

  if (type === 'TABLE_FUNCTION') {
    const fn = node.function
    const name = isNode(fn) ? text(fn.function_name).toLowerCase() : ''
    if (isNode(fn)) found.tableCalls.add(fn)
    if (!name) found.problems.add('unsupported table function form')
    else if (!ALLOWED_TABLE_FUNCTIONS.has(name)) {
      found.problems.add(`table function ${name}() is not allowed (only ${[...ALLOWED_TABLE_FUNCTIONS].join(', ')})`)
    }
  }

  if (typeof node.function_name === 'string' && !found.tableCalls.has(node)) {
    const name = node.function_name.toLowerCase()
    if (!ALLOWED_TABLE_FUNCTIONS.has(name) && (DENIED_FUNCTIONS.has(name) || DENIED_FUNCTION_PREFIX.test(name))) {
      found.problems.add(`function ${name}() is not allowed`)
    }
  }

  if (type === 'SHOW_REF') {
    // DESCRIBE / SUMMARIZE wrap a query whose tables are walked like any other; SHOW TABLES, SHOW DATABASES and
    // friends list the whole catalog instead.
    const showType = text(node.show_type)
    if (!((showType === 'DESCRIBE' || showType === 'SUMMARY') && text(node.table_name) === '')) {
      found.problems.add('SHOW statements that list the catalog are not allowed')
    }
    return
  }

  if (type === 'BASE_TABLE' || text(node.table_name) !== '') checkTable(node, ctes, found)
}

function checkTable(node: Node, ctes: ReadonlySet<string>, found: StatementFindings): void {
  const catalog = text(node.catalog_name).toLowerCase()
  const schema = text(node.schema_name).toLowerCase()
  const table = text(node.table_name).toLowerCase()
  if (!catalog && !schema && ctes.has(table)) return

  const qualified = [catalog, schema, table].filter(Boolean).join('.')
  if ([catalog, schema, table].some((part) => FILE_LIKE_NAME.test(part))) {
    found.problems.add(`"${qualified}" looks like a file path or URL, not a table`)
  } else if (catalog === 'system' || SYSTEM_SCHEMAS.has(schema)) {
    found.problems.add(`system catalog "${qualified}" is not available`)
  } else if ((!schema || schema === 'main') && CATALOG_VIEW_NAME.test(table)) {
    found.problems.add(`system catalog view "${qualified}" is not available`)
  }
  found.tables.add(qualified)
}
