import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'

/** The audit result for a finished request when the capability did not name one. */
function resultFor(status: number): string {
  if (status < 400) return 'success'
  if (status === 401 || status === 403) return 'denied'
  return `error.${status}`
}

/**
 * Every route that declares an action gets exactly one audit row, written here and awaited before the
 * response leaves, so a client that saw 2xx can count on the row. Errors (validation, auth, conflicts)
 * are audited too, with their result. A store failure never fails the request: the writer spools the row.
 */
export function auditHook(app: FastifyInstance, svc: Services): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const spec = req.routeSpec ?? req.routeOptions.config?.spec
    // Self-audited routes record their own successes; a refused or invalid call is recorded here.
    const action = spec?.action ?? (spec?.selfAudit && reply.statusCode >= 400 ? spec.selfAudit : null)
    if (!spec || !action) return payload
    const note = req.auditNote ?? {}
    const user = req.actor?.user ?? null
    const durationMs = Number(process.hrtime.bigint() - req.startedAt) / 1e6
    try {
      await svc.audit.record({
        action: note.action ?? action,
        result: note.result ?? resultFor(reply.statusCode),
        user_id: user?.id ?? null,
        user_email: user?.email ?? null,
        resource: note.resource ?? null,
        params: note.params ?? null,
        params_before: note.params_before ?? null,
        duration_ms: durationMs,
        client_ip: req.ip,
        client_kind: req.actor?.clientKind ?? 'api',
        correlation_id: req.correlationId,
      })
    } catch (e) {
      // Only a programming error (a value outside the closed vocabulary) lands here.
      req.log.error({ err: e }, 'audit row rejected')
      svc.audit.failures.record(new Date(), 1, e instanceof Error ? e.message : String(e))
    }
    return payload
  })
}
