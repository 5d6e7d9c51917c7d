import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, tempDir, type TestServer } from '../helpers.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'
import { maskExcerpt, relatedForProcessorEvent, sessionProcessorJobs } from '../../src/platform/sessions/index.ts'
import { summarizeUsage } from '../../src/sessions/usage.ts'
import { parseTranscript } from '../../src/sessions/transcript.ts'
import { FINDING_TYPES } from '../../src/sessions/failure-scan.ts'
import { AGNES_BIN as BIN } from '../support/agnes-bin.ts'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'real')
const SHORT = 'marot__spotter__short.jsonl'
const HELLO = 'DRMacIver__claude-reliability__hello-world-script-transcript.jsonl'

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let bob: { token: string; userId: string }
let work: string

// The tool-error session happened three days ago, so it shows up in the heatmap's recent weeks.
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / 1000) * 1000
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()

/** A Claude Code transcript in the real file shape; `timed: false` leaves out every timestamp. */
function transcript(turns: Array<{ prompt: string; command: string; error: string; reply: string }>, timed = true): string {
  const base = { isSidechain: false, userType: 'external', cwd: '/home/ana/work', sessionId: 'sess-1', version: '2.1.39', gitBranch: 'main' }
  let n = 0
  let sec = 0
  const stamp = (step: number) => (timed ? { timestamp: at((sec += step)) } : {})
  const user = (content: unknown, step: number) => JSON.stringify({ ...base, type: 'user', message: { role: 'user', content }, uuid: `u${++n}`, ...stamp(step) })
  const assistant = (content: unknown[], step: number) =>
    JSON.stringify({
      ...base, type: 'assistant', uuid: `a${++n}`, ...stamp(step),
      message: {
        model: 'claude-sonnet-4-5-20250929', id: `msg_${n}`, type: 'message', role: 'assistant', content,
        usage: { input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 },
      },
    })
  const lines: string[] = []
  turns.forEach((t, i) => {
    lines.push(user(t.prompt, i === 0 ? 0 : 45))
    lines.push(assistant([{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: t.command } }], 5))
    lines.push(user([{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: t.error, is_error: true }], 5))
    lines.push(assistant([{ type: 'text', text: t.reply }], 5))
  })
  return lines.join('\n') + '\n'
}

const TURN_1 = { prompt: 'load the orders table', command: 'python load.py', error: 'Exit code 1\nTraceback (most recent call last):\nValueError: bad date', reply: 'The loader failed on a date; I will fix the parser.' }
const TURN_2 = { prompt: 'thanks, now load the customers table as well', command: 'python load.py customers', error: 'Exit code 2\nno such table', reply: 'That table does not exist yet.' }

async function upload(token: string, filename: string, content: string | Buffer) {
  const r = await call(s.url, 'POST', `/api/upload/sessions?filename=${filename}`, { token, rawBody: content, headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(r.status, 201, r.text)
  return r.body.stored[0] as { session_file: string; unchanged: boolean }
}

async function runProcessor(name: string, cid: string) {
  const before = (await s.svc.store.audit.find({ action: `run_session_processor:${name}`, limit: 10_000 })).length
  const r = await call(s.url, 'POST', `/api/admin/run-session-processor?processor=${name}`, { token: admin.token, headers: { 'x-correlation-id': cid } })
  assert.equal(r.status, 200, r.text)
  const rows = await s.svc.store.audit.find({ correlationId: cid })
  assert.equal(rows.length, 1, 'one audit row per run')
  assert.deepEqual([rows[0].action, rows[0].result, rows[0].resource], [`run_session_processor:${name}`, 'success', `job:session_processor:${name}`])
  const afterCount = (await s.svc.store.audit.find({ action: `run_session_processor:${name}`, limit: 10_000 })).length
  assert.equal(afterCount, before + 1)
  return { body: r.body, audit: rows[0] }
}

const get = (path: string, opts: { token?: string; cid?: string } = {}) =>
  call(s.url, 'GET', path, { token: opts.token ?? admin.token, headers: opts.cid ? { 'x-correlation-id': opts.cid } : {} })

const storedPath = (sessionFile: string) => join(s.config.dataDir, 'user_sessions', ...sessionFile.split('/'))

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  bob = await s.addUser(admin.token, 'bob@example.com')
  work = tempDir('agnes-cli-sessions-')
})
after(async () => {
  await s.close()
  rmSync(work, { recursive: true, force: true })
})

