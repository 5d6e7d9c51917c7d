// The shape of a redaction rule and the pieces every pattern shares. Kept apart from the rule lists so that
// patterns.ts (generic rules) and providers.ts (token formats) can both use them without importing each other.

/** One kind of secret: how to find it and how to tell a real one from look-alikes. */
export interface RedactionRule {
  /** Name used in `[REDACTED:<kind>]` and in the per-kind counts. */
  kind: string
  /** Cheap pre-test; the pattern only runs on text where this matches. */
  hint: RegExp
  /** Global pattern with indices (`gd`). */
  pattern: RegExp
  /** Final say on a match, given the text to be replaced and the match's named groups. */
  accept?: (secret: string, groups: Record<string, string | undefined>) => boolean
  /**
   * Context a match needs around it: `pattern` (not global) must match within `within` characters before or
   * after the secret (the secret itself does not count). For formats with no prefix of their own, such as the
   * AWS secret key, so that ordinary hashes and base64 elsewhere are left alone.
   */
  near?: { pattern: RegExp; within: number }
  /**
   * A pre-test shared by a family of rules and run once per text: when it fails, none of the family's hints
   * are tried. Many separate hint scans over a long line cost more than one scan for all of them.
   */
  gate?: RegExp
}

/** Start of a token: not inside a longer word, except right after a JSON escape such as \n. */
export const START = String.raw`(?:(?<=\\[nrt])|(?<![A-Za-z0-9_-]))`
/** End of a token: not followed by more word characters. */
export const END = String.raw`(?![A-Za-z0-9_-])`

/** Builds a rule; the pattern always gets the `g` and `d` flags. */
export function rule(
  kind: string, hint: RegExp, source: string, flags = '', accept?: RedactionRule['accept'], near?: RedactionRule['near'],
): RedactionRule {
  return { kind, hint, pattern: new RegExp(source, `gd${flags}`), accept, near }
}
