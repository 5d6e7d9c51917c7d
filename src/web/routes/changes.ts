import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { noQuery } from './schemas.ts'
import { AppError } from '../../errors.ts'
import { activityQuerySchema, recordActivityRead, type ActivityQuery } from '../../activity/index.ts'
import { listChanges } from '../../platform/changes/index.ts'
import { rollbackEvent } from '../../platform/rollback/index.ts'

/** What each endpoint answers, for the page code to import as types. */
export type ChangesResponse = Awaited<ReturnType<typeof listChanges>>
export type RollbackResponse = Awaited<ReturnType<typeof rollbackEvent>>

/** The filters that identify "what was read", for the activity.read row and its 60 s de-duplication (as the timeline's). */
function readKey(q: ActivityQuery): string {
  const { cursor: _c, limit: _l, ...filters } = q
  return `changes:${JSON.stringify(Object.entries(filters).sort())}`
}

export const changeRoutes = [
  defineRoute({
    method: 'GET', url: '/api/admin/activity/changes', auth: 'admin', action: null, selfAudit: 'activity.read', tag: 'activity',
    summary:
      'The timeline\'s rows that changed something (successful mutations), under the same filters and cursor, each with its field diff: ' +
      '{rows: [{event, changes: [{field, kind: added|changed|removed, before, after}], no_op, rollback: {allowed, reason?}}], next_cursor}. ' +
      'Nested fields by path (source.path); values masked as in the timeline; no_op: an update that set what was already there.',
    query: activityQuerySchema,
    handler: async ({ svc, actor, query, req }) => {
      const out = await listChanges(svc, query)
      const { cursor: _c, limit: _l, ...filters } = query
      await recordActivityRead(svc, actor, { what: readKey(query), params: { view: 'changes', filters }, correlationId: req.correlationId, clientIp: req.ip, startedAt: req.startedAt })
      return out
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/rollback', auth: 'admin', action: 'rollback.apply', tag: 'activity',
    summary:
      'Put back what an audited change changed, as a new change (rollback.apply, itself reversible; a dry run changes nothing and is ' +
      'audited as rollback.preview): {event_id, dry_run?, force?} → {event_id, applied, changes, conflicts, message}. Only the allowlist ' +
      '(instance_config.update, instance_template.set, table.register|update|unregister, resource_grant.add|remove, ' +
      'user_group.create|update|delete, user_group_member.add|remove, rollback.apply); anything else is a 422 not_reversible. ' +
      '422 history_incomplete: the event does not record its prior state. 409 conflict: the record changed again since (force overwrites). ' +
      '409 lockout: you would lose your own access. Already as it was: 200 with applied false. Refusals carry the same fields as a ' +
      'success beside error, and a dry run answers what the apply would.',
    query: noQuery,
    body: z.strictObject({
      event_id: z.number().int().positive().describe('the id of the audit row to roll back'),
      dry_run: z.boolean().optional().describe('preview: what would change, and the conflicts, without changing anything'),
      force: z.boolean().optional().describe('overwrite fields that changed again since the event'),
    }),
    handler: async ({ svc, note, actor, body, reply }) => {
      try {
        return await rollbackEvent(svc, note, actor, body)
      } catch (e) {
        // A refusal still shows what the rollback would change and what conflicts, so a page can explain it.
        if (!(e instanceof AppError) || !e.opts.details) throw e
        note.result = e.auditResult
        return reply.code(e.status).send({ ...(e.opts.details as object), error: { code: e.code, message: e.message } })
      }
    },
  }),
]