test('acceptance: an uploaded session with a tool error becomes a finding, visible in the findings API and the session list', async () => {
  const stored = await upload(ana.token, 'x.jsonl', transcript([TURN_1]))
  assert.equal(stored.session_file, 'ana/x.jsonl')

  // Uploaded but not processed: listed with nulls and zeros.
  const pendingList = await get('/api/admin/sessions')
  assert.equal(pendingList.status, 200, pendingList.text)
  assert.equal(pendingList.body.rows.length, 1)
  const uploadedAt = pendingList.body.rows[0].uploaded_at
  assert.match(uploadedAt, /^\d{4}-\d{2}-\d{2}T/)
  assert.deepEqual(pendingList.body, {
    rows: [{ session_file: 'ana/x.jsonl', username: 'ana', started_at: null, ended_at: null, turns: 0, tool_calls: 0, tool_errors: 0, findings: {}, uploaded_at: uploadedAt, cost: null, counted_in: null }],
    next_cursor: null,
  })

  const run = await runProcessor('failure_scan', 'ss-scan-1')
  assert.deepEqual(run.body, { processor: 'failure_scan', sessions_processed: 1, items: 1 })
  const p = run.audit.params!
  assert.deepEqual([p.sessions_processed, p.skipped_unchanged, p.failed, p.items, p.malformed_lines, p.pending], [1, 0, 0, 1, 0, 0])

  const findings = await get('/api/admin/sessions/findings')
  assert.equal(findings.status, 200, findings.text)
  assert.equal(findings.body.rows.length, 1)
  const f = findings.body.rows[0]
  assert.deepEqual(Object.keys(f).sort(), [
    'detected_at', 'excerpt', 'finding_type', 'id', 'judgement', 'line', 'occurred_at', 'related_events', 'session_file', 'severity', 'turn_index',
    'username', 'verdict',
  ])
  assert.deepEqual(
    { ...f, id: 0, detected_at: '' },
    {
      id: 0, detected_at: '', session_file: 'ana/x.jsonl', username: 'ana', finding_type: 'tool_error', turn_index: 0, line: 3, severity: 'warning',
      excerpt: 'Bash(python load.py): Exit code 1 Traceback (most recent call last): ValueError: bad date',
      occurred_at: at(10), verdict: null, judgement: null, related_events: [],
    },
  )
  assert.equal(findings.body.next_cursor, null)
  const [row] = await s.svc.store.sessions.findingsForFile('ana/x.jsonl')
  assert.equal(row.occurred_at, at(10), 'occurred_at is the tool result line\'s timestamp')
  assert.equal(row.detected_at, p.run_at)

  const listed = await get('/api/admin/sessions')
  assert.deepEqual(listed.body.rows[0].findings, { tool_error: 1 })
  assert.equal(listed.body.rows[0].turns, 0, 'usage has not run yet')

  const usage = await runProcessor('usage', 'ss-usage-1')
  assert.deepEqual(usage.body, { processor: 'usage', sessions_processed: 1, items: 1 })
  const withUsage = await get('/api/admin/sessions')
  assert.deepEqual(withUsage.body.rows, [{
    session_file: 'ana/x.jsonl', username: 'ana', started_at: at(0), ended_at: at(15), turns: 1, tool_calls: 1, tool_errors: 1,
    // No cost until the costs processor has read the transcript.
    findings: { tool_error: 1 }, uploaded_at: uploadedAt, cost: null, counted_in: null,
  }])
  const u = await s.svc.store.sessions.usageFor('ana/x.jsonl')
  assert.deepEqual(
    [u?.tools, u?.tokens, u?.models, u?.active_seconds, u?.claude_version, u?.malformed_lines],
    [{ Bash: 1 }, { input: 20, output: 40, cache_creation: 0, cache_read: 200 }, ['claude-sonnet-4-5-20250929'], 15, '2.1.39', 0],
  )
})

