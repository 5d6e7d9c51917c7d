import { createHash } from 'node:crypto'
import type { AuditNote, Services } from '../../services.ts'
import type { Clock } from '../../clock.ts'
import { capParams } from '../../audit/index.ts'
import { canonicalJson, sameValue, stripMeta, type State } from './diff.ts'

export function stateHash(state: State): string {
  return createHash('sha256').update(canonicalJson(state)).digest('hex')
}

/**
 * Tells the request's audit row what a mutation changed: params_before = the record before (null for a create),
 * params = the record after (null for a delete). States never hold secrets (password or token hashes, bot tokens):
 * callers pass the projections their capability defines (userState, tableState…).
 *
 * With `keep` (the actions a rollback may revert), a state the audit row cannot hold exactly (the writer cuts strings
 * at 256 characters, lists at 100 items, and redacts anything that looks like a secret, so a long SQL source or
 * template) is also kept in the store under its hash, which the row carries as state_sha256. Every other state is
 * exactly what the row holds.
 */
export async function noteChange(
  // The clock, where the caller has one, dates the kept state as its audit row is dated (retention compares the two).
  svc: Pick<Services, 'store'> & { clock?: Clock },
  note: AuditNote,
  before: State | null,
  after: State | null,
  opts: { keep?: boolean } = {},
): Promise<void> {
  note.params_before = before ? { ...before } : null
  note.params = after ? { ...after } : null
  if (!opts.keep) return
  const now = (svc.clock?.now() ?? new Date()).toISOString()
  for (const [state, side] of [[before, note.params_before], [after, note.params]] as const) {
    if (!state || !side) continue
    const exact = stripMeta(state)!
    if (sameValue(capParams(exact), exact)) continue
    const sha = stateHash(exact)
    try {
      await svc.store.changeStates.put(sha, exact, now)
      side.state_sha256 = sha
    } catch {
      // The change itself is done; failing its request now would report an error for a change that happened.
      // Without the hash this one row cannot be rolled back (history_incomplete), which the row then says.
    }
  }
}

/** Several states in one read, by the hashes audit rows carry. */
export async function keptStates(svc: Pick<Services, 'store'>, hashes: Array<string | null | undefined>): Promise<Map<string, State>> {
  return svc.store.changeStates.getMany(hashes.filter((h): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)))
}

/** The state_sha256 an audit params object carries, if any. */
export function stateRef(params: Record<string, unknown> | null | undefined): string | null {
  const h = params?.state_sha256
  return typeof h === 'string' && /^[0-9a-f]{64}$/.test(h) ? h : null
}
