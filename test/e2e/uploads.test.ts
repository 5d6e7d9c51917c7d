import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { startTestServer, call, type TestServer, type ApiResponse } from '../helpers.ts'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'real')
const SHORT = readFileSync(join(FIXTURES, 'marot__spotter__short.jsonl'))
const TOOL_HEAVY = readFileSync(join(FIXTURES, 'marot__spotter__tool_heavy.jsonl'))
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

const PAT = 'agnes_pat_' + 'Abc123_-xyz'.repeat(4).slice(0, 43)
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFuYSJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'
const DB_PASSWORD = 'hunter2secret'

/** A multipart/form-data body built by hand, so file names reach the server byte for byte as written here. */
function multipart(parts: Array<{ field?: string; filename?: string; content: Buffer | string }>): { body: Buffer; type: string } {
  const boundary = `----agnes-test-${randomUUID()}`
  const chunks: Buffer[] = []
  for (const p of parts) {
    const disposition = `form-data; name="${p.field ?? 'file'}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n'}\r\n`
    chunks.push(Buffer.from(head, 'utf8'), Buffer.from(p.content), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` }
}

interface Sent extends ApiResponse {
  audit: Awaited<ReturnType<TestServer['svc']['store']['audit']['find']>>
}

/** Sends one request with a fresh correlation id and returns the answer with the audit rows it wrote. */
async function send(s: TestServer, method: string, path: string, opts: { token?: string; body?: BodyInit | Uint8Array; type?: string; headers?: Record<string, string> } = {}): Promise<Sent> {
  const cid = `up-${randomUUID()}`
  const headers: Record<string, string> = { 'x-correlation-id': cid, ...(opts.type ? { 'content-type': opts.type } : {}), ...(opts.headers ?? {}) }
  const r = await call(s.url, method, path, { token: opts.token, rawBody: opts.body, headers })
  return { ...r, audit: await s.svc.store.audit.find({ correlationId: cid }) }
}

const uploadMultipart = (s: TestServer, token: string, parts: Parameters<typeof multipart>[0]) => {
  const m = multipart(parts)
  return send(s, 'POST', '/api/upload/sessions', { token, body: m.body, type: m.type })
}
const uploadRaw = (s: TestServer, token: string, filename: string, content: Buffer | string, type = 'application/x-ndjson') =>
  send(s, 'POST', `/api/upload/sessions?filename=${encodeURIComponent(filename)}`, { token, body: content, type })

/** Every file and folder below the data dir except the store's own state folder, as relative paths. */
function tree(root: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (relative(root, p) === 'state') continue
      out.push(relative(root, p) + (e.isDirectory() ? '/' : ''))
      if (e.isDirectory()) walk(p)
    }
  }
  walk(root)
  return out.sort()
}

function assertOneAuditRow(r: Sent, result: string, action = 'session.upload') {
  assert.equal(r.audit.length, 1, `exactly one audit row (${r.status} ${r.text.slice(0, 200)})`)
  assert.equal(r.audit[0].action, action)
  assert.equal(r.audit[0].result, result)
}

describe('session uploads', () => {
  let s: TestServer
  let admin: { token: string; userId: string }
  let ana: { token: string; userId: string }
  const anaDir = () => join(s.dataDir, 'user_sessions', 'ana')

  before(async () => {
    s = await startTestServer()
    admin = await s.bootstrap()
    ana = await s.addUser(admin.token, 'ana@example.com')
  })
  after(async () => {
    await s.close()
  })

  test('a multipart upload of a real transcript lands in user_sessions/<username>/ with its size and SHA-256', async () => {
    const r = await uploadMultipart(s, ana.token, [{ filename: 'marot__spotter__short.jsonl', content: SHORT }])
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(r.body, {
      stored: [{
        session_file: 'ana/marot__spotter__short.jsonl', filename: 'marot__spotter__short.jsonl', bytes: 10491,
        sha256: sha256(SHORT), redactions: 0, redaction_kinds: {}, unchanged: false,
      }],
    })
    const path = join(anaDir(), 'marot__spotter__short.jsonl')
    assert.deepEqual(readFileSync(path), SHORT)
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.deepEqual(readdirSync(anaDir()), ['marot__spotter__short.jsonl'], 'no temp file left')

    const row = await s.svc.store.sessionUploads.byFile('ana/marot__spotter__short.jsonl')
    assert.equal(row?.user_id, ana.userId)
    assert.equal(row?.username, 'ana')
    assert.equal(Number(row?.bytes), 10491)
    assert.equal(row?.sha256, sha256(SHORT))
    assert.equal(Number(row?.redactions), 0)

    assertOneAuditRow(r, 'success')
    assert.equal(r.audit[0].user_id, ana.userId)
    assert.equal(r.audit[0].resource, 'session:ana/marot__spotter__short.jsonl')
    assert.deepEqual(r.audit[0].params, {
      mode: 'multipart', count: 1, bytes: 10491, redactions: 0,
      files: [{ filename: 'marot__spotter__short.jsonl', bytes: 10491, sha256: sha256(SHORT), redactions: 0, redaction_kinds: {}, unchanged: false }],
    })
  })

  test('a raw body with ?filename= is stored the same way, for each accepted content type', async () => {
    for (const [i, type] of ['application/x-ndjson', 'application/octet-stream', 'application/jsonl', 'application/x-ndjson; charset=utf-8'].entries()) {
      const r = await uploadRaw(s, ana.token, `raw-${i}.jsonl`, TOOL_HEAVY, type)
      assert.equal(r.status, 201, `${type}: ${r.text}`)
      assert.deepEqual(r.body.stored, [{
        session_file: `ana/raw-${i}.jsonl`, filename: `raw-${i}.jsonl`, bytes: TOOL_HEAVY.length, sha256: sha256(TOOL_HEAVY),
        redactions: 0, redaction_kinds: {}, unchanged: false,
      }])
      assert.deepEqual(readFileSync(join(anaDir(), `raw-${i}.jsonl`)), TOOL_HEAVY)
      assertOneAuditRow(r, 'success')
      assert.equal(r.audit[0].params?.mode, 'raw')
    }
  })

  test('several files in one multipart request are all stored; the audit row lists each', async () => {
    const a = Buffer.from('{"n":1}\n{"n":2}\n')
    const b = Buffer.from('{"n":3}\n')
    const r = await uploadMultipart(s, ana.token, [{ filename: 'multi-a.jsonl', content: a }, { filename: 'multi-b.jsonl', content: b }])
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(r.body.stored.map((f: { session_file: string; bytes: number; sha256: string }) => [f.session_file, f.bytes, f.sha256]), [
      ['ana/multi-a.jsonl', a.length, sha256(a)],
      ['ana/multi-b.jsonl', b.length, sha256(b)],
    ])
    assert.deepEqual(readFileSync(join(anaDir(), 'multi-a.jsonl')), a)
    assert.deepEqual(readFileSync(join(anaDir(), 'multi-b.jsonl')), b)
    assertOneAuditRow(r, 'success')
    assert.equal(r.audit[0].resource, 'session:ana')
    assert.equal(r.audit[0].params?.count, 2)
    assert.equal(r.audit[0].params?.bytes, a.length + b.length)
    assert.deepEqual((r.audit[0].params?.files as Array<{ filename: string }>).map((f) => f.filename), ['multi-a.jsonl', 'multi-b.jsonl'])
  })

  test('the same content again is unchanged and not rewritten; changed content replaces the file', async () => {
    const v1 = Buffer.from('{"v":1}\n')
    const first = await uploadRaw(s, ana.token, 'idem.jsonl', v1)
    assert.equal(first.status, 201, first.text)
    const path = join(anaDir(), 'idem.jsonl')
    const before1 = statSync(path)
    const row1 = await s.svc.store.sessionUploads.byFile('ana/idem.jsonl')

    const again = await uploadMultipart(s, ana.token, [{ filename: 'idem.jsonl', content: v1 }])
    assert.equal(again.status, 201, again.text)
    assert.deepEqual(again.body.stored, [{ ...first.body.stored[0], unchanged: true }])
    const after1 = statSync(path)
    assert.equal(after1.ino, before1.ino, 'same file, not replaced')
    assert.equal(after1.mtimeMs, before1.mtimeMs, 'not rewritten')
    assert.equal(String((await s.svc.store.sessionUploads.byFile('ana/idem.jsonl'))?.updated_at), String(row1?.updated_at))
    assertOneAuditRow(again, 'success')
    assert.equal((again.audit[0].params?.files as Array<{ unchanged: boolean }>)[0].unchanged, true)

    const v2 = Buffer.from('{"v":1}\n{"v":2}\n')
    const changed = await uploadRaw(s, ana.token, 'idem.jsonl', v2)
    assert.equal(changed.status, 201, changed.text)
    assert.deepEqual(changed.body.stored, [{
      session_file: 'ana/idem.jsonl', filename: 'idem.jsonl', bytes: v2.length, sha256: sha256(v2), redactions: 0, redaction_kinds: {}, unchanged: false,
    }])
    assert.deepEqual(readFileSync(path), v2)
    assert.notEqual(statSync(path).ino, before1.ino, 'replaced by rename')
    const row2 = await s.svc.store.sessionUploads.byFile('ana/idem.jsonl')
    assert.equal(row2?.sha256, sha256(v2))
    assert.equal(Number(row2?.bytes), v2.length)
    assert.equal(String(row2?.uploaded_at), String(row1?.uploaded_at), 'first upload time kept')
    assert.ok(!readdirSync(anaDir()).some((n) => n.endsWith('.tmp')), 'no temp file left')
  })

  test('secrets are redacted before storing; the count and kinds are in the row and the audit, never the secrets', async () => {
    const lines = [
      JSON.stringify({ type: 'user', message: { role: 'user', content: `use ${PAT} for the API` } }),
      JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: `the session token is ${JWT}` }] } }),
      JSON.stringify({ type: 'tool_use', input: { command: `psql postgres://user:${DB_PASSWORD}@db/x -c "select 1"` } }),
      JSON.stringify({ type: 'user', message: { content: 'nothing secret here' } }),
    ]
    const content = lines.join('\n') + '\n'
    const r = await uploadMultipart(s, ana.token, [{ filename: 'secrets.jsonl', content }])
    assert.equal(r.status, 201, r.text)
    const stored = readFileSync(join(anaDir(), 'secrets.jsonl'), 'utf8')
    for (const secret of [PAT, JWT, DB_PASSWORD]) {
      assert.ok(!stored.includes(secret), `stored file still holds ${secret.slice(0, 12)}…`)
      assert.ok(!r.text.includes(secret) && !JSON.stringify(r.audit).includes(secret), 'never echoed')
    }
    const storedLines = stored.split('\n')
    assert.equal(storedLines.pop(), '', 'final newline kept')
    assert.equal(storedLines.length, 4)
    const parsed = storedLines.map((l) => JSON.parse(l))
    assert.equal(parsed[0].message.content, 'use [REDACTED:agnes_token] for the API')
    assert.equal(parsed[1].message.content[0].text, 'the session token is [REDACTED:jwt]')
    assert.equal(parsed[2].input.command, 'psql postgres://user:[REDACTED:url_password]@db/x -c "select 1"')
    assert.equal(storedLines[3], lines[3])

    const kinds = { agnes_token: 1, jwt: 1, url_password: 1 }
    assert.deepEqual(r.body.stored, [{
      session_file: 'ana/secrets.jsonl', filename: 'secrets.jsonl', bytes: Buffer.byteLength(stored), sha256: sha256(stored),
      redactions: 3, redaction_kinds: kinds, unchanged: false,
    }])
    const row = await s.svc.store.sessionUploads.byFile('ana/secrets.jsonl')
    assert.equal(Number(row?.redactions), 3)
    assert.deepEqual(row?.redaction_kinds, kinds)
    assert.equal(row?.sha256, sha256(stored))
    assertOneAuditRow(r, 'success')
    assert.equal(r.audit[0].params?.redactions, 3)
    assert.deepEqual((r.audit[0].params?.files as Array<{ redaction_kinds: unknown }>)[0].redaction_kinds, kinds)

    // The same original again gives the same redacted content: unchanged.
    const again = await uploadRaw(s, ana.token, 'secrets.jsonl', content)
    assert.equal(again.body.stored[0].unchanged, true)
    assert.equal(again.body.stored[0].sha256, sha256(stored))
  })

  test('GET /api/upload/sessions lists only the caller\'s files, with the stored SHA-256', async () => {
    const r = await send(s, 'GET', '/api/upload/sessions', { token: ana.token })
    assert.equal(r.status, 200, r.text)
    const names = r.body.rows.map((x: { session_file: string }) => x.session_file)
    assert.deepEqual(names, [
      'ana/idem.jsonl', 'ana/marot__spotter__short.jsonl', 'ana/multi-a.jsonl', 'ana/multi-b.jsonl',
      'ana/raw-0.jsonl', 'ana/raw-1.jsonl', 'ana/raw-2.jsonl', 'ana/raw-3.jsonl', 'ana/secrets.jsonl',
    ])
    const short = r.body.rows.find((x: { filename: string }) => x.filename === 'marot__spotter__short.jsonl')
    assert.equal(short.sha256, sha256(SHORT))
    assert.equal(short.bytes, 10491)
    assert.equal(r.body.next_cursor, null)
    assertOneAuditRow(r, 'success', 'session.list')
    assert.equal(r.audit[0].params?.count, 9)

    const mine = await send(s, 'GET', '/api/upload/sessions', { token: admin.token })
    assert.deepEqual(mine.body.rows, [])
  })

  test('every unsafe or malformed name is a 400, and nothing is written inside or outside the user folder', async () => {
    const eve = await s.addUser(admin.token, 'eve@example.com')
    const eveDir = join(s.dataDir, 'user_sessions', 'eve')
    const treeBefore = tree(s.dataDir)
    const refused = [
      '../x.jsonl', '../../x.jsonl', 'a/b.jsonl', '/etc/x.jsonl', '/tmp/evil.jsonl', '..', '.', '.jsonl', 'x.json', 'x.JSONL',
      'x.jsonl.exe', 'x.jsonl/', 'a\0.jsonl', 'x.jsonl\0.txt', '．．／x.jsonl', 'ｘ.jsonl', 'x．jsonl', 'ana／x.jsonl', 'caf\u00e9.jsonl',
      'a b.jsonl', 'a\\b.jsonl', '..\\x.jsonl', 'a\nb.jsonl', `${'a'.repeat(195)}.jsonl`, '',
    ]
    assert.equal(`${'a'.repeat(195)}.jsonl`.length, 201)
    for (const name of refused) {
      const r = await uploadRaw(s, eve.token, name, SHORT)
      assert.equal(r.status, 400, `raw ${JSON.stringify(name)}: ${r.text}`)
      assert.equal(r.body.error.field, 'filename')
      assert.equal(r.body.error.code, 'invalid_filename')
      assertOneAuditRow(r, 'error.400')
    }
    // The same names in a multipart part (a few cannot be carried in a header: line breaks, the empty name).
    for (const name of refused.filter((n) => !/[\n\\]/.test(n) && n !== '')) {
      const r = await uploadMultipart(s, eve.token, [{ filename: name, content: SHORT }])
      assert.equal(r.status, 400, `multipart ${JSON.stringify(name)}: ${r.text}`)
      assert.equal(r.body.error.code, 'invalid_filename', `multipart ${JSON.stringify(name)}`)
      assert.equal(r.body.error.field, 'file')
      assertOneAuditRow(r, 'error.400')
    }
    // A good file before a bad one in the same request: neither is stored.
    const mixed = await uploadMultipart(s, eve.token, [{ filename: 'good.jsonl', content: SHORT }, { filename: '../bad.jsonl', content: SHORT }])
    assert.equal(mixed.status, 400, mixed.text)
    assertOneAuditRow(mixed, 'error.400')
    assert.equal(mixed.audit[0].params?.refused_filename, '../bad.jsonl')

    const files = existsSync(eveDir) ? readdirSync(eveDir) : []
    assert.deepEqual(files, [], 'the user folder stays empty')
    const grown = tree(s.dataDir).filter((p) => !treeBefore.includes(p))
    assert.deepEqual(grown.filter((p) => p !== 'user_sessions/eve/'), [], 'nothing new anywhere in the data dir')
    assert.ok(!existsSync('/tmp/evil.jsonl') && !existsSync(join(s.dataDir, 'x.jsonl')) && !existsSync(join(s.dataDir, 'user_sessions', 'x.jsonl')))
    assert.deepEqual(await s.svc.store.sessionUploads.listForUser('eve'), [])
  })

  test('malformed requests: no file, a text field, a stray field, duplicate names, wrong content type, ?filename= with multipart', async () => {
    const carl = await s.addUser(admin.token, 'carl@example.com')
    const cases: Array<[string, () => Promise<Sent>, number, string]> = [
      ['no body', () => send(s, 'POST', '/api/upload/sessions', { token: carl.token }), 400, 'invalid_request'],
      ['raw body without ?filename=', () => send(s, 'POST', '/api/upload/sessions', { token: carl.token, body: SHORT, type: 'application/x-ndjson' }), 400, 'invalid_filename'],
      ['empty multipart', () => uploadMultipart(s, carl.token, []), 400, 'invalid_request'],
      ['file sent as a text field', () => uploadMultipart(s, carl.token, [{ content: '{"a":1}\n' }]), 400, 'invalid_multipart'],
      ['file in another field', () => uploadMultipart(s, carl.token, [{ field: 'upload', filename: 'x.jsonl', content: '{}\n' }]), 400, 'invalid_multipart'],
      ['same name twice', () => uploadMultipart(s, carl.token, [{ filename: 'd.jsonl', content: '{}\n' }, { filename: 'd.jsonl', content: '{}\n' }]), 400, 'duplicate_filename'],
      ['JSON', () => send(s, 'POST', '/api/upload/sessions', { token: carl.token, body: '{"file":"x"}', type: 'application/json' }), 415, 'unsupported_media_type'],
      ['text/plain', () => send(s, 'POST', '/api/upload/sessions?filename=t.jsonl', { token: carl.token, body: '{}\n', type: 'text/plain' }), 415, 'unsupported_media_type'],
      ['?filename= with multipart', () => {
        const m = multipart([{ filename: 'q.jsonl', content: '{}\n' }])
        return send(s, 'POST', '/api/upload/sessions?filename=q.jsonl', { token: carl.token, body: m.body, type: m.type })
      }, 400, 'invalid_request'],
      ['unknown query parameter', () => send(s, 'POST', '/api/upload/sessions?name=x.jsonl', { token: carl.token, body: '{}\n', type: 'application/x-ndjson' }), 400, 'invalid_request'],
    ]
    for (const [what, run, status, code] of cases) {
      const r = await run()
      assert.equal(r.status, status, `${what}: ${r.text}`)
      assert.equal(r.body.error.code, code, what)
      assertOneAuditRow(r, `error.${status}`)
    }
    const carlDir = join(s.dataDir, 'user_sessions', 'carl')
    assert.deepEqual(existsSync(carlDir) ? readdirSync(carlDir) : [], [])
    assert.deepEqual(await s.svc.store.sessionUploads.listForUser('carl'), [])
  })

  test('without a token: 401, audited as denied', async () => {
    const r = await uploadRaw(s, '', 'x.jsonl', SHORT)
    assert.equal(r.status, 401)
    assert.equal(r.body.error.code, 'unauthorized')
    assertOneAuditRow(r, 'denied')
    const m = multipart([{ filename: 'x.jsonl', content: SHORT }])
    const r2 = await send(s, 'POST', '/api/upload/sessions', { token: 'agnes_pat_wrong', body: m.body, type: m.type })
    assert.equal(r2.status, 401)
    assertOneAuditRow(r2, 'denied')
    const list = await send(s, 'GET', '/api/upload/sessions')
    assert.equal(list.status, 401)
    assertOneAuditRow(list, 'denied', 'session.list')
  })
})

