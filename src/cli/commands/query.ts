import type { ApiClient } from '../client.ts'

export interface QueryResult {
  columns: Array<{ name: string; type: string }>
  rows: unknown[][]
  row_count: number
  truncated: boolean
  duration_ms: number
}

export async function query(client: ApiClient, sql: string, opts: { limit?: number } = {}): Promise<QueryResult> {
  return client.request<QueryResult>('POST', '/api/query', { sql, ...(opts.limit ? { limit: opts.limit } : {}) })
}

/** RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled. */
export function toCsv(result: QueryResult): string {
  const field = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [result.columns.map((c) => field(c.name)).join(','), ...result.rows.map((r) => r.map(field).join(','))].join('\n') + '\n'
}