test('idempotent: an unchanged file is skipped; a changed upload is reprocessed and its findings replaced', async () => {
  const before = await s.svc.store.sessions.findingsForFile('ana/x.jsonl')
  const again = await runProcessor('failure_scan', 'ss-scan-2')
  assert.deepEqual(again.body, { processor: 'failure_scan', sessions_processed: 0, items: 0 })
  assert.deepEqual([again.audit.params!.skipped_unchanged, again.audit.params!.failed], [1, 0])
  assert.deepEqual(await s.svc.store.sessions.findingsForFile('ana/x.jsonl'), before, 'not duplicated, not rewritten')

  // The Activity Center link: the first run's event leads to its finding; the empty run's to nothing.
  const [first] = await s.svc.store.audit.find({ correlationId: 'ss-scan-1' })
  const [second] = await s.svc.store.audit.find({ correlationId: 'ss-scan-2' })
  assert.deepEqual((await relatedForProcessorEvent(s.svc, first)).map((r) => [r.kind, r.record.id]), [['session_finding', Number(before[0].id)]])
  assert.deepEqual(await relatedForProcessorEvent(s.svc, second), [])
  const [usageEvent] = await s.svc.store.audit.find({ correlationId: 'ss-usage-1' })
  assert.deepEqual(await relatedForProcessorEvent(s.svc, usageEvent), [])

  const same = await upload(ana.token, 'x.jsonl', transcript([TURN_1]))
  assert.equal(same.unchanged, true)
  assert.equal((await runProcessor('failure_scan', 'ss-scan-3')).body.sessions_processed, 0)

  await upload(ana.token, 'x.jsonl', transcript([TURN_1, TURN_2]))
  const changed = await runProcessor('failure_scan', 'ss-scan-4')
  assert.deepEqual(changed.body, { processor: 'failure_scan', sessions_processed: 1, items: 2 })
  const now = await s.svc.store.sessions.findingsForFile('ana/x.jsonl')
  assert.deepEqual(now.map((x) => [x.finding_type, x.line, x.turn_index, x.occurred_at]), [['tool_error', 3, 0, at(10)], ['tool_error', 7, 1, at(70)]])
  assert.ok(!now.some((x) => x.id === before[0].id), 'the old finding was replaced, not kept')
  assert.deepEqual(await relatedForProcessorEvent(s.svc, first), [], 'the first run\'s finding was replaced')
  const [fourth] = await s.svc.store.audit.find({ correlationId: 'ss-scan-4' })
  assert.deepEqual((await relatedForProcessorEvent(s.svc, fourth)).map((r) => r.record.line), [3, 7])

  assert.deepEqual((await runProcessor('usage', 'ss-usage-2')).body, { processor: 'usage', sessions_processed: 1, items: 1 })
  const u = await s.svc.store.sessions.usageFor('ana/x.jsonl')
  assert.deepEqual([u?.turns, u?.tool_calls, u?.tool_errors, u?.ended_at], [2, 2, 2, at(75)])
})

test('usage of real transcripts matches summarizeUsage over the stored file', async () => {
  await upload(bob.token, SHORT, readFileSync(join(FIXTURES, SHORT)))
  await upload(bob.token, HELLO, readFileSync(join(FIXTURES, HELLO)))
  assert.deepEqual((await runProcessor('usage', 'ss-usage-3')).body, { processor: 'usage', sessions_processed: 2, items: 2 })
  assert.deepEqual((await runProcessor('failure_scan', 'ss-scan-5')).body, { processor: 'failure_scan', sessions_processed: 2, items: 3 })
  for (const name of [SHORT, HELLO]) {
    const path = storedPath(`bob/${name}`)
    const want = await summarizeUsage(path)
    const detail = await get(`/api/admin/sessions/bob/${name}`)
    assert.equal(detail.status, 200, detail.text)
    const u = detail.body.usage
    assert.deepEqual(
      [u.started_at, u.ended_at, u.turns, u.tool_calls, u.tool_errors, u.tools, u.models, u.active_seconds],
      [want.firstTimestamp, want.lastTimestamp, want.turns, want.toolCallTotal, want.toolErrors, want.toolCalls, want.models, want.activeSeconds],
    )
    assert.deepEqual(u.tokens, { input: want.tokens.input, output: want.tokens.output, cache_creation: want.tokens.cacheCreation, cache_read: want.tokens.cacheRead })
    const parsed = parseTranscript(readFileSync(path, 'utf8'), path)
    assert.equal(u.claude_version, parsed.metadata.version)
    assert.equal(detail.body.events.length, parsed.events.length)
    assert.deepEqual(detail.body.events.map((e: { line: number; kind: string }) => [e.line, e.kind]), parsed.events.map((e) => [e.line, e.kind]))
    assert.equal(detail.body.next_from_line, null)
  }
  // Known figures of the two fixtures, so a change in the reader shows up here too.
  const short = await s.svc.store.sessions.usageFor(`bob/${SHORT}`)
  assert.deepEqual([short?.turns, short?.tool_calls, short?.tool_errors, short?.active_seconds], [1, 2, 2, 260])
  const findings = await s.svc.store.sessions.findingsForFile(`bob/${SHORT}`)
  assert.deepEqual(findings.map((f) => [f.finding_type, f.line]), [['permission_denied', 11], ['permission_denied', 12], ['abrupt_end', 13]])
})

