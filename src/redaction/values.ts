// Judgements about a candidate secret value, shared by the patterns. They exist to keep false positives down:
// transcripts are full of code such as `token = ReviewTokenStore.mint(id)` or `password: z.string()`, and of
// documentation placeholders such as `<your-token>` or `${API_KEY}`.

/** True for values that stand in for a secret rather than being one: templates, env lookups, masks, examples. */
export function isPlaceholder(value: string): boolean {
  if (/^[$%<{[@*]/.test(value)) return true // ${VAR} $VAR %s <token> {{x}} [REDACTED:...] @attr ***
  if (/\$\{|\{\{|\}\}|<[A-Za-z_-]+>/.test(value)) return true
  if (/^(?:process\.env|import\.meta\.env|os\.environ|os\.getenv|env\.|ENV\[|Deno\.env|System\.getenv)/.test(value)) return true
  if (/^(.)\1*$/.test(value) || /^[*xX.•#_-]+$/.test(value)) return true // xxxxxxxx, ********, ........
  if (/your|example|placeholder|changeme|redacted|xxxx|\.\.\./i.test(value)) return true
  return false
}

/** True when the value has the shape of a credential: a digit or a character that identifiers and words lack. */
export function hasSecretShape(value: string): boolean {
  return /[0-9]|[^A-Za-z_.-]/.test(value)
}

/** True when the value mixes digits, lower- and upper-case letters, as random API keys do. */
export function isRandomToken(value: string): boolean {
  return /[0-9]/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value)
}

/** True when the value has digits and letters (opaque tokens that may be single-case, e.g. hex-like). */
export function hasDigitsAndLetters(value: string): boolean {
  return /[0-9]/.test(value) && /[A-Za-z]/.test(value)
}

/** True for values that are plainly not secrets in a `key = value` assignment: numbers, paths, URLs. */
export function isOrdinaryValue(value: string): boolean {
  if (/^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/.test(value)) return true // numbers, incl. JSON numbers
  if (/^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(value)) return true // file paths
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return true // URLs (credentials in URLs have their own pattern)
  return false
}

/** Too few distinct characters to be a real token (e.g. `ghp_000000000000…`). */
export function isLowEntropy(value: string): boolean {
  return new Set(value).size < 6
}

// Words that mark an assignment key as holding a secret, when they end one of the key's components.
const SECRET_WORD = /(?:password|passwd|passphrase|pwd|secret|token|apikey|accesskey|privatekey|secretkey)$/
// `key` alone is too common; it counts only after one of these components (api_key, ACCESS_KEY, signingKey ...).
const KEY_QUALIFIERS = new Set(['api', 'access', 'private', 'secret', 'auth', 'signing', 'encryption', 'client', 'master'])
// Components that may follow the secret word without changing its meaning (SECRET_KEY_BASE, password_value ...).
const NEUTRAL_SUFFIXES = new Set(['value', 'val', 'base', 'str', 'string', 'plain', 'plaintext', 'raw', 'b64', 'base64',
  'hex', 'enc', 'encoded', 'old', 'new', 'current'])

/**
 * True when an assignment key obviously names a secret: `password`, `DB_PASSWORD`, `api_key`, `apiKey`,
 * `x-api-key`, `client_secret`, `GITHUB_TOKEN`, `SECRET_KEY_BASE` — but not `token_type`, `password_hash`,
 * `secretName`, `api_key_id` or `max_tokens`, whose values are not secrets.
 */
export function isSecretKey(key: string): boolean {
  const parts = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_.-]+/)
    .filter(Boolean)
  if (parts.length === 1 && parts[0] === 'pwd') return false // the shell's working directory, PWD=/home/...
  let last = parts.length - 1
  while (last > 0 && (NEUTRAL_SUFFIXES.has(parts[last]) || /^\d+$/.test(parts[last]))) last--
  const word = parts[last]
  if (word === undefined) return false
  if (SECRET_WORD.test(word)) return true
  return word === 'key' && last > 0 && KEY_QUALIFIERS.has(parts[last - 1])
}

// Placeholder words written in one case (`your`, `Your`, `YOUR`), so that a random token which happens to
// contain `yOuR` is not taken for one.
const PLACEHOLDER_WORD = /[Yy]our|YOUR|[Ee]xample|EXAMPLE|[Pp]laceholder|PLACEHOLDER|[Cc]hangeme|CHANGEME|[Rr]edacted|REDACTED|xxxx|XXXX|\.\.\./

/** True when a token-shaped value spells out that it stands in for one (`glpat-your-token`, `…EXAMPLEKEY`). */
export function hasPlaceholderWord(value: string): boolean {
  return PLACEHOLDER_WORD.test(value)
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>()
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) {
    const p = n / value.length
    bits -= p * Math.log2(p)
  }
  return bits
}

/**
 * True when the random part of a prefixed token looks generated rather than typed: digits and letters, or both
 * letter cases, enough distinct characters, and no placeholder words (`glpat-your-token-here`, `npm_xxxx…`).
 */
export function looksRandom(body: string): boolean {
  if (isLowEntropy(body) || hasPlaceholderWord(body)) return false
  return hasDigitsAndLetters(body) || (/[a-z]/.test(body) && /[A-Z]/.test(body))
}

/**
 * True when the value reads like words or an identifier (`AwsS3BucketConfigurationProvider1`): more than 55% of
 * its neighbouring characters are two lower-case letters. Random base64 averages 17% and passes 55% about
 * three times in 100,000 keys; CamelCase identifiers of that length are around 65%.
 */
export function isWordy(value: string): boolean {
  let pairs = 0
  for (let i = 1; i < value.length; i++) {
    const a = value.charCodeAt(i - 1)
    const b = value.charCodeAt(i)
    if (a >= 0x61 && a <= 0x7a && b >= 0x61 && b <= 0x7a) pairs++
  }
  return pairs > 0.55 * (value.length - 1)
}
