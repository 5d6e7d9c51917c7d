// Provider token formats: each realistic sample is redacted wherever it stands (no `key = value` needed), each
// near-miss stays byte for byte, and a JSON line holding the sample stays valid with the same structure.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { redactSecrets } from './index.ts'
import { providerCases } from '../../test/support/fake-secrets.ts'

const cases = providerCases()

function untouched(text: string): void {
  const result = redactSecrets(text)
  assert.equal(result.text, text, `should not redact: ${text}`)
  assert.equal(result.count, 0)
}

describe('redactSecrets: provider tokens', () => {
  it('covers the common provider set of gitleaks and trufflehog', () => {
    const kinds = new Set(cases.map((c) => c.kind))
    for (const kind of ['stripe_key', 'stripe_webhook_secret', 'gitlab_token', 'huggingface_token', 'npm_token', 'sendgrid_key',
      'pypi_token', 'digitalocean_token', 'databricks_token', 'shopify_token', 'twilio_key', 'mailgun_key', 'vault_token',
      'grafana_token', 'sentry_token', 'newrelic_key', 'linear_key', 'postman_key', 'doppler_token', 'telegram_bot_token', 'azure_key']) {
      assert.ok(kinds.has(kind), kind)
    }
  })

  for (const c of cases) {
    it(`redacts ${c.kind}: ${c.sample.slice(0, 12)}…`, () => {
      const marker = c.redacted ?? `[REDACTED:${c.kind}]`
      const result = redactSecrets(`seen in the log: ${c.sample} (end)`)
      assert.equal(result.text, `seen in the log: ${marker} (end)`)
      assert.deepEqual(result.kinds, { [c.kind]: 1 })
      // Bare, at the start of a line after a JSON-escaped newline, and quoted.
      assert.equal(redactSecrets(c.sample).text, marker)
      assert.equal(redactSecrets(`line one\\n${c.sample}`).text, `line one\\n${marker}`)
      assert.equal(redactSecrets(`"${c.sample}",`).text, `"${marker}",`)
    })

    it(`leaves near-misses of ${c.kind} alone`, () => {
      for (const nearMiss of c.nearMisses) untouched(`seen in the log: ${nearMiss} (end)`)
      // The same characters inside a longer word are not a token.
      if (c.standalone !== false) untouched(`seen in the log: x${c.sample} (end)`)
    })

    it(`keeps a JSON line valid around ${c.kind}`, () => {
      const value = { type: 'user', message: { content: [{ type: 'tool_result', content: `$ env\nKEY_ONE=1\n${c.sample}\n"quoted" \\ done` }] } }
      const result = redactSecrets(JSON.stringify(value))
      const parsed = JSON.parse(result.text)
      assert.equal(result.count, 1)
      assert.equal(parsed.message.content[0].content, `$ env\nKEY_ONE=1\n${c.redacted ?? `[REDACTED:${c.kind}]`}\n"quoted" \\ done`)
    })
  }
})
