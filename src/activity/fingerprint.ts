import { createHash } from 'node:crypto'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'

/**
 * Query fingerprints: one value for every SQL text that is the same query up to its constants. DuckDB's own parser
 * reads the text (json_serialize_sql, as the read-only guard in src/store/analytics/guard.ts does), so there is no
 * second SQL grammar here: whitespace, comments and keyword case never reach the tree, and the tree is then made
 * canonical by canonicalTree() below before it is hashed.
 */

/** The prefix of a fingerprint taken from the text itself, for SQL the parser refuses (it has no tree). */
export const UNPARSED_PREFIX = 'raw-'
const HEX = 16

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const IN_OPERATORS = new Set(['COMPARE_IN', 'COMPARE_NOT_IN'])

/**
 * The parse tree with what does not change the query's shape taken out: every constant becomes one placeholder
 * (values and their types), the items of an IN list that are then alike are kept once (so IN (1, 2, 3) and IN (4)
 * agree), source positions (query_location) are dropped, and names are lower-cased (DuckDB matches identifiers
 * without regard to case).
 */
export function canonicalTree(node: Json): Json {
  if (Array.isArray(node)) return node.map(canonicalTree)
  if (node === null || typeof node !== 'object') return typeof node === 'string' ? node.toLowerCase() : node
  if (node.class === 'CONSTANT') return { class: 'constant' }
  const out: { [k: string]: Json } = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === 'query_location') continue
    out[k] = canonicalTree(v)
  }
  if (typeof node.type === 'string' && IN_OPERATORS.has(node.type) && Array.isArray(out.children)) {
    const [subject, ...items] = out.children
    const seen = new Set<string>()
    const kept = items.filter((item) => {
      const key = JSON.stringify(item)
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    out.children = [subject, ...kept]
  }
  return out
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, HEX)

let parser: Promise<DuckDBConnection> | null = null
let turn: Promise<unknown> = Promise.resolve()

/** A parser-only DuckDB instance of this process (in memory, one thread): it never opens a file or runs a query. */
function connection(): Promise<DuckDBConnection> {
  parser ??= DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '64MB', enable_external_access: 'false' }).then((i) => i.connect())
  return parser
}

/** A parse that takes longer is interrupted and the text fingerprinted as itself: the request it belongs to must not wait. */
const PARSE_BUDGET_MS = 2_000

/** The parser's tree of `sql` as JSON, or null when DuckDB refuses the text. One parse at a time on the one connection. */
async function parseTree(sql: string): Promise<Json | null> {
  const run = turn.then(async () => {
    const conn = await connection()
    const timer = setTimeout(() => conn.interrupt(), PARSE_BUDGET_MS)
    const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql]).finally(() => clearTimeout(timer))
    const raw = reader.getRowObjectsJson()[0]?.ast
    if (typeof raw !== 'string') return null
    const parsed = JSON.parse(raw) as { error?: boolean; statements?: Json[] }
    return parsed.error || !parsed.statements?.length ? null : (parsed.statements as Json)
  })
  turn = run.catch(() => {})
  return run
}

/**
 * The fingerprint of an SQL text: 16 hex digits of the SHA-256 of its canonical parse tree. Text the parser refuses
 * has no tree, so it is fingerprinted as itself, exactly: `raw-` and 16 hex digits of the text's hash.
 */
export async function sqlFingerprint(sql: string): Promise<string> {
  let tree: Json | null = null
  try {
    tree = await parseTree(sql)
  } catch {
    tree = null
  }
  return tree === null ? `${UNPARSED_PREFIX}${hash(sql)}` : hash(JSON.stringify(canonicalTree(tree)))
}