test('session list: sorts, filters and cursor pagination', async () => {
  const all = await get('/api/admin/sessions')
  const files = all.body.rows.map((r: { session_file: string }) => r.session_file)
  // recent: newest start first (ana's session is from three days ago; the fixtures are from early 2026).
  assert.deepEqual(files, ['ana/x.jsonl', `bob/${SHORT}`, `bob/${HELLO}`])
  assert.equal(all.body.next_cursor, null)

  const p1 = await get('/api/admin/sessions?limit=2')
  assert.equal(p1.body.rows.length, 2)
  assert.equal(typeof p1.body.next_cursor, 'string')
  const p2 = await get(`/api/admin/sessions?limit=2&cursor=${p1.body.next_cursor}`)
  assert.equal(p2.status, 200, p2.text)
  assert.equal(p2.body.rows.length, 1)
  assert.equal(p2.body.next_cursor, null)
  assert.deepEqual([...p1.body.rows, ...p2.body.rows].map((r: { session_file: string }) => r.session_file), files)

  const byFindings = await get('/api/admin/sessions?sort=findings')
  assert.deepEqual(
    byFindings.body.rows.map((r: { session_file: string; findings: Record<string, number> }) => [r.session_file, r.findings]),
    [[`bob/${SHORT}`, { abrupt_end: 1, permission_denied: 2 }], ['ana/x.jsonl', { tool_error: 2 }], [`bob/${HELLO}`, {}]],
  )
  // Pagination in another sort follows that sort; a cursor from one sort is refused by another.
  const f1 = await get('/api/admin/sessions?sort=findings&limit=1')
  const f2 = await get(`/api/admin/sessions?sort=findings&limit=1&cursor=${f1.body.next_cursor}`)
  const f3 = await get(`/api/admin/sessions?sort=findings&limit=1&cursor=${f2.body.next_cursor}`)
  assert.deepEqual([f1, f2, f3].map((r) => r.body.rows[0].session_file), [`bob/${SHORT}`, 'ana/x.jsonl', `bob/${HELLO}`])
  assert.equal(f3.body.next_cursor, null)
  const wrongSort = await get(`/api/admin/sessions?sort=user&cursor=${f1.body.next_cursor}`)
  assert.equal(wrongSort.status, 400)
  assert.equal(wrongSort.body.error.field, 'cursor')

  const byUser = await get('/api/admin/sessions?sort=user')
  assert.deepEqual(byUser.body.rows.map((r: { session_file: string }) => r.session_file), ['ana/x.jsonl', `bob/${SHORT}`, `bob/${HELLO}`])
  const u1 = await get('/api/admin/sessions?sort=user&limit=2')
  const u2 = await get(`/api/admin/sessions?sort=user&limit=2&cursor=${u1.body.next_cursor}`)
  assert.deepEqual(u2.body, { rows: [byUser.body.rows[2]], next_cursor: null })

  const bobs = await get('/api/admin/sessions?username=bob')
  assert.deepEqual(bobs.body.rows.map((r: { session_file: string }) => r.session_file), [`bob/${SHORT}`, `bob/${HELLO}`])
  const denied = await get('/api/admin/sessions?finding_type=permission_denied')
  assert.deepEqual(denied.body.rows.map((r: { session_file: string }) => r.session_file), [`bob/${SHORT}`])
  const recent = await get(`/api/admin/sessions?since=${new Date(T0 - 86_400_000).toISOString().slice(0, 10)}`)
  assert.deepEqual(recent.body.rows.map((r: { session_file: string }) => r.session_file), ['ana/x.jsonl'])
  // The short fixture ran 2026-02-10 21:11 to 21:16: a range inside that span overlaps it; a day later does not.
  const overlap = await get('/api/admin/sessions?since=2026-02-10T21:12:00Z&until=2026-02-10T21:13:00Z')
  assert.deepEqual(overlap.body.rows.map((r: { session_file: string }) => r.session_file), [`bob/${SHORT}`])
  const sameDay = await get('/api/admin/sessions?since=2026-02-10&until=2026-02-10')
  assert.deepEqual(sameDay.body.rows.map((r: { session_file: string }) => r.session_file), [`bob/${SHORT}`])
  assert.deepEqual((await get('/api/admin/sessions?since=2026-02-11&until=2026-02-12')).body.rows, [])
  assert.deepEqual((await get('/api/admin/sessions?username=nobody')).body, { rows: [], next_cursor: null })
})

