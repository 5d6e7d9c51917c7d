import type { Db } from '../db.ts'
import { retryOnConflict, toJsonColumn } from './json.ts'
import { chainHash } from './audit-chain.ts'

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

/**
 * What the audit writer adds to its per-minute counts (audit_writes) in the transaction that commits a batch: the
 * batch itself, at `at`, and the writes the store refused since the last commit, each at its own time.
 */
export interface AuditWriteTally {
  at: string
  /** Earlier commits not yet counted (the writer adds its counts at most once a second, not with every batch). */
  committed?: Array<{ at: string; batches: number; rows: number }>
  failed: Array<{ at: string; batches: number; rows: number }>
}

const minuteOf = (iso: string) => new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000).toISOString()

const COLS = 'timestamp, user_id, user_email, action, resource, params, params_before, result, duration_ms, client_ip, client_kind, correlation_id'
const PER_ROW = 14

/** An audit row with its place in the tamper-evident chain (null for rows written before the chain existed). */
export interface ChainedAuditRow extends AuditRow {
  chain_seq: number | null
  row_hash: string | null
}

/** The chain's head and where it starts (the genesis, or the last row a retention purge removed). */
export interface AuditChainState {
  seq: number
  head: string
  anchor_seq: number
  anchor_hash: string
}

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

type ChainedNewRow = NewAuditRow & { chain_seq: number; row_hash: string }

/** The rows numbered and hashed onto the chain's head, in order: the same on every engine. */
function chainOnto(head: { seq: number | string; head: string }, rows: NewAuditRow[]): ChainedNewRow[] {
  let seq = Number(head.seq)
  let prev = head.head
  return rows.map((r) => {
    prev = chainHash(prev, r)
    return { ...r, chain_seq: ++seq, row_hash: prev }
  })
}

/** Ids DuckDB batches take from audit_log_id_seq at a time: one statement per this many rows, not one per batch. */
const ID_BLOCK = 1024
/** After this many batches, DuckDB's heads table loses the heads before the newest committed one. */
const PRUNE_HEADS_EVERY = 1000

interface Head {
  seq: number
  head: string
}

/**
 * The chain's head: the head row (audit_chain, id 1: PostgreSQL's batches move it, and what DuckDB had before
 * version 17) or the newest head a DuckDB batch appended (audit_chain_heads), whichever is further along.
 */
export const CHAIN_HEAD_SQL = `SELECT seq, head FROM (SELECT seq, head FROM audit_chain WHERE id = 1 UNION ALL SELECT seq, head FROM audit_chain_heads) h
  ORDER BY seq DESC LIMIT 1`

/**
 * DuckDB's chain, in memory. Only one process can open a DuckDB file, and in it this repository's inserts take
 * turns, so the head need not be read (nor its row updated) by every batch: the batch is numbered and hashed onto
 * `committed`, and appended with its head (to audit_chain_heads) in one transaction. Appending is the cheap part
 * of a DuckDB transaction: a SELECT for the head and ids plus an UPDATE of the head row cost twice the append.
 */
interface DuckChain {
  /** Null until the first batch reads it from the store; unchanged by a batch that fails. */
  committed: Head | null
  /** Ids taken from the sequence for the next batches (nextval is outside transactions: none is handed out twice). */
  ids: bigint[]
  sincePrune: number
}
/** One chain per open database, whatever repositories are made over it (keyed by the DuckDB instance). */
const duckChains = new WeakMap<object, DuckChain>()

