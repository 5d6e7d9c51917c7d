import type { Db } from '../db.ts'
import { toJsonColumn } from './json.ts'

/** An audit row as the API returns it (CONTRACT section 3). */
export interface AuditRow {
  id: number
  timestamp: string
  user_id: string | null
  user_email: string | null
  action: string
  resource: string | null
  params: Record<string, unknown> | null
  params_before: Record<string, unknown> | null
  result: string
  duration_ms: number | null
  client_ip: string | null
  client_kind: string
  correlation_id: string
}

export type NewAuditRow = Omit<AuditRow, 'id'>

const COLS = 'timestamp, user_id, user_email, action, resource, params, params_before, result, duration_ms, client_ip, client_kind, correlation_id'
const PER_ROW = 12

function parseJson(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string') {
    try {
      return JSON.parse(v)
    } catch {
      return { raw: v }
    }
  }
  return v as Record<string, unknown>
}

export function toAuditRow(r: Record<string, unknown>): AuditRow {
  return { ...(r as unknown as AuditRow), params: parseJson(r.params), params_before: parseJson(r.params_before) }
}

export interface AuditQuery {
  correlationId?: string
  action?: string
  userId?: string
  sinceIso?: string
  limit?: number
}

/** Rows per INSERT statement: 12 parameters each stays far below PostgreSQL's 65535. */
const INSERT_CHUNK = 1000

export function auditRepository(db: Db) {
  const insertStatement = (rows: NewAuditRow[]) => {
    const values: string[] = []
    const params: unknown[] = []
    const j = db.dialect.json
    for (const r of rows) {
      const b = params.length
      const p = (i: number) => `$${b + i}`
      values.push(`(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${j(p(6))}, ${j(p(7))}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)})`)
      params.push(
        r.timestamp, r.user_id, r.user_email, r.action, r.resource,
        r.params === null ? null : toJsonColumn(r.params),
        r.params_before === null ? null : toJsonColumn(r.params_before),
        r.result, r.duration_ms, r.client_ip, r.client_kind, r.correlation_id,
      )
    }
    if (params.length !== rows.length * PER_ROW) throw new Error('audit insert: column count mismatch')
    return { sql: `INSERT INTO audit_log (${COLS}) VALUES ${values.join(', ')}`, params }
  }
  return {
    /**
     * Inserts many rows in one transaction: one commit for the whole batch, one statement per
     * INSERT_CHUNK rows (PostgreSQL binds at most 65535 parameters per statement).
     */
    async insertMany(rows: NewAuditRow[]): Promise<void> {
      if (rows.length === 0) return
      const statements: Array<{ sql: string; params: unknown[] }> = []
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) statements.push(insertStatement(rows.slice(i, i + INSERT_CHUNK)))
      await db.transaction(async (tx) => {
        for (const s of statements) await tx.run(s.sql, s.params)
      })
    },

    /** Newest first; a simple lookup used by tests and the CLI until the timeline's filter builder replaces it. */
    async find(q: AuditQuery = {}): Promise<AuditRow[]> {
      const where: string[] = []
      const params: unknown[] = []
      const add = (sql: string, v: unknown) => {
        params.push(v)
        where.push(sql.replace('?', `$${params.length}`))
      }
      if (q.correlationId) add('correlation_id = ?', q.correlationId)
      if (q.action) add('action = ?', q.action)
      if (q.userId) add('user_id = ?', q.userId)
      if (q.sinceIso) add('timestamp >= ?', q.sinceIso)
      params.push(Math.min(q.limit ?? 100, 10_000))
      const rows = await db.all(
        `SELECT id, ${COLS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY timestamp DESC, id DESC LIMIT $${params.length}`,
        params,
      )
      return rows.map(toAuditRow)
    },
    /** Deletes rows older than a moment, at most `limit` of them (oldest first), so a purge is bounded. */
    async purgeBefore(beforeIso: string, limit: number): Promise<number> {
      return db.run(
        `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE timestamp < $1 ORDER BY timestamp, id LIMIT $2)`,
        [beforeIso, limit],
      )
    },
    async count(): Promise<number> {
      const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM audit_log`)
      return r?.n ?? 0
    },
  }
}