test('findings API: filters and cursor pagination, newest event first', async () => {
  const anas = await get('/api/admin/sessions/findings?username=ana')
  assert.deepEqual(anas.body.rows.map((r: { line: number }) => r.line), [7, 3])
  const page1 = await get('/api/admin/sessions/findings?session_file=ana/x.jsonl&limit=1')
  assert.deepEqual(page1.body.rows.map((r: { line: number }) => r.line), [7])
  const page2 = await get(`/api/admin/sessions/findings?session_file=ana/x.jsonl&limit=1&cursor=${page1.body.next_cursor}`)
  assert.deepEqual(page2.body.rows.map((r: { line: number }) => r.line), [3])
  assert.equal(page2.body.next_cursor, null)
  const denied = await get('/api/admin/sessions/findings?finding_type=permission_denied')
  assert.deepEqual(denied.body.rows.map((r: { session_file: string; line: number }) => [r.session_file, r.line]), [[`bob/${SHORT}`, 12], [`bob/${SHORT}`, 11]])
  const since = await get(`/api/admin/sessions/findings?since=${at(30)}`)
  assert.deepEqual(since.body.rows.map((r: { line: number }) => r.line), [7])
  const all = await get('/api/admin/sessions/findings')
  assert.equal(all.body.rows.length, 5)
  const cursorFromSessions = (await get('/api/admin/sessions?limit=1')).body.next_cursor
  const refused = await get(`/api/admin/sessions/findings?cursor=${cursorFromSessions}`)
  assert.equal(refused.status, 400)
})

test('bad filters are 400s naming the field', async () => {
  const forged = Buffer.from(JSON.stringify({ v: 1, l: 'sessions:recent', k: ['yesterday', 'x'] })).toString('base64url')
  const cases: Array<[string, string | undefined]> = [
    ['/api/admin/sessions?finding_type=slow_query', 'finding_type'],
    ['/api/admin/sessions?since=yesterday', 'since'],
    ['/api/admin/sessions?since=2026-02-30', 'since'],
    ['/api/admin/sessions?since=2026-01-02&until=2026-01-01', 'until'],
    ['/api/admin/sessions?since=2026-01-01T10:00:00Z&until=2026-01-01T09:59:59Z', 'until'],
    ['/api/admin/sessions?limit=0', 'limit'],
    ['/api/admin/sessions?limit=10000', 'limit'],
    ['/api/admin/sessions?limit=ten', 'limit'],
    ['/api/admin/sessions?cursor=not-a-cursor', 'cursor'],
    ['/api/admin/sessions?cursor=eyJ2IjoxfQ', 'cursor'],
    [`/api/admin/sessions?cursor=${forged}`, 'cursor'],
    ['/api/admin/sessions?sort=oldest', 'sort'],
    ['/api/admin/sessions?colour=blue', undefined],
    ['/api/admin/sessions/findings?finding_type=crash', 'finding_type'],
    ['/api/admin/sessions/findings?since=2026-13-01', 'since'],
    ['/api/admin/sessions/findings?limit=501', 'limit'],
    ['/api/admin/sessions/findings?cursor=%25%25', 'cursor'],
    ['/api/admin/sessions/heatmap?weeks=0', 'weeks'],
    ['/api/admin/sessions/heatmap?weeks=105', 'weeks'],
    ['/api/admin/sessions/heatmap?finding_type=crash', 'finding_type'],
    [`/api/admin/sessions/heatmap?username=${'u'.repeat(201)}`, 'username'],
  ]
  for (const [path, field] of cases) {
    const r = await get(path)
    assert.equal(r.status, 400, `${path}: ${r.text}`)
    assert.equal(r.body.error.code, 'invalid_request', path)
    if (field) assert.equal(r.body.error.field, field, path)
  }
  const unknown = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=summarize', { token: admin.token, headers: { 'x-correlation-id': 'ss-unknown' } })
  assert.equal(unknown.status, 400)
  assert.equal(unknown.body.error.field, 'processor')
  assert.match(unknown.body.error.message, /unknown processor 'summarize'; known: usage, failure_scan/)
  const [row] = await s.svc.store.audit.find({ correlationId: 'ss-unknown' })
  assert.deepEqual([row.action, row.result], ['run_session_processor', 'error.400'])
})

