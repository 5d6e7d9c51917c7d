// The messages between the server and its query host process (query-host.ts). Kept in one file so both sides are
// type-checked against the same shapes.

/** One analyst query, with everything the host needs to build the instance it runs in. */
export interface QueryRequest {
  id: number
  sql: string
  /** Every synced table the server knows, by id, with the Parquet file that holds it. */
  tableFiles: Record<string, string>
  /** The tables the caller may read ('all' for admins). */
  readable: 'all' | string[]
  limit: number
  timeoutMs: number
  maxResultBytes: number
  memoryLimitBytes: number
}

export type QueryFailureKind = 'invalid_sql' | 'unknown_table' | 'forbidden' | 'timeout' | 'result_too_large' | 'out_of_memory' | 'engine_restarted'

export type QueryReply =
  | {
      id: number
      ok: true
      columns: Array<{ name: string; type: string }>
      /** The rows as one JSON array, serialized once in the host so the server never parses them again. */
      rowsJson: string
      rowCount: number
      truncated: boolean
      /** Tables the bound plan read (from the files DuckDB planned to scan), sorted. */
      tablesRead: string[]
      durationMs: number
    }
  | {
      id: number
      ok: false
      kind: QueryFailureKind
      message: string
      /** The tables the statement names, when it parsed. */
      tables?: string[]
    }
