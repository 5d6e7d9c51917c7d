import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { startTestServer, call, tempDir, type TestServer } from '../helpers.ts'
import { EVENTS_BEFORE_MS } from '../../src/platform/sessions/index.ts'
import { AGNES_BIN as BIN } from '../support/agnes-bin.ts'

/**
 * Issue 13, verdicts and "findings joined to what the server saw", end to end: confirming and dismissing through the
 * API (audited with the verdict replaced), a verdict that outlives the re-scan of a grown transcript, dismissed
 * findings hidden from the list, the session counts and the heatmap unless asked for, precision per type, the CLI
 * export as JSON lines, and a failed `agnes query` linked both ways between the finding and the audit row.
 */

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let work: string

// The session happened three days ago, so it lands in the heatmap's recent weeks.
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / 1000) * 1000

type Turn = { command: string; output: string; isError: boolean; at?: number }

/** A Claude Code transcript in the real file shape: per turn a prompt, a Bash call and its result, a reply (4 lines each). */
function transcript(turns: Turn[], t0 = T0): string {
  const base = { isSidechain: false, userType: 'external', cwd: '/home/ana/work', sessionId: 'sess-v', version: '2.1.39', gitBranch: 'main' }
  let n = 0
  const lines: string[] = []
  turns.forEach((t, i) => {
    const at = (k: number) => new Date((t.at ?? t0 + i * 60_000) + k * 1000).toISOString()
    lines.push(JSON.stringify({ ...base, type: 'user', message: { role: 'user', content: `step ${i + 1}, please` }, uuid: `u${++n}`, timestamp: at(-10) }))
    lines.push(JSON.stringify({
      ...base, type: 'assistant', uuid: `a${++n}`, timestamp: at(-5),
      message: {
        model: 'claude-sonnet-4-5-20250929', id: `msg_${n}`, type: 'message', role: 'assistant',
        content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: t.command } }],
        usage: { input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    }))
    lines.push(JSON.stringify({ ...base, type: 'user', uuid: `u${++n}`, timestamp: at(0), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: t.output, is_error: t.isError }] } }))
    lines.push(JSON.stringify({
      ...base, type: 'assistant', uuid: `a${++n}`, timestamp: at(5),
      message: { model: 'claude-sonnet-4-5-20250929', id: `msg_${n}`, type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Done with that step.' }], usage: { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
    }))
  })
  return lines.join('\n') + '\n'
}

const LOAD = { command: 'python load.py', output: 'Exit code 1\nTraceback (most recent call last):\nValueError: bad date', isError: true }
const GREP = { command: 'grep -rn TODO src', output: 'Exit code 2\ngrep: src: No such file or directory', isError: true }
const FIX = { command: 'python load.py --fix', output: 'Exit code 1\nno such option: --fix', isError: true }

async function upload(token: string, filename: string, content: string) {
  const r = await call(s.url, 'POST', `/api/upload/sessions?filename=${filename}`, { token, rawBody: content, headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(r.status, 201, r.text)
}
async function scan() {
  const r = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=failure_scan', { token: admin.token })
  assert.equal(r.status, 200, r.text)
}
const get = async (path: string, token = admin.token) => {
  const r = await call(s.url, 'GET', path, { token })
  assert.equal(r.status, 200, `${path}: ${r.text}`)
  return r.body
}
async function verdict(id: number, body: unknown, cid: string, token = admin.token) {
  return call(s.url, 'POST', `/api/admin/sessions/findings/${id}/verdict`, { token, body, headers: { 'x-correlation-id': cid } })
}
const findingsOf = async (file: string, extra = '') => (await get(`/api/admin/sessions/findings?session_file=${encodeURIComponent(file)}${extra}`)).rows

function agnes(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work, AGNES_URL: s.url, AGNES_TOKEN: admin.token }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  work = tempDir('agnes-cli-verdicts-')
  await upload(ana.token, 'v.jsonl', transcript([LOAD, GREP]))
  await scan()
})
after(async () => {
  await s.close()
  rmSync(work, { recursive: true, force: true })
})

