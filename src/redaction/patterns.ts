// The secret patterns, applied in this order. Specific token formats come first, so `API_KEY=sk-...` is reported
// as openai_key, and the generic `key = value` rule then sees `[REDACTED:...]`, which it treats as a placeholder.
//
// Rules for writing a pattern here:
// - Character classes for secrets exclude `\`, `"` and whitespace, so a match stops at the end of a JSON string
//   or at an escape such as \n (redact.ts also refuses any unsafe span, see json-safe.ts).
// - Every quantifier runs over a class that cannot overlap what follows it, or is bounded, so a multi-megabyte
//   line of base64 image data is scanned in linear time.
// - A named group `secret…` marks the part that is replaced; without one the whole match is replaced.
import { PROVIDER_RULES } from './providers.ts'
import { END, rule, START, type RedactionRule } from './rule.ts'
import {
  hasDigitsAndLetters, hasPlaceholderWord, hasSecretShape, isLowEntropy, isOrdinaryValue, isPlaceholder, isRandomToken, isSecretKey, isWordy,
  shannonEntropy,
} from './values.ts'

export type { RedactionRule } from './rule.ts'

// PEM body: base64 lines, header lines and line breaks, real or JSON-escaped (\n, or \\n when escaped twice).
const PEM_BREAK = String.raw`(?:\\+[nrt]|\s)`
const PEM_LABEL = String.raw`(?<label>(?:[A-Z0-9]+ )*)PRIVATE KEY(?<block> BLOCK)?`

/** Enough base64 in a PEM body to be key material rather than a `...` placeholder. */
function hasKeyMaterial(body: string): boolean {
  return body.replace(/\\+[nrt]/g, '').replace(/[^A-Za-z0-9+/]/g, '').length >= 32
}

/** A bare value that is code, not a literal: a call (`Base.url_encode64(`) or a dotted name (`config.secret2`). */
function isCode(value: string, followedByCall: boolean): boolean {
  return followedByCall || /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)
}

const PLACEHOLDER_PASSWORDS = /^(?:password|passwd|pass|pwd|secret|token|pat)$/i

/** A password that stands in for one (`${PGPASSWORD}`, `<pass>`, `password`); a leading `@` or `%40` is kept as data. */
function isPlaceholderPassword(value: string): boolean {
  const core = value.replace(/^(?:@|%[0-9A-Fa-f]{2})+/, '')
  return core !== '' && (isPlaceholder(core) || PLACEHOLDER_PASSWORDS.test(core))
}

/** Where an AWS secret key may sit: an access key id (raw or redacted) or the word aws nearby. */
const AWS_CONTEXT = /(?:(?<=\\[nrt])|(?<![A-Za-z]))[Aa][Ww][Ss]|A[KS]IA[0-9A-Z]{16}/

/** The rest of one shell command before an option: bounded, and never past a separator or a line break. */
const COMMAND_REST = String.raw`[^\r\n|;&]{0,300}?`
/** An unquoted value ends at whitespace, quotes and the shell's separators, so `-pS3cret; ls` keeps its `;`. */
const BARE_VALUE = String.raw`[^\s"'\x60\\;|&()<>]{1,200}`
/** An option's value: quoted (spaces allowed, JSON-escaped quotes too) or bare. */
const CLI_VALUE = String.raw`(?:\\*["'](?<secretQuoted>[^"'\\\r\n]{1,200})|(?<secretBare>${BARE_VALUE}))`

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
  rule('github_token', /gh[pousr]_|github_pat_/,
    String.raw`${START}(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})${END}`,
    '', (s) => !isLowEntropy(s.slice(s.indexOf('_') + 1))),
  rule('slack_token', /xox[a-z]-|xapp-/, String.raw`${START}(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}${END}`, '', (s) => /\d/.test(s)),
  rule('slack_webhook', /hooks\.slack\.com/,
    String.raw`hooks\.slack\.com/services/(?<secret>T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,})`),
  rule('aws_access_key', /A[KS]IA/, String.raw`${START}(?:AKIA|ASIA)[0-9A-Z]{16}${END}`, '', (s) => !isLowEntropy(s.slice(4))),
  // An AWS secret access key has no prefix: 40 base64 characters, which plenty of ordinary values also are. It is
  // taken as a secret only next to what names it: an access key id (AKIA…/ASIA…, or one already redacted) or the
  // word aws, within 200 characters, as in a credentials CSV, a table row or `aws configure` output.
  rule('aws_secret_key', /A[KS]IA|aws/i,
    String.raw`(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/=]))(?<secret>[A-Za-z0-9+/]{40})(?![A-Za-z0-9+/=])`, '',
    (s) => /[a-z]/.test(s) && /[A-Z]/.test(s) && shannonEntropy(s) >= 4 && !isWordy(s) && !hasPlaceholderWord(s),
    { pattern: AWS_CONTEXT, within: 200 }),
  rule('google_api_key', /AIza/, String.raw`${START}AIza[0-9A-Za-z_-]{35}${END}`),
  ...PROVIDER_RULES,
  // scheme://user:password@host keeps the user and host. The scheme is bounded rather than anchored with a
  // look-behind, so after an escape like \n it simply starts with the `n`; only the password is replaced anyway.
  // The password may hold an unencoded `@`, `:` or `#`: it runs to the last `@` before the path or query.
  rule('url_password', /:\/\//,
    String.raw`[A-Za-z][A-Za-z0-9+.-]{0,20}://[^\s:/?#"'\\]{0,100}:(?<secret>[^\s/?"'\\]{3,200})@(?=[A-Za-z0-9\[])`,
    '', (s) => !isPlaceholderPassword(s)),
  // Passwords on a command line: mysql -pSECRET (attached; `-p` alone prompts), mysql --password=SECRET,
  // sshpass -p SECRET, redis-cli -a SECRET, curl -u user:SECRET. Only the password is replaced.
  rule('cli_password', /mysql|mariadb/,
    String.raw`${START}(?:mysql(?:dump|admin|import|check|show|sh|binlog|pump)?|mariadb(?:-dump|-admin)?)(?![A-Za-z0-9_:/.@-])` +
      String.raw`${COMMAND_REST}[ \t](?:-p|--password=)${CLI_VALUE}`,
    '', (s) => !isPlaceholderPassword(s) && !/^[0-9]+:[0-9]+/.test(s)),
  rule('cli_password', /sshpass|redis-cli/,
    String.raw`${START}(?:sshpass${COMMAND_REST}[ \t]-p[ \t]*|redis-cli${COMMAND_REST}[ \t](?:-a|--pass)[ \t]+)${CLI_VALUE}`,
    '', (s) => !isPlaceholderPassword(s)),
  rule('cli_password', /curl/,
    String.raw`${START}curl\b${COMMAND_REST}[ \t](?:-u[ \t]*|--user(?:=|[ \t]+))` +
      String.raw`(?:\\*["'][^\s:"'\\]{0,100}:(?<secretQuoted>[^"'\\\r\n]{1,200})|[^\s:"'\\]{0,100}:(?<secretBare>${BARE_VALUE}))`,
    '', (s) => s.length >= 3 && !isPlaceholderPassword(s)),
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