export function auditRepository(db: Db) {
  const insertStatement = (rows: ChainedNewRow[]) => {
    const values: string[] = []
    const params: unknown[] = []
    const j = db.dialect.json
    for (const r of rows) {
      const b = params.length
      const p = (i: number) => `$${b + i}`
      values.push(`(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${j(p(6))}, ${j(p(7))}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}, ${p(13)}, ${p(14)})`)
      params.push(
        r.timestamp, r.user_id, r.user_email, r.action, r.resource,
        r.params === null ? null : toJsonColumn(r.params),
        r.params_before === null ? null : toJsonColumn(r.params_before),
        r.result, r.duration_ms, r.client_ip, r.client_kind, r.correlation_id, r.chain_seq, r.row_hash,
      )
    }
    if (params.length !== rows.length * PER_ROW) throw new Error('audit insert: column count mismatch')
    return { sql: `INSERT INTO audit_log (${COLS}, chain_seq, row_hash) VALUES ${values.join(', ')}`, params }
  }
  // Inserts (and purges) of this process take turns: on DuckDB, the one writing process, that orders the chain
  // (DuckChain). On PostgreSQL the head row's lock orders the workers: a transaction that waited for another's
  // commit fails to serialize (repeatable read) and runs again on the new head.
  let turn: Promise<unknown> = Promise.resolve()
  const onTheHead = <T>(fn: (tx: Db) => Promise<T>): Promise<T> => retryOnConflict(() => db.transaction(fn), 100)
  /** The head moves to the batch's last row, and the batch is counted, in the batch's own transaction. */
  const moveHead = async (tx: Db, chained: ChainedNewRow[], tally: AuditWriteTally | undefined) => {
    const last = chained[chained.length - 1]
    await tx.run(`UPDATE audit_chain SET seq = $1, head = $2, updated_at = $3 WHERE id = 1`, [last.chain_seq, last.row_hash, new Date().toISOString()])
    await countWrite(tx, chained.length, tally)
  }
  /** Adds a committed batch and the refused writes since the last one to the per-minute counts (audit_writes). */
  const countWrite = async (tx: Db, rows: number, tally: AuditWriteTally | undefined) => {
    if (!tally) return
    // Oldest minute first in every transaction: two workers lock the minute rows in one order.
    const counts = [
      ...(rows > 0 ? [{ at: tally.at, batches: 1, rows, failed_batches: 0, failed_rows: 0 }] : []),
      ...(tally.committed ?? []).map((c) => ({ at: c.at, batches: c.batches, rows: c.rows, failed_batches: 0, failed_rows: 0 })),
      ...tally.failed.map((f) => ({ at: f.at, batches: 0, rows: 0, failed_batches: f.batches, failed_rows: f.rows })),
    ]
    const byMinute = new Map<string, (typeof counts)[number]>()
    for (const c of counts) {
      const m = minuteOf(c.at)
      const cur = byMinute.get(m)
      if (!cur) byMinute.set(m, { ...c, at: m })
      else for (const k of ['batches', 'rows', 'failed_batches', 'failed_rows'] as const) cur[k] += c[k]
    }
    for (const c of [...byMinute.values()].sort((a, b) => (a.at < b.at ? -1 : 1))) {
      await tx.run(
        `INSERT INTO audit_writes (minute, batches, rows, failed_batches, failed_rows) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (minute) DO UPDATE SET batches = audit_writes.batches + excluded.batches, rows = audit_writes.rows + excluded.rows,
           failed_batches = audit_writes.failed_batches + excluded.failed_batches, failed_rows = audit_writes.failed_rows + excluded.failed_rows`,
        [c.at, c.batches, c.rows, c.failed_batches, c.failed_rows],
      )
    }
  }
  /** The chain's head as committed, read in `tx`. */
  const readHead = async (tx: Db): Promise<Head> => {
    const h = await tx.one<{ seq: number | string; head: string }>(CHAIN_HEAD_SQL)
    if (!h) throw new Error('audit chain head is missing (migration 11)')
    return { seq: Number(h.seq), head: h.head }
  }
  const duckChain = (): DuckChain => {
    const key = (db as { instance?: object }).instance ?? db
    let c = duckChains.get(key)
    if (!c) duckChains.set(key, (c = { committed: null, ids: [], sincePrune: 0 }))
    return c
  }
  /** Numbers and hashes the rows onto `head`, appends them and their head (and the counts) in `tx`; returns the new head. */
  const appendOnto = async (tx: Db, c: DuckChain, head: Head, rows: NewAuditRow[], tally: AuditWriteTally | undefined): Promise<Head> => {
    while (c.ids.length < rows.length) {
      const got = await tx.all<{ id: number | string }>(`SELECT nextval('audit_log_id_seq') AS id FROM range($1)`, [Math.max(ID_BLOCK, rows.length)])
      c.ids.push(...got.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : 1)))
    }
    const ids = c.ids.splice(0, rows.length)
    const chained = chainOnto(head, rows)
    await tx.appendRows!('audit_log', chained.map((r, i) => [
      ids[i], new Date(r.timestamp), r.user_id, r.user_email, r.action, r.resource,
      r.params === null ? null : toJsonColumn(r.params), r.params_before === null ? null : toJsonColumn(r.params_before),
      r.result, r.duration_ms, r.client_ip, r.client_kind, r.correlation_id, BigInt(r.chain_seq), r.row_hash,
    ]))
    const last = chained[chained.length - 1]
    await tx.appendRows!('audit_chain_heads', [[BigInt(last.chain_seq), last.row_hash, new Date()]])
    await countWrite(tx, chained.length, tally)
    return { seq: last.chain_seq, head: last.row_hash }
  }
  /** DuckDB (see DuckChain): resolves once the rows and their head are committed, rejects when they are not. */
  const insertOnDuck = async (rows: NewAuditRow[], tally: AuditWriteTally | undefined): Promise<void> => {
    const c = duckChain()
    c.committed = await onTheHead(async (tx) => appendOnto(tx, c, c.committed ?? (await readHead(tx)), rows, tally))
    if (++c.sincePrune >= PRUNE_HEADS_EVERY) {
      // The heads before the newest committed one are history. Left for the next batch when the store refuses.
      const ok = await db.run(`DELETE FROM audit_chain_heads WHERE seq < $1`, [c.committed.seq]).then(() => true, () => false)
      if (ok) c.sincePrune = 0
    }
  }
  return {
    /**
     * Inserts many rows in one transaction: one commit for the whole batch, one statement per
     * INSERT_CHUNK rows (PostgreSQL binds at most 65535 parameters per statement).
     */
    async insertMany(rows: NewAuditRow[], tally?: AuditWriteTally): Promise<void> {
      if (rows.length === 0) return
      const write = turn.then(() =>
        db.dialect.name === 'duckdb' ? insertOnDuck(rows, tally) : onTheHead(async (tx) => {
          // Lock the head first (a no-op update), then read it: the rows chain onto what committed last.
          await tx.run(`UPDATE audit_chain SET seq = seq WHERE id = 1`)
          const head = await tx.one<{ seq: number | string; head: string }>(`SELECT seq, head FROM audit_chain WHERE id = 1`)
          if (!head) throw new Error('audit chain head is missing (migration 11)')
          const chained = chainOnto(head, rows)
          for (let i = 0; i < chained.length; i += INSERT_CHUNK) {
            const st = insertStatement(chained.slice(i, i + INSERT_CHUNK))
            await tx.run(st.sql, st.params)
          }
          await moveHead(tx, chained, tally)
        }),
      )
      turn = write.catch(() => {})
      await write
    },
    /** Adds counts of earlier commits and refused writes on their own, when no batch is there to carry them. */
    async addWriteCounts(tally: AuditWriteTally): Promise<void> {
      await db.transaction((tx) => countWrite(tx, 0, tally))
    },
    /** The chain's head and anchor. */
    async chainState(): Promise<AuditChainState> {
      const r = await db.one<{ seq: number | string; head: string; anchor_seq: number | string; anchor_hash: string }>(
        `SELECT h.seq, h.head, c.anchor_seq, c.anchor_hash FROM audit_chain c, (${CHAIN_HEAD_SQL}) h WHERE c.id = 1`,
      )
      if (!r) throw new Error('audit chain head is missing (migration 11)')
      return { seq: Number(r.seq), head: r.head, anchor_seq: Number(r.anchor_seq), anchor_hash: r.anchor_hash }
    },
    /** Chained rows after `afterSeq`, in chain order, at most `limit`. */
    async chainPage(afterSeq: number, limit: number): Promise<ChainedAuditRow[]> {
      const rows = await db.all(
        `SELECT id, ${COLS}, chain_seq, row_hash FROM audit_log WHERE chain_seq > $1 ORDER BY chain_seq, id LIMIT $2`,
        [afterSeq, limit],
      )
      return rows.map((r) => ({ ...toAuditRow(r), chain_seq: Number(r.chain_seq), row_hash: r.row_hash as string }))
    },
    /** Rows written before the chain existed (migration 11): not covered by verification. */
    async unchainedCount(): Promise<number> {
      const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM audit_log WHERE chain_seq IS NULL`)
      return Number(r?.n ?? 0)
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
    /**
     * Deletes rows older than a moment, at most `limit` of them, so a purge is bounded. Chained rows go from the
     * chain's start, in commit order, up to the first row that is not old enough; the chain then starts at a new
     * anchor (the last row removed), so what is left still verifies. A row replayed late from the spool, older than
     * rows committed before it, waits until those are old enough too. Rows from before the chain go by their time.
     */
    async purgeBefore(beforeIso: string, limit: number): Promise<number> {
      const purge = turn.then(() =>
        onTheHead(async (tx) => {
          await tx.run(`UPDATE audit_chain SET seq = seq WHERE id = 1`)
          const state = await tx.one<{ seq: number | string; anchor_seq: number | string }>(
            `SELECT h.seq, c.anchor_seq FROM audit_chain c, (${CHAIN_HEAD_SQL}) h WHERE c.id = 1`,
          )
          const anchor = Number(state?.anchor_seq ?? 0)
          const keep = await tx.one<{ s: number | string | null }>(
            `SELECT min(chain_seq) AS s FROM audit_log WHERE chain_seq > $1 AND timestamp >= $2`,
            [anchor, beforeIso],
          )
          const cut = Math.min(keep?.s == null ? Number(state?.seq ?? 0) + 1 : Number(keep.s), anchor + limit + 1)
          let removed = 0
          if (cut - 1 > anchor) {
            const last = await tx.one<{ row_hash: string }>(`SELECT row_hash FROM audit_log WHERE chain_seq = $1`, [cut - 1])
            // A missing row is for verification to report, not for the purge to paper over.
            if (last) {
              removed += await tx.run(`DELETE FROM audit_log WHERE chain_seq > $1 AND chain_seq < $2`, [anchor, cut])
              await tx.run(`UPDATE audit_chain SET anchor_seq = $1, anchor_hash = $2, updated_at = $3 WHERE id = 1`, [cut - 1, last.row_hash, new Date().toISOString()])
            }
          }
          if (removed < limit) {
            removed += await tx.run(
              `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE chain_seq IS NULL AND timestamp < $1 ORDER BY timestamp, id LIMIT $2)`,
              [beforeIso, limit - removed],
            )
          }
          return removed
        }),
      )
      turn = purge.catch(() => {})
      return purge
    },
    async count(): Promise<number> {
      const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM audit_log`)
      return r?.n ?? 0
    },
  }
}
