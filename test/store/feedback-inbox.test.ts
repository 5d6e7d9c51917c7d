import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Store } from '../../src/store/index.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'

/** The feedback inbox's store contract on every engine: sorted keyset pages, notes and replies, GitHub issue links, what reporters have seen. */

const T = (s: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, s)).toISOString()

async function addUser(store: Store, id: string, email: string) {
  await store.users.insert({ id, email, username: email.split('@')[0], name: null, is_admin: false, password_hash: null, created_at: T(0), updated_at: T(0) })
}

const report = (id: string, at: number, fingerprint: string, over: Record<string, unknown> = {}) => ({
  id, created_at: T(at), reporter_user: 'u1', message: `m ${id}`, session_excerpt: null, session_file: null, environment: null,
  fingerprint, duplicate_of: null, status: 'open' as const, assignee: null, tags: [] as string[], resolution: null, resolved_at: null,
  resolved_by: null, correlation_id: null, updated_at: T(at), ...over,
})

describeStores('feedback inbox', (h) => {
  test('every sort pages by keyset without skipping or repeating a report', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana@example.com')
    // fp-a ×3, fp-b ×2, fp-c ×1; r2 is closed; r5 and r6 share a second.
    await s.feedback.insertReport(report('r1', 1, 'fp-a'))
    await s.feedback.insertReport(report('r2', 2, 'fp-b', { status: 'resolved' }))
    await s.feedback.insertReport(report('r3', 3, 'fp-a'))
    await s.feedback.insertReport(report('r4', 4, 'fp-c'))
    await s.feedback.insertReport(report('r5', 5, 'fp-b'))
    await s.feedback.insertReport(report('r6', 5, 'fp-a'))
    const expected = {
      active: ['r6', 'r5', 'r4', 'r3', 'r1', 'r2'],
      newest: ['r6', 'r5', 'r4', 'r3', 'r2', 'r1'],
      oldest_open: ['r1', 'r3', 'r4', 'r5', 'r6', 'r2'],
      duplicates: ['r6', 'r3', 'r1', 'r5', 'r2', 'r4'],
    } as const
    for (const [sort, ids] of Object.entries(expected) as Array<[keyof typeof expected, readonly string[]]>) {
      assert.deepEqual((await s.feedback.list({}, 10, null, sort)).map((r) => r.id), ids, sort)
      const seen: string[] = []
      let after = null as { key: number; created_at: string; id: string } | null
      for (;;) {
        const page = await s.feedback.list({}, 2, after, sort)
        seen.push(...page.map((r) => r.id))
        if (page.length < 2) break
        const last = page[page.length - 1]
        after = { key: last.sort_key, created_at: last.created_at, id: last.id }
      }
      assert.deepEqual(seen, ids, `${sort}, two at a time`)
    }
    const dup = await s.feedback.list({}, 10, null, 'duplicates')
    assert.deepEqual(dup.map((r) => r.sort_key), [2, 2, 2, 1, 1, 0])
    h.answer('feedback.sorted', dup.map((r) => [r.id, r.rank, r.sort_key, r.duplicate_count]))
  })

  test('notes and replies, GitHub issue links and states, and what the reporter has seen', async () => {
    const s = await h.store()
    await addUser(s, 'u1', 'ana@example.com')
    await addUser(s, 'adm', 'admin@example.com')
    await s.feedback.insertReport(report('r1', 1, 'fp-a'))
    await s.feedback.insertReport(report('r2', 2, 'fp-a'))
    await s.feedback.addComment({ id: 'c2', report_id: 'r1', kind: 'reply', author_user: 'adm', body: 'Looking at it', created_at: T(11) })
    await s.feedback.addComment({ id: 'c1', report_id: 'r1', kind: 'note', author_user: 'adm', body: 'Probably the loader', created_at: T(10) })
    await s.feedback.addComment({ id: 'c3', report_id: 'r2', kind: 'reply', author_user: 'gone', body: 'Same here', created_at: T(12) })
    const all = await s.feedback.comments(['r1', 'r2'])
    assert.deepEqual(all.map((c) => [c.id, c.kind, c.author_email]), [['c1', 'note', 'admin@example.com'], ['c2', 'reply', 'admin@example.com'], ['c3', 'reply', null]])
    assert.deepEqual((await s.feedback.comments(['r1'], 'reply')).map((c) => c.id), ['c2'])
    h.answer('feedback.comments', all)

    const issue = { repo: 'acme/x', number: 7, url: 'https://github.com/acme/x/issues/7', fingerprint: 'fp-a', state: 'open' as const, state_reason: null }
    await s.feedback.linkGithubIssue('r1', issue, T(20))
    await s.feedback.linkGithubIssue('r2', issue, T(21))
    const r1 = await s.feedback.byId('r1')
    assert.deepEqual([r1?.github_repo, r1?.github_issue_number, r1?.github_issue_url, r1?.github_linked_at], ['acme/x', 7, issue.url, T(20)])
    assert.deepEqual((await s.feedback.reportsForGithubIssue('acme/x', 7)).map((r) => r.id), ['r1', 'r2'])
    assert.equal((await s.feedback.githubIssue('acme/x', 7))?.state, 'open')
    assert.equal(await s.feedback.setGithubIssueState('acme/x', 8, 'closed', null, T(30)), undefined, 'not an issue reports are linked to')
    assert.equal(await s.feedback.setGithubIssueState('acme/x', 7, 'closed', 'completed', T(30)), 'open')
    assert.equal(await s.feedback.setGithubIssueState('acme/x', 7, 'closed', 'completed', T(31)), 'closed')
    const closed = await s.feedback.githubIssue('acme/x', 7)
    assert.deepEqual([closed?.state, closed?.state_reason, closed?.state_changed_at, closed?.checked_at], ['closed', 'completed', T(30), T(31)])
    h.answer('feedback.github_issue', closed)
    assert.deepEqual((await s.feedback.githubIssuesToCheck('acme/x', T(29), 10)).map((i) => i.number), [7], 'closed since the watch window began')
    assert.deepEqual(await s.feedback.githubIssuesToCheck('acme/x', T(40), 10), [], 'closed before it')

    await s.feedback.update('r1', { status: 'resolved', resolved_via: 'github', reporter_update_at: T(30) }, T(30))
    assert.deepEqual([(await s.feedback.byId('r1'))?.resolved_via, (await s.feedback.byId('r1'))?.reporter_seen_at], ['github', null])
    await s.feedback.markSeenByReporter('u1', T(35))
    assert.deepEqual([(await s.feedback.byId('r1'))?.reporter_seen_at, (await s.feedback.byId('r2'))?.reporter_seen_at], [T(35), null], 'only reports with news are marked')
  })
})

testEnginesAgree()
