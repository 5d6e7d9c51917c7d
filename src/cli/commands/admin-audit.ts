import type { ApiClient } from '../client.ts'
import type { AuditVerifyResult } from '../../audit/verify.ts'

/** The answer of GET /api/admin/audit/verify: the server's own type (a type-only import; nothing of the server runs here). */
export type AuditVerifyOutput = AuditVerifyResult

export function verifyAudit(client: ApiClient): Promise<AuditVerifyOutput> {
  return client.request<AuditVerifyOutput>('GET', '/api/admin/audit/verify')
}

/** One line a person can act on. */
export function describeVerification(v: AuditVerifyOutput): string {
  const covered = `${v.rows_checked.toLocaleString('en-US')} row(s) checked in commit order${v.anchor_seq ? ` from the retention anchor (position ${v.anchor_seq})` : ''}`
  const old = v.rows_unchained ? `; ${v.rows_unchained.toLocaleString('en-US')} older row(s) predate the chain and are not covered` : ''
  if (v.ok) return `OK: the audit log's chain holds, ${covered}${old}.`
  const where = v.first_bad?.id != null ? `row ${v.first_bad.id} (position ${v.first_bad.seq})` : `position ${v.first_bad?.seq}`
  return `BROKEN at ${where}: ${v.first_bad?.reason}. ${covered} before it${old}.`
}
