// Every audit row is redacted where it is built: SQL text, error messages, resources and any nested param keep no
// secret, whatever route or job recorded them, and values that are not secrets are stored exactly as given.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { openStore } from '../store/index.ts'
import { AuditWriter } from './writer.ts'
import { CAP_PREVIEW, capParams } from './caps.ts'
import { tempDir } from '../../test/helpers.ts'
import { fakeSecrets, providerCases } from '../../test/support/fake-secrets.ts'

const { mixed, awsKeyId, awsSecret } = fakeSecrets(3)
const githubToken = 'gh' + 'p_' + mixed(36)

/** No run of 8 characters of `secret` survives in `stored`. */
function assertNoPieceOf(secret: string, stored: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) {
    assert.ok(!stored.includes(secret.slice(i, i + 8)), `a piece of the secret survived: ${secret.slice(i, i + 8)} in ${stored}`)
  }
}

test('a token in an SQL comment is redacted; the rest of the SQL is kept', () => {
  const out = capParams({ sql: `SELECT 1 /* ${githubToken} */`, limit: 100 }) as Record<string, unknown>
  assert.deepEqual(out, { sql: 'SELECT 1 /* [REDACTED:github_token] */', limit: 100 })
})

test('every provider sample is redacted in audited strings at any depth, keys and other values unchanged', () => {
  for (const c of providerCases()) {
    const params = { sql: `select '${c.sample}'`, error: `auth failed for ${c.sample}`, nested: { list: [c.sample, 'orders', 7] } }
    const out = capParams(params) as { sql: string; error: string; nested: { list: unknown[] } }
    const marker = c.redacted ?? `[REDACTED:${c.kind}]`
    assert.equal(out.sql, `select '${marker}'`, c.kind)
    assert.equal(out.error, `auth failed for ${marker}`, c.kind)
    assert.deepEqual(out.nested.list, [marker, 'orders', 7], c.kind)
  }
})

test('context secrets are redacted too: an AWS key pair, a mysql password, a URL password with @', () => {
  const id = awsKeyId()
  const secret = awsSecret()
  const out = capParams({
    sql: `CREATE SECRET (TYPE S3, KEY_ID '${id}', SECRET '${secret}')`,
    command: 'mysql -u root -pS3cr3t!x analytics',
    url: 'postgres://app:p@ss@word9@db/x',
  }) as Record<string, string>
  assert.deepEqual(out, {
    sql: "CREATE SECRET (TYPE S3, KEY_ID '[REDACTED:aws_access_key]', SECRET '[REDACTED:aws_secret_key]')",
    command: 'mysql -u root -p[REDACTED:cli_password] analytics',
    url: 'postgres://app:[REDACTED:url_password]@db/x',
  })
})

test('a secret that straddles the cap is redacted before the cut, so no piece of it is kept', () => {
  const sql = `SELECT ${'x'.repeat(CAP_PREVIEW - 20)} /* ${githubToken} */ FROM t`
  const out = (capParams({ sql }) as { sql: string }).sql
  assert.equal(out.length, CAP_PREVIEW)
  assert.ok(out.endsWith('…'))
  assertNoPieceOf(githubToken, out)
})

test('a huge SQL text is redacted on its head only, in bounded time', () => {
  const sql = `SELECT 1 /* ${githubToken} */ ` + 'OR x = 1 '.repeat(600_000)
  const started = process.hrtime.bigint()
  const out = (capParams({ sql }) as { sql: string }).sql
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 50, 'redacting a 5 MB SQL text took more than 50 ms')
  assert.ok(out.startsWith('SELECT 1 /* [REDACTED:github_token] */ OR x = 1'))
  assert.equal(out.length, CAP_PREVIEW)
})

test('ordinary audit values are stored exactly as given', () => {
  const params = {
    sql: 'SELECT o.id, sum(amount) FROM orders o WHERE o.created_at > now() - INTERVAL 7 DAY GROUP BY 1',
    tables: ['orders', 'customers'], rows: 3, truncated: false, file: 'ana/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl',
    sha256: '9cc7ca0b762e7011f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2', redaction_kinds: { github_token: 1 },
    error: 'Binder Error: Referenced column "amount" not found', email: 'ana@example.com', commit: '3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a',
  }
  assert.deepEqual(capParams(params), params)
})

test('the writer stores rows with params, params_before, resource and correlation id redacted', async () => {
  const dir = tempDir()
  const stateDir = join(dir, 'state')
  const store = await openStore({ stateDir, databaseUrl: null })
  try {
    const writer = new AuditWriter(store, stateDir, pino({ level: 'silent' }))
    await writer.record({
      action: 'query.run', result: 'error.400', client_kind: 'api', correlation_id: githubToken,
      resource: `table:${githubToken}`,
      params: { sql: `SELECT 1 /* ${githubToken} */`, error: `token ${githubToken} rejected` },
      params_before: { note: `was ${githubToken}` },
    })
    const rows = await store.audit.find({ limit: 10 })
    assert.equal(rows.length, 1)
    const row = rows[0]
    assert.equal(row.resource, 'table:[REDACTED:github_token]')
    assert.deepEqual(row.params, { sql: 'SELECT 1 /* [REDACTED:github_token] */', error: 'token [REDACTED:github_token] rejected' })
    assert.deepEqual(row.params_before, { note: 'was [REDACTED:github_token]' })
    assert.equal(row.correlation_id, '[REDACTED:github_token]')
    assertNoPieceOf(githubToken, JSON.stringify(row))
    // A record named by its generated id is kept as it is: 'token:<uuid>' reads like an assignment to the rules, and
    // redacting it hid which token was created or revoked.
    const id = '0b4f3d2a-6c1e-4f7a-9b8d-2e5c7a1f3d9b'
    await writer.record({ action: 'token.revoke', result: 'success', client_kind: 'api', correlation_id: 'c-token', resource: `token:${id}` })
    assert.equal((await store.audit.find({ correlationId: 'c-token' }))[0].resource, `token:${id}`)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
