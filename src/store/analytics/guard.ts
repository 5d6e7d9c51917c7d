// Decides whether an analyst's SQL may run against the synced tables. DuckDB's own parser does the parsing
// (json_serialize_sql), so there is no second SQL grammar here to drift from the one that executes the query.
import type { DuckDBConnection } from '@duckdb/node-api'
import { inspectStatement, type StatementFindings } from './guard-ast.ts'


/** Outcome of {@link checkReadOnlySql}: the tables a query reads, or why it is refused. */
export type SqlCheckResult = { ok: true; tables: string[] } | { ok: false; reason: string }

interface SerializedSql {
  error?: boolean
  error_type?: string
  error_message?: string
  statements?: Array<{ node?: unknown }>
}

/**
 * Accepts exactly one read-only SELECT (including WITH, VALUES, FROM-first, DESCRIBE and SUMMARIZE forms) and
 * returns the base tables it reads: sorted, lower-cased, `schema.table` when qualified, without the query's own
 * CTE names. Everything else is refused with a reason meant for the analyst: other statement kinds, several
 * statements, table functions other than range/generate_series/unnest, file paths used as tables, system
 * catalogs and functions with side effects. The connection only runs the parser; the query is not executed.
 */
export async function checkReadOnlySql(conn: DuckDBConnection, sql: string): Promise<SqlCheckResult> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql])
  const raw = reader.getRowObjectsJson()[0]?.ast
  if (typeof raw !== 'string') return { ok: false, reason: 'the SQL parser returned no result' }
  const parsed = JSON.parse(raw) as SerializedSql

  if (parsed.error) return { ok: false, reason: describeParserError(parsed, sql) }
  const statements = parsed.statements ?? []
  if (statements.length === 0) return { ok: false, reason: 'the query is empty' }
  if (statements.length > 1) {
    return { ok: false, reason: `only one statement is allowed per query, found ${statements.length}` }
  }

  const findings: StatementFindings = { tables: new Set(), problems: new Set() }
  inspectStatement(statements[0].node, findings)
  if (findings.problems.size > 0) return { ok: false, reason: [...findings.problems].join('; ') }
  return { ok: true, tables: [...findings.tables].sort() }
}

function describeParserError(parsed: SerializedSql, sql: string): string {
  const message = parsed.error_message ?? 'unknown error'
  if (parsed.error_type === 'parser') return `SQL syntax error: ${message}`
  // json_serialize_sql reports every non-SELECT statement with this one message, so name the statement from its
  // first keyword to make the refusal understandable.
  if (/only select statements/i.test(message)) {
    const keyword = firstKeyword(sql)
    if (keyword && !['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', '('].includes(keyword)) {
      return `only read-only SELECT queries are allowed, not ${keyword}`
    }
    return 'only a single read-only SELECT query is allowed; the query contains another kind of statement'
  }
  return `the query was refused by the SQL parser: ${message}`
}

/** First keyword of the SQL text after leading whitespace and comments, upper-cased ('(' for a bracketed query). */
function firstKeyword(sql: string): string {
  const rest = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')
  if (rest.startsWith('(')) return '('
  return (/^[A-Za-z_]+/.exec(rest)?.[0] ?? '').toUpperCase()
}
