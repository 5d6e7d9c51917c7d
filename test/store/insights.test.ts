import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import pino from 'pino'
import { openStore, type NewAuditRow, type Store } from '../../src/store/index.ts'
import { AdjustableClock } from '../../src/clock.ts'
import { configForDataDir } from '../../src/config.ts'
import { AuditFailureLog } from '../../src/audit/failure-log.ts'
import { AuditSpool } from '../../src/audit/spool.ts'
import { AuditWriter } from '../../src/audit/index.ts'
import { activityQuerySchema, toFilters } from '../../src/activity/index.ts'
import { usage, ACTIVE_ACTIONS } from '../../src/activity/usage.ts'
import { queries } from '../../src/activity/queries.ts'
import { performance } from '../../src/activity/performance.ts'
import { prometheusText } from '../../src/activity/metrics.ts'
import { RequestMetricsRecorder } from '../../src/web/plugins/request-metrics.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'
import { tempDir } from '../helpers.ts'

/**
 * Usage, Queries and Performance over seeded rows on every engine, each figure checked against a hand count (the
 * arithmetic is in the comments), and /metrics' counters over the same kinds of rows.
 */

const DAY = 86_400_000
// A Wednesday, on the hour: day boundaries and minutes are easy to count from here.
const NOW = new Date('2026-03-18T15:00:00.000Z')
const day = (k: number, hour = 10) => new Date(Date.UTC(2026, 2, 18 - k, hour)).toISOString()
const minsAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString()
const log = pino({ level: 'silent' })

let seq = 0
function row(at: string, action: string, o: Partial<NewAuditRow> & { user?: string | null } = {}): NewAuditRow {
  const user = o.user === undefined ? null : o.user
  return {
    timestamp: at, user_id: user, user_email: user ? `${user.slice(2)}@example.com` : null, action, resource: o.resource ?? null,
    params: o.params ?? null, params_before: null, result: o.result ?? 'success', duration_ms: o.duration_ms ?? null,
    client_ip: '127.0.0.1', client_kind: o.client_kind ?? (user ? 'cli' : 'scheduler'), correlation_id: `c-${++seq}`,
  }
}

function auditFiles(dir: string) {
  return { failures: new AuditFailureLog(join(dir, 'audit-failures.ndjson')), spool: new AuditSpool(join(dir, 'audit-spool.ndjson')) } as unknown as AuditWriter
}

