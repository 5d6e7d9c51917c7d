// Issue 11, section 5: secrets never reach what Agnes stores or shows. A transcript holding the secret kinds that
// used to slip through is stored, replayed, scanned into findings and downloaded redacted, with everything else
// kept byte for byte; a token in an SQL comment reaches neither the timeline, the event, its raw reveal nor the
// export; a feedback report's excerpt is stored redacted.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { B64, DIGITS, HEX, fakeSecrets } from '../support/fake-secrets.ts'

const { pick, mixed, awsKeyId, awsSecret } = fakeSecrets(2026)

// The kinds named in the issue, each as it would appear in a real session.
const AWS_ID = awsKeyId()
const AWS_SECRET = awsSecret()
const STRIPE = 'sk' + '_test_' + mixed(24)
const WEBHOOK = 'wh' + 'sec_' + mixed(32)
const GITLAB = 'gl' + 'pat-' + mixed(20)
const HUGGINGFACE = 'h' + 'f_' + 'Qx' + pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 32)
const NPM = 'np' + 'm_' + mixed(36)
const SENDGRID = 'S' + 'G.' + mixed(22) + '.' + mixed(43)
const MYSQL_PASSWORD = 'Tr0ub4' + pick(DIGITS, 3) + 'x!'
const CURL_PASSWORD = 'cUrl' + pick(DIGITS, 4) + 'pw'
const URL_PASSWORD = 'p@ss' + pick(DIGITS, 4) + '@w0rd'
const GITHUB = 'gh' + 'p_' + mixed(36)

const SECRETS = [AWS_ID, AWS_SECRET, STRIPE, WEBHOOK, GITLAB, HUGGINGFACE, NPM, SENDGRID, MYSQL_PASSWORD, CURL_PASSWORD, URL_PASSWORD, GITHUB]

// Look-alikes that are data, not secrets: they must come back exactly as sent.
const GIT_SHA = pick(HEX, 40)
const UUID = '1af7fc5e-8455-4414-9ccd-011d40f70b2a'
const PLAIN_B64 = 'Zm9' + pick(B64, 37) // 40 base64 characters, nothing about AWS nearby
const NOT_STRIPE = 'task' + '_test_' + mixed(24)

const COMMAND = `mysql -h db.internal -u root -p${MYSQL_PASSWORD} shop && curl -u ana:${CURL_PASSWORD} https://api.internal/v1/export`
const ERROR_TEXT = [
  'Exit code 1',
  '| user | access key id | secret access key |',
  `| ana  | ${AWS_ID} | ${AWS_SECRET} |`,
  `STRIPE=${STRIPE} hook ${WEBHOOK}`,
  `remote: https://oauth2:${GITLAB}@gitlab.example.com/team/repo.git`,
  `hf ${HUGGINGFACE} npm ${NPM} mail ${SENDGRID}`,
  `db postgres://analyst:${URL_PASSWORD}@db.internal:5432/warehouse refused`,
].join('\n')
const REDACTED_ERROR_TEXT = [
  'Exit code 1',
  '| user | access key id | secret access key |',
  '| ana  | [REDACTED:aws_access_key] | [REDACTED:aws_secret_key] |',
  'STRIPE=[REDACTED:stripe_key] hook [REDACTED:stripe_webhook_secret]',
  'remote: https://oauth2:[REDACTED:gitlab_token]@gitlab.example.com/team/repo.git',
  'hf [REDACTED:huggingface_token] npm [REDACTED:npm_token] mail [REDACTED:sendgrid_key]',
  'db postgres://analyst:[REDACTED:url_password]@db.internal:5432/warehouse refused',
].join('\n')
const COMMAND_REDACTED = 'mysql -h db.internal -u root -p[REDACTED:cli_password] shop && curl -u ana:[REDACTED:cli_password] https://api.internal/v1/export'
const KEPT_TEXT = `commit ${GIT_SHA} session ${UUID} cursor ${PLAIN_B64} job ${NOT_STRIPE}`

