import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { redactSecrets } from './index.ts'

// Fake secrets are assembled at run time from a seeded generator, so no secret-shaped literal sits in the source
// (secret scanners would flag it) and every run sees the same values.
let seed = 42
function pick(alphabet: string, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    out += alphabet[seed % alphabet.length]
  }
  return out
}
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const DIGITS = '0123456789'
const ALNUM = UPPER + LOWER + DIGITS
const B64URL = ALNUM + '_-'
// Mixed case with digits guaranteed, like real keys.
const mixed = (n: number) => 'aZ7' + pick(ALNUM, n - 3)

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const pemBody = (lines: number) => Array.from({ length: lines }, () => pick(ALNUM + '+/', 64)).join('\n')

/** Secrets of each kind, in the form they would take in a terminal or a file. */
const SECRETS: Record<string, string> = {
  agnes_token: 'agnes_pat_' + pick(B64URL, 43),
  jwt: `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '1234567890', name: 'Ada', iat: 1516239022 })}.${pick(B64URL, 43)}`,
  aws_access_key: 'AKIA' + pick(UPPER + DIGITS, 16),
  github_token: 'gh' + 'p_' + mixed(36),
  slack_token: 'xo' + 'xb-' + pick(DIGITS, 12) + '-' + pick(DIGITS, 13) + '-' + mixed(24),
  openai_key: 'sk-' + 'proj-' + mixed(48) + '_' + mixed(20),
  anthropic_key: 'sk-' + 'ant-api03-' + mixed(93) + 'AA',
  stripe_key: 'sk' + '_live_' + mixed(24),
  google_api_key: 'AI' + 'za' + 'Sy' + pick(B64URL, 33),
  private_key: `-----BEGIN RSA PRIVATE KEY-----\n${pemBody(4)}\n${pick(ALNUM, 20)}==\n-----END RSA PRIVATE KEY-----`,
}

function redactsTo(input: string, expected: string, kinds: Record<string, number>): void {
  const result = redactSecrets(input)
  assert.equal(result.text, expected)
  assert.deepEqual(result.kinds, kinds)
  assert.equal(result.count, Object.values(kinds).reduce((a, b) => a + b, 0))
}

function untouched(input: string): void {
  const result = redactSecrets(input)
  assert.equal(result.text, input, `should not redact: ${input}`)
  assert.equal(result.count, 0)
}