describeStores('insights', (h) => {
  test('usage: DAU/WAU/MAU, stickiness, lifecycle and people count successful value actions by people only', async () => {
    const store = await h.store()
    await store.audit.insertMany([
      // ana: queries on the last three days and a download yesterday.
      row(day(0), 'query.run', { user: 'u-ana' }), row(day(1), 'query.run', { user: 'u-ana' }), row(day(2), 'query.run', { user: 'u-ana' }),
      row(day(1), 'data.download', { user: 'u-ana' }),
      // ben: an upload yesterday; his failed query, sign-in and reading of the Activity Center make him active on no other day.
      row(day(1), 'session.upload', { user: 'u-ben' }),
      row(day(3), 'query.run', { user: 'u-ben', result: 'error.invalid_sql' }), row(day(3), 'auth.login', { user: 'u-ben', client_kind: 'web' }),
      row(day(3), 'activity.read', { user: 'u-ben', client_kind: 'web' }),
      // cy: a report ten days ago, a sync 40 days ago (before the window, so resurrecting rather than new).
      row(day(10), 'feedback.report', { user: 'u-cy' }), row(day(40), 'sync.trigger', { user: 'u-cy' }),
      // Never a person: the scheduler, a system row that names a user, failed sign-ins, a denied query.
      row(day(0), 'run_sync_due'), row(day(0), 'sync.trigger'), row(day(0), 'query.run', { user: 'u-sys', client_kind: 'system' }),
      row(day(0), 'auth.login_failed', { user: 'u-dee', client_kind: 'web' }), row(day(0), 'query.run', { user: 'u-dee', result: 'denied' }),
    ])
    const upload = (file: string, user: string, at: string) =>
      store.sessionUploads.upsert({ session_file: file, user_id: `u-${user}`, username: user, filename: file.split('/')[1], bytes: 10, sha256: file, redactions: 0, redaction_kinds: null, uploaded_at: at, updated_at: at })
    const usageRow = (file: string, user: string, started: string, tools: Record<string, number>) =>
      store.sessions.upsertUsage({
        session_file: file, username: user, started_at: started, ended_at: started, turns: 1, tool_calls: 0, tool_errors: 0, tools, tokens: {},
        models: [], active_seconds: null, claude_version: null, malformed_lines: 0, processed_at: started,
      })
    const finding = (file: string, type: string, excerpt: string) => ({
      session_file: file, username: file.split('/')[0], finding_type: type, turn_index: 0, line: 1, severity: 'warning', excerpt, detected_at: day(1), occurred_at: null,
    })
    await upload('ben/s1.jsonl', 'ben', day(1))
    await upload('ben/agent-a1.jsonl', 'ben', day(1))
    await upload('ana/old.jsonl', 'ana', day(45))
    await upload('eve/e1.jsonl', 'eve', day(5)) // not processed yet: a session, but no tool figures
    await usageRow('ben/s1.jsonl', 'ben', day(2), { Bash: 4, Read: 2 })
    await usageRow('ben/agent-a1.jsonl', 'ben', day(2), { Bash: 1 })
    await usageRow('ana/old.jsonl', 'ana', day(45), { Grep: 3 })
    await store.sessions.replaceFindings('ben/s1.jsonl', [
      finding('ben/s1.jsonl', 'tool_error', 'Bash(ls /nope): ls: cannot access'), finding('ben/s1.jsonl', 'tool_error', 'Bash(make): exit 2'),
      finding('ben/s1.jsonl', 'permission_denied', 'Read(/etc/shadow): denied'), finding('ben/s1.jsonl', 'loop', '3× Bash(ls)'),
    ])
    await store.sessions.replaceFindings('ben/agent-a1.jsonl', [finding('ben/agent-a1.jsonl', 'tool_error', 'Bash(x): failed')])
    await store.sessions.replaceFindings('ana/old.jsonl', [finding('ana/old.jsonl', 'tool_error', 'Grep(x): failed')])

    const out = h.answer('usage', await usage({ store }, { days: 30, period: 'week' }, NOW))
    assert.deepEqual(out.active_actions, [...ACTIVE_ACTIONS])
    // Yesterday: ana and ben (DAU 2, WAU 2); the 30 days to yesterday add cy (MAU 3). DAU summed over those 30 days:
    // 2 (yesterday) + 1 (ana, two days ago) + 1 (cy, ten days ago) = 4, so stickiness = 4 / 30 / 3.
    assert.deepEqual(out.summary, { day: '2026-03-17', dau: 2, wau: 2, mau: 3, stickiness: 0.0444 })
    assert.equal(out.series.length, 30)
    assert.deepEqual(out.series[0], { day: '2026-02-17', dau: 0, wau: 0, mau: 1, stickiness: 0.0333, partial: false })
    // Today: ana alone (DAU 1); ben in the week; cy in the month; DAU summed over the 30 days to today = 5.
    assert.deepEqual(out.series[29], { day: '2026-03-18', dau: 1, wau: 2, mau: 3, stickiness: 0.0556, partial: true })
    // Five weeks ending today. Week 1's previous week held cy's sync (dormant after); cy came back ten days ago
    // (resurrecting); ana and ben were first active this week (new), and cy went dormant again.
    assert.deepEqual(out.lifecycle, [
      { start: '2026-02-12', end: '2026-02-18', active: 0, new: 0, returning: 0, resurrecting: 0, dormant: 1 },
      { start: '2026-02-19', end: '2026-02-25', active: 0, new: 0, returning: 0, resurrecting: 0, dormant: 0 },
      { start: '2026-02-26', end: '2026-03-04', active: 0, new: 0, returning: 0, resurrecting: 0, dormant: 0 },
      { start: '2026-03-05', end: '2026-03-11', active: 1, new: 0, returning: 0, resurrecting: 1, dormant: 0 },
      { start: '2026-03-12', end: '2026-03-18', active: 2, new: 2, returning: 0, resurrecting: 0, dormant: 1 },
    ])
    const people = out.people.map(({ timeline: _t, ...p }) => p)
    assert.deepEqual(people, [
      { user_id: 'u-ana', email: 'ana@example.com', username: null, last_active: day(0), active_days: 3, queries: 3, downloads: 1, uploads: 0, syncs: 0, reports: 0, sessions: 0 },
      { user_id: 'u-ben', email: 'ben@example.com', username: 'ben', last_active: day(1), active_days: 1, queries: 0, downloads: 0, uploads: 1, syncs: 0, reports: 0, sessions: 1 },
      { user_id: 'u-cy', email: 'cy@example.com', username: null, last_active: day(10), active_days: 1, queries: 0, downloads: 0, uploads: 0, syncs: 0, reports: 1, sessions: 0 },
      { user_id: 'u-eve', email: null, username: 'eve', last_active: null, active_days: 0, queries: 0, downloads: 0, uploads: 0, syncs: 0, reports: 0, sessions: 1 },
    ])
    // Each person's row opens in the timeline, which lists exactly the actions counted.
    const ana = out.people[0]
    const listed = await store.activity.kpis(toFilters(activityQuerySchema.parse(ana.timeline), NOW), ACTIVE_ACTIONS)
    assert.equal(listed.events, ana.queries + ana.downloads + ana.uploads + ana.syncs + ana.reports)
    assert.deepEqual(out.sessions, { total: 2, people: 2 })
    // ben's two transcripts: Bash 4 + 1 calls, 2 + 1 failed; Read 2 calls, 1 refused. ana's old session is outside.
    assert.deepEqual(out.tools, [
      {
        tool: 'Bash', calls: 5, sessions: 2, errors: 3, error_rate: 0.6,
        failed_sessions: [
          { session_file: 'ben/s1.jsonl', errors: 2, url: '/admin/sessions/ben/s1.jsonl' },
          { session_file: 'ben/agent-a1.jsonl', errors: 1, url: '/admin/sessions/ben/agent-a1.jsonl' },
        ],
      },
      { tool: 'Read', calls: 2, sessions: 1, errors: 1, error_rate: 0.5, failed_sessions: [{ session_file: 'ben/s1.jsonl', errors: 1, url: '/admin/sessions/ben/s1.jsonl' }] },
    ])
  })

  test('queries: one row per fingerprint with its calls, errors, percentiles, people, kinds and tables', async () => {
    const store = await h.store()
    const A = 'a1a1a1a1a1a1a1a1'
    const B = 'b2b2b2b2b2b2b2b2'
    // The resource as runQuery writes it: the table when one was read, `tables` for several.
    const q = (at: string, user: string, kind: string, result: string, ms: number, params: Record<string, unknown>) => {
      const tables = (params.tables ?? []) as string[]
      return row(at, 'query.run', { user, client_kind: kind, result, duration_ms: ms, params, resource: tables.length === 1 ? `table:${tables[0]}` : tables.length ? 'tables' : null })
    }
    await store.audit.insertMany([
      q(minsAgo(180), 'u-ana', 'cli', 'success', 10, { sql: 'SELECT * FROM orders WHERE id = 1', fingerprint: A, tables: ['orders'], rows: 5 }),
      q(minsAgo(120), 'u-ben', 'api', 'success', 30, { sql: 'SELECT * FROM orders WHERE id = 2', fingerprint: A, tables: ['orders'], rows: 7 }),
      q(minsAgo(60), 'u-ana', 'cli', 'error.timeout', 50, { sql: 'SELECT * FROM orders WHERE id = 9', fingerprint: A, tables: ['orders'], error: { code: 'query_timeout', message: 'the query ran past 30 s' } }),
      q(minsAgo(10), 'u-cy', 'api', 'denied', 2, { sql: `SELECT * FROM orders WHERE note = 'secret'`, fingerprint: A, error: { code: 'forbidden', message: 'you may not read: orders' } }),
      q(minsAgo(30), 'u-ana', 'web', 'success', 100, { sql: 'SELECT c.name FROM customers c JOIN orders o ON o.c = c.id', fingerprint: B, tables: ['customers', 'orders'], rows: 1 }),
      // A row from before fingerprints were recorded: grouped by its text.
      q(minsAgo(20), 'u-ben', 'cli', 'success', 5, { sql: 'SELECT 1 FROM customers', tables: ['customers'], rows: 2 }),
      // Outside the default 24 hours, and not a query.
      q(new Date(NOW.getTime() - 2 * DAY).toISOString(), 'u-ana', 'cli', 'success', 999, { sql: 'SELECT 2', fingerprint: A, tables: ['orders'], rows: 1 }),
      row(minsAgo(5), 'data.download', { user: 'u-ana', resource: 'table:orders' }),
    ])
    const out = h.answer('queries', await queries({ store }, { sort: 'total_time', limit: 50 }, NOW))
    assert.equal(out.total_fingerprints, 3)
    const [b, a, legacy] = out.rows
    // A: durations 10, 30, 50, 2 → sorted 2, 10, 30, 50: p50 = 10 + 0.5 × 20 = 20, p95 = 30 + 0.85 × 20 = 47, total 92.
    assert.deepEqual(a, {
      fingerprint: A, parsed: true, example_sql: 'SELECT * FROM orders WHERE note = ?', calls: 4, errors: 1, denied: 1, error_rate: 0.25,
      last_error: { at: minsAgo(60), result: 'error.timeout', message: 'the query ran past 30 s' },
      p50_ms: 20, p95_ms: 47, total_ms: 92, rows: 12, people: 3, client_kinds: { cli: 2, api: 2 }, tables: ['orders'],
      first_seen: minsAgo(180), last_seen: minsAgo(10),
      timeline: { since: new Date(NOW.getTime() - DAY).toISOString(), action_in: 'query.run', q: A },
    })
    assert.deepEqual([b.fingerprint, b.calls, b.p50_ms, b.p95_ms, b.total_ms, b.people, b.tables, b.client_kinds, b.last_error], [B, 1, 100, 100, 100, 1, ['customers', 'orders'], { web: 1 }, null])
    assert.match(legacy.fingerprint, /^sql-[0-9a-f]{32}$/)
    assert.deepEqual([legacy.parsed, legacy.calls, legacy.total_ms, legacy.example_sql, legacy.timeline], [false, 1, 5, 'SELECT 1 FROM customers', null])
    // orders: A's three calls that read it and B's; customers: B's and the old row's. People: ana and ben both times.
    assert.deepEqual(out.tables, [{ table: 'orders', calls: 4, people: 2 }, { table: 'customers', calls: 2, people: 2 }])
    // The fingerprint's calls are the timeline's rows for its link.
    assert.equal((await store.activity.kpis(toFilters(activityQuerySchema.parse(a.timeline), NOW), ACTIVE_ACTIONS)).events, a.calls)

    const order = async (sort: 'calls' | 'p95' | 'errors') => (await queries({ store }, { sort, limit: 50 }, NOW)).rows.map((r) => r.fingerprint.slice(0, 4))
    assert.deepEqual(await order('calls'), ['a1a1', 'b2b2', 'sql-'])
    assert.deepEqual(await order('p95'), ['b2b2', 'a1a1', 'sql-'])
    assert.deepEqual(await order('errors'), ['a1a1', 'b2b2', 'sql-'])
    const ben = await queries({ store }, { sort: 'calls', limit: 1, user_id: 'u-ben' }, NOW)
    assert.deepEqual([ben.total_fingerprints, ben.rows.length, ben.rows[0].fingerprint, ben.rows[0].calls, ben.rows[0].people], [2, 1, A, 1, 1])
  })

  test('performance: a second worker adds to the same minutes; percentiles come from the histograms; slow examples and the audit writer', async () => {
    const cfg = await h.freshConfig()
    const storeA = await openStore(cfg)
    // Another worker: its own connection to the same PostgreSQL database. DuckDB has one writing process, so its
    // "second worker" is a second recorder in that process.
    const storeB: Store = h.engine === 'postgres' ? await openStore(cfg) : storeA
    try {
      const clock = new AdjustableClock()
      clock.freeze(new Date(NOW.getTime() - 70 * 60_000 + 5_000))
      const workerA = new RequestMetricsRecorder({ store: storeA, clock, log }, 60_000)
      const workerB = new RequestMetricsRecorder({ store: storeB, clock, log }, 60_000)
      workerA.record('GET', '/api/health', 200, 100, 'old') // the previous window
      await workerA.flush()
      clock.freeze(new Date(NOW.getTime() - 10 * 60_000 + 5_000))
      for (const ms of [3, 4, 6, 8, 30, 40, 300]) workerA.record('GET', '/api/health', 200, ms, `a-${ms}`)
      for (const ms of [7, 45, 350]) workerB.record('GET', '/api/health', 204, ms, `b-${ms}`)
      workerA.record('POST', '/api/query', 200, 20, 'q-fast')
      workerB.record('POST', '/api/query', 500, 60_000, 'q-slow')
      workerB.record('POST', '/api/query', 400, 1)
      workerA.record('GET', undefined, 404, 0.4)
      workerB.record('BREW', '/api/health', 200, 3)
      // Both flush at once, onto the same rows: one may be told to retry (DuckDB), and then adds its counts.
      await Promise.all([workerA.flush(), workerB.flush()])
      await Promise.all([workerA.close(), workerB.close()])

      const dir = tempDir()
      // The audit writers of two workers: A's store refuses one batch (spooled, then replayed), B's commits.
      clock.freeze(new Date(NOW.getTime() - 5 * 60_000))
      let refuse = true
      const flaky = { ...storeA, audit: { ...storeA.audit, insertMany: (...a: Parameters<Store['audit']['insertMany']>) => (refuse ? Promise.reject(new Error('store refused')) : storeA.audit.insertMany(...a)) } }
      const writerA = new AuditWriter(flaky, dir, log, clock)
      const writerB = new AuditWriter(storeB, tempDir(), log, clock)
      const entry = (i: number) => ({ action: 'query.run', result: 'success', user_id: 'u-ana', client_kind: 'cli', correlation_id: `w-${i}` })
      // Refused: row 1 goes at once, rows 2 and 3 queue behind it and go as the next batch.
      await Promise.all([1, 2, 3].map((i) => writerA.record(entry(i))))
      assert.equal(writerA.spool.pendingFiles().length, 1)
      refuse = false
      await writerA.record(entry(4)) // committed with the refusal's counts; the spool is replayed after it
      await writerB.record(entry(5))
      // The commit of row 4 set off the replay: wait for it (a second replay alongside could claim the same file).
      while (writerA.spool.pendingFiles().length) await new Promise((r) => setTimeout(r, 5))
      await storeA.audit.insertMany([
        // The slowest health request of its minute, audited under its correlation id.
        { ...row(minsAgo(10), 'activity.read', { user: 'u-adm', client_kind: 'web' }), correlation_id: 'b-350' },
        ...[100, 200, 300, 400].map((ms) => row(minsAgo(40), 'run_sync_due', { duration_ms: ms })),
        row(minsAgo(30), 'run_sync_due', { result: 'error.timeout', duration_ms: 300_000 }),
        row(minsAgo(20), 'run_sync_due', { result: 'skipped', duration_ms: 1 }),
        row(minsAgo(20), 'run_audit_verify', { duration_ms: 50 }),
        row(minsAgo(90), 'run_audit_verify', { duration_ms: 70 }), // before the window
      ])
      const svc = { store: storeA, audit: writerA, config: configForDataDir(dir) }
      const out = h.answer('performance', await performance(svc, { since: minsAgo(60), until: NOW.toISOString(), route: '/api/health' }, NOW))
      const health = out.routes.find((r) => r.method === 'GET' && r.route === '/api/health')!
      // Ten requests: 3, 4 | 6, 7, 8 | 30, 40, 45 | 300, 350 in the buckets ≤5, ≤10, ≤50, ≤500 ms.
      // p50: rank 5 falls in ≤10 (2 below, 3 in it): 5 + 5 × 3/3 = 10. p95: rank 9.5 in ≤500 (8 below, 2 in it):
      // 250 + 250 × 1.5/2 = 437.5; p99: 250 + 250 × 1.9/2 = 487.5. The previous window's one 100 ms request is in
      // ≤100: p95 = 50 + 50 × 0.95 = 97.5.
      assert.deepEqual(health, {
        method: 'GET', route: '/api/health', requests: 10, errors: 0, client_errors: 0, error_rate: 0, p50_ms: 10, p95_ms: 437.5, p99_ms: 487.5, mean_ms: 79.3,
        status_classes: { '2xx': 10 },
        previous: { requests: 1, errors: 0, client_errors: 0, error_rate: 0, p50_ms: 75, p95_ms: 97.5, p99_ms: 99.5, mean_ms: 100 },
        p95_change: 3.4872,
        // Worker B's 350 ms request is its minute's slowest, over A's 300 ms: its audit rows are in the timeline.
        slow_examples: [{
          minute: minsAgo(10), duration_ms: 350, status_class: '2xx', correlation_id: 'b-350', audited: true,
          timeline: { correlation_id: 'b-350', since: minsAgo(11), until: minsAgo(8), include_self_reads: 'true' },
        }],
      })
      const query = out.routes.find((r) => r.route === '/api/query')!
      // 1 ms (≤1), 20 ms (≤25), 60 s (the open bucket): p50 = 10 + 15 × 0.5 = 17.5; p95 and p99 fall in the open bucket.
      assert.deepEqual([query.requests, query.errors, query.client_errors, query.error_rate, query.p50_ms, query.p95_ms, query.p99_ms, query.previous],
        [3, 1, 1, 0.3333, 17.5, 30_000, 30_000, null])
      assert.deepEqual(out.routes.filter((r) => r.route === '(unmatched)' || r.method === 'OTHER').map((r) => [r.method, r.route, r.requests, r.status_classes]),
        [['OTHER', '/api/health', 1, { '2xx': 1 }], ['GET', '(unmatched)', 1, { '4xx': 1 }]])
      assert.equal(out.series?.bucket_seconds, 60)
      assert.deepEqual(out.series?.buckets.filter((b) => b.requests), [{ start: minsAgo(10), requests: 10, p95_ms: 437.5 }])
      // run_sync_due: 1, 100, 200, 300, 400, 300000 → p95 = 400 + 0.75 × (300000 − 400) = 225100.
      assert.deepEqual(out.scheduler, [
        { job: 'audit_verify', action: 'run_audit_verify', runs: 1, p95_ms: 50, max_ms: 50, budget_ms: 300_000, overruns: 0, errors: 0, skipped: 0 },
        { job: 'sync_due', action: 'run_sync_due', runs: 6, p95_ms: 225_100, max_ms: 300_000, budget_ms: 300_000, overruns: 1, errors: 1, skipped: 1 },
      ])
      // Commits: A's row 4, A's replay of the three refused rows, B's row 5 (the directly inserted rows are no writer's).
      // rows_written: those five, the seven scheduler rows and the audited health request, stamped in the window.
      assert.deepEqual(out.audit_writer, { batches: 3, rows: 5, failed_batches: 2, failed_rows: 3, last_error: 'store refused', rows_written: 13, spool_pending_rows: 0 })
      const slowQuery = out.routes.find((r) => r.route === '/api/query')!.slow_examples
      assert.deepEqual(slowQuery.map((e) => [e.correlation_id, e.duration_ms, e.status_class, e.audited]), [['q-slow', 60_000, '5xx', false], ['q-fast', 20, '2xx', false]])
      assert.equal(slowQuery[0].timeline.since, minsAgo(11), 'a one-minute request may have started in the minute before')
      assert.equal(await storeA.opsMetrics.purgeAuditWritesBefore(NOW.toISOString()), 1)
      assert.deepEqual(await storeA.opsMetrics.auditWrites(minsAgo(60), NOW.toISOString()), { batches: 0, rows: 0, failed_batches: 0, failed_rows: 0 })

      // Retention removes old minutes, and the totals /metrics serves keep counting them.
      const totalsBefore = await storeA.requestMetrics.totals()
      assert.equal(await storeA.requestMetrics.purgeBefore(minsAgo(30)), 1)
      assert.equal(await storeA.requestMetrics.purgeBefore(minsAgo(30)), 0)
      assert.deepEqual((await storeA.requestMetrics.window(minsAgo(120), NOW.toISOString())).reduce((n, r) => n + r.requests, 0), 15)
      assert.deepEqual(await storeA.requestMetrics.totals(), totalsBefore)
      assert.equal(totalsBefore.reduce((n, r) => n + r.requests, 0), 16)
    } finally {
      if (storeB !== storeA) await storeB.close()
      await storeA.close()
    }
  })

  test('metrics: counters and histograms from the store, in the exposition format', async () => {
    const store = await h.store()
    const clock = new AdjustableClock()
    clock.freeze(NOW)
    const rec = new RequestMetricsRecorder({ store, clock, log }, 60_000)
    for (const ms of [0.5, 3, 700]) rec.record('GET', '/api/admin/activity/events/:id', 200, ms)
    await rec.close()
    await store.tables.insertHistory({ table_id: 'orders', job_id: null, synced_at: minsAgo(5), rows: 3, duration_ms: 10, status: 'success', error: null })
    await store.tables.insertHistory({ table_id: 'orders', job_id: null, synced_at: minsAgo(4), rows: null, duration_ms: 10, status: 'error', error: 'gone' })
    await store.audit.insertMany([
      row(minsAgo(9), 'run_sync_due', { duration_ms: 40 }), row(minsAgo(8), 'run_sync_due', { duration_ms: 2_000 }),
      row(minsAgo(7), 'run_sync_due', { result: 'error.timeout', duration_ms: 300_000 }),
      row(minsAgo(6), 'run_session_processor:failure_scan', { duration_ms: 5 }), row(minsAgo(5), 'run_session_processor:failure_scan', { result: 'skipped', duration_ms: 1 }),
      row(minsAgo(4), 'query.run', { user: 'u-ana' }),
    ])
    await store.sessions.replaceFindings('ana/a.jsonl', [
      { session_file: 'ana/a.jsonl', username: 'ana', finding_type: 'loop', turn_index: 0, line: 1, severity: 'warning', excerpt: null, detected_at: NOW.toISOString(), occurred_at: null },
    ])
    const dir = tempDir()
    const files = auditFiles(dir)
    files.failures.record(NOW, 4, 'refused')
    files.spool.append([row(NOW.toISOString(), 'query.run', { user: 'u-ana' }), row(NOW.toISOString(), 'query.run', { user: 'u-ana' })])
    const text = h.answer('metrics', await prometheusText({ store, audit: files }))
    const has = (line: string) => assert.ok(text.split('\n').includes(line), `missing: ${line}\n${text}`)
    has('# TYPE agnes_http_request_duration_seconds histogram')
    const l = 'method="GET",route="/api/admin/activity/events/:id",status_class="2xx"'
    has(`agnes_http_request_duration_seconds_bucket{${l},le="0.001"} 1`)
    has(`agnes_http_request_duration_seconds_bucket{${l},le="0.005"} 2`)
    has(`agnes_http_request_duration_seconds_bucket{${l},le="0.5"} 2`)
    has(`agnes_http_request_duration_seconds_bucket{${l},le="1"} 3`)
    has(`agnes_http_request_duration_seconds_bucket{${l},le="+Inf"} 3`)
    has(`agnes_http_request_duration_seconds_sum{${l}} 0.7035`)
    has(`agnes_http_request_duration_seconds_count{${l}} 3`)
    has('agnes_audit_rows_written_total 6')
    has('agnes_audit_write_failures_total 1')
    has('agnes_audit_rows_failed_total 4')
    has('agnes_audit_spool_rows 2')
    has('agnes_sync_runs_total{table="orders"} 2')
    has('agnes_sync_failures_total{table="orders"} 1')
    has('agnes_scheduler_job_duration_seconds_bucket{job="sync_due",le="0.05"} 1')
    has('agnes_scheduler_job_duration_seconds_bucket{job="sync_due",le="5"} 2')
    has('agnes_scheduler_job_duration_seconds_bucket{job="sync_due",le="300"} 3')
    has('agnes_scheduler_job_duration_seconds_count{job="sync_due"} 3')
    has('agnes_scheduler_job_duration_seconds_sum{job="sync_due"} 302.04')
    has('agnes_scheduler_job_budget_overruns_total{job="sync_due"} 1')
    has('agnes_session_processor_runs_total{processor="failure_scan",result="skipped"} 1')
    has('agnes_session_processor_runs_total{processor="failure_scan",result="success"} 1')
    has('agnes_session_findings{type="loop"} 1')
  })
})

testEnginesAgree()
