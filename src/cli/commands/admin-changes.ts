import type { ApiClient } from '../client.ts'
import { readFiltered, type TimelineFilterOptions } from './admin-activity.ts'

export interface FieldChange {
  field: string
  kind: 'added' | 'changed' | 'removed'
  before: unknown
  after: unknown
}

/** One row of `GET /api/admin/activity/changes`. */
export interface ChangeRow {
  event: { id: number; timestamp: string; user_email: string | null; client_kind: string; action: string; resource: string | null }
  changes: FieldChange[]
  no_op: boolean
  rollback: { allowed: boolean; reason?: string }
}

export interface RollbackAnswer {
  event_id: number
  applied: boolean
  changes: FieldChange[]
  conflicts: Array<{ field: string; expected: unknown; actual: unknown }>
  message: string
}

/** Changes under the timeline's filters, following next_cursor until `max` rows (or the end). */
export function listChanges(client: ApiClient, filters: TimelineFilterOptions, opts: { max?: number; pageSize?: number } = {}) {
  return readFiltered<ChangeRow>(client, '/api/admin/activity/changes', filters, opts)
}

/** Rolls an audited change back (or, with dryRun, says what that would do). */
export async function rollback(client: ApiClient, eventId: number, opts: { dryRun?: boolean; force?: boolean } = {}): Promise<RollbackAnswer> {
  return client.request('POST', '/api/admin/rollback', { event_id: eventId, ...(opts.dryRun ? { dry_run: true } : {}), ...(opts.force ? { force: true } : {}) })
}

const show = (v: unknown) => (v === null || v === undefined ? '∅' : JSON.stringify(v))

/** One line per field: `name: "old" → "new"`. */
export function formatFieldChanges(changes: FieldChange[], indent = '    '): string[] {
  return changes.map((c) => `${indent}${c.field}: ${show(c.before)} → ${show(c.after)}`)
}

/** A change as text: who did what to which record, then its fields. */
export function formatChange(r: ChangeRow): string {
  const e = r.event
  const revert = r.rollback.allowed ? 'revertible' : `not revertible: ${r.rollback.reason}`
  const head = `#${e.id}  ${e.timestamp}  ${e.user_email ?? '(system)'} via ${e.client_kind}  ${e.action}  ${e.resource ?? ''}  [${revert}]`
  return [head, ...(r.no_op ? ['    (no change: it set what was already there)'] : formatFieldChanges(r.changes))].join('\n')
}

export function formatRollback(r: RollbackAnswer): string {
  const lines = [r.message, ...formatFieldChanges(r.changes, '  ')]
  if (r.conflicts.length) {
    lines.push('changed since the event:')
    for (const c of r.conflicts) lines.push(`  ${c.field}: the event left ${show(c.expected)}, now ${show(c.actual)}`)
  }
  return lines.join('\n')
}
