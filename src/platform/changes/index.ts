import type { Services } from '../../services.ts'
import type { AuditRow } from '../../store/index.ts'
import { presentRow } from '../../activity/index.ts'
import { decodeCursor, encodeCursor, toFilters, type ActivityQuery } from '../../activity/filters.ts'
import { rollbackEligibility } from '../rollback/index.ts'
import { diffStates, stripMeta, type FieldChange } from './diff.ts'
import { displayChanges } from './present.ts'
import { keptStates, stateRef } from './record.ts'
import { MUTATION_ACTIONS, mutationOf } from './mutations.ts'

export { MUTATIONS, MUTATION_ACTIONS, NOT_MUTATIONS, type Mutation, type MutationKind, type SubjectName } from './mutations.ts'
export { diffStates, type FieldChange } from './diff.ts'

export interface ChangeRow {
  /** The audit row, params masked as the timeline shows them. */
  event: AuditRow
  /** Field by field, before → after; empty for a no-op. */
  changes: FieldChange[]
  /** An update that changed nothing (the request set what was already there). */
  no_op: boolean
  rollback: { allowed: boolean; reason?: string }
}

/**
 * The Changes view: the timeline's rows under the same filters (one WHERE builder), narrowed to successful
 * mutations, each with its field diff computed here. Diffs use the exact kept states where the audit copy was cut
 * or redacted, so a change past the 256th character of a template still shows, and a no-op is really one.
 */
export async function listChanges(svc: Pick<Services, 'store'>, q: ActivityQuery): Promise<{ rows: ChangeRow[]; next_cursor: string | null }> {
  const filters = toFilters(q)
  const actions = filters.action_in?.length ? filters.action_in.filter((a) => MUTATION_ACTIONS.includes(a)) : [...MUTATION_ACTIONS]
  // A change is a mutation that happened: refused and failed attempts are in the timeline, not here.
  if (actions.length === 0 || (filters.result_class && filters.result_class !== 'success')) return { rows: [], next_cursor: null }
  const limit = q.limit ?? 100
  const rows = await svc.store.activity.timeline({ ...filters, action_in: actions, result_class: 'success' }, limit + 1, decodeCursor(q.cursor))
  const page = rows.slice(0, limit)
  const kept = await keptStates(svc, page.flatMap((r) => [stateRef(r.params_before), stateRef(r.params)]))
  const out = page.map((row): ChangeRow => {
    const side = (params: AuditRow['params']) => {
      const ref = stateRef(params)
      return { state: (ref && kept.get(ref)) || stripMeta(params), lost: Boolean(ref && !kept.has(ref)) }
    }
    const before = side(row.params_before)
    const after = side(row.params)
    const changes = displayChanges(diffStates(before.state, after.state))
    const kind = mutationOf(row.action)?.kind
    const eligibility = rollbackEligibility(row)
    const rollback = !eligibility.allowed
      ? { allowed: false, reason: eligibility.reason }
      : before.lost || after.lost
        ? { allowed: false, reason: `the exact state of event #${row.id} is no longer kept (purged with the old audit rows)` }
        : { allowed: true }
    return { event: presentRow(row), changes, no_op: kind !== 'create' && kind !== 'delete' && Boolean(before.state && after.state) && changes.length === 0, rollback }
  })
  const last = page[page.length - 1]
  return { rows: out, next_cursor: rows.length > limit && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : null }
}