describe('redactSecrets: token formats', () => {
  for (const [kind, secret] of Object.entries(SECRETS)) {
    it(`redacts ${kind}`, () => {
      redactsTo(`value: ${secret} (end)`, `value: [REDACTED:${kind}] (end)`, { [kind]: 1 })
    })
  }

  it('redacts each token inside an export line, reporting the specific kind', () => {
    redactsTo(`export OPENAI_API_KEY=${SECRETS.openai_key}`, 'export OPENAI_API_KEY=[REDACTED:openai_key]', { openai_key: 1 })
    redactsTo(`AGNES_TOKEN="${SECRETS.agnes_token}"`, 'AGNES_TOKEN="[REDACTED:agnes_token]"', { agnes_token: 1 })
  })

  it('redacts a second GitHub format and both Stripe prefixes', () => {
    const fineGrained = 'github' + '_pat_' + mixed(22) + '_' + mixed(59)
    redactsTo(`git clone https://x:${fineGrained}@github.com/o/r`, 'git clone https://x:[REDACTED:github_token]@github.com/o/r', { github_token: 1 })
    redactsTo(`rk${'_live_'}${mixed(30)}`, '[REDACTED:stripe_key]', { stripe_key: 1 })
  })

  it('redacts ASIA session keys and an OpenAI key in the legacy format', () => {
    redactsTo(`id=ASIA${pick(UPPER + DIGITS, 16)} `, 'id=[REDACTED:aws_access_key] ', { aws_access_key: 1 })
    redactsTo(`sk-${mixed(48)}`, '[REDACTED:openai_key]', { openai_key: 1 })
  })

  it('redacts a private key whose newlines are JSON-escaped', () => {
    const escaped = JSON.stringify(SECRETS.private_key).slice(1, -1)
    assert.ok(escaped.includes('\\n'))
    redactsTo(`{"content":"key:\\n${escaped}\\ndone"}`, '{"content":"key:\\n[REDACTED:private_key]\\ndone"}', { private_key: 1 })
  })

  it('redacts OpenSSH, PGP and encrypted private keys', () => {
    for (const label of ['OPENSSH PRIVATE KEY', 'PGP PRIVATE KEY BLOCK', 'ENCRYPTED PRIVATE KEY']) {
      const pem = `-----BEGIN ${label}-----\n${pemBody(3)}\n-----END ${label}-----`
      redactsTo(`before\n${pem}\nafter`, 'before\n[REDACTED:private_key]\nafter', { private_key: 1 })
    }
  })

  it('redacts the body of a truncated private key but not the prose after it', () => {
    const cut = `-----BEGIN PRIVATE KEY-----\n${pemBody(2)}\n`
    redactsTo(`$ head -3 key.pem\n${cut}(truncated)`, '$ head -3 key.pem\n[REDACTED:private_key]\n(truncated)', { private_key: 1 })
  })

  it('redacts the password of a URL and keeps user and host', () => {
    redactsTo('postgres://analyst:s3cr3t-Pa55@db.internal:5432/warehouse',
      'postgres://analyst:[REDACTED:url_password]@db.internal:5432/warehouse', { url_password: 1 })
    redactsTo('redis://:Zq81hH2pLx@cache:6379', 'redis://:[REDACTED:url_password]@cache:6379', { url_password: 1 })
  })

  it('redacts bearer tokens and basic credentials', () => {
    const opaque = pick(LOWER + DIGITS, 32)
    redactsTo(`curl -H "Authorization: Bearer ${opaque}" https://api`, 'curl -H "Authorization: Bearer [REDACTED:bearer]" https://api', { bearer: 1 })
    redactsTo('Authorization: bearer ab12cd34ef', 'Authorization: bearer [REDACTED:bearer]', { bearer: 1 })
    redactsTo(`token sent as Bearer ${opaque}.`, 'token sent as Bearer [REDACTED:bearer].', { bearer: 1 })
    redactsTo(`Authorization: Bearer ${SECRETS.jwt}`, 'Authorization: Bearer [REDACTED:jwt]', { jwt: 1 })
    redactsTo('Authorization: Basic YW5hbHlzdDpzM2NyM3Q=', 'Authorization: Basic [REDACTED:basic_auth]', { basic_auth: 1 })
  })

  it('redacts Slack webhook URLs but keeps the host', () => {
    const path = `T${pick(UPPER + DIGITS, 8)}/B${pick(UPPER + DIGITS, 10)}/${mixed(24)}`
    redactsTo(`https://hooks.slack.com/services/${path}`, 'https://hooks.slack.com/services/[REDACTED:slack_webhook]', { slack_webhook: 1 })
  })

  it('counts several secrets of several kinds', () => {
    const text = `${SECRETS.aws_access_key} ${SECRETS.github_token} ${SECRETS.aws_access_key}\npassword=hunter2hunter2`
    redactsTo(text, '[REDACTED:aws_access_key] [REDACTED:github_token] [REDACTED:aws_access_key]\npassword=[REDACTED:secret_assignment]',
      { aws_access_key: 2, github_token: 1, secret_assignment: 1 })
  })
})