describe('session upload size limit', () => {
  let s: TestServer
  let ana: { token: string; userId: string }
  const LIMIT = 4096
  const anaDir = () => join(s.dataDir, 'user_sessions', 'ana')
  const lines = (n: number) => Buffer.from(Array.from({ length: Math.ceil(n / 13) + 1 }, (_, i) => `{"i":${String(i).padStart(6, '0')}}\n`).join('').slice(0, n))

  before(async () => {
    s = await startTestServer({ sessionUploadMaxBytes: LIMIT })
    const admin = await s.bootstrap()
    ana = await s.addUser(admin.token, 'ana@example.com')
  })
  after(async () => {
    await s.close()
  })

  test('a file of exactly the limit is accepted', async () => {
    const exact = lines(LIMIT)
    assert.equal(exact.length, LIMIT)
    const r = await uploadRaw(s, ana.token, 'exact.jsonl', exact)
    assert.equal(r.status, 201, r.text)
    assert.equal(r.body.stored[0].bytes, LIMIT)
    const m = await uploadMultipart(s, ana.token, [{ filename: 'exact-mp.jsonl', content: exact }])
    assert.equal(m.status, 201, m.text)
  })

  test('over the limit is a 413 (declared length, streamed length, multipart) and leaves nothing behind', async () => {
    const stored = () => readdirSync(anaDir()).sort()
    const before = stored()
    assert.deepEqual(before, ['exact-mp.jsonl', 'exact.jsonl'])
    const exactBefore = readFileSync(join(anaDir(), 'exact.jsonl'))

    const big = lines(LIMIT + 1)
    const declared = await uploadRaw(s, ana.token, 'big.jsonl', big)
    assert.equal(declared.status, 413, declared.text)
    assert.equal(declared.body.error.code, 'payload_too_large')
    assertOneAuditRow(declared, 'error.413')

    // No Content-Length: the limit is enforced while streaming.
    const cid = `up-${randomUUID()}`
    async function* chunks() {
      for (let i = 0; i < 64; i++) yield lines(1024)
    }
    const res = await fetch(`${s.url}/api/upload/sessions?filename=streamed.jsonl`, {
      method: 'POST', body: chunks() as unknown as BodyInit, duplex: 'half',
      headers: { authorization: `Bearer ${ana.token}`, 'content-type': 'application/octet-stream', 'x-correlation-id': cid },
    } as RequestInit)
    assert.equal(res.status, 413)
    assert.equal((await res.json()).error.code, 'payload_too_large')
    const streamedAudit = await s.svc.store.audit.find({ correlationId: cid })
    assert.equal(streamedAudit.length, 1)
    assert.equal(streamedAudit[0].result, 'error.413')

    const mp = await uploadMultipart(s, ana.token, [{ filename: 'big-mp.jsonl', content: lines(LIMIT * 3) }])
    assert.equal(mp.status, 413, mp.text)
    assertOneAuditRow(mp, 'error.413')

    // A good file then a too-large one: neither is stored.
    const mixed = await uploadMultipart(s, ana.token, [{ filename: 'small.jsonl', content: lines(100) }, { filename: 'big2.jsonl', content: lines(LIMIT + 1) }])
    assert.equal(mixed.status, 413, mixed.text)
    assertOneAuditRow(mixed, 'error.413')

    // Replacing a stored file with a too-large version keeps the old one.
    const replace = await uploadRaw(s, ana.token, 'exact.jsonl', lines(LIMIT * 2))
    assert.equal(replace.status, 413)
    assert.deepEqual(readFileSync(join(anaDir(), 'exact.jsonl')), exactBefore)

    assert.deepEqual(stored(), before, 'no partial or temp file')
    assert.deepEqual((await s.svc.store.sessionUploads.listForUser('ana')).map((r) => r.filename), ['exact-mp.jsonl', 'exact.jsonl'])
  })
})

