import { isJsonSafeSpan } from './json-safe.ts'
import { RULES, type RedactionRule } from './patterns.ts'

// Short texts (audit params, names, messages) are first tested against every rule's hint at once: one test instead
// of one per rule, most of them answered "nothing here". On long lines a single alternation scans slower than
// the separate literal hints, so they skip it. Case-insensitive, so it is a superset of every hint.
const SHORT_TEXT = 256
const ANY_HINT = new RegExp(RULES.map((rule) => rule.hint.source).join('|'), 'i')

/** Result of {@link redactSecrets}: the redacted text and how many secrets of each kind were replaced. */
export interface RedactionResult {
  text: string
  count: number
  kinds: Record<string, number>
}

/**
 * Replaces secrets in `text` with `[REDACTED:<kind>]`. Safe for a line of JSONL: a replacement never removes a
 * quote, a bracket or part of an escape sequence, so valid JSON stays valid with the same structure. Text that
 * is not a secret is left byte for byte as it was.
 */
export function redactSecrets(text: string): RedactionResult {
  const kinds: Record<string, number> = {}
  let count = 0
  if (text.length <= SHORT_TEXT && !ANY_HINT.test(text)) return { text, count, kinds }
  let gates: Map<RegExp, boolean> | undefined
  for (const rule of RULES) {
    if (rule.gate) {
      gates ??= new Map()
      let open = gates.get(rule.gate)
      if (open === undefined) gates.set(rule.gate, (open = rule.gate.test(text)))
      if (!open) continue
    }
    if (!rule.hint.test(text)) continue
    const applied = applyRule(text, rule)
    if (applied.count === 0) continue
    text = applied.text
    count += applied.count
    kinds[rule.kind] = (kinds[rule.kind] ?? 0) + applied.count
  }
  return { text, count, kinds }
}

function applyRule(text: string, rule: RedactionRule): { text: string; count: number } {
  let out = ''
  let copiedUpTo = 0
  let count = 0
  const pattern = rule.pattern
  pattern.lastIndex = 0
  let match: RegExpExecArray | null
  while ((match = pattern.exec(text)) !== null) {
    const [start, end] = secretSpan(match)
    const secret = text.slice(start, end)
    if ((rule.accept && !rule.accept(secret, match.groups ?? {})) || !isJsonSafeSpan(text, start, end) ||
      (rule.near && !isNear(text, start, end, rule.near))) {
      // A rejected candidate must not hide a real one that overlaps it, e.g. `"key":"DB_PASSWORD=...` where the
      // first match is key -> "DB_PASSWORD=". Look again one character further on.
      pattern.lastIndex = match.index + 1
      continue
    }
    out += text.slice(copiedUpTo, start) + `[REDACTED:${rule.kind}]`
    copiedUpTo = end
    count++
    if (match[0].length === 0) pattern.lastIndex++
  }
  return count === 0 ? { text, count } : { text: out + text.slice(copiedUpTo), count }
}

/** True when `near.pattern` matches within `near.within` characters either side of the span, outside the span itself. */
function isNear(text: string, start: number, end: number, near: NonNullable<RedactionRule['near']>): boolean {
  const before = text.slice(Math.max(0, start - near.within), start)
  const after = text.slice(end, end + near.within)
  return near.pattern.test(before) || near.pattern.test(after)
}

/** The part of a match to replace: the first participating `secret…` group, else the whole match. */
function secretSpan(match: RegExpExecArray): [number, number] {
  const groups = match.indices?.groups
  if (groups) {
    for (const [name, span] of Object.entries(groups)) {
      if (name.startsWith('secret') && span) return span
    }
  }
  const index = match.index ?? 0
  return [index, index + match[0].length]
}