test('heatmap: weeks of Mondays, the five types, counts by event time (else detection time)', async () => {
  // No timestamps at all: its finding counts in the week it was detected (this one).
  await upload(bob.token, 'notime.jsonl', transcript([TURN_2], false))
  assert.deepEqual((await runProcessor('failure_scan', 'ss-scan-6')).body, { processor: 'failure_scan', sessions_processed: 1, items: 1 })

  const DAY = 86_400_000
  const monday = (ms: number) => {
    const d = new Date(ms)
    const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    return midnight - ((new Date(midnight).getUTCDay() + 6) % 7) * DAY
  }
  const thisWeek = monday(Date.now())
  const def = await get('/api/admin/sessions/heatmap')
  assert.equal(def.status, 200, def.text)
  assert.deepEqual(def.body.types, [...FINDING_TYPES])
  assert.equal(def.body.weeks.length, 12)
  assert.equal(def.body.weeks[11], new Date(thisWeek).toISOString().slice(0, 10))
  assert.equal(def.body.weeks[0], new Date(thisWeek - 11 * 7 * DAY).toISOString().slice(0, 10))
  for (const w of def.body.weeks) assert.equal(new Date(`${w}T00:00:00Z`).getUTCDay(), 1, `${w} is a Monday`)
  assert.equal(def.body.cells.length, 5)
  for (const row of def.body.cells) assert.equal(row.length, 12)

  const four = await get('/api/admin/sessions/heatmap?weeks=4')
  const anaWeek = 3 - Math.round((thisWeek - monday(T0)) / (7 * DAY))
  const expected = FINDING_TYPES.map(() => [0, 0, 0, 0])
  expected[0][anaWeek] += 2 // ana's two tool errors, three days ago
  expected[0][3] += 1 // the untimed session's tool error, detected now
  // bob's fixtures are from early 2026, outside these four weeks although detected now.
  assert.deepEqual(four.body.cells, expected)
  // The list's user and type filters narrow it the same way.
  const only = (type: number, week: number, n: number) => FINDING_TYPES.map((_, t) => [0, 1, 2, 3].map((w) => (t === type && w === week ? n : 0)))
  assert.deepEqual((await get('/api/admin/sessions/heatmap?weeks=4&username=ana')).body.cells, only(0, anaWeek, 2))
  assert.deepEqual((await get('/api/admin/sessions/heatmap?weeks=4&username=bob')).body.cells, only(0, 3, 1))
  assert.deepEqual((await get('/api/admin/sessions/heatmap?weeks=4&finding_type=loop')).body.cells, FINDING_TYPES.map(() => [0, 0, 0, 0]))
  assert.deepEqual((await get('/api/admin/sessions/heatmap?weeks=4&finding_type=tool_error')).body.cells, expected)
  assert.equal((await get('/api/admin/sessions/heatmap?weeks=104')).body.weeks.length, 104)
})

