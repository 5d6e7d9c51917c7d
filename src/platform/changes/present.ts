import { capParams } from '../../audit/index.ts'
import { maskValue } from '../../activity/mask.ts'
import type { FieldChange } from './diff.ts'

/**
 * A diffed value as an admin sees it: redacted and cut as the audit log stores values, then masked as the timeline
 * shows them (SQL literals hidden). Diffs of kept states compare whole values, but never show more than the log does.
 */
export function displayValue(value: unknown, field: string): unknown {
  const key = field.slice(field.lastIndexOf('.') + 1)
  return maskValue(capParams(value, key), key)
}

export function displayChanges(changes: FieldChange[]): FieldChange[] {
  return changes.map((c) => ({ ...c, before: displayValue(c.before, c.field), after: displayValue(c.after, c.field) }))
}