test('confirm and dismiss: the finding answers with its verdict, each call is audited as finding.verdict with the verdict it replaced', async () => {
  const [grep, load] = await findingsOf('ana/v.jsonl')
  assert.deepEqual([load.line, grep.line, load.verdict, grep.verdict], [3, 7, null, null])

  const gh = `gh${'p_'}${'aB3xY9kLmN2pQ7rS5tU1vW4zC8dE6fG0hJ2k'}`
  const first = await verdict(load.id, { verdict: 'confirmed', note: `  the date parser; token ${gh} was in the env  ` }, 'vd-1')
  assert.equal(first.status, 200, first.text)
  assert.equal(first.body.id, load.id)
  assert.deepEqual({ ...first.body.verdict, decided_at: '' }, {
    verdict: 'confirmed', note: 'the date parser; token [REDACTED:github_token] was in the env', decided_at: '', decided_by: 'admin@example.com',
  })
  const [row1] = await s.svc.store.audit.find({ correlationId: 'vd-1' })
  assert.deepEqual([row1.action, row1.result, row1.resource, row1.params_before], ['finding.verdict', 'success', 'session:ana/v.jsonl', null])
  assert.deepEqual(row1.params, {
    finding_id: load.id, session_file: 'ana/v.jsonl', finding_type: 'tool_error', line: 3, verdict: 'confirmed',
    note: 'the date parser; token [REDACTED:github_token] was in the env',
  })

  const second = await verdict(load.id, { verdict: 'dismissed' }, 'vd-2')
  assert.deepEqual([second.body.verdict.verdict, second.body.verdict.note], ['dismissed', null])
  const [row2] = await s.svc.store.audit.find({ correlationId: 'vd-2' })
  assert.deepEqual(row2.params_before, { verdict: 'confirmed', note: 'the date parser; token [REDACTED:github_token] was in the env' })

  const cleared = await verdict(load.id, { verdict: null }, 'vd-3')
  assert.equal(cleared.body.verdict, null)
  const [row3] = await s.svc.store.audit.find({ correlationId: 'vd-3' })
  assert.deepEqual([row3.params_before, row3.params?.verdict], [{ verdict: 'dismissed', note: null }, null])

  // Refusals: an unknown finding, a verdict outside the vocabulary, a note too long, a non-admin; each audited.
  const missing = await verdict(999_999, { verdict: 'confirmed' }, 'vd-404')
  assert.deepEqual([missing.status, missing.body.error.code], [404, 'not_found'])
  const bad = await verdict(load.id, { verdict: 'maybe' }, 'vd-400')
  assert.deepEqual([bad.status, bad.body.error.field], [400, 'verdict'])
  const long = await verdict(load.id, { verdict: 'confirmed', note: 'x'.repeat(2001) }, 'vd-400b')
  assert.deepEqual([long.status, long.body.error.field], [400, 'note'])
  const denied = await verdict(load.id, { verdict: 'confirmed' }, 'vd-403', ana.token)
  assert.equal(denied.status, 403)
  for (const [cid, result] of [['vd-404', 'error.404'], ['vd-400', 'error.400'], ['vd-403', 'denied']]) {
    const [r] = await s.svc.store.audit.find({ correlationId: cid })
    assert.deepEqual([r.action, r.result], ['finding.verdict', result], cid)
  }
})