test('transcript view: events with findings and usage; reads deduplicated for 60 s; raw download; 404s', async () => {
  const r1 = await get('/api/admin/sessions/ana/x.jsonl', { cid: 'ss-read-1' })
  assert.equal(r1.status, 200, r1.text)
  const r2 = await get('/api/admin/sessions/ana/x.jsonl', { cid: 'ss-read-2' })
  assert.equal(r2.status, 200)
  const rows1 = await s.svc.store.audit.find({ correlationId: 'ss-read-1' })
  assert.deepEqual(rows1.map((r) => [r.action, r.resource, r.result, r.user_id, r.client_kind]), [['sessions.read', 'session:ana/x.jsonl', 'success', admin.userId, 'api']])
  assert.deepEqual(await s.svc.store.audit.find({ correlationId: 'ss-read-2' }), [], 'a second read within 60 s writes nothing')
  // Another transcript is another read (the fixtures were read by an earlier test less than 60 s ago; this one was not).
  await get('/api/admin/sessions/bob/notime.jsonl', { cid: 'ss-read-3' })
  assert.equal((await s.svc.store.audit.find({ correlationId: 'ss-read-3' })).length, 1)
  await get(`/api/admin/sessions/bob/${HELLO}`, { cid: 'ss-read-4' })
  assert.deepEqual(await s.svc.store.audit.find({ correlationId: 'ss-read-4' }), [])

  const d = r1.body
  assert.deepEqual([d.session_file, d.username, d.filename, d.next_from_line], ['ana/x.jsonl', 'ana', 'x.jsonl', null])
  assert.deepEqual(d.events.slice(0, 4), [
    { kind: 'human_prompt', line: 1, turn_index: 0, timestamp: at(0), sidechain: false, text: 'load the orders table' },
    { kind: 'tool_use', line: 2, turn_index: 0, timestamp: at(5), sidechain: false, text: '', model: 'claude-sonnet-4-5-20250929', tool: { id: 'toolu_0', name: 'Bash', input: { command: 'python load.py' }, input_truncated: false } },
    { kind: 'tool_result', line: 3, turn_index: 0, timestamp: at(10), sidechain: false, text: TURN_1.error, tool_result: { tool_use_id: 'toolu_0', tool_name: 'Bash', is_error: true } },
    { kind: 'assistant_text', line: 4, turn_index: 0, timestamp: at(15), sidechain: false, text: TURN_1.reply, model: 'claude-sonnet-4-5-20250929' },
  ])
  assert.equal(d.events.length, 8)
  assert.deepEqual(d.findings.map((f: { line: number; finding_type: string }) => [f.line, f.finding_type]), [[3, 'tool_error'], [7, 'tool_error']])
  assert.deepEqual([d.usage.turns, d.usage.tool_calls, d.usage.tool_errors], [2, 2, 2])
  assert.deepEqual(d.processing.map((p: { processor: string; status: string; up_to_date: boolean }) => [p.processor, p.status, p.up_to_date]), [['failure_scan', 'ok', true], ['usage', 'ok', true]])

  // A huge block is cut, not sent whole.
  const big = transcript([{ ...TURN_1, error: `Exit code 1\n${'x'.repeat(20_000)}` }])
  await upload(ana.token, 'big.jsonl', big)
  const bigView = await get('/api/admin/sessions/ana/big.jsonl')
  const result = bigView.body.events.find((e: { kind: string }) => e.kind === 'tool_result')
  assert.equal(result.truncated, true)
  assert.ok(result.text.length < 4100, `cut to about 4000 characters, got ${result.text.length}`)
  assert.match(result.text, /… \[\d+ more characters\]$/)

  const raw = await call(s.url, 'GET', '/api/admin/sessions/ana/x.jsonl/raw', { token: admin.token, headers: { 'x-correlation-id': 'ss-raw' } })
  assert.equal(raw.status, 200)
  assert.equal(raw.text, readFileSync(storedPath('ana/x.jsonl'), 'utf8'))
  assert.equal(raw.headers.get('content-type'), 'application/x-ndjson')
  const rawRows = await s.svc.store.audit.find({ correlationId: 'ss-raw' })
  assert.deepEqual(rawRows.map((r) => [r.action, r.resource, r.result]), [['sessions.download', 'session:ana/x.jsonl', 'success']])

  const missing = await get('/api/admin/sessions/ana/nope.jsonl', { cid: 'ss-404' })
  assert.equal(missing.status, 404)
  assert.equal(missing.body.error.code, 'not_found')
  assert.deepEqual((await s.svc.store.audit.find({ correlationId: 'ss-404' })).map((r) => [r.action, r.result]), [['sessions.read', 'error.404']])
  assert.equal((await get('/api/admin/sessions/nobody/x.jsonl/raw')).status, 404)
})

test('/findings and /heatmap are not taken for a username, and a user called "findings" is still reachable', async () => {
  const f = await s.addUser(admin.token, 'findings@example.com')
  await upload(f.token, 'f.jsonl', transcript([TURN_1]))
  const detail = await get('/api/admin/sessions/findings/f.jsonl')
  assert.equal(detail.status, 200, detail.text)
  assert.equal(detail.body.session_file, 'findings/f.jsonl')
  assert.ok(Array.isArray((await get('/api/admin/sessions/findings')).body.rows))
  assert.ok(Array.isArray((await get('/api/admin/sessions/heatmap')).body.cells))
})

test('non-admins get 403 from every session admin endpoint, audited', async () => {
  const paths = [
    ['GET', '/api/admin/sessions'], ['GET', '/api/admin/sessions/findings'], ['GET', '/api/admin/sessions/heatmap'],
    ['GET', '/api/admin/sessions/ana/x.jsonl'], ['GET', '/api/admin/sessions/ana/x.jsonl/raw'],
    ['POST', '/api/admin/run-session-processor?processor=failure_scan'],
  ]
  for (const [method, path] of paths) {
    const cid = `ss-403-${path.replace(/[^a-z]/g, '')}`
    const r = await call(s.url, method, path, { token: ana.token, headers: { 'x-correlation-id': cid } })
    assert.equal(r.status, 403, `${method} ${path}`)
    assert.deepEqual((await s.svc.store.audit.find({ correlationId: cid })).map((x) => x.result), ['denied'], path)
  }
})

