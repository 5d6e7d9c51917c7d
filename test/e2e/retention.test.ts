import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call } from '../helpers.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString()

test('retention: old audit rows, findings and feedback excerpts are purged by the scheduled job, which audits itself; unset keeps everything', async () => {
  const s = await startTestServer({ retention: { auditDays: 30, findingsDays: 60, feedbackExcerptDays: 7 } })
  try {
    // Rows committed in the order of their times (as an instance writes them), the old ones first.
    const old = { user_id: null, user_email: null, resource: null, params: null, params_before: null, duration_ms: 1, client_ip: null, client_kind: 'api', result: 'success' }
    await s.svc.store.audit.insertMany([
      { ...old, timestamp: daysAgo(40), action: 'query.run', correlation_id: 'old-1' },
      { ...old, timestamp: daysAgo(31), action: 'query.run', correlation_id: 'old-2' },
      { ...old, timestamp: daysAgo(29), action: 'query.run', correlation_id: 'recent-1' },
    ])
    const admin = await s.bootstrap()
    await s.svc.store.sessions.replaceFindings('ana/x.jsonl', [
      { session_file: 'ana/x.jsonl', username: 'ana', finding_type: 'tool_error', turn_index: 0, line: 3, severity: 'warning', excerpt: 'old', detected_at: daysAgo(90), occurred_at: null },
      { session_file: 'ana/x.jsonl', username: 'ana', finding_type: 'loop', turn_index: 1, line: 9, severity: 'warning', excerpt: 'recent', detected_at: daysAgo(10), occurred_at: null },
    ] as never)
    const report = await call(s.url, 'POST', '/api/feedback', { token: admin.token, body: { message: 'old report', ack_preview: true, session_excerpt: 'some transcript lines' } })
    assert.equal(report.status, 201, report.text)
    const job = coreJobs(s.svc).find((j) => j.name === 'retention_purge')!
    const out = await runJobOnce(s.svc, job)
    assert.equal(out.result, 'success')
    assert.equal(out.output.audit_rows, 2)
    assert.equal(out.output.findings, 1)
    assert.equal(out.output.feedback_excerpts, 0, 'a report filed today keeps its excerpt')
    assert.deepEqual(out.output.kept_forever, [])
    assert.equal((await s.svc.store.audit.find({ correlationId: 'old-1' })).length, 0)
    assert.equal((await s.svc.store.audit.find({ correlationId: 'old-2' })).length, 0)
    assert.equal((await s.svc.store.audit.find({ correlationId: 'recent-1' })).length, 1)
    assert.deepEqual((await s.svc.store.sessions.findingsForFile('ana/x.jsonl')).map((f) => f.excerpt), ['recent'])
    const [row] = await s.svc.store.audit.find({ action: 'run_retention_purge' })
    assert.deepEqual([row.client_kind, row.params?.audit_rows, row.params?.findings], ['scheduler', 2, 1])
    // A cutoff after the report's filing (as the days pass) clears its excerpt and keeps the report.
    assert.equal(await s.svc.store.feedback.purgeExcerptsBefore(daysAgo(-1)), 1)
    const mine = await call(s.url, 'GET', `/api/admin/feedback/${report.body.id}`, { token: admin.token })
    assert.equal(mine.body.session_excerpt, null, 'the excerpt is gone')
    assert.equal(mine.body.message, 'old report', 'the report itself stays')
  } finally {
    await s.close()
  }

  const keep = await startTestServer()
  try {
    await keep.svc.store.audit.insertMany([{ user_id: null, user_email: null, resource: null, params: null, params_before: null, duration_ms: 1, client_ip: null, client_kind: 'api', result: 'success', timestamp: daysAgo(4000), action: 'query.run', correlation_id: 'ancient' }])
    const out = await runJobOnce(keep.svc, coreJobs(keep.svc).find((j) => j.name === 'retention_purge')!)
    assert.deepEqual(out.output.kept_forever, ['audit', 'findings', 'feedback_excerpts'])
    assert.equal((await keep.svc.store.audit.find({ correlationId: 'ancient' })).length, 1, 'without a setting nothing is deleted')
  } finally {
    await keep.close()
  }
})