describe('redactSecrets: secret-named assignments', () => {
  const cases: Array<[string, string]> = [
    ['password=hunter2hunter2', 'password=[REDACTED:secret_assignment]'],
    ['DB_PASSWORD=Tr0ub4dor-3x', 'DB_PASSWORD=[REDACTED:secret_assignment]'],
    ['"api_key": "a8f5f167f44f4964e6c998dee827110c"', '"api_key": "[REDACTED:secret_assignment]"'],
    ["apiKey: 'Zx9pQ2vLmN40'", "apiKey: '[REDACTED:secret_assignment]'"],
    ['client_secret = "7sd9F!kq2-LmW"', 'client_secret = "[REDACTED:secret_assignment]"'],
    ['secret: 9f8e7d6c5b4a', 'secret: [REDACTED:secret_assignment]'],
    ['TOKEN=0123456789abcdef', 'TOKEN=[REDACTED:secret_assignment]'],
    ['mongosh --password=Sup3rS3cret! -u root', 'mongosh --password=[REDACTED:secret_assignment] -u root'], // mysql's own is cli_password
    ['x-api-key: 3c9f1e2a7b5d4c6e', 'x-api-key: [REDACTED:secret_assignment]'],
    ['SECRET_KEY_BASE=f3a9c0d1e2b4a5968778', 'SECRET_KEY_BASE=[REDACTED:secret_assignment]'],
    ['https://api.example.com/v1?access_token=ab12cd34ef56&page=2', 'https://api.example.com/v1?access_token=[REDACTED:secret_assignment]&page=2'],
    ['%{"password" => "p4ssw0rd-prod"}', '%{"password" => "[REDACTED:secret_assignment]"}'],
  ]
  for (const [input, expected] of cases) {
    it(`redacts ${input}`, () => redactsTo(input, expected, { secret_assignment: 1 }))
  }

  it('redacts an assignment inside a JSON-encoded shell command', () => {
    const line = JSON.stringify({ input: { command: 'export DB_PASSWORD="Tr0ub4dor-3x"\npsql' } })
    const result = redactSecrets(line)
    assert.equal(JSON.parse(result.text).input.command, 'export DB_PASSWORD="[REDACTED:secret_assignment]"\npsql')
    assert.equal(result.count, 1)
  })
})

describe('redactSecrets: leaves placeholders, code and ordinary identifiers alone', () => {
  const placeholders = [
    'password=<your-password>', 'API_KEY=***', 'API_KEY=********', 'TOKEN=${GITHUB_TOKEN}', 'TOKEN="${SPOTTER_REVIEW_TOKEN:-}"',
    'token=$TOKEN_VALUE_123', 'api_key: process.env.OPENAI_API_KEY', "password: os.environ['DB_PASSWORD']",
    'password: "changeme"', 'secret=xxxxxxxxxxxx', 'token: "YOUR_TOKEN_HERE"', 'api_key = "your-api-key-1"',
    'password: {{ vault_password }}', 'secret: "%(secret)s1234"', 'token: [REDACTED]',
    'postgres://user:password@localhost/db', 'postgres://app:${PGPASSWORD}@db/x', 'mysql://root:<pass>@db/x',
    'Authorization: Bearer $TOKEN', 'Authorization: Bearer <token>', 'Authorization: Bearer YOUR_ACCESS_TOKEN_HERE',
    '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----', 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  ]
  for (const text of placeholders) it(`leaves ${text}`, () => untouched(text))

  const code = [
    "token = crypto.randomBytes(32).toString('hex')", 'token = Base.url_encode64(:crypto.strong_rand_bytes(24), padding: false)',
    'const csrfToken = document.querySelector("meta[name=\'csrf-token\']")', 'params: { _csrf_token: csrfToken }',
    'password: z.string().min(8)', 'token = ReviewTokenStore.mint(project.id)', 'max_tokens: 4096', '"output_tokens": 12345678',
    'token_type: "bearer"', 'password_hash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"',
    'PWD=/home/user/project', 'secret_name: my-app-secret', 'api_key_id: 12345678', 'passwordFile: ./secrets/db.txt',
    'token: nil', 'secret_key_base: String.duplicate("test_secret_key_base_", 4)', 'config.secret_key = settings.secretKey2',
    'secret = Keyword.fetch!(opts, :secret)', 'api_key=api_key', 'tokenizer: "cl100k_base"', 'password_min_length=12',
  ]
  for (const text of code) it(`leaves code: ${text}`, () => untouched(text))

  it('leaves hashes, ids, paths and encoded data alone', () => {
    untouched('commit 3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a (HEAD -> main)')
    untouched('sessionId 1af7fc5e-8455-4414-9ccd-011d40f70b2a')
    untouched('sha256: 9cc7ca0b762e7011f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2')
    untouched('/home/user/.ssh/id_rsa and C:\\Users\\me\\.aws\\credentials')
    untouched('<task-id>bd0afa</task-id> sk-learn-compatible-estimators risk-management-framework')
    untouched('"signature":"EqQCCkYICxgCKkDkoj34' + pick(ALNUM + '+/', 300) + '=="')
    untouched(JSON.stringify({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: Buffer.from(pick(ALNUM, 60000)).toString('base64') } }))
    untouched('def handler(event):\n    return {"statusCode": 200, "body": json.dumps(event)}\n')
  })
})

