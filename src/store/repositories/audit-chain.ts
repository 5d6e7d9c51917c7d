import { createHash } from 'node:crypto'
import { toJsonColumn } from './json.ts'
import type { NewAuditRow } from './audit.ts'

/** The hash the chain starts from (and the anchor before any purge). */
export const GENESIS_HASH = '0'.repeat(64)

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
  }
  return v
}

/** A JSON column as it reads back from either engine: NUL made U+FFFD (toJsonColumn), keys in one order. */
function storedJson(v: Record<string, unknown> | null): unknown {
  return v === null || v === undefined ? null : sortKeys(JSON.parse(toJsonColumn(v)))
}

/**
 * The row's content as hashed: every column but the id and the chain's own, in a form both engines give back the
 * same (times as ISO 8601 with milliseconds, JSON with sorted keys), so a row hashed when written verifies when read.
 */
export function canonicalAuditRow(r: NewAuditRow): string {
  return JSON.stringify([
    new Date(r.timestamp).toISOString(), r.user_id ?? null, r.user_email ?? null, r.action, r.resource ?? null,
    storedJson(r.params), storedJson(r.params_before), r.result, r.duration_ms ?? null, r.client_ip ?? null,
    r.client_kind, r.correlation_id,
  ])
}

/** sha256 over the previous row's hash and this row's canonical form, hex. */
export function chainHash(prev: string, r: NewAuditRow): string {
  return createHash('sha256').update(prev).update('\n').update(canonicalAuditRow(r)).digest('hex')
}
