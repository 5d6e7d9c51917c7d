import { defineRoute } from '../route.ts'
import { noQuery } from './schemas.ts'
import { recordAuditVerification } from '../../audit/chain-check.ts'

export const auditRoutes = [
  defineRoute({
    method: 'GET', url: '/api/admin/audit/verify', auth: 'admin', action: 'audit.verify', tag: 'activity',
    summary: 'Checks the tamper-evident chain of the audit log: {"ok", "rows_checked", "first_bad"?: {"id", "seq", "reason"}}.',
    query: noQuery,
    handler: async ({ svc, note }) => {
      const out = await recordAuditVerification(svc)
      note.params = { ok: out.ok, rows_checked: out.rows_checked, first_bad: out.first_bad ?? null }
      return out
    },
  }),
]