describe('redactSecrets keeps JSON lines valid', () => {
  /** Same keys, array lengths and value types, recursively. */
  function assertSameShape(a: unknown, b: unknown, path = '$'): void {
    assert.equal(typeof a, typeof b, `type at ${path}`)
    if (Array.isArray(a)) {
      assert.ok(Array.isArray(b), `array at ${path}`)
      assert.equal(a.length, (b as unknown[]).length, `length at ${path}`)
      a.forEach((item, i) => assertSameShape(item, (b as unknown[])[i], `${path}[${i}]`))
    } else if (a && typeof a === 'object') {
      assert.deepEqual(Object.keys(a), Object.keys(b as object), `keys at ${path}`)
      for (const [k, v] of Object.entries(a)) assertSameShape(v, (b as Record<string, unknown>)[k], `${path}.${k}`)
    } else if (typeof a !== 'string') {
      assert.equal(a, b, `value at ${path}`)
    }
  }

  function checkLine(value: unknown, secret: string): void {
    const line = JSON.stringify(value)
    const result = redactSecrets(line)
    const parsed = JSON.parse(result.text)
    assertSameShape(value, parsed)
    assert.ok(result.count >= 1, `nothing redacted in ${line.slice(0, 200)}`)
    assert.ok(!JSON.stringify(parsed).includes(secret), `secret survived in ${result.text.slice(0, 300)}`)
  }

  const contexts: Array<(secret: string) => unknown> = [
    (s) => ({ type: 'user', message: { role: 'user', content: s } }),
    (s) => ({ content: [{ type: 'text', text: `Here:\n${s}\n"quoted" and \\ backslash` }] }),
    (s) => ({ stdout: `"${s}"`, stderr: '', interrupted: false }),
    (s) => ({ text: `\t${s}\\` }),
    (s) => ({ text: `é ✓ 😀 ${s} \u0001 \u001b[0m` }),
    (s) => ({ input: { command: `curl -d '{"key":"${s}"}'` } }),
    // A tool result that itself holds JSON text: escaped twice once stored as JSONL.
    (s) => ({ toolUseResult: JSON.stringify({ stdout: `line1\n${s}\nline3` }) }),
    (s) => [s, { nested: [s, 42, null] }],
  ]

  for (const [kind, secret] of Object.entries(SECRETS)) {
    it(`keeps JSON valid around ${kind}`, () => {
      for (const context of contexts) checkLine(context(secret), kind === 'private_key' ? secret.split('\n')[1] : secret)
    })
  }

  it('keeps JSON valid around assignments, URLs and bearer tokens', () => {
    const opaque = pick(LOWER + DIGITS, 32)
    const cases: Array<[string, string]> = [
      ['DB_PASSWORD="Tr0ub4dor-3x"', 'Tr0ub4dor-3x'],
      ["{'api_key': 'a8f5f167f44f4964e6c998dee'}", 'a8f5f167f44f4964e6c998dee'],
      ['{"password":"p4ssw0rd-prod"}', 'p4ssw0rd-prod'],
      ['postgres://analyst:s3cr3t-Pa55@db:5432/w', 's3cr3t-Pa55'],
      [`Authorization: Bearer ${opaque}`, opaque],
    ]
    for (const [text, secret] of cases) {
      for (const context of contexts) checkLine(context(text), secret)
    }
  })

  it('never breaks JSON on random mixes of secrets, quotes, backslashes and escapes', () => {
    const pieces = [...Object.values(SECRETS), 'password=', 'token: ', 'Bearer ', '"', '\\', '\\n', '\n', "'", ' ', '=', ':',
      '}', ']', 'é', '\u2028', 'postgres://u:', '@h', 'abc123XYZ', '-----BEGIN PRIVATE KEY-----', '-----END PRIVATE KEY-----']
    for (let round = 0; round < 3000; round++) {
      let text = ''
      const n = 1 + (round % 9)
      for (let i = 0; i < n; i++) text += pieces[Number.parseInt(pick(DIGITS, 3), 10) % pieces.length]
      const value = round % 2 ? { text } : { outer: JSON.stringify({ text }) }
      const result = redactSecrets(JSON.stringify(value))
      assertSameShape(value, JSON.parse(result.text))
    }
  })
})
