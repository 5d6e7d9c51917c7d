/**
 * Field diffs between two states of one record, as the Changes view and a rollback show them: one entry per
 * changed leaf, nested objects by dotted path (`source.path`), sorted by path, arrays compared whole. A missing key and a null
 * value are the same ("no value"), so setting a description that was null is `added`, clearing it `removed`.
 */
export type State = Record<string, unknown>

export interface FieldChange {
  field: string
  kind: 'added' | 'changed' | 'removed'
  before: unknown
  after: unknown
}

/** Keys in params that describe the audit row, not the record: never diffed, compared or restored. */
export const META_KEYS: ReadonlySet<string> = new Set(['state_sha256', 'rolled_back_event_id', 'rolled_back_action', 'subject', 'force'])

const isObject = (v: unknown): v is State => typeof v === 'object' && v !== null && !Array.isArray(v)
const isNothing = (v: unknown) => v === null || v === undefined

/** JSON with object keys sorted at every depth: equal values print equal, whatever order their keys came in. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (isObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v ?? null)
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (isNothing(a) && isNothing(b)) return true
  return canonicalJson(a) === canonicalJson(b)
}

/** The state without its meta keys; null when nothing else is left (a rollback that removed the record). */
export function stripMeta(s: State | null | undefined): State | null {
  if (!s) return null
  const rest = Object.entries(s).filter(([k]) => !META_KEYS.has(k))
  return rest.length ? Object.fromEntries(rest) : null
}

function leaves(v: unknown, path: string, out: Map<string, unknown>): void {
  if (isObject(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) leaves(x, `${path}.${k}`, out)
  } else out.set(path, v)
}

/**
 * The fields that differ from `before` to `after` (null: the record did not exist / no longer exists). An update
 * is compared on the top-level keys of its new state, so a row whose params held only the changed fields (as rows
 * written before full states were kept did) still shows just those fields.
 */
export function diffStates(before: State | null | undefined, after: State | null | undefined): FieldChange[] {
  const b = stripMeta(before)
  const a = stripMeta(after)
  if (!b && !a) return []
  const tops = Object.keys((a ?? b)!)
  const bl = new Map<string, unknown>()
  const al = new Map<string, unknown>()
  for (const top of tops) {
    leaves(b?.[top], top, bl)
    leaves(a?.[top], top, al)
  }
  const out: FieldChange[] = []
  // Sorted by path: PostgreSQL's JSONB keeps keys in an order of its own, and both engines must answer alike.
  for (const field of [...new Set([...al.keys(), ...bl.keys()])].sort()) {
    const x = bl.get(field) ?? null
    const y = al.get(field) ?? null
    if (sameValue(x, y)) continue
    out.push({ field, kind: isNothing(x) ? 'added' : isNothing(y) ? 'removed' : 'changed', before: x, after: y })
  }
  return out
}

/** A state reduced to some top-level keys (null stays null). */
export function project(s: State | null, keys: string[]): State | null {
  if (!s) return null
  return Object.fromEntries(keys.map((k) => [k, s[k] ?? null]))
}
