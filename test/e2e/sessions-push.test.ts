import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers.ts'
import { progressBar, remoteFilename } from '../../src/cli/commands/sessions-push.ts'
import { sessionFilenameProblem } from '../../src/platform/uploads/index.ts'
import { AGNES_BIN as BIN } from '../support/agnes-bin.ts'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'real')
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

function agnes(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

const PROJ = '-home-ana-proj'
const OTHER = '-home-ana-other'
const SESSION_A = '1af7fc5e-8455-4414-9ccd-011d40f70b2a'
const SESSION_B = '5c0375b4-57a5-4f26-b12d-d022ee4e51b7'
const PAT = 'agnes_pat_' + 'Abc123_-xyz'.repeat(4).slice(0, 43)

describe('agnes sessions push', () => {
  let s: TestServer
  let home: string
  let env: Record<string, string>
  let projects: string
  const local: Record<string, string> = {}
  const uploadRows = async () => (await s.svc.store.audit.find({ action: 'session.upload', limit: 1000 })).filter((r) => r.user_email === 'ana@example.com')

  before(async () => {
    s = await startTestServer()
    const admin = await s.bootstrap()
    const ana = await s.addUser(admin.token, 'ana@example.com')
    home = tempDir('agnes-home-')
    env = { HOME: home, AGNES_URL: s.url, AGNES_TOKEN: ana.token }
    projects = join(home, '.claude', 'projects')
    const put = (key: string, rel: string, fixture: string | null, extra = '') => {
      const p = join(projects, rel)
      mkdirSync(join(p, '..'), { recursive: true })
      if (fixture) copyFileSync(join(FIXTURES, fixture), p)
      else writeFileSync(p, '')
      if (extra) appendFileSync(p, extra)
      local[key] = p
    }
    put('a', `${PROJ}/${SESSION_A}.jsonl`, 'd-kimuson__claude-code-viewer__1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl')
    put('b', `${OTHER}/${SESSION_B}.jsonl`, 'marot__spotter__short.jsonl')
    // Subagent files repeat their names across projects.
    put('agentProj', `${PROJ}/agent-a7be2f0.jsonl`, 'marot__spotter__agent-a7be2f0.jsonl')
    put('agentOther', `${OTHER}/agent-a7be2f0.jsonl`, 'marot__spotter__agent-aac57f5.jsonl')
    put('nested', `${PROJ}/${SESSION_A}/subagents/agent-acompact-70d8e7.jsonl`, 'marot__spotter__agent-acompact-70d8e7.jsonl')
    put('secret', `${OTHER}/secret.jsonl`, 'DRMacIver__claude-reliability__hello-world-script-transcript.jsonl',
      JSON.stringify({ type: 'user', message: { content: `here is my token ${PAT}` } }) + '\n')
    writeFileSync(join(projects, PROJ, 'notes.txt'), 'not a transcript')
  })
  after(async () => {
    await s.close()
    rmSync(home, { recursive: true, force: true })
  })

  test('the first push uploads every transcript under a unique name; --json shows the result; no progress when stderr is not a terminal', async () => {
    const r = await agnes(['sessions', 'push', '--json'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    const out = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(out).sort(), ['counts', 'dir', 'failed', 'unchanged', 'uploaded'])
    assert.equal(out.dir, projects)
    assert.deepEqual(out.counts, { uploaded: 6, unchanged: 0, failed: 0 })
    assert.deepEqual(out.failed, [])
    assert.deepEqual(out.unchanged, [])
    const byPath = new Map<string, { session_file: string; bytes: number; sha256: string; redactions: number }>(out.uploaded.map((u: { path: string }) => [u.path, u]))
    const expected: Record<string, string> = {
      a: `ana/${PROJ}__${SESSION_A}.jsonl`,
      b: `ana/${OTHER}__${SESSION_B}.jsonl`,
      agentProj: `ana/${PROJ}__agent-a7be2f0.jsonl`,
      agentOther: `ana/${OTHER}__agent-a7be2f0.jsonl`,
      nested: `ana/${PROJ}__${SESSION_A}__subagents__agent-acompact-70d8e7.jsonl`,
      secret: `ana/${OTHER}__secret.jsonl`,
    }
    for (const [key, sessionFile] of Object.entries(expected)) {
      const u = byPath.get(local[key])
      assert.ok(u, `${key} uploaded`)
      assert.equal(u.session_file, sessionFile)
      const storedPath = join(s.dataDir, 'user_sessions', sessionFile)
      const content = readFileSync(local[key])
      if (key === 'secret') {
        assert.equal(u.redactions, 1)
        assert.ok(!readFileSync(storedPath, 'utf8').includes(PAT))
        assert.equal(u.sha256, sha256(readFileSync(storedPath)))
      } else {
        assert.equal(u.redactions, 0)
        assert.deepEqual(readFileSync(storedPath), content)
        assert.equal(u.sha256, sha256(content))
        assert.equal(u.bytes, content.length)
      }
    }
    const rows = await uploadRows()
    assert.equal(rows.length, 6, 'one upload request per file')
    assert.ok(rows.every((row) => row.client_kind === 'cli' && row.result === 'success'))

    const stateFile = join(home, '.config', 'agnes', 'pushed.json')
    assert.equal(statSync(stateFile).mode & 0o777, 0o600)
    const state = JSON.parse(readFileSync(stateFile, 'utf8'))
    assert.equal(state.files[local.b].sha256, sha256(readFileSync(local.b)))
    assert.equal(state.files[local.secret].sha256, sha256(readFileSync(local.secret)))
    assert.notEqual(state.files[local.secret].stored_sha256, state.files[local.secret].sha256, 'the server stored a redacted copy')
  })

  test('a second push uploads nothing, without sending a file; the summary counts them', async () => {
    const before = (await uploadRows()).length
    const r = await agnes(['sessions', 'push'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, `${projects}: uploaded 0, unchanged 6, failed 0\n`)
    assert.equal(r.stderr, '')
    assert.equal((await uploadRows()).length, before, 'no upload request')
  })

  test('touching a file re-checks it without sending it; changing one re-uploads only that one', async () => {
    const before = (await uploadRows()).length
    const later = new Date(Date.now() + 60_000)
    utimesSync(local.a, later, later)
    utimesSync(local.secret, later, later)
    appendFileSync(local.b, JSON.stringify({ type: 'user', message: { content: 'one more line' } }) + '\n')
    const r = await agnes(['sessions', 'push', '--json'], env)
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.deepEqual(out.counts, { uploaded: 1, unchanged: 5, failed: 0 })
    assert.equal(out.uploaded[0].path, local.b)
    assert.equal(out.uploaded[0].session_file, `ana/${OTHER}__${SESSION_B}.jsonl`)
    assert.equal(out.uploaded[0].sha256, sha256(readFileSync(local.b)))
    assert.deepEqual(readFileSync(join(s.dataDir, 'user_sessions', 'ana', `${OTHER}__${SESSION_B}.jsonl`)), readFileSync(local.b))
    assert.equal((await uploadRows()).length, before + 1, 'exactly one upload request')
  })

  test('without the local state, files the server holds unchanged are not re-uploaded (a redacted one is sent and reported unchanged)', async () => {
    rmSync(join(home, '.config', 'agnes', 'pushed.json'))
    const before = await uploadRows()
    const r = await agnes(['sessions', 'push', '--json'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout).counts, { uploaded: 0, unchanged: 6, failed: 0 })
    const after = await uploadRows() // newest first
    const sent = after.slice(0, after.length - before.length)
    assert.equal(sent.length, 1, 'only the file whose stored copy was redacted is sent to compare')
    assert.equal(sent[0].resource, `session:ana/${OTHER}__secret.jsonl`)
    assert.equal((sent[0].params?.files as Array<{ unchanged: boolean }>)[0].unchanged, true)
  })

  test('--dir pushes another folder; a missing folder is an error', async () => {
    const other = tempDir('agnes-dir-')
    copyFileSync(join(FIXTURES, 'marot__spotter__tool_heavy.jsonl'), join(other, 'tool_heavy.jsonl'))
    const r = await agnes(['sessions', 'push', '--dir', other, '--json'], env)
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.deepEqual(out.counts, { uploaded: 1, unchanged: 0, failed: 0 })
    assert.equal(out.uploaded[0].session_file, 'ana/tool_heavy.jsonl')
    rmSync(other, { recursive: true, force: true })

    const missing = await agnes(['sessions', 'push', '--dir', join(home, 'nope')], env)
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, `agnes: no folder ${join(home, 'nope')} (give the folder of Claude Code transcripts with --dir DIR)\n`)
  })

  test('an unreachable server is a one-line failure with exit code 1', async () => {
    const r = await agnes(['sessions', 'push'], { ...env, AGNES_URL: 'http://127.0.0.1:9' })
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^agnes: cannot reach Agnes at http:\/\/127\.0\.0\.1:9( \([A-Z_]+\))?\n$/)
  })
})

describe('agnes sessions push against a server that refuses some files', () => {
  let s: TestServer
  let home: string
  let boToken: string
  before(async () => {
    s = await startTestServer({ sessionUploadMaxBytes: 20_000 })
    const admin = await s.bootstrap()
    const bo = await s.addUser(admin.token, 'bo@example.com')
    home = tempDir('agnes-home-')
    const proj = join(home, '.claude', 'projects', '-home-bo-x')
    mkdirSync(proj, { recursive: true })
    copyFileSync(join(FIXTURES, 'marot__spotter__short.jsonl'), join(proj, 'small.jsonl')) // 10 KB
    copyFileSync(join(FIXTURES, 'marot__spotter__tool_heavy.jsonl'), join(proj, 'big1.jsonl')) // 39 KB
    copyFileSync(join(FIXTURES, 'DRMacIver__claude-reliability__coverage-test-fix-transcript.jsonl'), join(proj, 'big2.jsonl')) // 42 KB
    boToken = bo.token
  })
  after(async () => {
    await s.close()
    rmSync(home, { recursive: true, force: true })
  })

  test('the others are uploaded; the summary counts the failures, one line each, exit code 1', async () => {
    const env = { HOME: home, AGNES_URL: s.url, AGNES_TOKEN: boToken }
    const r = await agnes(['sessions', 'push'], env)
    assert.equal(r.code, 1)
    const proj = join(home, '.claude', 'projects', '-home-bo-x')
    assert.equal(r.stdout, `${join(home, '.claude', 'projects')}: uploaded 1, unchanged 0, failed 2\n`)
    assert.deepEqual(r.stderr.split('\n'), [
      `agnes: failed: ${join(proj, 'big1.jsonl')}: -home-bo-x__big1.jsonl is larger than the upload limit of 19.5 KB (20000 bytes) (HTTP 413)`,
      `agnes: failed: ${join(proj, 'big2.jsonl')}: -home-bo-x__big2.jsonl is larger than the upload limit of 19.5 KB (20000 bytes) (HTTP 413)`,
      'agnes: 2 transcript(s) failed to upload',
      '',
    ])
    const json = await agnes(['sessions', 'push', '--json'], env)
    assert.equal(json.code, 1)
    const out = JSON.parse(json.stdout)
    assert.deepEqual(out.counts, { uploaded: 0, unchanged: 1, failed: 2 })
    assert.deepEqual(out.failed.map((f: { path: string }) => f.path), [join(proj, 'big1.jsonl'), join(proj, 'big2.jsonl')])
    assert.match(out.failed[0].error, /larger than the upload limit/)
  })
})

test('remote file names are valid for the server, unique, and at most 200 characters', () => {
  assert.equal(remoteFilename('-home-ana-proj/1af7fc5e.jsonl'), '-home-ana-proj__1af7fc5e.jsonl')
  assert.equal(remoteFilename('x.jsonl'), 'x.jsonl')
  const cases = [
    '-home-ana-proj/agent-a1.jsonl', '-home-ana-other/agent-a1.jsonl',
    'with space/a.jsonl', 'with_space/a.jsonl', 'café/a.jsonl', 'a__b/c.jsonl', 'a/b__c.jsonl', 'a__b__c.jsonl',
    `${'-home-ana-very-long-project-name'.repeat(10)}/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl`,
    `${'-home-ana-very-long-project-name'.repeat(10)}/2af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl`,
  ]
  const names = cases.map(remoteFilename)
  for (const [i, n] of names.entries()) {
    assert.equal(sessionFilenameProblem(n), null, `${cases[i]} → ${n}`)
    assert.ok(n.length <= 200)
  }
  assert.equal(new Set(names).size, names.length, 'no two paths share a name')
  assert.match(names[8], /-8455-4414-9ccd-011d40f70b2a\.[0-9a-f]{12}\.jsonl$/, 'a long name keeps its end (the session id)')
  assert.equal(names[8].length, 200)
})

test('the progress bar is one line redrawn with \\r and cleared at the end', () => {
  let written = ''
  const bar = progressBar({ write: (s: string) => ((written += s), true) } as unknown as NodeJS.WritableStream, 10)
  bar.update({ done: 1, total: 4, bytesDone: 1024 * 1024, bytesTotal: 4 * 1024 * 1024, current: 'x' })
  assert.equal(written, '\r[###-------] 1/4 files, 1.0 MB of 4.0 MB')
  written = ''
  bar.update({ done: 4, total: 4, bytesDone: 4 * 1024 * 1024, bytesTotal: 4 * 1024 * 1024, current: null })
  assert.equal(written, '\r[##########] 4/4 files, 4.0 MB of 4.0 MB')
  written = ''
  bar.clear()
  assert.equal(written, `\r${' '.repeat(40)}\r`)
  assert.ok(!written.includes('\n'))
})

test('a 160 MB transcript is pushed as a stream: the command line never holds the file in memory', async () => {
  const s = await startTestServer({ sessionUploadMaxBytes: 300 * 1024 * 1024 })
  const home = tempDir('agnes-home-')
  try {
    const admin = await s.bootstrap()
    const ana = await s.addUser(admin.token, 'ana@example.com')
    const file = join(home, '.claude', 'projects', PROJ, `${SESSION_A}.jsonl`)
    mkdirSync(join(file, '..'), { recursive: true })
    const line = JSON.stringify({ type: 'user', message: { role: 'user', content: 'x'.repeat(4000) } }) + '\n'
    const chunk = line.repeat(256) // ~1 MB
    for (let i = 0; i < 160; i++) appendFileSync(file, chunk)
    const size = statSync(file).size

    const child = spawn(process.execPath, [BIN, 'sessions', 'push', '--json'], {
      env: { PATH: process.env.PATH ?? '', HOME: home, AGNES_URL: s.url, AGNES_TOKEN: ana.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', () => {})
    // The peak resident memory the kernel recorded for the process (VmHWM), read until it exits.
    let peakKb = 0
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {
        // gone
      }
    }, 20)
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)))
    clearInterval(poll)
    assert.equal(code, 0, stdout)
    const out = JSON.parse(stdout)
    assert.equal(out.uploaded.length, 1)
    assert.equal(out.uploaded[0].bytes, size)
    assert.equal(out.uploaded[0].sha256, sha256(readFileSync(file)), 'the stored file is the local one, byte for byte')
    assert.ok(peakKb > 0, 'the memory of the command was read')
    assert.ok(peakKb * 1024 < size, `peak RSS ${(peakKb / 1024).toFixed(0)} MB for a ${(size / 1048576).toFixed(0)} MB file`)
  } finally {
    await s.close()
    rmSync(home, { recursive: true, force: true })
  }
})
