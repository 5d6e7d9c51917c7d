import type { Actor, AuditNote } from '../../services.ts'
import type { AuditRow } from '../../store/index.ts'
import { AppError, notFound } from '../../errors.ts'
import { withLease } from '../leases.ts'
import { lockout } from '../users/lockout.ts'
import { mutationOf, NOT_MUTATIONS, type MutationKind, type SubjectName } from '../changes/mutations.ts'
import { diffStates, project, stripMeta, type FieldChange, type State } from '../changes/diff.ts'
import { keptStates, noteChange, stateRef } from '../changes/record.ts'
import { displayChanges, displayValue } from '../changes/present.ts'
import { isSubjectName, SUBJECTS, type Losses, type RollbackServices } from './subjects.ts'

export type { RollbackServices } from './subjects.ts'

export interface RollbackInput {
  event_id: number
  dry_run?: boolean
  force?: boolean
}

/** A field the record changed in again after the event: `expected` is what the event left, `actual` what is there now. */
export interface Conflict {
  field: string
  expected: unknown
  actual: unknown
}

export interface RollbackResult {
  event_id: number
  applied: boolean
  /** What the rollback changes (did, or would on a dry run): the record now → as it was before the event. */
  changes: FieldChange[]
  conflicts: Conflict[]
  message: string
}

type Eligibility =
  | { allowed: true; subject: SubjectName; kind: MutationKind }
  | { allowed: false; code: 'not_reversible' | 'history_incomplete'; reason: string }

/**
 * Whether an event can be rolled back, from the row alone (the Changes view asks this of every row): it must be a
 * successful change of an allowlisted action, and hold the states a rollback needs. A rollback itself is reversible.
 */
export function rollbackEligibility(event: AuditRow): Eligibility {
  const refuse = (code: 'not_reversible' | 'history_incomplete', reason: string) => ({ allowed: false, code, reason }) as const
  if (event.result !== 'success') return refuse('not_reversible', `event #${event.id} did not change anything (its result is ${event.result})`)
  const m = mutationOf(event.action)
  if (!m) {
    const why = Object.hasOwn(NOT_MUTATIONS, event.action) ? NOT_MUTATIONS[event.action] : 'it is not a change'
    return refuse('not_reversible', `${event.action} changes no record to put back: ${why}`)
  }
  const subject = m.subject ?? (event.action === 'rollback.apply' ? event.params?.subject : undefined)
  if (!isSubjectName(subject)) {
    return refuse('not_reversible', `${event.action} is not on the rollback allowlist: ${m.notReversible ?? 'its record is not one a rollback knows'}`)
  }
  const before = stripMeta(event.params_before)
  const after = stripMeta(event.params)
  if ((m.kind === 'update' || m.kind === 'delete') && !before) {
    return refuse('history_incomplete', `event #${event.id} has no params_before (it was recorded before Agnes kept prior states), so there is nothing to restore`)
  }
  if ((m.kind === 'create' || m.kind === 'update') && !after) return refuse('history_incomplete', `event #${event.id} does not record the state it left`)
  if (!before && !after) return refuse('history_incomplete', `event #${event.id} records neither the state before nor after it`)
  for (const s of [before, after]) {
    if (s && !SUBJECTS[subject].shapeOk(s)) {
      return refuse('history_incomplete', `event #${event.id} was recorded before Agnes kept whole states (its params hold only what the request sent), so it cannot be restored exactly`)
    }
  }
  return { allowed: true, subject, kind: m.kind }
}

/** The event's states exactly: the audit copy, or, where the log had to cut or redact it, the state kept under its hash. */
async function exactStates(svc: RollbackServices, event: AuditRow): Promise<{ before: State | null; after: State | null }> {
  const refs = [stateRef(event.params_before), stateRef(event.params)]
  const kept = await keptStates(svc, refs)
  const exact = (params: AuditRow['params'], ref: string | null) => {
    if (!ref) return stripMeta(params)
    const s = kept.get(ref)
    if (!s) throw refusal(422, 'history_incomplete', `the exact state of event #${event.id} is no longer kept (purged with the old audit rows), so it cannot be restored`, event.id)
    return s
  }
  return { before: exact(event.params_before, refs[0]), after: exact(event.params, refs[1]) }
}

function refusal(status: number, code: string, message: string, eventId: number, changes: FieldChange[] = [], conflicts: Conflict[] = []): AppError {
  return new AppError(status, code, message, {
    auditResult: `error.${code}`,
    details: { event_id: eventId, applied: false, changes, conflicts, message } satisfies RollbackResult,
  })
}

const fieldList = (xs: Array<{ field: string }>) => xs.map((x) => x.field).join(', ')

