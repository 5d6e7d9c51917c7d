import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Store, NewAuditRow } from '../../src/store/index.ts'
import type { NewSessionFinding } from '../../src/store/repositories/sessions.ts'
import type { FindingVerdictRecord } from '../../src/store/repositories/verdicts.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'

/**
 * Verdicts on findings, the LLM judge's tables and the finding ↔ audit joins, on every engine: a verdict outlives the
 * re-scan that replaces its finding, dismissed findings leave the list, counts and heatmap unless asked for, the
 * per-type counts behind precision, the judge's cache key and daily token sum, and command-line rows near a finding.
 */

const T = (s: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, 0) + s * 1000).toISOString()

async function seed(s: Store) {
  for (const [id, username] of [['u1', 'ana'], ['u2', 'bob']]) {
    await s.users.insert({ id, email: `${username}@example.com`, username, name: null, is_admin: false, password_hash: null, created_at: T(0), updated_at: T(0) })
  }
  for (const [file, user, sha] of [['ana/a.jsonl', 'u1', 'sha-a'], ['ana/b.jsonl', 'u1', 'sha-b'], ['bob/c.jsonl', 'u2', 'sha-c']]) {
    const [username, filename] = file.split('/')
    await s.sessionUploads.upsert({ session_file: file, user_id: user, username, filename, bytes: 10, sha256: sha, redactions: 0, redaction_kinds: null, uploaded_at: T(0), updated_at: T(0) })
  }
}

const finding = (file: string, type: string, line: number, at: number): NewSessionFinding => ({
  session_file: file, username: file.split('/')[0], finding_type: type, turn_index: 0, line, severity: 'warning', excerpt: `${type} at ${line}`,
  detected_at: T(1000), occurred_at: T(at),
})

const verdict = (file: string, type: string, line: number, v: 'confirmed' | 'dismissed', over: Partial<FindingVerdictRecord> = {}): FindingVerdictRecord => ({
  session_file: file, finding_type: type, line, username: file.split('/')[0], verdict: v, note: null, file_sha256: 'sha', decided_by: 'admin-1',
  decided_by_email: 'admin@example.com', decided_at: T(2000), ...over,
})

function cliRow(i: number, over: Partial<NewAuditRow> = {}): NewAuditRow {
  return {
    timestamp: T(i), user_id: 'u1', user_email: 'ana@example.com', action: 'query.run', resource: 'table:orders', params: { sql: 'SELECT 1' },
    params_before: null, result: 'success', duration_ms: 1, client_ip: '127.0.0.1', client_kind: 'cli', correlation_id: `c${i}`, ...over,
  }
}

