import type { Store } from '../store/index.ts'
import { chainHash } from '../store/repositories/audit-chain.ts'

/** What `agnes admin audit verify` and GET /api/admin/audit/verify answer. */
export interface AuditVerifyResult {
  ok: boolean
  /** Chained rows whose hash was recomputed and matched, in commit order. */
  rows_checked: number
  /** Rows written before the chain existed (schema version 11): not covered. */
  rows_unchained: number
  /** Where the chain starts (0, or the last row a retention purge removed) and its head. */
  anchor_seq: number
  head_seq: number
  /** The first place, in commit order, where the chain does not hold. */
  first_bad?: { id: number | null; seq: number; reason: string }
  verified_at: string
}

const PAGE = 5_000

/**
 * Walks the audit log in commit order from the chain's anchor, recomputing each row's hash from the one before it,
 * and compares the end with the head kept outside the table. An edited row fails its own hash; a deleted row leaves
 * a gap in the sequence; rows moved or swapped fail the hash of the first one out of place; rows deleted from the
 * end leave the walk short of the head.
 */
export async function verifyAuditChain(store: Pick<Store, 'audit'>, now = new Date()): Promise<AuditVerifyResult> {
  const state = await store.audit.chainState()
  const base = { rows_unchained: await store.audit.unchainedCount(), anchor_seq: state.anchor_seq, head_seq: state.seq, verified_at: now.toISOString() }
  let prev = state.anchor_hash
  let expected = state.anchor_seq + 1
  let checked = 0
  const bad = (id: number | null, seq: number, reason: string): AuditVerifyResult => ({ ok: false, rows_checked: checked, ...base, first_bad: { id, seq, reason } })
  for (;;) {
    // Only what had committed when the head was read: rows written during the walk belong to a later check.
    const page = (await store.audit.chainPage(expected - 1, PAGE)).filter((r) => r.chain_seq === null || r.chain_seq <= state.seq)
    for (const row of page) {
      if (row.chain_seq === null || row.chain_seq < expected) {
        return bad(row.id, expected - 1, `a second row claims place ${row.chain_seq} of the chain: a row was added or copied behind the application's back`)
      }
      if (row.chain_seq > expected) {
        return bad(row.id, expected, row.chain_seq - expected === 1
          ? `row ${expected} of the chain is missing (deleted); the next row present is this one`
          : `rows ${expected} to ${row.chain_seq - 1} of the chain are missing (deleted); the next row present is this one`)
      }
      if (chainHash(prev, row) !== row.row_hash) {
        return bad(row.id, row.chain_seq, 'the row does not match its hash: it was edited, or rows were moved or swapped')
      }
      prev = row.row_hash
      expected++
      checked++
    }
    if (page.length < PAGE || expected > state.seq) break
  }
  if (expected - 1 !== state.seq || prev !== state.head) {
    return bad(null, expected, expected - 1 < state.seq
      ? `the newest rows, ${expected} to ${state.seq}, are missing (deleted)`
      : 'the chain does not end at the head kept outside the audit log')
  }
  return { ok: true, rows_checked: checked, ...base }
}