/**
 * The resources the caller would no longer reach after losing these memberships and grants: those no other group of
 * theirs gives them. A rollback that takes any is refused (409 lockout). Admins read every table whatever their groups,
 * and no allowlisted record holds admin rights, so no rollback can leave the instance without an admin.
 */
async function accessLostBy(svc: RollbackServices, actor: Actor, losses: Losses): Promise<string[]> {
  const user = actor.user
  if (!user || user.is_admin || (losses.groups.length === 0 && losses.grants.length === 0)) return []
  const reach = await svc.store.groups.grantsReaching(user.id, 'read')
  const kept = reach.filter((r) => !losses.groups.includes(r.group_id) && !losses.grants.some((g) => g.group_id === r.group_id && g.resource === r.resource))
  return [...new Set(reach.map((r) => r.resource))].filter((res) => !kept.some((k) => k.resource === res))
}

/**
 * Rolls an audited change back: puts the record it touched back to its state before the event, as a new change
 * through the same capability functions, audited as rollback.apply (a dry run, which changes nothing, as
 * rollback.preview) with params.rolled_back_event_id and its own params_before, so it can be rolled back in turn.
 *
 * Refusals carry the preview in their details: 422 not_reversible (not on the allowlist, or the event changed
 * nothing), 422 history_incomplete (its states are not recorded), 409 lockout (the caller would lose their own
 * access), 409 conflict (the record changed again since; `force` overwrites). A record already back as it was
 * answers applied: false, "nothing to revert". Rollbacks of one record hold a store lease, so two workers applying
 * the same rollback at once apply it once: the second finds nothing to revert.
 */
export async function rollbackEvent(svc: RollbackServices, note: AuditNote, actor: Actor, input: RollbackInput): Promise<RollbackResult> {
  const id = input.event_id
  note.action = input.dry_run ? 'rollback.preview' : 'rollback.apply'
  note.params = { rolled_back_event_id: id, ...(input.force ? { force: true } : {}) }
  const event = await svc.store.activity.byId(id)
  if (!event) throw notFound('event')
  note.resource = event.resource
  note.params.rolled_back_action = event.action
  const e = rollbackEligibility(event)
  if (!e.allowed) throw refusal(422, e.code, e.reason, id)
  const subject = SUBJECTS[e.subject]
  const { before, after } = await exactStates(svc, event)
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])]
  const ref = subject.ref(before, after)
  const what = event.resource ?? e.subject

  const run = async (): Promise<RollbackResult> => {
    const current = project(await subject.read(svc, ref), keys)
    const target = before
    const changes = displayChanges(diffStates(current, target))
    if (changes.length === 0) {
      if (!input.dry_run) note.result = 'skipped'
      note.params = { ...note.params, applied: false }
      return { event_id: id, applied: false, changes: [], conflicts: [], message: `nothing to revert: ${what} is already as it was before event #${id}` }
    }
    const conflicts = diffStates(after, current).map((c) => ({ field: c.field, expected: displayValue(c.before, c.field), actual: displayValue(c.after, c.field) }))
    const lost = actor.user ? await accessLostBy(svc, actor, subject.losses(ref, target, current, actor.user.id, keys)) : []
    if (lost.length) throw refusal(409, 'lockout', `rolling back event #${id} would take away your own access to ${lost.join(', ')}`, id, changes, conflicts)
    if (conflicts.length && !input.force) {
      throw refusal(409, 'conflict', `${what} changed again since event #${id} (${fieldList(conflicts)}): send force to overwrite those changes`, id, changes, conflicts)
    }
    const overwriting = conflicts.length ? `, overwriting later changes to ${fieldList(conflicts)}` : ''
    if (input.dry_run) {
      note.params = { ...note.params, would_change: changes.map((c) => c.field), conflicts: conflicts.map((c) => c.field) }
      return { event_id: id, applied: false, changes, conflicts, message: `would revert ${what} to its state before event #${id}${overwriting}` }
    }
    const notRestored = await subject.apply(svc, actor, ref, target, current, keys)
    const now = project(await subject.read(svc, ref), keys)
    const meta = note.params
    await noteChange(svc, note, current, now, { keep: true })
    note.params = { ...(note.params ?? {}), ...meta, subject: e.subject }
    const missing = notRestored.length ? `; not restored: ${notRestored.join(', ')}` : ''
    return { event_id: id, applied: true, changes, conflicts, message: `reverted ${what} to its state before event #${id}${overwriting}${missing}` }
  }
  return input.dry_run ? run() : withLease(svc.store, `rollback:${ref.lease}`, run, { waitMs: 15_000 })
}
