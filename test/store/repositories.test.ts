import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openStore, type Store, type NewAuditRow } from '../../src/store/index.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'

/** The repositories' contract, run against every engine: the same calls give the same rows. */

const T = (s: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, s)).toISOString()

async function addUser(store: Store, id: string, email: string, opts: { admin?: boolean; at?: string } = {}) {
  const at = opts.at ?? T(0)
  await store.users.insert({ id, email, username: email.split('@')[0], name: null, is_admin: opts.admin ?? false, password_hash: null, created_at: at, updated_at: at })
}

function auditRow(i: number, over: Partial<NewAuditRow> = {}): NewAuditRow {
  return {
    timestamp: T(i), user_id: 'u1', user_email: 'ana@example.com', action: 'query.run', resource: `table:t${i % 3}`,
    params: { i, sql: `SELECT ${i}` }, params_before: null, result: 'success', duration_ms: i + 0.5, client_ip: '127.0.0.1',
    client_kind: 'cli', correlation_id: `c${i}`, ...over,
  }
}

describeStores('repositories', (h) => {
  test('users: insert, look up, list, count admins, update, delete with their tokens, sessions and memberships', async () => {
    const s = await h.store()
    await addUser(s, 'u2', 'Bob@Example.com', { at: T(2) })
    await addUser(s, 'u1', 'ana@example.com', { admin: true, at: T(1) })
    const ana = await s.users.byEmail('ANA@example.com')
    assert.deepEqual(ana, { id: 'u1', email: 'ana@example.com', username: 'ana', name: null, is_admin: true, password_hash: null, created_at: T(1), updated_at: T(1) })
    assert.equal((await s.users.byUsername('Bob'))?.id, 'u2')
    assert.equal(await s.users.byId('nope'), undefined)
    assert.deepEqual(await s.users.usernamesLike('an'), ['ana'])
    assert.deepEqual((await s.users.list()).map((u) => u.id), ['u1', 'u2'])
    assert.equal(await s.users.countAdmins(), 1)
    await s.users.update('u2', { is_admin: true, name: 'Bob' }, T(5))
    h.answer('users.updated', await s.users.byId('u2'))
    assert.equal(await s.users.countAdmins(), 2)
    await assert.rejects(addUser(s, 'u3', 'ana@example.com'), 'e-mails are unique')

    await s.tokens.insert({ id: 't1', user_id: 'u2', name: 'cli', token_hash: 'h1', token_prefix: 'agnes_pat_ab', created_at: T(3), expires_at: null, last_used_at: null, revoked_at: null })
    await s.webSessions.insert({ id_hash: 'w1', user_id: 'u2', csrf_token: 'x', created_at: T(3), expires_at: T(100) })
    await s.groups.insert({ id: 'g1', name: 'analysts', description: null, created_at: T(0), updated_at: T(0) })
    await s.groups.addMember('g1', 'u2', T(4))
    await s.users.delete('u2')
    assert.equal(await s.users.byId('u2'), undefined)
    assert.equal(await s.tokens.byId('t1'), undefined)
    assert.equal(await s.webSessions.withUserByHash('w1'), null)
    assert.equal(await s.groups.isMember('g1', 'u2'), false)
  })

  test('tokens: by hash, per user, revoke once, touch (also racing)', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana@example.com')
    for (const [id, at] of [['t2', T(2)], ['t1', T(1)]] as const) {
      await s.tokens.insert({ id, user_id: 'u1', name: id, token_hash: `hash-${id}`, token_prefix: 'agnes_pat_x', created_at: at, expires_at: T(1000), last_used_at: null, revoked_at: null })
    }
    const found = await s.tokens.withUserByHash('hash-t2')
    assert.equal(found?.token.id, 't2')
    assert.equal(found?.token.expires_at, T(1000))
    assert.deepEqual(found?.user, await s.users.byId('u1'), 'the token comes with its whole user')
    h.answer('tokens.withUserByHash', found)
    assert.equal(await s.tokens.withUserByHash('hash-nope'), null)
    assert.deepEqual((await s.tokens.listForUser('u1')).map((t) => t.id), ['t1', 't2'])
    await s.tokens.revoke('t1', T(10))
    await s.tokens.revoke('t1', T(20))
    assert.equal((await s.tokens.byId('t1'))?.revoked_at, T(10), 'the first revocation stays')
    await Promise.all(Array.from({ length: 8 }, (_, i) => s.tokens.touch('t2', T(30 + i))))
    const used = (await s.tokens.byId('t2'))?.last_used_at
    assert.ok(used && used >= T(30) && used <= T(37))
    await s.tokens.touch('t2', '2026-11-24T10:05:00.123Z')
    h.answer('tokens.t2', await s.tokens.byId('t2'))
    assert.equal((await s.tokens.byId('t2'))?.last_used_at, '2026-11-24T10:05:00.123Z', 'milliseconds survive')
  })

  test('web sessions: with their user by hash, delete, delete expired', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana@example.com')
    await s.webSessions.insert({ id_hash: 'a', user_id: 'u1', csrf_token: 'c', created_at: T(0), expires_at: T(10) })
    await s.webSessions.insert({ id_hash: 'b', user_id: 'u1', csrf_token: 'c', created_at: T(0), expires_at: T(30) })
    const found = await s.webSessions.withUserByHash('a')
    assert.deepEqual(found?.session, { id_hash: 'a', user_id: 'u1', csrf_token: 'c', created_at: T(0), expires_at: T(10) })
    assert.deepEqual(found?.user, await s.users.byId('u1'))
    h.answer('webSessions.withUserByHash', found)
    assert.equal(await s.webSessions.deleteExpired(T(20)), 1)
    await s.webSessions.delete('b')
    assert.equal(await s.webSessions.withUserByHash('b'), null)
  })

  test('groups and grants: members, counts, update, the resources a user is granted, delete', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana@example.com')
    await addUser(s, 'u2', 'bob@example.com')
    await s.groups.insert({ id: 'g2', name: 'zeta', description: 'z', created_at: T(0), updated_at: T(0) })
    await s.groups.insert({ id: 'g1', name: 'analysts', description: null, created_at: T(0), updated_at: T(0) })
    await s.groups.addMember('g1', 'u2', T(1))
    await s.groups.addMember('g1', 'u1', T(2))
    await s.groups.addMember('g2', 'u1', T(3))
    await assert.rejects(s.groups.addMember('g1', 'u1', T(4)), 'a member once')
    h.answer('groups.list', await s.groups.list())
    assert.deepEqual((await s.groups.list()).map((g) => [g.name, g.member_count]), [['analysts', 2], ['zeta', 1]])
    assert.deepEqual((await s.groups.members('g1')).map((m) => m.email), ['ana@example.com', 'bob@example.com'])
    await s.groups.update('g2', { description: null }, T(9))
    assert.deepEqual(await s.groups.byId('g2'), { id: 'g2', name: 'zeta', description: null, created_at: T(0), updated_at: T(9) })
    await s.groups.update('g2', { name: 'omega' }, T(10))
    assert.equal((await s.groups.byName('omega'))?.description, null, 'an absent description stays')

    await s.groups.insertGrant({ id: 'r1', group_id: 'g1', resource: 'table:orders', permission: 'read', created_at: T(5) })
    await s.groups.insertGrant({ id: 'r2', group_id: 'g2', resource: 'table:orders', permission: 'read', created_at: T(5) })
    await s.groups.insertGrant({ id: 'r3', group_id: 'g2', resource: 'table:users', permission: 'read', created_at: T(5) })
    await assert.rejects(s.groups.insertGrant({ id: 'r4', group_id: 'g1', resource: 'table:orders', permission: 'read', created_at: T(6) }))
    assert.deepEqual((await s.groups.resourcesGranted('u1', 'read')).sort(), ['table:orders', 'table:users'])
    assert.deepEqual(await s.groups.resourcesGranted('u2', 'read'), ['table:orders'])
    assert.equal((await s.groups.findGrant('g2', 'table:users', 'read'))?.id, 'r3')
    assert.deepEqual((await s.groups.listGrants()).map((g) => g.id), ['r1', 'r2', 'r3'])
    assert.equal(await s.groups.removeMember('g1', 'u2'), 1)
    assert.equal(await s.groups.removeMember('g1', 'u2'), 0)
    await s.groups.deleteGrant('r1')
    await s.groups.delete('g2')
    assert.deepEqual(await s.groups.resourcesGranted('u1', 'read'), [])
    assert.equal(await s.groups.grantById('r3'), undefined)
  })

  test('instance: JSON settings keep their types (a string that looks like a number stays a string), templates', async () => {
    const s = await h.store()
    const values = { name: 'Team', port: 8000, on: true, tricky: '123', list: [1, 'a'], nested: { a: { b: null } }, text_null: 'null' }
    await s.instance.setConfig(values, 'u1', T(1))
    assert.deepEqual(await s.instance.getConfig(), values)
    await s.instance.setConfig({ port: null, name: 'Other' }, 'u1', T(2))
    h.answer('instance.config', await s.instance.getConfig())
    assert.equal((await s.instance.getConfig()).port, undefined)
    await s.instance.setTemplate('welcome', 'Hi {{name}}', 'u1', T(3))
    await s.instance.setTemplate('welcome', 'Hello', 'u1', T(4))
    assert.deepEqual(await s.instance.listTemplates(), [{ name: 'welcome', content: 'Hello', updated_at: T(4), updated_by: 'u1' }])
  })

  test('audit: insertMany in one statement (also more rows than one statement can bind), find, count', async () => {
    const s = await h.store()
    await s.audit.insertMany([])
    await s.audit.insertMany([auditRow(1), auditRow(2, { params: null, user_id: null, user_email: null, duration_ms: null, result: 'error.internal' })])
    const [newest, oldest] = await s.audit.find()
    assert.equal(newest.correlation_id, 'c2')
    assert.equal(newest.params, null)
    assert.equal(newest.duration_ms, null)
    assert.equal(typeof oldest.id, 'number')
    assert.deepEqual({ ...oldest, id: 0 }, { ...auditRow(1), id: 0 })
    // Unicode, quotes and backslashes survive the JSON column.
    await s.audit.insertMany([auditRow(3, { params: { q: `it's "ok" \\ ünïcödé 🚀 %_`, n: 1.25, big: 2 ** 40, arr: [true, null] } })])
    assert.deepEqual((await s.audit.find({ correlationId: 'c3' }))[0].params, { q: `it's "ok" \\ ünïcödé 🚀 %_`, n: 1.25, big: 2 ** 40, arr: [true, null] })
    // A NUL character: DuckDB keeps it in text; PostgreSQL cannot store it in text and keeps U+FFFD instead, so the
    // row is still written (one odd request never costs an audit batch). In JSON (JSONB refuses it) both keep U+FFFD.
    await s.audit.insertMany([auditRow(4, { resource: 'a\u0000b', params: { 'k\u0000': 'x\u0000y', ok: 'pair 🚀', esc: '\\u0000 literal' } })])
    const odd = (await s.audit.find({ correlationId: 'c4' }))[0]
    assert.equal(odd.resource, h.engine === 'postgres' ? 'a\uFFFDb' : 'a\u0000b')
    assert.deepEqual(odd.params, { 'k\uFFFD': 'x\uFFFDy', ok: 'pair 🚀', esc: '\\u0000 literal' })
    // 7000 rows × 12 parameters is past PostgreSQL's 65535 bound parameters per statement.
    await s.audit.insertMany(Array.from({ length: 7000 }, (_, i) => auditRow(100 + (i % 50), { correlation_id: `bulk-${i}` })))
    assert.equal(await s.audit.count(), 7004)
    assert.equal((await s.audit.find({ action: 'query.run', userId: 'u1', sinceIso: T(149), limit: 5 })).length, 5)
    assert.equal((await s.audit.find({ limit: 20_000 })).length, 7004)
    h.answer('audit.find', (await s.audit.find({ correlationId: 'bulk-6999' })).map((r) => ({ ...r, id: 0 })))
  })

  test('data tables, sync jobs, sync history and the newest run per table', async () => {
    const s = await h.store()
    await s.tables.insert({ id: 'orders', source: { kind: 'file', path: '/src/orders.csv', format: 'csv' }, sync_interval_minutes: 60, description: 'Orders', created_at: T(0), updated_at: T(0), created_by: 'u1' })
    await s.tables.insert({ id: 'agg', source: { kind: 'sql', sql: "SELECT 'x' AS \"q\"" }, sync_interval_minutes: null, description: null, created_at: T(0), updated_at: T(0), created_by: null })
    assert.deepEqual((await s.tables.byId('agg'))?.source, { kind: 'sql', sql: "SELECT 'x' AS \"q\"" })
    await s.tables.update('orders', { sync_interval_minutes: null }, T(1))
    const orders = await s.tables.byId('orders')
    assert.equal(orders?.sync_interval_minutes, null)
    assert.equal(orders?.description, 'Orders')
    assert.deepEqual(orders?.source, { kind: 'file', path: '/src/orders.csv', format: 'csv' })
    h.answer('tables.list', await s.tables.list())

    await s.tables.insertJob({ id: 'j1', status: 'queued', tables: ['orders', 'agg'], requested_by: 'u1', client_kind: 'cli', correlation_id: 'c', created_at: T(2), started_at: null, finished_at: null, error: null })
    await s.tables.insertJob({ id: 'j2', status: 'queued', tables: [], requested_by: null, client_kind: 'scheduler', correlation_id: null, created_at: T(2), started_at: null, finished_at: null, error: null })
    await s.tables.setJobStatus('j1', 'running', T(3))
    await s.tables.setJobStatus('j1', 'done', T(4))
    assert.equal(await s.tables.failUnfinishedJobs(T(5)), 1)
    h.answer('tables.jobs', [await s.tables.job('j1'), await s.tables.job('j2')])
    assert.deepEqual((await s.tables.job('j1'))?.tables, ['orders', 'agg'])
    assert.equal((await s.tables.job('j2'))?.status, 'failed')

    const id1 = await s.tables.insertHistory({ table_id: 'orders', job_id: 'j1', synced_at: T(10), rows: 5_000_000_000, duration_ms: 12.5, status: 'success', error: null })
    const id2 = await s.tables.insertHistory({ table_id: 'orders', job_id: 'j1', synced_at: T(20), rows: null, duration_ms: 1, status: 'error', error: 'boom' })
    // Written later but ran earlier: must not win "newest run".
    await s.tables.insertHistory({ table_id: 'orders', job_id: null, synced_at: T(15), rows: 1, duration_ms: 1, status: 'success', error: null })
    await s.tables.insertHistory({ table_id: 'agg', job_id: 'j1', synced_at: T(12), rows: 3, duration_ms: 2, status: 'success', error: null })
    assert.equal(typeof id1, 'number')
    assert.ok(id2 > id1)
    assert.deepEqual((await s.tables.historyForJob('j1')).map((r) => r.table_id), ['orders', 'orders', 'agg'])
    assert.equal((await s.tables.historyForJob('j1'))[0].rows, 5_000_000_000, 'a BIGINT beyond 32 bits is a number')
    assert.deepEqual((await s.tables.historyForTable('orders', 2)).map((r) => r.synced_at), [T(20), T(15)])
    const last = (await s.tables.lastRuns()).sort((a, b) => a.table_id.localeCompare(b.table_id))
    assert.deepEqual(last.map((r) => [r.table_id, r.synced_at, r.status]), [['agg', T(12), 'success'], ['orders', T(20), 'error']])
    h.answer('tables.lastRuns', last.map((r) => ({ ...r, id: 0 })))
    await s.tables.delete('agg')
    assert.equal(await s.tables.byId('agg'), undefined)
  })

  test('scripts: due, record a run, delete', async () => {
    const s = await h.store()
    for (const [id, next] of [['b', T(5)], ['a', T(5)], ['c', T(50)], ['d', null]] as const) {
      await s.scripts.insert({ id, sql: 'SELECT 1', schedule: '* * * * *', created_at: T(0), updated_at: T(0), created_by: null, next_run_at: next, last_run_at: null, last_status: null, last_error: null })
    }
    assert.deepEqual((await s.scripts.due(T(10))).map((x) => x.id), ['a', 'b'])
    await s.scripts.recordRun('a', T(10), 'error', 'bad', T(70))
    assert.deepEqual((await s.scripts.due(T(60))).map((x) => x.id), ['b', 'c'])
    h.answer('scripts.a', await s.scripts.byId('a'))
    await s.scripts.delete('a')
    assert.deepEqual((await s.scripts.list()).map((x) => x.id), ['b', 'c', 'd'])
  })

  test('session uploads: upsert keeps the first upload time, lists per user and newest first', async () => {
    const s = await h.store()
    const up = (file: string, at: string, sha = 's1') => ({
      session_file: file, user_id: 'u1', username: file.split('/')[0], filename: file.split('/')[1], bytes: 10, sha256: sha,
      redactions: 1, redaction_kinds: { api_key: 1 }, uploaded_at: at, updated_at: at,
    })
    await s.sessionUploads.upsert(up('ana/a.jsonl', T(1)))
    await s.sessionUploads.upsert(up('ana/b.jsonl', T(2)))
    await s.sessionUploads.upsert(up('bob/c.jsonl', T(3)))
    await s.sessionUploads.upsert({ ...up('ana/a.jsonl', T(9), 's2'), bytes: 20, redaction_kinds: null })
    const a = await s.sessionUploads.byFile('ana/a.jsonl')
    assert.deepEqual([a?.uploaded_at, a?.updated_at, a?.sha256, a?.bytes, a?.redaction_kinds], [T(1), T(9), 's2', 20, {}])
    assert.deepEqual((await s.sessionUploads.listForUser('ana')).map((u) => u.session_file), ['ana/a.jsonl', 'ana/b.jsonl'])
    assert.deepEqual((await s.sessionUploads.list()).map((u) => u.session_file), ['ana/a.jsonl', 'bob/c.jsonl', 'ana/b.jsonl'])
    h.answer('uploads.list', await s.sessionUploads.list())
  })

  test('sessions: pending and states, findings, usage, the session list and finding list with keysets, buckets', async () => {
    const s = await h.store()
    for (const [file, at] of [['ana/a.jsonl', T(1)], ['ana/b.jsonl', T(2)], ['bob/c.jsonl', T(3)]] as const) {
      await s.sessionUploads.upsert({ session_file: file, user_id: 'u', username: file.split('/')[0], filename: file.split('/')[1], bytes: 10, sha256: `sha-${file}`, redactions: 0, redaction_kinds: null, uploaded_at: at, updated_at: at })
    }
    assert.equal(await s.sessions.countPending('failure_scan'), 3)
    await s.sessions.recordState({ processor: 'failure_scan', session_file: 'ana/a.jsonl', file_sha256: 'sha-ana/a.jsonl', file_bytes: 10, status: 'error', items: 0, error: 'x', processed_at: T(5) })
    await s.sessions.recordState({ processor: 'failure_scan', session_file: 'ana/b.jsonl', file_sha256: 'sha-ana/b.jsonl', file_bytes: 10, status: 'ok', items: 2, error: null, processed_at: T(5) })
    assert.deepEqual((await s.sessions.pending('failure_scan', 10)).map((p) => [p.session_file, p.prior_status]), [['bob/c.jsonl', null], ['ana/a.jsonl', 'error']])
    assert.equal(await s.sessions.countUpToDate('failure_scan'), 1)
    await s.sessions.recordState({ processor: 'failure_scan', session_file: 'ana/a.jsonl', file_sha256: 'sha-ana/a.jsonl', file_bytes: 10, status: 'ok', items: 1, error: null, processed_at: T(6) })
    assert.equal(await s.sessions.countPending('failure_scan'), 1)
    h.answer('sessions.states', await s.sessions.statesForFile('ana/a.jsonl'))

    const f = (file: string, type: string, line: number, occurred: string | null, detected = T(100)) => ({
      session_file: file, username: file.split('/')[0], finding_type: type, turn_index: line, line, severity: 'warn', excerpt: `e${line}`, detected_at: detected, occurred_at: occurred,
    })
    await s.sessions.replaceFindings('ana/a.jsonl', [f('ana/a.jsonl', 'tool_error', 3, T(20)), f('ana/a.jsonl', 'loop', 1, null), f('ana/a.jsonl', 'tool_error', 2, T(10))])
    await s.sessions.replaceFindings('bob/c.jsonl', Array.from({ length: 450 }, (_, i) => f('bob/c.jsonl', i % 2 ? 'loop' : 'abrupt_end', i + 1, T(30), T(200))))
    await s.sessions.replaceFindings('bob/c.jsonl', Array.from({ length: 250 }, (_, i) => f('bob/c.jsonl', i % 2 ? 'loop' : 'abrupt_end', i + 1, T(30), T(200))))
    assert.deepEqual((await s.sessions.findingsForFile('ana/a.jsonl')).map((x) => x.line), [1, 2, 3])
    assert.equal((await s.sessions.findingsDetectedAt(T(200))).length, 250)
    assert.equal((await s.sessions.findingsDetectedBetween(T(100), T(150))).length, 3)
    assert.deepEqual(Object.fromEntries(await s.sessions.findingCounts(['ana/a.jsonl', 'bob/c.jsonl', 'none'])), {
      'ana/a.jsonl': { loop: 1, tool_error: 2 }, 'bob/c.jsonl': { abrupt_end: 125, loop: 125 },
    })

    const usage = { session_file: 'ana/a.jsonl', username: 'ana', started_at: T(40), ended_at: T(90), turns: 4, tool_calls: 7, tool_errors: 2, tools: { Bash: 5, Read: 2 }, tokens: { input: 10 }, models: ['m1'], active_seconds: 12.5, claude_version: '2.0', malformed_lines: 0, processed_at: T(95) }
    await s.sessions.upsertUsage({ ...usage, turns: 1 })
    await s.sessions.upsertUsage(usage)
    assert.deepEqual(await s.sessions.usageFor('ana/a.jsonl'), usage)

    const recent = await s.sessions.listSessions({ sort: 'recent', limit: 10 })
    assert.deepEqual(recent.map((r) => [r.session_file, r.sort_time, r.findings_total]), [['ana/a.jsonl', T(40), 3], ['bob/c.jsonl', T(3), 250], ['ana/b.jsonl', T(2), 0]])
    const byFindings = await s.sessions.listSessions({ sort: 'findings', limit: 1 })
    const page2 = await s.sessions.listSessions({ sort: 'findings', limit: 5, after: byFindings[0] })
    assert.deepEqual([...byFindings, ...page2].map((r) => r.session_file), ['bob/c.jsonl', 'ana/a.jsonl', 'ana/b.jsonl'])
    const byUser = await s.sessions.listSessions({ sort: 'user', limit: 2 })
    const byUser2 = await s.sessions.listSessions({ sort: 'user', limit: 2, after: byUser[1] })
    assert.deepEqual([...byUser, ...byUser2].map((r) => r.session_file), ['ana/a.jsonl', 'ana/b.jsonl', 'bob/c.jsonl'])
    assert.deepEqual((await s.sessions.listSessions({ sort: 'recent', limit: 10, findingType: 'loop', sinceIso: T(50) })).map((r) => r.session_file), ['ana/a.jsonl'])
    assert.deepEqual((await s.sessions.listSessions({ sort: 'recent', limit: 10, username: 'ana', untilIso: T(10) })).map((r) => r.session_file), ['ana/b.jsonl'])
    h.answer('sessions.list', recent)

    const first = await s.sessions.listFindings({ limit: 2, username: 'ana' })
    const rest = await s.sessions.listFindings({ limit: 10, username: 'ana', after: { time: first[1].event_time, id: first[1].id } })
    assert.deepEqual([...first, ...rest].map((x) => [x.line, x.event_time]), [[1, T(100)], [3, T(20)], [2, T(10)]])
    assert.equal((await s.sessions.listFindings({ limit: 500, findingType: 'loop', sinceIso: T(25), untilIso: T(35) })).length, 125)
    h.answer('sessions.findings', [...first, ...rest].map((x) => ({ ...x, id: 0 })))

    const buckets = await s.sessions.findingCountsByBucket([T(0), T(15), T(60), T(120)])
    const sorted = buckets.sort((a, b) => a.bucket - b.bucket || a.finding_type.localeCompare(b.finding_type))
    assert.deepEqual(sorted, [
      { bucket: 0, finding_type: 'tool_error', n: 1 },
      { bucket: 1, finding_type: 'abrupt_end', n: 125 },
      { bucket: 1, finding_type: 'loop', n: 125 },
      { bucket: 1, finding_type: 'tool_error', n: 1 },
      { bucket: 2, finding_type: 'loop', n: 1 },
    ])
    assert.deepEqual(await s.sessions.findingCountsByBucket([T(0)]), [])
  })

  test('feedback: reports racing at the rate limit, of which exactly as many as the limit allows are stored', async () => {
    const cfg = await h.freshConfig()
    const s = await openStore(cfg)
    // On PostgreSQL half of the reports go through a second store on the same database, as from another worker.
    const other = h.engine === 'postgres' ? await openStore(cfg) : s
    try {
      await addUser(s, 'u1', 'ana@example.com')
      await addUser(s, 'u2', 'bob@example.com')
      const report = (id: string, user: string) => ({
        id, created_at: T(10), reporter_user: user, message: `m ${id}`, session_excerpt: null, session_file: null, environment: null,
        fingerprint: id, duplicate_of: null, status: 'open' as const, assignee: null, tags: [] as string[], resolution: null, resolved_at: null,
        resolved_by: null, correlation_id: null, updated_at: T(10),
      })
      await s.feedback.insertReport({ ...report('old', 'u1'), created_at: T(0) }) // before the window: not counted
      await s.feedback.insertReport(report('r0', 'u1'))
      // Ana has one report in the window and may file three: twelve at once leave exactly two more.
      const tries = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? other : s).feedback.insertReportWithinLimit(report(`r${i + 1}`, 'u1'), 3, T(5))),
      )
      assert.equal(tries.filter((t) => t.inserted).length, 2)
      assert.ok(tries.filter((t) => !t.inserted).every((t) => t.recent === 3))
      assert.equal(await s.feedback.countByReporterSince('u1', T(5)), 3)
      // Another reporter has a window of their own.
      assert.deepEqual(await s.feedback.insertReportWithinLimit(report('b1', 'u2'), 3, T(5)), { inserted: true, recent: 1 })
    } finally {
      if (other !== s) await other.close()
      await s.close()
    }
  })

  test('feedback: reports with filters and keyset, duplicates, Telegram links, the outbox with claims and racing digests', async () => {
    const s = await h.store()
    await addUser(s, 'admin', 'admin@example.com', { admin: true })
    await addUser(s, 'u1', 'ana@example.com')
    const report = (id: string, at: string, over: Record<string, unknown> = {}) => ({
      id, created_at: at, reporter_user: 'u1', message: `m ${id}`, session_excerpt: 'abc', session_file: null, environment: { os: 'linux' },
      fingerprint: 'fp1', duplicate_of: null, status: 'open' as const, assignee: null, tags: [] as string[], resolution: null, resolved_at: null,
      resolved_by: null, correlation_id: null, updated_at: at, ...over,
    })
    await s.feedback.insertReport(report('r1', T(1), { tags: ['db', 'slow'] }))
    await s.feedback.insertReport(report('r2', T(2), { duplicate_of: 'r1', tags: ['database'] }))
    await s.feedback.insertReport(report('r3', T(3), { fingerprint: 'fp2', environment: null, session_excerpt: null }))
    await s.feedback.update('r3', { status: 'resolved', resolution: 'fixed', resolved_at: T(4), resolved_by: 'admin', tags: ['db'] }, T(4))
    const r1 = await s.feedback.byId('r1')
    assert.equal(r1?.reporter_email, 'ana@example.com')
    assert.deepEqual([r1?.environment, r1?.tags], [{ os: 'linux' }, ['db', 'slow']])
    assert.deepEqual((await s.feedback.byIds(['r3', 'r1'])).map((r) => r.id), ['r1', 'r3'])
    assert.equal(await s.feedback.countByReporterSince('u1', T(2)), 2)
    assert.equal(await s.feedback.firstActiveWithFingerprint('fp1'), 'r1')
    assert.equal(await s.feedback.countWithFingerprint('fp1'), 2)
    const all = await s.feedback.list({}, 10)
    assert.deepEqual(all.map((r) => [r.id, r.rank, r.duplicate_count, r.excerpt_chars]), [['r2', 0, 1, 3], ['r1', 0, 1, 3], ['r3', 1, 0, 0]])
    const p1 = await s.feedback.list({}, 2)
    const p2 = await s.feedback.list({}, 2, { key: p1[1].sort_key, created_at: p1[1].created_at, id: p1[1].id })
    assert.deepEqual(p2.map((r) => r.id), ['r3'])
    assert.deepEqual((await s.feedback.list({ tag: 'db' }, 10)).map((r) => r.id), ['r1', 'r3'], 'a tag matches whole elements only')
    assert.deepEqual((await s.feedback.list({ status: ['resolved', 'wontfix'] }, 10)).map((r) => r.id), ['r3'])
    assert.deepEqual((await s.feedback.list({ assignee: null, fingerprint: 'fp1', reporter: 'u1' }, 10)).map((r) => r.id), ['r2', 'r1'])
    h.answer('feedback.list', all)

    await s.feedback.setTelegramLink('admin', '42', T(5))
    await s.feedback.setTelegramLink('u1', '43', T(5))
    await s.feedback.setTelegramLink('admin', '44', T(6))
    assert.deepEqual((await s.feedback.adminTelegramLinks()).map((l) => [l.user_id, l.chat_id, l.email]), [['admin', '44', 'admin@example.com']])
    await s.feedback.setTelegramLink('u1', null, T(7))
    assert.equal(await s.feedback.telegramLink('u1'), undefined)

    const digest = await s.feedback.addToDigest({ id: 'n1', channel: 'telegram', userId: 'admin', chatId: '44', reportId: 'r1', dueAt: T(300), now: T(10) })
    assert.equal(digest, 'n1')
    // Several reports land in the same open digest at once: none may be lost.
    const ids = ['r2', 'r3', 'r4', 'r5', 'r6', 'r7']
    await Promise.all(ids.map((r, i) => s.feedback.addToDigest({ id: `nx${i}`, channel: 'telegram', userId: 'admin', chatId: '44', reportId: r, dueAt: T(200 + i), now: T(11) })))
    const n1 = await s.feedback.pendingDigest('admin', 'telegram')
    assert.equal(n1?.id, 'n1')
    assert.deepEqual([...(n1?.report_ids ?? [])].sort(), ['r1', ...ids].sort())
    assert.equal(n1?.next_attempt_at, T(200), 'the earliest due time wins')

    assert.deepEqual(await s.feedback.dueNotifications(T(250), 10), ['n1'])
    const claims = await Promise.all(Array.from({ length: 5 }, () => s.feedback.claimNotification('n1', T(250), T(310))))
    assert.equal(claims.filter(Boolean).length, 1, 'exactly one claimant sends it')
    assert.equal(claims.find(Boolean)?.status, 'sending')
    await s.feedback.postponeNotification('n1', T(400))
    assert.equal((await s.feedback.notification('n1'))?.status, 'pending')
    await s.feedback.recordAttempt('n1', { status: 'sent', attempts: 1, text: 'hi', nextAttemptAt: T(400), error: null, sentAt: T(401) })
    await s.feedback.insertNotification({ id: 'n2', channel: 'telegram', user_id: 'admin', chat_id: '44', kind: 'report', text: 't', report_ids: ['r1'], status: 'pending', attempts: 0, next_attempt_at: T(500), last_error: null, created_at: T(12), sent_at: null })
    const mine = await s.feedback.notificationsFor('admin')
    assert.deepEqual(mine.map((n) => [n.id, n.status, n.attempts]), [['n1', 'sent', 1], ['n2', 'pending', 0]])
    h.answer('feedback.notifications', mine.map((n) => ({ ...n, report_ids: [...n.report_ids].sort() })))
  })
})

testEnginesAgree()
