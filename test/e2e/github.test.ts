// Reports to GitHub issues and back, against a fake GitHub REST API on 127.0.0.1 (test/support/fake-github.ts):
// `agnes report` → one issue carrying the fingerprint's marker; the same problem again → a "+1" comment; a signed
// `closed` webhook resolves both and their reporters see it; unsigned deliveries are refused; GitHub down, rate-limited
// or refusing the token loses nothing and shows in the pulse; the github_sync job polls without a webhook; without a
// token, a pre-filled new-issue link.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, tempDir, runCli, type TestServer } from '../helpers.ts'
import { fakeGithub, type FakeGithub } from '../support/fake-github.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'
import { settleBackgroundSends } from '../../src/integrations/telegram/index.ts'
import { fingerprintMarker, reportMarker, signWebhookBody, NEW_ISSUE_URL_MAX } from '../../src/integrations/github/index.ts'

const SECRET = 'whsec-agnes-test-0123456789'
const PAT = 'agnes_pat_' + 'Gh7_kL-mN2pQ'.repeat(4).slice(0, 43)

/** A Telegram Bot API stand-in that records each sendMessage. */
async function fakeTelegram(): Promise<{ url: string; received: Array<{ chat_id: string; text: string }>; close(): Promise<void> }> {
  const received: Array<{ chat_id: string; text: string }> = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"result":{}}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, close: () => new Promise((r) => server.close(() => r())) }
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('reports to GitHub issues and back', () => {
  let s: TestServer
  let gh: FakeGithub
  let tg: Awaited<ReturnType<typeof fakeTelegram>>
  let admin: { token: string; userId: string }
  let ana: { token: string; userId: string }
  let bo: { token: string; userId: string }
  let home: string
  const ids = { first: '', second: '' }

  const cli = (args: string[], token: string) => runCli(args, { HOME: home, AGNES_URL: s.url, AGNES_TOKEN: token }, home)
  const send = (id: string, body: Record<string, unknown> = {}, cid?: string) =>
    call(s.url, 'POST', `/api/admin/feedback/${id}/github`, { token: admin.token, body, headers: cid ? { 'x-correlation-id': cid } : {} })
  const webhook = (payload: unknown, opts: { event?: string; sign?: string | null } = {}) => {
    const raw = JSON.stringify(payload)
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': opts.event ?? 'issues', 'x-github-delivery': `d-${Math.random()}` }
    if (opts.sign !== null) headers['x-hub-signature-256'] = opts.sign ?? signWebhookBody(SECRET, raw)
    return call(s.url, 'POST', '/api/integrations/github/webhook', { rawBody: raw, headers })
  }
  const issuePayload = (number: number, action: 'closed' | 'reopened', reason: string | null = 'completed') => ({
    action, repository: { full_name: gh.repo }, issue: { number, html_url: `${gh.url}/${gh.repo}/issues/${number}`, state: action === 'closed' ? 'closed' : 'open', state_reason: reason },
  })
  const report = async (token: string, message: string, extra: Record<string, unknown> = {}) => {
    const r = await call(s.url, 'POST', '/api/feedback', { token, body: { message, ack_preview: true, ...extra } })
    assert.equal(r.status, 201, r.text)
    return r.body as { id: string; fingerprint: string; duplicate_of: string | null }
  }
  const pulseField = async () => {
    await s.svc.store.shared.setCached('activity.health', null, 0) // drop the 30 s cache
    const h = await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
    assert.equal(h.status, 200, h.text)
    return (h.body.fields as Array<{ key: string; color: string; value: string }>).find((f) => f.key === 'github')!
  }

  before(async () => {
    gh = await fakeGithub()
    tg = await fakeTelegram()
    s = await startTestServer({
      github: { token: gh.token, repo: gh.repo, apiBase: gh.url, webhookSecret: SECRET },
      telegram: { botToken: 'tg-test-token', apiBase: tg.url },
    })
    admin = await s.bootstrap()
    ana = await s.addUser(admin.token, 'ana@example.com')
    bo = await s.addUser(admin.token, 'bo@example.com')
    // Ana follows her reports on Telegram.
    const link = await call(s.url, 'POST', '/api/me/telegram-link', { token: ana.token, body: { chat_id: '4242' } })
    assert.equal(link.status, 200, link.text)
    home = tempDir('agnes-github-home-')
    mkdirSync(join(home, 'work'), { recursive: true })
  })
  after(async () => {
    await settleBackgroundSends(s.svc)
    await s.close()
    await gh.close()
    await tg.close()
    rmSync(home, { recursive: true, force: true })
  })

  test('a dry run answers exactly the title, body and labels, redacted, with the marker and a link back; nothing reaches GitHub but a lookup', async () => {
    const filed = await cli(['report', '-m', `Query on orders fails with "relation sales does not exist"\nmy token was ${PAT}`, '--yes'], ana.token)
    assert.equal(filed.code, 0, filed.stderr)
    ids.first = /Sent report ([0-9a-f-]{36})/.exec(filed.stdout)![1]
    const before = gh.received.length

    const dry = await send(ids.first, { dry_run: true }, 'gh-dry-1')
    assert.equal(dry.status, 200, dry.text)
    const d = dry.body
    assert.deepEqual([d.dry_run, d.configured, d.action, d.existing, d.repo], [true, true, 'create', null, gh.repo])
    assert.equal(d.title, 'Agnes report: Query on orders fails with "relation sales does not exist"')
    assert.deepEqual(d.labels, ['agnes-report'])
    const fp = (await s.svc.store.feedback.byId(ids.first))!.fingerprint
    assert.ok(d.body.includes(fingerprintMarker(fp)), 'the hidden fingerprint marker')
    assert.ok(d.body.includes(reportMarker(ids.first)))
    assert.ok(d.body.includes(`${s.url}/admin/feedback?id=${ids.first}`), 'a link back to the report')
    assert.match(d.body, /### What happened[\s\S]*relation sales does not exist[\s\S]*### Environment[\s\S]*\| OS \|[\s\S]*### Findings of the session/)
    assert.match(d.body, /Filed through Agnes by ana on /)
    assert.ok(!d.body.includes('ana@example.com'), 'the issue names the reporter by username, not e-mail')
    assert.ok(!JSON.stringify(d).includes(PAT), 'the token never reaches the preview')
    assert.match(d.body, /\[REDACTED:agnes_token\]/)
    assert.match(d.comment, new RegExp(`^\\+1 report from ana, ${s.url.replace(/[.]/g, '\\.')}/admin/feedback\\?id=${ids.first}\\n`))

    // Only lookups went to GitHub (search, then the newest labelled issues), with the token; nothing was written.
    const calls = gh.received.slice(before)
    assert.deepEqual(calls.map((c) => `${c.method} ${c.path}`), ['GET /search/issues', `GET /repos/${gh.repo}/issues`])
    assert.ok(calls.every((c) => c.authorization === `Bearer ${gh.token}`))
    assert.match(calls[0].query.q, new RegExp(`repo:${gh.repo} is:issue in:body "${fp}"`))
    assert.equal(gh.writes().length, 0)
    assert.equal((await s.svc.store.feedback.byId(ids.first))!.github_issue_number, null)
    const rows = await s.svc.store.audit.find({ correlationId: 'gh-dry-1' })
    assert.deepEqual(rows.map((r) => [r.action, r.result, r.resource]), [['feedback.github_preview', 'success', `feedback:${ids.first}`]])
  })

  test('the session excerpt goes into the body only when the admin asks for it', async () => {
    const r = await report(ana.token, 'The loader crashed', { session_excerpt: 'Traceback (most recent call last):\nValueError: bad date in row 12\n' })
    const without = await send(r.id, { dry_run: true })
    assert.ok(!without.body.body.includes('bad date in row 12'), 'no excerpt by default, not even its last error')
    const withIt = await send(r.id, { dry_run: true, include_excerpt: true })
    assert.match(withIt.body.body, /### Session excerpt[\s\S]*<details>[\s\S]*ValueError: bad date in row 12[\s\S]*<\/details>/)
    // Closed by hand as won't fix: Ana, who linked a chat, is told.
    await call(s.url, 'PATCH', `/api/admin/feedback/${r.id}`, { token: admin.token, body: { status: 'wontfix', resolution: 'The loader is being replaced.' } })
    const told = await until('the Telegram message', () => tg.received.find((m) => m.chat_id === '4242'))
    assert.equal(told.text, `<b>Agnes: your report won't be fixed</b>\n<blockquote>The loader crashed</blockquote>\nWhy: The loader is being replaced.\n<code>agnes reports</code> (report <code>${r.id.slice(0, 8)}</code>)`)
  })

  test('agnes admin feedback github opens one issue with the marker and stores its number and URL on the report, audited', async () => {
    const out = await cli(['admin', 'feedback', 'github', ids.first], admin.token)
    assert.equal(out.code, 0, out.stderr)
    assert.equal(gh.issues.length, 1)
    const issue = gh.issues[0]
    assert.match(out.stdout, new RegExp(`^Opened issue #1 \\(open\\): ${gh.url}/${gh.repo}/issues/1\\n$`))
    const stored = (await s.svc.store.feedback.byId(ids.first))!
    assert.ok(issue.body.includes(fingerprintMarker(stored.fingerprint)))
    assert.deepEqual(issue.labels, ['agnes-report'])
    assert.deepEqual([stored.github_repo, stored.github_issue_number, stored.github_issue_url], [gh.repo, 1, `${gh.url}/${gh.repo}/issues/1`])
    const audit = (await s.svc.store.audit.find({ action: 'feedback.github_issue' })).filter((r) => r.resource === `feedback:${ids.first}`)
    assert.equal(audit.length, 1)
    assert.deepEqual([audit[0].result, audit[0].params?.action, audit[0].params?.issue_number, audit[0].params_before?.github_issue_number], ['success', 'created', 1, null])

    const shown = await cli(['admin', 'feedback', 'show', ids.first], admin.token)
    assert.match(shown.stdout, new RegExp(`^GitHub issue: ${gh.repo}#1 \\(open\\) ${gh.url}/${gh.repo}/issues/1$`, 'm'))

    // Sending again changes nothing on GitHub.
    const again = await send(ids.first)
    assert.deepEqual([again.status, again.body.action, again.body.issue.number], [200, 'already_linked', 1])
    assert.equal(gh.writes().length, 1)
  })

  test('a second report with the same fingerprint becomes a "+1" comment on that issue, not a second issue', async () => {
    const second = await report(bo.token, `Query on orders fails with "relation sales does not exist"\nmy token was ${PAT}`)
    assert.equal(second.duplicate_of, ids.first)
    ids.second = second.id
    const dry = await send(ids.second, { dry_run: true })
    assert.deepEqual([dry.body.action, dry.body.existing], ['comment', { number: 1, url: `${gh.url}/${gh.repo}/issues/1`, state: 'open' }])
    const out = await cli(['admin', 'feedback', 'github', ids.second, '--json'], admin.token)
    assert.equal(out.code, 0, out.stderr)
    assert.deepEqual(JSON.parse(out.stdout).action, 'commented')
    assert.equal(gh.issues.length, 1, 'no second issue')
    assert.equal(gh.issues[0].comments.length, 1)
    assert.ok(gh.issues[0].comments[0].body.startsWith(`+1 report from bo, ${s.url}/admin/feedback?id=${ids.second}\n`), gh.issues[0].comments[0].body)
    assert.ok(gh.issues[0].comments[0].body.includes(reportMarker(ids.second)))
    assert.equal((await s.svc.store.feedback.byId(ids.second))!.github_issue_number, 1)
  })

  test('an unsigned or wrongly signed delivery is refused with 401 and audited; a ping is answered', async () => {
    const closed = issuePayload(1, 'closed')
    const unsigned = await webhook(closed, { sign: null })
    assert.deepEqual([unsigned.status, unsigned.body.error.code], [401, 'bad_signature'])
    const forged = await webhook(closed, { sign: signWebhookBody('not-the-secret', JSON.stringify(closed)) })
    assert.equal(forged.status, 401)
    const refused = (await s.svc.store.audit.find({ action: 'github.webhook' })).filter((r) => r.result === 'denied')
    assert.equal(refused.length, 2)
    assert.equal((await s.svc.store.feedback.byId(ids.first))!.status, 'open', 'nothing changed')
    const ping = await webhook({ zen: 'Keep it logically awesome.', hook_id: 1 }, { event: 'ping' })
    assert.deepEqual([ping.status, ping.body.reason], [200, 'pong'])
  })

  test('a signed "closed" delivery resolves both reports with a resolution naming the issue; the reporters see it in agnes reports and on Telegram', async () => {
    gh.setState(1, 'closed', 'completed')
    const r = await webhook(issuePayload(1, 'closed'))
    assert.equal(r.status, 200, r.text)
    assert.deepEqual([r.body.handled, r.body.resolved.sort()], [true, [ids.first, ids.second].sort()])
    for (const id of [ids.first, ids.second]) {
      const rep = (await s.svc.store.feedback.byId(id))!
      assert.deepEqual([rep.status, rep.resolved_via], ['resolved', 'github'])
      assert.equal(rep.resolution, `Resolved: GitHub issue ${gh.repo}#1 was closed. ${gh.url}/${gh.repo}/issues/1`)
    }
    const row = (await s.svc.store.audit.find({ action: 'github.webhook' })).find((x) => x.result === 'success' && x.params?.action === 'closed')!
    assert.deepEqual(Object.keys(row.params_before?.reports as object).sort(), [ids.first, ids.second].sort())

    // A redelivery changes nothing more.
    const again = await webhook(issuePayload(1, 'closed'))
    assert.deepEqual(again.body.resolved, [])

    const anaSees = await cli(['reports'], ana.token)
    assert.equal(anaSees.code, 0, anaSees.stderr)
    assert.match(anaSees.stdout, new RegExp(`${ids.first}\\s+\\*\\s+.*resolved`))
    assert.match(anaSees.stdout, new RegExp(`resolution: Resolved: GitHub issue ${gh.repo}#1 was closed`))
    assert.match(anaSees.stdout, /GitHub issue: http/)
    // Looking counts: the star is gone the next time.
    assert.doesNotMatch((await cli(['reports'], ana.token)).stdout, /\*/)
    // Bo sees it on his dashboard, marked New; having looked there, it is no longer news.
    const dash = await call(s.url, 'GET', '/', { token: bo.token, headers: { accept: 'text/html' } })
    assert.equal(dash.status, 200)
    const card = dash.text.slice(dash.text.indexOf('id="my-reports"'))
    assert.match(card, new RegExp(`<li class="mr-item news" data-id="${ids.second}" data-status="resolved">\\s*<div class="mr-top"><span class="mr-new">New</span><span class="mr-status s-resolved">Resolved</span>`))
    assert.match(card, /<b>Resolution:<\/b> Resolved: GitHub issue acme\/agnes-feedback#1 was closed\./)
    assert.match(card, new RegExp(`<b>GitHub issue:</b> <a href="${gh.url}/${gh.repo}/issues/1"`))
    const boSees = await call(s.url, 'GET', '/api/feedback/mine', { token: bo.token })
    const mine = boSees.body.rows.find((x: { id: string }) => x.id === ids.second)
    assert.deepEqual([mine.status, mine.news, mine.github_issue.number], ['resolved', false, 1])
    assert.match(mine.resolution, /GitHub issue acme\/agnes-feedback#1 was closed/)

    // Ana linked a chat: the bot tells her.
    const told = await until('the Telegram message to ana', () => tg.received.find((m) => m.chat_id === '4242' && /was resolved/.test(m.text)))
    assert.match(told.text, /^<b>Agnes: your report was resolved<\/b>\n<blockquote>Query on orders fails/)
    assert.match(told.text, /GitHub issue acme\/agnes-feedback#1 was closed/)
  })

  test('a signed "reopened" delivery reopens the reports the close resolved', async () => {
    gh.setState(1, 'open')
    const r = await webhook(issuePayload(1, 'reopened', 'reopened'))
    assert.deepEqual(r.body.reopened.sort(), [ids.first, ids.second].sort())
    for (const id of [ids.first, ids.second]) {
      const rep = (await s.svc.store.feedback.byId(id))!
      assert.deepEqual([rep.status, rep.resolution, rep.resolved_via], ['open', null, null])
    }
  })

  test('GitHub down, rate-limited or refusing the token: a clear error, nothing half-created, and the pulse shows the last error', async () => {
    const r = await report(ana.token, 'The chart export produces an empty file')
    const writesBefore = gh.writes().length

    gh.setDown(true)
    const down = await send(r.id, {}, 'gh-down')
    gh.setDown(false)
    assert.deepEqual([down.status, down.body.error.code], [502, 'github_unreachable'])
    assert.match(down.body.error.message, /cannot reach GitHub at http:\/\/127\.0\.0\.1:\d+: .*Nothing was created/)
    const downRow = (await s.svc.store.audit.find({ correlationId: 'gh-down' })).find((x) => x.action === 'feedback.github_issue')!
    assert.equal(downRow.result, 'error.github_unreachable')
    let field = await pulseField()
    assert.equal(field.color, 'red')
    assert.match(field.value, /last call failed .* ago: cannot reach GitHub/)

    gh.failNext(1, 403, { message: 'API rate limit exceeded for installation', headers: { 'retry-after': '30', 'x-ratelimit-remaining': '0' } })
    const limited = await send(r.id)
    assert.deepEqual([limited.status, limited.body.error.code, limited.headers.get('retry-after')], [503, 'github_rate_limited', '30'])
    assert.match(limited.body.error.message, /rate-limited .*try again in 30 s/)
    gh.failNext(1, 429, { headers: { 'retry-after': '7' } })
    assert.equal((await send(r.id)).headers.get('retry-after'), '7')

    gh.failNext(1, 401, { message: 'Bad credentials' })
    const revoked = await send(r.id)
    assert.deepEqual([revoked.status, revoked.body.error.code], [502, 'github_unauthorized'])
    assert.match(revoked.body.error.message, /GitHub refused GITHUB_TOKEN \(401 Bad credentials\): the token was revoked or has expired/)
    assert.ok(!revoked.text.includes(gh.token), 'the token is never in an answer')
    field = await pulseField()
    assert.match(field.value, /GITHUB_TOKEN/)

    assert.equal(gh.writes().length, writesBefore, 'none of the failures wrote to GitHub')
    assert.equal((await s.svc.store.feedback.byId(r.id))!.github_issue_number, null, 'no number without an issue')

    // GitHub creates the issue but its answer is lost; search has not indexed it yet. The retry finds it by its
    // marker among the newest labelled issues and links it, without a second issue.
    gh.setSearchLag(5)
    gh.loseNextAnswer((m, p) => m === 'POST' && p.endsWith('/issues'))
    const lost = await send(r.id)
    assert.deepEqual([lost.status, lost.body.error.code], [502, 'github_unreachable'])
    assert.equal(gh.issues.length, 2, 'GitHub did create it')
    assert.equal((await s.svc.store.feedback.byId(r.id))!.github_issue_number, null)
    const retry = await send(r.id)
    gh.setSearchLag(0)
    assert.deepEqual([retry.status, retry.body.action, retry.body.issue.number], [200, 'linked', 2])
    assert.equal(gh.issues.length, 2, 'no second issue')
    assert.equal(gh.issues[1].comments.length, 0, 'and no comment on its own issue')
    assert.equal((await s.svc.store.feedback.byId(r.id))!.github_issue_number, 2)

    field = await pulseField()
    assert.equal(field.color, 'green', field.value)
    assert.match(field.value, /acme\/agnes-feedback, webhook; last call ok/)
  })

  test('the github_sync job polls linked issues: closed on GitHub resolves, reopened reopens, and a "+1" on a closed issue reopens it only when asked', async () => {
    const job = coreJobs(s.svc).find((j) => j.name === 'github_sync')!
    assert.equal(job.everyMs, 3600_000, 'hourly when a webhook is configured')
    gh.setState(2, 'closed', 'not_planned')
    const tick = await runJobOnce(s.svc, job)
    assert.equal(tick.result, 'success', JSON.stringify(tick.output))
    assert.deepEqual(tick.output.closed, [2])
    const r2 = (await s.svc.store.feedback.list({}, 100)).find((x) => x.github_issue_number === 2)!
    assert.equal(r2.status, 'wontfix')
    assert.match(r2.resolution!, /closed as not planned/)

    // The same problem again while its issue is closed: a comment, and the issue stays closed unless reopen is given.
    const dup = await report(bo.token, 'The chart export produces an empty file')
    const dry = await send(dup.id, { dry_run: true, reopen: true })
    assert.deepEqual([dry.body.action, dry.body.existing.state, dry.body.would_reopen], ['comment', 'closed', true])
    const sent = await send(dup.id, { reopen: true })
    assert.deepEqual([sent.body.action, sent.body.reopened, sent.body.issue.state], ['commented', true, 'open'])
    assert.equal(gh.issues[1].state, 'open')
    // Reopening it on GitHub reopened the report its close had resolved.
    assert.equal((await s.svc.store.feedback.byId(r2.id))!.status, 'open')

    gh.setState(2, 'closed', 'completed')
    await runJobOnce(s.svc, job)
    for (const id of [r2.id, dup.id]) assert.equal((await s.svc.store.feedback.byId(id))!.status, 'resolved')
    gh.setState(2, 'open')
    const reopen = await runJobOnce(s.svc, job)
    assert.deepEqual(reopen.output.reopened, [2])
    for (const id of [r2.id, dup.id]) assert.equal((await s.svc.store.feedback.byId(id))!.status, 'open')

    // Closed on GitHub, and before any poll or delivery another report of it is sent: the reports already linked are
    // resolved then (the close is not lost), the new one stays open on the closed issue.
    gh.setState(2, 'closed', 'completed')
    const late = (await report(ana.token, 'The chart export produces an empty file')).id
    const sentLate = await send(late, {})
    assert.deepEqual([sentLate.body.action, sentLate.body.issue.state], ['commented', 'closed'])
    for (const id of [r2.id, dup.id]) assert.equal((await s.svc.store.feedback.byId(id))!.status, 'resolved')
    assert.equal((await s.svc.store.feedback.byId(late))!.status, 'open')
    assert.deepEqual((await runJobOnce(s.svc, job)).output.closed, [], 'the poll finds nothing left to do')

    gh.setDown(true)
    const failed = await runJobOnce(s.svc, job)
    gh.setDown(false)
    assert.equal(failed.result, 'error.partial')
    assert.equal((await pulseField()).color, 'red')
  })
})

describe('without a GitHub token', () => {
  let s: TestServer
  let admin: { token: string; userId: string }
  before(async () => {
    s = await startTestServer({ github: { token: null, repo: 'acme/agnes-feedback', apiBase: 'https://api.github.com', webhookSecret: null } })
    admin = await s.bootstrap()
  })
  after(async () => {
    await s.close()
  })

  test('the dry run offers a pre-filled new-issue link cut to GitHub\'s URL limit; sending is refused; the webhook is off; the pulse says off', async () => {
    const long = `Everything is slow\n${'the dashboard takes a minute to load; '.repeat(250)}`
    const r = await call(s.url, 'POST', '/api/feedback', { token: admin.token, body: { message: long, ack_preview: true } })
    assert.equal(r.status, 201, r.text)
    const dry = await call(s.url, 'POST', `/api/admin/feedback/${r.body.id}/github`, { token: admin.token, body: { dry_run: true } })
    assert.equal(dry.status, 200, dry.text)
    assert.deepEqual([dry.body.configured, dry.body.action], [false, 'create'])
    const url = new URL(dry.body.new_issue_url)
    assert.equal(`${url.origin}${url.pathname}`, 'https://github.com/acme/agnes-feedback/issues/new')
    assert.ok(dry.body.new_issue_url.length <= NEW_ISSUE_URL_MAX, `${dry.body.new_issue_url.length} characters`)
    assert.equal(url.searchParams.get('title'), 'Agnes report: Everything is slow')
    assert.equal(url.searchParams.get('labels'), 'agnes-report')
    const body = url.searchParams.get('body')!
    assert.match(body, /…\(cut to fit a link; the full report is in Agnes\)/)
    assert.ok(body.endsWith(`${fingerprintMarker(r.body.fingerprint)}\n${reportMarker(r.body.id)}\n`), 'the footer with the link and the marker survives the cut')

    const real = await call(s.url, 'POST', `/api/admin/feedback/${r.body.id}/github`, { token: admin.token, body: {} })
    assert.deepEqual([real.status, real.body.error.code], [409, 'github_not_configured'])
    const hook = await call(s.url, 'POST', '/api/integrations/github/webhook', { rawBody: '{}', headers: { 'content-type': 'application/json', 'x-github-event': 'ping' } })
    assert.equal(hook.status, 404)
    const cliOut = await runCli(['admin', 'feedback', 'github', r.body.id, '--dry-run'], { AGNES_URL: s.url, AGNES_TOKEN: admin.token })
    assert.equal(cliOut.code, 0, cliOut.stderr)
    assert.match(cliOut.stdout, /GITHUB_TOKEN is not set, so Agnes opens no issue itself\. Open this pre-filled one instead:\nhttps:\/\/github\.com\/acme\/agnes-feedback\/issues\/new\?/)

    const h = await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
    const field = h.body.fields.find((f: { key: string }) => f.key === 'github')
    assert.deepEqual([field.color, field.value], ['grey', 'off (no GITHUB_TOKEN; new-issue links for acme/agnes-feedback)'])
    const tick = await runJobOnce(s.svc, coreJobs(s.svc).find((j) => j.name === 'github_sync')!)
    assert.deepEqual([tick.result, tick.output], ['success', { configured: false }])
  })
})