describeStores('verdicts and the LLM judge', (h) => {
  test('a verdict is keyed by transcript, type and line, so it re-attaches when a re-scan replaces the findings; it can be replaced and cleared', async () => {
    const s = await h.store()
    await seed(s)
    await s.sessions.replaceFindings('ana/a.jsonl', [finding('ana/a.jsonl', 'tool_error', 3, 10), finding('ana/a.jsonl', 'loop', 7, 20)])
    const [first] = await s.sessions.findingsForFile('ana/a.jsonl')
    assert.deepEqual(await s.sessions.findingById(Number(first.id)), first)
    await s.verdicts.set(verdict('ana/a.jsonl', 'tool_error', 3, 'confirmed', { note: 'real: the loader broke' }))
    // The re-scan deletes and inserts: new ids, the same places.
    await s.sessions.replaceFindings('ana/a.jsonl', [finding('ana/a.jsonl', 'tool_error', 3, 10), finding('ana/a.jsonl', 'loop', 7, 20)])
    const [again] = await s.sessions.findingsForFile('ana/a.jsonl')
    assert.notEqual(Number(again.id), Number(first.id))
    const v = await s.verdicts.get({ session_file: 'ana/a.jsonl', finding_type: 'tool_error', line: 3 })
    h.answer('verdict', v)
    assert.deepEqual(v, verdict('ana/a.jsonl', 'tool_error', 3, 'confirmed', { note: 'real: the loader broke' }))
    await s.verdicts.set(verdict('ana/a.jsonl', 'tool_error', 3, 'dismissed', { decided_at: T(3000) }))
    assert.deepEqual((await s.verdicts.forFiles(['ana/a.jsonl', 'ana/a.jsonl'])).map((r) => [r.verdict, r.note, r.decided_at]), [['dismissed', null, T(3000)]])
    assert.equal(await s.verdicts.clear({ session_file: 'ana/a.jsonl', finding_type: 'tool_error', line: 3 }), true)
    assert.equal(await s.verdicts.clear({ session_file: 'ana/a.jsonl', finding_type: 'tool_error', line: 3 }), false)
    assert.deepEqual(await s.verdicts.forFiles(['ana/a.jsonl']), [])
    assert.deepEqual(await s.verdicts.forFiles([]), [])
  })

  test('dismissed findings leave the list, the session counts and the heatmap unless asked for; verdict filters; counts per type', async () => {
    const s = await h.store()
    await seed(s)
    await s.sessions.replaceFindings('ana/a.jsonl', [finding('ana/a.jsonl', 'tool_error', 3, 10), finding('ana/a.jsonl', 'loop', 7, 20)])
    await s.sessions.replaceFindings('bob/c.jsonl', [finding('bob/c.jsonl', 'tool_error', 5, 30), finding('bob/c.jsonl', 'abrupt_end', 9, 40)])
    await s.verdicts.set(verdict('ana/a.jsonl', 'tool_error', 3, 'dismissed'))
    await s.verdicts.set(verdict('bob/c.jsonl', 'tool_error', 5, 'confirmed'))
    // A verdict whose finding is gone (a later detector stopped flagging it) counts nowhere.
    await s.verdicts.set(verdict('ana/b.jsonl', 'tool_error', 2, 'dismissed'))

    const list = async (q: { hideDismissed?: boolean; verdict?: 'confirmed' | 'dismissed' | 'none'; findingType?: string }) =>
      (await s.sessions.listFindings({ ...q, limit: 50 })).map((f) => `${f.session_file}:${f.line}`)
    assert.deepEqual(await list({}), ['bob/c.jsonl:9', 'bob/c.jsonl:5', 'ana/a.jsonl:7', 'ana/a.jsonl:3'])
    assert.deepEqual(h.answer('hidden', await list({ hideDismissed: true })), ['bob/c.jsonl:9', 'bob/c.jsonl:5', 'ana/a.jsonl:7'])
    assert.deepEqual(await list({ verdict: 'dismissed' }), ['ana/a.jsonl:3'])
    assert.deepEqual(await list({ verdict: 'confirmed' }), ['bob/c.jsonl:5'])
    assert.deepEqual(await list({ verdict: 'none', hideDismissed: true }), ['bob/c.jsonl:9', 'ana/a.jsonl:7'])
    assert.deepEqual(await list({ findingType: 'tool_error', hideDismissed: true }), ['bob/c.jsonl:5'])

    const counts = await s.sessions.findingCounts(['ana/a.jsonl', 'bob/c.jsonl'], { hideDismissed: true })
    assert.deepEqual(Object.fromEntries(counts), { 'ana/a.jsonl': { loop: 1 }, 'bob/c.jsonl': { abrupt_end: 1, tool_error: 1 } })
    assert.deepEqual(Object.fromEntries(await s.sessions.findingCounts(['ana/a.jsonl'])), { 'ana/a.jsonl': { loop: 1, tool_error: 1 } })
    const sessions = async (hideDismissed: boolean, findingType?: string) =>
      (await s.sessions.listSessions({ sort: 'findings', hideDismissed, findingType, limit: 10 })).map((r) => [r.session_file, r.findings_total])
    assert.deepEqual(await sessions(true), [['bob/c.jsonl', 2], ['ana/a.jsonl', 1], ['ana/b.jsonl', 0]])
    assert.deepEqual(await sessions(false), [['ana/a.jsonl', 2], ['bob/c.jsonl', 2], ['ana/b.jsonl', 0]])
    assert.deepEqual(await sessions(true, 'tool_error'), [['bob/c.jsonl', 2]], 'a dismissed finding does not make its session match')

    const bounds = [T(0), T(100)]
    const heat = async (hideDismissed: boolean) =>
      (await s.sessions.findingCountsByBucket(bounds, { hideDismissed })).map((r) => `${r.finding_type}:${r.n}`).sort()
    assert.deepEqual(await heat(true), ['abrupt_end:1', 'loop:1', 'tool_error:1'])
    assert.deepEqual(await heat(false), ['abrupt_end:1', 'loop:1', 'tool_error:2'])

    assert.deepEqual(h.answer('counts', await s.verdicts.counts()), [
      { finding_type: 'abrupt_end', findings: 1, confirmed: 0, dismissed: 0 },
      { finding_type: 'loop', findings: 1, confirmed: 0, dismissed: 0 },
      { finding_type: 'tool_error', findings: 2, confirmed: 1, dismissed: 1 },
    ])
  })

  test('command-line rows of the finding\'s user within each window; findings of a user near an audit row', async () => {
    const s = await h.store()
    await seed(s)
    await s.audit.insertMany([
      cliRow(100), cliRow(290, { result: 'error.400', params: { sql: 'SELECT x', error: { code: 'invalid_sql', message: 'no such column x' } } }),
      cliRow(295, { client_kind: 'web' }), cliRow(296, { user_id: 'u2', user_email: 'bob@example.com' }), cliRow(400),
    ])
    await s.sessions.replaceFindings('ana/a.jsonl', [finding('ana/a.jsonl', 'tool_error', 3, 300)])
    const got = await s.verdicts.cliEventsIn([
      { key: 7, username: 'ana', fromIso: T(0), toIso: T(300) },
      { key: 8, username: 'bob', fromIso: T(200), toIso: T(300) },
      { key: 9, username: 'nobody', fromIso: T(0), toIso: T(1000) },
    ])
    h.answer('cli', got.map((g) => [g.key, g.row.timestamp, g.row.result, g.row.client_kind]))
    assert.deepEqual(got.map((g) => [g.key, g.row.timestamp, g.row.result]), [[7, T(100), 'success'], [7, T(290), 'error.400'], [8, T(296), 'success']])
    assert.deepEqual(got[1].row.params, { sql: 'SELECT x', error: { code: 'invalid_sql', message: 'no such column x' } })
    assert.deepEqual(await s.verdicts.cliEventsIn([]), [])

    const near = await s.verdicts.findingsOfUserBetween('u1', T(250), T(350), 10)
    assert.deepEqual(near.map((f) => [f.session_file, f.line, f.finding_type, f.occurred_at]), [['ana/a.jsonl', 3, 'tool_error', T(300)]])
    assert.deepEqual(await s.verdicts.findingsOfUserBetween('u1', T(301), T(350), 10), [])
    assert.deepEqual(await s.verdicts.findingsOfUserBetween('u2', T(250), T(350), 10), [])
  })

  test('judge calls are cached by (file hash, prompt version, model); judgements attach through the upload\'s hash; tokens per day', async () => {
    const s = await h.store()
    await seed(s)
    await s.sessions.replaceFindings('ana/a.jsonl', [finding('ana/a.jsonl', 'tool_error', 3, 10), finding('ana/a.jsonl', 'loop', 7, 20)])
    const key = { file_sha256: 'sha-a', prompt_version: 'judge-v1', model: 'claude-test' }
    const call = {
      ...key, session_file: 'ana/a.jsonl', kind: 'flagged' as const, status: 'ok' as const, findings_sent: 2, input_tokens: 1200, output_tokens: 300,
      cost_usd: 0.0081, error: null, judged_at: T(50),
    }
    assert.equal(await s.llmJudge.call(key), undefined)
    await s.llmJudge.saveCall(call, [
      { ...key, finding_type: 'tool_error', line: 3, label: 'real_failure', root_cause: 'a bad date', explanation: 'the loader failed', judged_at: T(50) },
      { ...key, finding_type: 'loop', line: 7, label: 'false_alarm', root_cause: null, explanation: 'different files', judged_at: T(50) },
      { ...key, finding_type: 'user_rejection', line: 12, label: 'missed', root_cause: null, explanation: 'the person said no', judged_at: T(50) },
    ])
    assert.deepEqual(h.answer('call', await s.llmJudge.call(key)), call)
    assert.equal(await s.llmJudge.call({ ...key, model: 'another' }), undefined, 'another model is another key')
    // Saved again under the same key: replaced, not added to.
    await s.llmJudge.saveCall({ ...call, input_tokens: 1000 }, [
      { ...key, finding_type: 'tool_error', line: 3, label: 'real_failure', root_cause: 'a bad date', explanation: 'the loader failed', judged_at: T(50) },
      { ...key, finding_type: 'loop', line: 7, label: 'false_alarm', root_cause: null, explanation: 'different files', judged_at: T(50) },
      { ...key, finding_type: 'user_rejection', line: 12, label: 'missed', root_cause: null, explanation: 'the person said no', judged_at: T(50) },
    ])
    await s.llmJudge.saveCall({ ...call, file_sha256: 'sha-c', session_file: 'bob/c.jsonl', kind: 'sample', input_tokens: 500, output_tokens: 50, cost_usd: null, judged_at: T(-86_400) }, [])
    const forA = await s.llmJudge.forFiles(['ana/a.jsonl', 'bob/c.jsonl'])
    h.answer('forFiles', forA)
    assert.deepEqual(forA.map((j) => [j.for_file, j.finding_type, j.line, j.label, j.input_tokens]), [
      ['ana/a.jsonl', 'tool_error', 3, 'real_failure', 1000],
      ['ana/a.jsonl', 'loop', 7, 'false_alarm', 1000],
      ['ana/a.jsonl', 'user_rejection', 12, 'missed', 1000],
    ])
    assert.deepEqual(await s.llmJudge.labelCounts(), [
      { finding_type: 'loop', label: 'false_alarm', n: 1 },
      { finding_type: 'tool_error', label: 'real_failure', n: 1 },
    ])
    assert.deepEqual((await s.llmJudge.missed(5)).map((m) => [m.session_file, m.finding_type, m.line]), [['ana/a.jsonl', 'user_rejection', 12]])
    assert.equal(await s.llmJudge.tokensSince(T(0)), 1300, "yesterday's call is not today's")
    assert.equal(await s.llmJudge.tokensSince(T(-100_000)), 1850)
    assert.deepEqual(await s.llmJudge.callCountsSince(T(-100_000)), { flagged: 1, sample: 1, cost_usd: 0.0081 })
    assert.equal(await s.llmJudge.lastCallAt(), T(50))
  })
})

testEnginesAgree()
