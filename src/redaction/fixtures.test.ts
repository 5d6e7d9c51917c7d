// Runs the redaction over real Claude Code transcripts: it must keep every line valid JSON with the same shape, and
// it must not mistake ordinary transcript content (git SHAs, UUIDs, thinking signatures, code) for secrets.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { redactSecrets } from './index.ts'

const FIXTURES = new URL('../../test/fixtures/transcripts/real/', import.meta.url)
const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.jsonl')).sort()

/** Same keys, array lengths and non-string values, recursively. */
function assertSameShape(a: unknown, b: unknown, where: string): void {
  if (Array.isArray(a)) {
    assert.ok(Array.isArray(b) && a.length === b.length, where)
    a.forEach((item, i) => assertSameShape(item, (b as unknown[])[i], where))
  } else if (a && typeof a === 'object') {
    assert.ok(b && typeof b === 'object' && !Array.isArray(b), where)
    assert.deepEqual(Object.keys(a), Object.keys(b), where)
    for (const [key, value] of Object.entries(a)) assertSameShape(value, (b as Record<string, unknown>)[key], where)
  } else if (typeof a === 'string') {
    assert.equal(typeof b, 'string', where)
  } else {
    assert.equal(a, b, where)
  }
}

// Reviewed by eye: the only secret-looking values in these transcripts are one literal Phoenix secret_key_base in a
// test config, quoted three times in marot/spotter session 8463c716 (twice in a file read, once in an edit).
// It is a real `secret_key_base: "..."` literal, so redacting it is intended.
const REVIEWED_SECRET = 'test-only-secret-base-minimum-64-bytes-long-enough-for-phoenix-token-signing-ok'
const REVIEWED_FILE = 'marot__spotter__8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl'

describe('redaction of the real transcript fixtures', () => {
  it('finds the fixtures', () => {
    assert.ok(files.length >= 28, `expected the real transcripts in ${FIXTURES.pathname}, found ${files.length}`)
  })

  it('keeps every line valid JSON with the same structure', () => {
    let lines = 0
    for (const file of files) {
      for (const [i, line] of readFileSync(new URL(file, FIXTURES), 'utf8').split('\n').entries()) {
        if (line === '') continue
        const redacted = redactSecrets(line).text
        assertSameShape(JSON.parse(line), JSON.parse(redacted), `${file}:${i + 1}`)
        lines++
      }
    }
    assert.ok(lines > 7000)
  })

  it('redacts exactly the reviewed secret and nothing else', () => {
    const total: Record<string, number> = {}
    const perFile: Record<string, number> = {}
    for (const file of files) {
      for (const line of readFileSync(new URL(file, FIXTURES), 'utf8').split('\n')) {
        const result = redactSecrets(line)
        if (result.count === 0) continue
        perFile[file] = (perFile[file] ?? 0) + result.count
        for (const [kind, n] of Object.entries(result.kinds)) total[kind] = (total[kind] ?? 0) + n
        assert.equal(result.text, line.replaceAll(REVIEWED_SECRET, '[REDACTED:secret_assignment]'))
      }
    }
    assert.deepEqual(total, { secret_assignment: 3 })
    assert.deepEqual(perFile, { [REVIEWED_FILE]: 3 })
  })
})