test('a verdict stays with its finding when the grown transcript is scanned again; dismissed findings leave the list, the counts and the heatmap unless asked for', async () => {
  const before = await findingsOf('ana/v.jsonl')
  const grep = before.find((f: { line: number }) => f.line === 7)
  const load = before.find((f: { line: number }) => f.line === 3)
  assert.equal((await verdict(grep.id, { verdict: 'dismissed', note: 'grep on a missing folder is how it looks around' }, 'vd-4')).status, 200)
  assert.equal((await verdict(load.id, { verdict: 'confirmed' }, 'vd-5')).status, 200)

  // Claude Code appends to a transcript; pushed again, it is scanned again and its findings are replaced.
  await upload(ana.token, 'v.jsonl', transcript([LOAD, GREP, FIX]))
  await scan()
  const all = await findingsOf('ana/v.jsonl', '&include_dismissed=true')
  assert.deepEqual(all.map((f: { line: number; verdict: { verdict: string } | null }) => [f.line, f.verdict?.verdict ?? null]), [[11, null], [7, 'dismissed'], [3, 'confirmed']])
  assert.ok(all.every((f: { id: number }) => f.id !== grep.id && f.id !== load.id), 'the re-scan wrote new rows')
  assert.equal(all[1].verdict.note, 'grep on a missing folder is how it looks around')

  assert.deepEqual((await findingsOf('ana/v.jsonl')).map((f: { line: number }) => f.line), [11, 3], 'dismissed: hidden by default')
  assert.deepEqual((await findingsOf('ana/v.jsonl', '&verdict=dismissed')).map((f: { line: number }) => f.line), [7])
  assert.deepEqual((await findingsOf('ana/v.jsonl', '&verdict=none')).map((f: { line: number }) => f.line), [11])
  const list = await get('/api/admin/sessions?username=ana')
  assert.deepEqual(list.rows[0].findings, { tool_error: 2 })
  assert.deepEqual((await get('/api/admin/sessions?username=ana&include_dismissed=true')).rows[0].findings, { tool_error: 3 })
  const heat = await get('/api/admin/sessions/heatmap?username=ana')
  const total = (h: { cells: number[][] }) => h.cells.flat().reduce((a, b) => a + b, 0)
  assert.equal(total(heat), 2)
  assert.equal(total(await get('/api/admin/sessions/heatmap?username=ana&include_dismissed=true')), 3)
  // The replay shows every finding with its verdict, dismissed ones too.
  const detail = await get('/api/admin/sessions/ana/v.jsonl')
  assert.deepEqual(detail.findings.map((f: { line: number; verdict: { verdict: string } | null }) => [f.line, f.verdict?.verdict ?? null]), [[3, 'confirmed'], [7, 'dismissed'], [11, null]])

  const q = await call(s.url, 'GET', '/api/admin/sessions/findings/quality', { token: admin.token, headers: { 'x-correlation-id': 'vq-1' } })
  assert.equal(q.status, 200, q.text)
  assert.deepEqual(q.body.types.find((t: { finding_type: string }) => t.finding_type === 'tool_error'), {
    finding_type: 'tool_error', findings: 3, confirmed: 1, dismissed: 1, unreviewed: 1, precision: 0.5, judge: { real_failure: 0, false_alarm: 0, unsure: 0 },
  })
  assert.deepEqual(q.body.types.find((t: { finding_type: string }) => t.finding_type === 'loop'), {
    finding_type: 'loop', findings: 0, confirmed: 0, dismissed: 0, unreviewed: 0, precision: null, judge: { real_failure: 0, false_alarm: 0, unsure: 0 },
  })
  assert.deepEqual(q.body.total, { findings: 3, confirmed: 1, dismissed: 1, unreviewed: 1, precision: 0.5 })
  assert.deepEqual([q.body.judge.enabled, q.body.judge.missed], [false, []])
  assert.match(q.body.judge.off_reason, /AGNES_LLM_API_BASE/)
  const [qa] = await s.svc.store.audit.find({ correlationId: 'vq-1' })
  assert.deepEqual([qa.action, qa.result], ['sessions.quality', 'success'])
})

test('CLI: verdict, quality, and the export of verdicts as JSON lines with their excerpts and notes', async () => {
  const [newest] = await findingsOf('ana/v.jsonl', '&verdict=none')
  const given = await agnes(['admin', 'sessions', 'verdict', String(newest.id), 'confirmed', '--note', 'the option never existed'])
  assert.equal(given.code, 0, given.stderr)
  assert.equal(given.stdout, 'ana/v.jsonl line 11 (tool_error): confirmed\n')

  const confirmed = await agnes(['admin', 'sessions', 'findings', '--verdict', 'confirmed'])
  assert.equal(confirmed.code, 0, confirmed.stderr)
  const lines = confirmed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
  assert.deepEqual(lines.map((l) => [l.session_file, l.line, l.verdict, l.note]), [['ana/v.jsonl', 11, 'confirmed', 'the option never existed'], ['ana/v.jsonl', 3, 'confirmed', null]])
  assert.deepEqual(Object.keys(lines[0]), [
    'session_file', 'line', 'turn_index', 'finding_type', 'severity', 'excerpt', 'occurred_at', 'verdict', 'note', 'decided_at', 'judge_label', 'judge_root_cause',
  ])
  assert.equal(lines[0].excerpt, 'Bash(python load.py --fix): Exit code 1 no such option: --fix')
  assert.ok(!confirmed.stdout.includes('admin@example.com'), 'no e-mail addresses in what is meant to be sent out')

  const dismissed = await agnes(['admin', 'sessions', 'findings', '--verdict', 'dismissed'])
  assert.deepEqual(dismissed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).line), [7])
  const none = await agnes(['admin', 'sessions', 'findings', '--verdict', 'none'])
  assert.equal(none.stdout, '')
  const bad = await agnes(['admin', 'sessions', 'findings', '--verdict', 'maybe'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /--verdict takes confirmed, dismissed, none/)

  const quality = await agnes(['admin', 'sessions', 'quality'])
  assert.equal(quality.code, 0, quality.stderr)
  assert.match(quality.stdout, /^finding_type\s+findings\s+confirmed\s+dismissed\s+unreviewed\s+precision/)
  assert.match(quality.stdout, /\ntool_error\s+3\s+2\s+1\s+0\s+67%/)
  assert.match(quality.stdout, /the LLM judge is off/)
  const clear = await agnes(['admin', 'sessions', 'verdict', String(newest.id), 'clear', '--json'])
  assert.equal(JSON.parse(clear.stdout).verdict, null)
})

