// The secret patterns, applied in this order. Specific token formats come first, so `API_KEY=sk-...` is reported
// as openai_key, and the generic `key = value` rule then sees `[REDACTED:...]`, which it treats as a placeholder.
//
// Rules for writing a pattern here:
// - Character classes for secrets exclude `\`, `"` and whitespace, so a match stops at the end of a JSON string
//   or at an escape such as \n (redact.ts also refuses any unsafe span, see json-safe.ts).
// - Every quantifier runs over a class that cannot overlap what follows it, or is bounded, so a multi-megabyte
//   line of base64 image data is scanned in linear time.
// - A named group `secret…` marks the part that is replaced; without one the whole match is replaced.
import {
  hasDigitsAndLetters, hasSecretShape, isLowEntropy, isOrdinaryValue, isPlaceholder, isRandomToken, isSecretKey,
} from './values.ts'

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
}

// Start of a token: not inside a longer word, except right after a JSON escape such as \n.
const START = String.raw`(?:(?<=\\[nrt])|(?<![A-Za-z0-9_-]))`
const END = String.raw`(?![A-Za-z0-9_-])`
// PEM body: base64 lines, header lines and line breaks, real or JSON-escaped (\n, or \\n when escaped twice).
const PEM_BREAK = String.raw`(?:\\+[nrt]|\s)`
const PEM_LABEL = String.raw`(?<label>(?:[A-Z0-9]+ )*)PRIVATE KEY(?<block> BLOCK)?`

function rule(kind: string, hint: RegExp, source: string, flags = '', accept?: RedactionRule['accept']): RedactionRule {
  return { kind, hint, pattern: new RegExp(source, `gd${flags}`), accept }
}

/** Enough base64 in a PEM body to be key material rather than a `...` placeholder. */
function hasKeyMaterial(body: string): boolean {
  return body.replace(/\\+[nrt]/g, '').replace(/[^A-Za-z0-9+/]/g, '').length >= 32
}

/** A bare value that is code, not a literal: a call (`Base.url_encode64(`) or a dotted name (`config.secret2`). */
function isCode(value: string, followedByCall: boolean): boolean {
  return followedByCall || /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)
}

const PLACEHOLDER_PASSWORDS = /^(?:password|passwd|pass|pwd|secret|token|pat)$/i

/** All rules, in the order they are applied. */
export const RULES: readonly RedactionRule[] = [
  rule('private_key', /PRIVATE KEY/,
    String.raw`-----BEGIN ${PEM_LABEL}-----(?<body>(?:[A-Za-z0-9+/=:, \t\r\n-]|\\+[nrt])*?)-----END \k<label>PRIVATE KEY\k<block>-----`,
    '', (_s, g) => hasKeyMaterial(g.body ?? '')),
  // A key cut short (e.g. `head -5 id_rsa`): the header and the base64 lines that follow it.
  rule('private_key', /PRIVATE KEY/,
    String.raw`-----BEGIN ${PEM_LABEL}-----(?<body>(?:${PEM_BREAK}+(?:[A-Za-z0-9+/]{16,}={0,2}|(?:Proc-Type|DEK-Info|Comment|Version):[^\\\r\n"]*))+)`,
    '', (_s, g) => hasKeyMaterial(g.body ?? '')),
  rule('jwt', /eyJ/, String.raw`${START}eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}${END}`),
  rule('agnes_token', /agnes_pat_/, String.raw`${START}agnes_pat_[A-Za-z0-9_-]{43}${END}`),
  rule('anthropic_key', /sk-ant-/, String.raw`${START}sk-ant-[A-Za-z0-9_-]{20,}${END}`, '', isRandomToken),
  rule('openai_key', /sk-/, String.raw`${START}sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}${END}`, '', isRandomToken),
  rule('stripe_key', /k_live_/, String.raw`${START}[sr]k_live_[A-Za-z0-9]{16,}${END}`, '', (s) => !isLowEntropy(s.slice(8))),
  rule('github_token', /gh[pousr]_|github_pat_/,
    String.raw`${START}(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})${END}`,
    '', (s) => !isLowEntropy(s.slice(s.indexOf('_') + 1))),
  rule('slack_token', /xox[abposr]-/, String.raw`${START}xox[abposr]-[A-Za-z0-9-]{10,}${END}`, '', (s) => /\d/.test(s)),
  rule('slack_webhook', /hooks\.slack\.com/,
    String.raw`hooks\.slack\.com/services/(?<secret>T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,})`),
  rule('aws_access_key', /A[KS]IA/, String.raw`${START}(?:AKIA|ASIA)[0-9A-Z]{16}${END}`, '', (s) => !isLowEntropy(s.slice(4))),
  rule('google_api_key', /AIza/, String.raw`${START}AIza[0-9A-Za-z_-]{35}${END}`),
  // scheme://user:password@host keeps the user and host. The scheme is bounded rather than anchored with a
  // look-behind, so after an escape like \n it simply starts with the `n`; only the password is replaced anyway.
  rule('url_password', /:\/\//,
    String.raw`[A-Za-z][A-Za-z0-9+.-]{0,20}://[^\s:/?#@"'\\]{0,100}:(?<secret>[^\s/?#@"'\\]{3,200})@(?=[A-Za-z0-9\[])`,
    '', (s) => !isPlaceholder(s) && !PLACEHOLDER_PASSWORDS.test(s)),
  rule('basic_auth', /basic/i, String.raw`Authorization["'\\]*:[ \t]*(?:\\*["'])?Basic[ \t]+(?<secret>[A-Za-z0-9+/]{8,}={0,2})`, 'i',
    (s) => !isPlaceholder(s)),
  rule('bearer', /bearer/i, String.raw`${START}(?<auth>Authorization["'\\]*:[ \t]*(?:\\*["'])?)?Bearer[ \t]+(?<secret>[A-Za-z0-9._~+/-]{7,}[A-Za-z0-9_~+/-]=*)`,
    'i', (s, g) => (g.auth !== undefined || s.length >= 16) && hasDigitsAndLetters(s) && !isPlaceholder(s)),
  // key = value, key: value, "key": "value", key => value ... for keys that obviously name a secret. The value is
  // either quoted (any characters but quotes, backslashes and whitespace) or bare (which also stops at
  // punctuation that ends a value in code or URLs: , ; & ( ) [ ] { } < > |).
  rule('secret_assignment', /pass|pwd|secret|token|key/i,
    String.raw`(?:(?<=\\[nrt])|(?<![A-Za-z0-9_.\\-]))` +
      String.raw`(?<key>[A-Za-z0-9_.-]{0,40}?(?:pass(?:word|wd|phrase)|pwd|secret|token|key)[A-Za-z0-9_-]{0,40}?)` +
      String.raw`(?:\\*["'\x60])?[ \t]*(?::=|=>|[:=])[ \t]*` +
      String.raw`(?:\\*["'\x60](?<secret>[^\s"'\x60\\]+)|(?<secretBare>[^\s"'\x60\\,;&()[\]{}<>|]+)(?<call>\(?))`,
    'i', (s, g) => s.length >= 8 && isSecretKey(g.key ?? '') && !isPlaceholder(s) && !isOrdinaryValue(s) &&
      hasSecretShape(s) && (g.secretBare === undefined || !isCode(s, g.call === '('))),
]