/** A Claude Code transcript: a prompt, a Bash call whose command and error hold the secrets, a reply. */
function transcript(): string {
  const base = { isSidechain: false, userType: 'external', cwd: '/home/ana/work', sessionId: 'sess-red', version: '2.1.39', gitBranch: 'main' }
  const stamp = (s: number) => new Date(Date.UTC(2026, 0, 5, 10, 0, s)).toISOString()
  return [
    { ...base, type: 'user', uuid: 'u1', timestamp: stamp(0), message: { role: 'user', content: `export the shop data; ${KEPT_TEXT}` } },
    { ...base, type: 'assistant', uuid: 'a1', timestamp: stamp(5), message: { model: 'claude-sonnet-4-5-20250929', id: 'msg_1', type: 'message', role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: COMMAND } }], usage: { input_tokens: 10, output_tokens: 20 } } },
    { ...base, type: 'user', uuid: 'u2', timestamp: stamp(10), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: ERROR_TEXT, is_error: true }] } },
    { ...base, type: 'assistant', uuid: 'a2', timestamp: stamp(15), message: { model: 'claude-sonnet-4-5-20250929', id: 'msg_2', type: 'message', role: 'assistant',
      content: [{ type: 'text', text: 'The export failed: the database refused the connection.' }], usage: { input_tokens: 10, output_tokens: 20 } } },
  ].map((line) => JSON.stringify(line)).join('\n') + '\n'
}

/** No secret, nor any 8-character piece of one, is in `text` (the `task_test_…` look-alike shares `sk_test_`). */
function assertNoSecrets(text: string, where: string): void {
  text = text.replaceAll(NOT_STRIPE, '')
  for (const secret of SECRETS) {
    for (let i = 0; i + 8 <= secret.length; i += 4) {
      assert.ok(!text.includes(secret.slice(i, i + 8)), `${where} holds part of a secret: ${secret.slice(i, i + 8)}`)
    }
  }
}

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
})
after(async () => {
  await s.close()
})

describe('a transcript with secrets', () => {
  test('is stored redacted, every line still valid JSON, and the non-secret look-alikes kept', async () => {
    const r = await call(s.url, 'POST', '/api/upload/sessions?filename=leaky.jsonl', {
      token: ana.token, rawBody: transcript(), headers: { 'content-type': 'application/octet-stream', 'x-correlation-id': 'red-upload' },
    })
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(r.body.stored[0].redaction_kinds, {
      aws_access_key: 1, aws_secret_key: 1, cli_password: 2, gitlab_token: 1, huggingface_token: 1, npm_token: 1, sendgrid_key: 1,
      stripe_key: 1, stripe_webhook_secret: 1, url_password: 1,
    })
    const stored = readFileSync(join(s.config.dataDir, 'user_sessions', 'ana', 'leaky.jsonl'), 'utf8')
    assertNoSecrets(stored, 'the stored transcript')
    const lines = stored.trimEnd().split('\n').map((line) => JSON.parse(line))
    assert.equal(lines.length, 4)
    assert.equal(lines[0].message.content, `export the shop data; ${KEPT_TEXT}`)
    assert.equal(lines[1].message.content[0].input.command, COMMAND_REDACTED)
    assert.equal(lines[2].message.content[0].content, REDACTED_ERROR_TEXT)
    assert.equal(lines[3].message.content[0].text, 'The export failed: the database refused the connection.')
  })

  test('is replayed and downloaded redacted', async () => {
    const replay = await call(s.url, 'GET', '/api/admin/sessions/ana/leaky.jsonl', { token: admin.token })
    assert.equal(replay.status, 200, replay.text)
    assertNoSecrets(replay.text, 'the replay')
    const byKind = (kind: string) => replay.body.events.find((e: { kind: string }) => e.kind === kind)
    assert.equal(byKind('tool_use').tool.input.command, COMMAND_REDACTED)
    assert.equal(byKind('tool_result').text, REDACTED_ERROR_TEXT)
    assert.equal(byKind('human_prompt').text, `export the shop data; ${KEPT_TEXT}`)

    const raw = await call(s.url, 'GET', '/api/admin/sessions/ana/leaky.jsonl/raw', { token: admin.token })
    assert.equal(raw.status, 200, raw.text)
    assertNoSecrets(raw.text, 'the download')
    assert.equal(raw.text, readFileSync(join(s.config.dataDir, 'user_sessions', 'ana', 'leaky.jsonl'), 'utf8'))
  })

  test('gives a finding whose excerpt is redacted', async () => {
    const run = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=failure_scan', { token: admin.token })
    assert.equal(run.status, 200, run.text)
    const findings = await call(s.url, 'GET', '/api/admin/sessions/findings?session_file=ana/leaky.jsonl', { token: admin.token })
    assert.equal(findings.status, 200, findings.text)
    assert.equal(findings.body.rows.length, 1)
    const excerpt: string = findings.body.rows[0].excerpt
    assertNoSecrets(excerpt, 'the finding excerpt')
    assert.ok(excerpt.startsWith(`Bash(${COMMAND_REDACTED.slice(0, 40)}`), excerpt)
    assert.match(excerpt, /\[REDACTED:aws_secret_key\]/)
  })
})