test('a file the processor fails on gets an error state and is retried; the other files are still processed', async () => {
  await upload(bob.token, 'gone.jsonl', transcript([TURN_1]))
  await upload(bob.token, 'kept.jsonl', transcript([TURN_1]))
  rmSync(storedPath('bob/gone.jsonl'))
  const run = await runProcessor('failure_scan', 'ss-scan-7')
  // Processed: kept.jsonl, and ana/big.jsonl and findings/f.jsonl, uploaded by earlier tests; one tool error each.
  assert.deepEqual(run.body, { processor: 'failure_scan', sessions_processed: 3, items: 3 })
  assert.deepEqual([run.audit.params!.failed, run.audit.params!.pending], [1, 1])
  assert.deepEqual(run.audit.params!.errors, [{ session_file: 'bob/gone.jsonl', error: 'the stored file is missing on disk' }])
  const state = await s.svc.store.sessions.state('failure_scan', 'bob/gone.jsonl')
  assert.deepEqual([state?.status, state?.error, state?.items], ['error', 'the stored file is missing on disk', 0])
  assert.equal((await s.svc.store.sessions.findingsForFile('bob/kept.jsonl')).length, 1)

  const retry = await runProcessor('failure_scan', 'ss-scan-8')
  assert.deepEqual(retry.body, { processor: 'failure_scan', sessions_processed: 0, items: 0 })
  assert.equal(retry.audit.params!.failed, 1, 'a failed file is tried again on the next run')
  assert.equal((await get('/api/admin/sessions/bob/gone.jsonl')).status, 404)
})

test('the scheduler runs each processor as a job writing one run_session_processor row as the scheduler', async () => {
  await upload(bob.token, 'sched.jsonl', transcript([TURN_1]))
  const job = coreJobs(s.svc, sessionProcessorJobs()).find((j) => j.name === 'session_processor:failure_scan')!
  assert.equal(job.action, 'run_session_processor:failure_scan')
  const before = await s.svc.store.audit.find({ action: 'run_session_processor:failure_scan', limit: 10_000 })
  const out = await runJobOnce(s.svc, job)
  assert.equal(out.result, 'error.partial', 'a run in which a file failed says so')
  assert.deepEqual([out.output.sessions_processed, out.output.failed, out.output.items], [1, 1, 1])
  const rows = await s.svc.store.audit.find({ action: 'run_session_processor:failure_scan', limit: 10_000 })
  assert.equal(rows.length, before.length + 1)
  assert.deepEqual([rows[0].client_kind, rows[0].resource, rows[0].user_id], ['scheduler', 'job:session_processor:failure_scan', null])
  assert.deepEqual((await relatedForProcessorEvent(s.svc, rows[0])).map((r) => r.record.session_file), ['bob/sched.jsonl'])
})

test('excerpts are redacted and a cut token is dropped', () => {
  const token = `ghp_${'aB3xY9kLmN2pQ7rS5tU1vW4zC8dE6fG0hJ2k'}`
  assert.equal(maskExcerpt(`Bash(curl): 401 with ${token} rejected`), 'Bash(curl): 401 with [REDACTED:github_token] rejected')
  assert.equal(maskExcerpt('Read(/a): the key is AbCdEfGhIjKlMnOp…'), 'Read(/a): the key is…')
  assert.equal(maskExcerpt('x'.repeat(400)).length <= 300, true)
})

function agnes(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: work, AGNES_URL: s.url, AGNES_TOKEN: admin.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

test('CLI: agnes admin sessions list / findings / show', async () => {
  const api = await get('/api/admin/sessions?username=ana')
  const list = await agnes(['admin', 'sessions', 'list', '--user', 'ana', '--json'])
  assert.equal(list.code, 0, list.stderr)
  assert.deepEqual(JSON.parse(list.stdout), api.body)

  const paged = await agnes(['admin', 'sessions', 'list', '--limit', '1', '--json'])
  assert.equal(JSON.parse(paged.stdout).rows.length, 1)

  const findings = await agnes(['admin', 'sessions', 'findings', '--user', 'ana', '--type', 'tool_error', '--json'])
  assert.equal(findings.code, 0, findings.stderr)
  const out = JSON.parse(findings.stdout)
  // Newest event first; big.jsonl's line 3 has the same timestamp as x.jsonl's and was detected later (higher id).
  assert.deepEqual(out.rows.map((r: { session_file: string; line: number }) => [r.session_file, r.line]), [['ana/x.jsonl', 7], ['ana/big.jsonl', 3], ['ana/x.jsonl', 3]])
  assert.equal(out.next_cursor, null)

  const table = await agnes(['admin', 'sessions', 'list', '--user', 'ana'])
  assert.equal(table.code, 0, table.stderr)
  assert.match(table.stdout, /^session_file\s+started_at/)
  assert.match(table.stdout, /ana\/x\.jsonl .* tool_error×2/)

  const show = await agnes(['admin', 'sessions', 'show', 'ana/x.jsonl', '--json'])
  assert.equal(show.code, 0, show.stderr)
  assert.equal(JSON.parse(show.stdout).findings.length, 2)

  const bad = await agnes(['admin', 'sessions', 'findings', '--type', 'crash'])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /\(finding_type\)/)
})