test('a failed agnes query is linked from the finding of the session that ran it, and its audit row links back to the session line', async () => {
  // Ana's command line runs a query that fails; the transcript's tool result is dated 20 s later.
  const q = await call(s.url, 'POST', '/api/query', { token: ana.token, body: { sql: 'SELECT * FROM orders_nope' }, headers: { 'user-agent': 'agnes-cli/0.1.0', 'x-correlation-id': 'rel-q' } })
  assert.ok(q.status >= 400, q.text)
  const [queryRow] = await s.svc.store.audit.find({ correlationId: 'rel-q' })
  assert.deepEqual([queryRow.client_kind, queryRow.action], ['cli', 'query.run'])
  // The same person, from the web: not the command line, not linked. A query long before the session: not linked.
  await call(s.url, 'POST', '/api/query', { token: ana.token, body: { sql: 'SELECT 1' }, headers: { 'x-correlation-id': 'rel-api' } })
  const at = Date.parse(queryRow.timestamp) + 20_000
  await upload(ana.token, 'q.jsonl', transcript([{ command: 'agnes query "SELECT * FROM orders_nope"', output: `Exit code 1\nagnes: ${q.body.error.message}`, isError: true, at }]))
  await scan()

  const [f] = await findingsOf('ana/q.jsonl')
  assert.equal(f.related_events.length, 1, JSON.stringify(f.related_events))
  assert.deepEqual(f.related_events[0], {
    id: queryRow.id, timestamp: queryRow.timestamp, action: 'query.run', resource: queryRow.resource, result: queryRow.result,
    duration_ms: queryRow.duration_ms, correlation_id: 'rel-q', error: { code: q.body.error.code, message: q.body.error.message },
    activity_url: `/admin/activity?event=${queryRow.id}`,
  })
  assert.deepEqual((await get('/api/admin/sessions/ana/q.jsonl')).findings[0].related_events, f.related_events, 'the replay carries the same link')
  // Findings of the earlier session (three days ago) have no request around them.
  assert.deepEqual((await findingsOf('ana/v.jsonl')).map((x: { related_events: unknown[] }) => x.related_events), [[], []])

  const ev = await get(`/api/admin/activity/events/${queryRow.id}`)
  const lines = ev.related.filter((r: { kind: string }) => r.kind === 'session_line')
  assert.deepEqual(lines, [{
    kind: 'session_line',
    record: {
      session_file: 'ana/q.jsonl', line: 3, finding_type: 'tool_error', occurred_at: new Date(at).toISOString(), excerpt: f.excerpt,
      replay_url: `/admin/sessions/ana/q.jsonl#finding-${f.id}`,
    },
  }])
  // Outside the window (a request more than EVENTS_BEFORE_MS before the finding) nothing is linked either way.
  const [apiRow] = await s.svc.store.audit.find({ correlationId: 'rel-api' })
  assert.equal(apiRow.client_kind, 'api')
  assert.deepEqual((await get(`/api/admin/activity/events/${apiRow.id}`)).related.filter((r: { kind: string }) => r.kind === 'session_line'), [])
  await upload(ana.token, 'late.jsonl', transcript([{ ...FIX, at: Date.parse(queryRow.timestamp) + EVENTS_BEFORE_MS + 90_000 }]))
  await scan()
  assert.deepEqual((await findingsOf('ana/late.jsonl'))[0].related_events, [])
})