describe('large session uploads', () => {
  let s: TestServer
  let ana: { token: string; userId: string }
  before(async () => {
    s = await startTestServer()
    const admin = await s.bootstrap()
    ana = await s.addUser(admin.token, 'ana@example.com')
  })
  after(async () => {
    await s.close()
  })

  // The client runs in its own process, so only the server's memory is measured here.
  const CLIENT = `
const http = require('node:http')
const { createHash } = require('node:crypto')
const [url, token, mode, mb] = process.argv.slice(1)
const chunk = Buffer.from((JSON.stringify({ type: 'assistant', message: { content: 'x'.repeat(1000) } }) + '\\n').repeat(64))
let n = Math.ceil(Number(mb) * 1024 * 1024 / chunk.length)
const hash = createHash('sha256')
const boundary = 'agnes-large-test'
const headers = { authorization: 'Bearer ' + token, 'content-type': mode === 'raw' ? 'application/x-ndjson' : 'multipart/form-data; boundary=' + boundary }
const req = http.request(url + (mode === 'raw' ? '?filename=large.jsonl' : ''), { method: 'POST', headers }, (res) => {
  let b = ''
  res.on('data', (d) => (b += d))
  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, body: JSON.parse(b), sha256: hash.digest('hex'), bytes: Math.ceil(Number(mb) * 1024 * 1024 / chunk.length) * chunk.length })))
})
if (mode !== 'raw') req.write('--' + boundary + '\\r\\nContent-Disposition: form-data; name="file"; filename="large-mp.jsonl"\\r\\nContent-Type: application/x-ndjson\\r\\n\\r\\n')
function write() {
  while (n-- > 0) {
    hash.update(chunk)
    if (!req.write(chunk)) return void req.once('drain', write)
  }
  if (mode !== 'raw') req.write('\\r\\n--' + boundary + '--\\r\\n')
  req.end()
}
write()
`

  for (const mode of ['raw', 'multipart'] as const) {
    test(`a 160 MB ${mode} upload is streamed to disk with bounded memory`, async () => {
      const base = process.memoryUsage().arrayBuffers
      let peak = base
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5)
      const child = spawn(process.execPath, ['-e', CLIENT, `${s.url}/api/upload/sessions`, ana.token, mode, '160'], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      await new Promise((resolve) => child.on('close', resolve))
      clearInterval(timer)
      const r = JSON.parse(out)
      assert.equal(r.status, 201, JSON.stringify(r.body))
      const name = mode === 'raw' ? 'large.jsonl' : 'large-mp.jsonl'
      assert.deepEqual(r.body.stored, [{ session_file: `ana/${name}`, filename: name, bytes: r.bytes, sha256: r.sha256, redactions: 0, redaction_kinds: {}, unchanged: false }])
      assert.ok(r.bytes > 160 * 1024 * 1024)
      assert.equal(statSync(join(s.dataDir, 'user_sessions', 'ana', name)).size, r.bytes)
      assert.ok(peak - base < 64 * 1024 * 1024, `server buffers grew by ${Math.round((peak - base) / 1024 / 1024)} MB for a 160 MB upload`)
    })
  }
})