describe('a query with a token in an SQL comment', () => {
  let eventId: number

  before(async () => {
    const q = await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: `SELECT 1 /* ${GITHUB} */` }, headers: { 'x-correlation-id': 'red-query' } })
    assert.equal(q.status, 200, q.text)
    // A failing query quotes the token back in its error message, which is audited too.
    const bad = await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: `SELECT * FROM "${GITHUB}"` }, headers: { 'x-correlation-id': 'red-query-error' } })
    assert.ok(bad.status >= 400, bad.text)
  })

  test('leaves no token in the timeline, and a search for it finds nothing', async () => {
    const tl = await call(s.url, 'GET', '/api/admin/activity/timeline?correlation_id=red-query', { token: admin.token })
    assert.equal(tl.status, 200, tl.text)
    assert.equal(tl.body.rows.length, 1)
    assert.equal(tl.body.rows[0].params.sql, 'SELECT 1 /* [REDACTED:github_token] */')
    eventId = tl.body.rows[0].id
    assertNoSecrets(tl.text, 'the timeline')

    const failed = await call(s.url, 'GET', '/api/admin/activity/timeline?correlation_id=red-query-error', { token: admin.token })
    assert.equal(failed.body.rows.length, 1)
    assert.match(JSON.stringify(failed.body.rows[0].params), /\[REDACTED:github_token\]/)
    assertNoSecrets(failed.text, 'the failed query in the timeline')

    const search = await call(s.url, 'GET', `/api/admin/activity/timeline?q=${GITHUB.slice(4, 20)}`, { token: admin.token })
    assert.equal(search.status, 200, search.text)
    assert.deepEqual(search.body.rows, [])
  })

  test('leaves no token in the event detail nor in its raw reveal', async () => {
    const detail = await call(s.url, 'GET', `/api/admin/activity/events/${eventId}`, { token: admin.token })
    assert.equal(detail.status, 200, detail.text)
    assertNoSecrets(detail.text, 'the event detail')
    const reveal = await call(s.url, 'POST', `/api/admin/activity/events/${eventId}/reveal`, { token: admin.token })
    assert.equal(reveal.status, 200, reveal.text)
    assert.equal(reveal.body.event.params.sql, 'SELECT 1 /* [REDACTED:github_token] */')
    assertNoSecrets(reveal.text, 'the raw reveal')
  })

  test('leaves no token in the CSV or NDJSON export', async () => {
    for (const format of ['csv', 'ndjson']) {
      const exp = await call(s.url, 'GET', `/api/admin/activity/export?format=${format}&action_prefix=query`, { token: admin.token })
      assert.equal(exp.status, 200, exp.text)
      assert.ok(exp.text.includes('[REDACTED:github_token]'), `${format} export has the redacted row`)
      assertNoSecrets(exp.text, `the ${format} export`)
    }
  })
})

describe('a feedback report with secrets in its excerpt', () => {
  test('is stored redacted, and its replay shows the redacted text', async () => {
    const excerpt = [
      JSON.stringify({ type: 'user', message: { role: 'user', content: `it fails with ${COMMAND}` }, timestamp: '2026-01-05T10:00:00.000Z' }),
      JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: ERROR_TEXT, is_error: true }] } }),
    ].join('\n')
    const r = await call(s.url, 'POST', '/api/feedback', {
      token: ana.token, body: { ack_preview: true, message: `export broke, key ${NPM}`, session_excerpt: excerpt }, headers: { 'x-correlation-id': 'red-feedback' },
    })
    assert.equal(r.status, 201, r.text)
    const stored = await s.svc.store.feedback.byId(r.body.id)
    assert.ok(stored)
    assertNoSecrets(JSON.stringify(stored), 'the stored report')
    assert.equal(stored.message, 'export broke, key [REDACTED:npm_token]')
    const lines = String(stored.session_excerpt).split('\n').map((line) => JSON.parse(line))
    assert.equal(lines[0].message.content, `it fails with ${COMMAND_REDACTED}`)
    assert.equal(lines[1].message.content[0].content, REDACTED_ERROR_TEXT)

    const full = await call(s.url, 'GET', `/api/admin/feedback/${r.body.id}`, { token: admin.token })
    assert.equal(full.status, 200, full.text)
    assertNoSecrets(full.text, 'the admin view of the report')
    assert.match(JSON.stringify(full.body.excerpt_replay.events), /\[REDACTED:aws_secret_key\]/)
  })
})

test('after all of it, the whole audit log holds no secret', async () => {
  await s.svc.audit.drain()
  const exp = await call(s.url, 'GET', '/api/admin/activity/export?format=ndjson', { token: admin.token })
  assert.equal(exp.status, 200, exp.text)
  assert.ok(exp.text.split('\n').length > 10)
  assertNoSecrets(exp.text, 'the audit log')
})
