/** JSON columns come back as text from DuckDB and as values from PostgreSQL; repositories accept both. */
export function parseJsonColumn<T = unknown>(v: unknown): T | null {
  if (v === null || v === undefined) return null
  if (typeof v !== 'string') return v as T
  try {
    return JSON.parse(v) as T
  } catch {
    return null
  }
}
