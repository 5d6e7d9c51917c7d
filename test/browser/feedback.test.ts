// The feedback inbox (/admin/feedback) in a real, headless Chromium: the list with duplicate counts, URL-held filters,
// load more, one report in full (message, environment, the session excerpt replayed with its tool error, findings,
// audit events), the triage actions and their audit rows, XSS safety, the Telegram box, and the admin guard.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { screenshot, SCREENSHOTS, assertAdminOnly, openSignedIn } from './browser.ts'

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
const ENV = { agnes_cli_version: '0.1.0', os: 'Linux 6.1.0 x64', node_version: 'v20.12.2', claude_code_version: '2.1.39' }
const ERROR_TEXT = 'Exit code 1\nTraceback (most recent call last):\nValueError: bad date 2024-13-01'
const SESSION = 'sess-orders.jsonl'

/** The last turns of a Claude Code transcript in the real file shape: a Bash call that fails, then Claude's answer. */
function excerpt(): string {
  const base = { isSidechain: false, userType: 'external', cwd: '/home/ana/work', sessionId: 'sess-orders', version: '2.1.39', gitBranch: 'main' }
  const t0 = Date.now() - 3_600_000
  let n = 0
  const ts = () => new Date(t0 + ++n * 5000).toISOString()
  const user = (content: unknown) => JSON.stringify({ ...base, type: 'user', message: { role: 'user', content }, uuid: `u${n}`, timestamp: ts() })
  const assistant = (content: unknown[]) => JSON.stringify({
    ...base, type: 'assistant', uuid: `a${n}`, timestamp: ts(),
    message: { model: 'claude-sonnet-4-5-20250929', id: `msg_${n}`, type: 'message', role: 'assistant', content, usage: { input_tokens: 10, output_tokens: 20 } },
  })
  return [
    user('load the orders table please'),
    assistant([{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'python load.py orders', description: 'load it' } }]),
    JSON.stringify({ ...base, type: 'progress', data: { type: 'bash_progress' }, uuid: 'p1', timestamp: ts() }),
    user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: ERROR_TEXT, is_error: true }]),
    assistant([{ type: 'text', text: 'The loader failed on a date in row 12.' }]),
  ].join('\n') + '\n'
}

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]
const ids: Record<'err' | 'dup' | 'xss' | 'done', string> = { err: '', dup: '', xss: '', done: '' }

async function report(body: Record<string, unknown>): Promise<{ id: string; duplicate_of: string | null }> {
  const r = await call(s.url, 'POST', '/api/feedback', { token: ana.token, body: { ack_preview: true, ...body } })
  assert.equal(r.status, 201, r.text)
  return r.body
}

before(async () => {
  // A bot token so the Telegram box shows "configured"; nothing is sent (no admin is linked when reports arrive).
  s = await startTestServer({ scheduler: false, telegram: { botToken: 'test-bot-token', apiBase: 'http://127.0.0.1:9' } })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com', { password: 'ana-password-1' })
  // The transcript the reports name, pushed and scanned, so the report shows its failure_scan findings.
  const up = await call(s.url, 'POST', `/api/upload/sessions?filename=${SESSION}`, { token: ana.token, rawBody: excerpt(), headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(up.status, 201, up.text)
  const scan = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=failure_scan', { token: admin.token })
  assert.equal(scan.status, 200, scan.text)

  const done = await report({ message: 'Query timed out on the big events table', environment: ENV })
  ids.done = done.id
  const closed = await call(s.url, 'PATCH', `/api/admin/feedback/${done.id}`, { token: admin.token, body: { status: 'resolved', resolution: 'Raised the query time limit.' } })
  assert.equal(closed.status, 200, closed.text)
  const err = await report({ message: 'The orders load fails with a date error', session_excerpt: excerpt(), session_file: SESSION, environment: ENV, tags: ['loader'] })
  ids.err = err.id
  const dup = await report({ message: 'The orders load fails with a date error', session_excerpt: excerpt(), session_file: SESSION, environment: ENV })
  assert.equal(dup.duplicate_of, err.id, 'the second report is a duplicate of the first')
  ids.dup = dup.id
  ids.xss = (await report({ message: `The chart is blank ${XSS}\nsecond line`, environment: ENV })).id

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

const rowIds = () => page.$$eval('#fb-rows li.fb-row', (li) => li.map((x) => x.getAttribute('data-id')))
/** Waits until the list has been (re)loaded for the URL's filters. */
const settled = () => page.waitForSelector('#feedback[data-list="ready"]')
const detailReady = (id: string) => page.waitForSelector(`#fb-detail[data-ready="true"][data-id="${id}"]`)
const apiReport = async (id: string) => (await call(s.url, 'GET', `/api/admin/feedback/${id}`, { token: admin.token })).body
const updates = async (id: string) => (await s.svc.store.audit.find({ action: 'feedback.update' })).filter((r) => r.resource === `feedback:${id}`)

test('the inbox lists the reports, active ones first and newest first, with their duplicate counts', async () => {
  await page.goto('/admin/feedback')
  await settled()
  assert.deepEqual(await rowIds(), [ids.xss, ids.dup, ids.err, ids.done])
  assert.equal(await page.getAttribute(`#fb-rows li[data-id="${ids.err}"]`, 'data-duplicates'), '1')
  assert.equal(await page.textContent(`#fb-rows li[data-id="${ids.err}"] .fb-dups`), '+1 duplicate')
  assert.equal(await page.textContent(`#fb-rows li[data-id="${ids.dup}"] .fb-dups`), '+1 duplicate')
  assert.equal(await page.$(`#fb-rows li[data-id="${ids.xss}"] .fb-dups`), null, 'no count without duplicates')
  assert.equal(await page.textContent(`#fb-rows li[data-id="${ids.done}"] .fb-status`), 'Resolved')
  assert.match((await page.textContent(`#fb-rows li[data-id="${ids.dup}"] .fb-row-meta`)) ?? '', /ana@example\.com.*duplicate.*session excerpt/)
  assert.match((await page.textContent('#fb-count')) ?? '', /^4 reports shown$/)
  await screenshot(page, 'feedback-inbox')

  // Clicking a duplicate count lists the reports of that fingerprint.
  await page.click(`#fb-rows li[data-id="${ids.err}"] .fb-dups`)
  await page.waitForURL(/fingerprint=[0-9a-f]{64}/)
  await settled()
  assert.deepEqual(await rowIds(), [ids.dup, ids.err])
  assert.match((await page.textContent('#fb-extra')) ?? '', /Same problem as fingerprint/)
  await page.click('#fb-fp-clear')
  await page.waitForURL((u) => !u.search.includes('fingerprint'))
  await settled()
  assert.equal((await rowIds()).length, 4)

  // Load more, with a small page.
  await page.goto('/admin/feedback?limit=3')
  await settled()
  assert.deepEqual(await rowIds(), [ids.xss, ids.dup, ids.err])
  await page.click('#fb-more')
  await page.waitForSelector('#fb-more', { state: 'hidden' })
  assert.deepEqual(await rowIds(), [ids.xss, ids.dup, ids.err, ids.done])
})

test('the status, tag and assignee filters change the URL and the rows; reload and Back keep them', async () => {
  await page.goto('/admin/feedback')
  await settled()
  await page.selectOption('#f-status', 'resolved')
  await page.waitForURL(/status=resolved/)
  await settled()
  assert.deepEqual(await rowIds(), [ids.done])
  await page.selectOption('#f-status', 'open')
  await page.waitForURL(/status=open$/)
  await settled()
  assert.deepEqual(await rowIds(), [ids.xss, ids.dup, ids.err])
  await page.reload()
  await settled()
  assert.equal(await page.inputValue('#f-status'), 'open', 'the filter control is restored from the URL')
  assert.deepEqual(await rowIds(), [ids.xss, ids.dup, ids.err])

  await page.fill('#f-tag', 'loader')
  await page.press('#f-tag', 'Enter')
  await page.waitForURL(/tag=loader/)
  await settled()
  assert.deepEqual(await rowIds(), [ids.err])
  await screenshot(page, 'feedback-filtered')

  await page.goBack()
  await page.waitForURL((u) => !u.search.includes('tag='))
  await settled()
  assert.equal(await page.inputValue('#f-tag'), '')
  assert.deepEqual(await rowIds(), [ids.xss, ids.dup, ids.err])

  await page.selectOption('#f-assignee', 'me')
  await page.waitForURL(/assignee=me/)
  await settled()
  assert.deepEqual(await rowIds(), [])
  assert.match((await page.textContent('#fb-rows')) ?? '', /No reports match/)
  await page.click('#fb-clear')
  await page.waitForURL((u) => u.search === '')
  await settled()
  assert.equal((await rowIds()).length, 4)
})

test('a report in full: message, environment, the excerpt replayed with its tool error, findings and audit events', async () => {
  await page.goto('/admin/feedback')
  await settled()
  await page.click(`#fb-rows li[data-id="${ids.err}"] .fb-row-link`)
  await page.waitForURL((u) => u.searchParams.get('id') === ids.err)
  await detailReady(ids.err)
  assert.match((await page.getAttribute(`#fb-rows li[data-id="${ids.err}"]`, 'class')) ?? '', /selected/)
  assert.equal(await page.textContent('#fb-d-message'), 'The orders load fails with a date error')
  assert.equal(await page.textContent('#fb-d-facts [data-fact="reporter"] dd'), 'ana@example.com')
  const env = await page.$$eval('#fb-d-env .fb-fact', (f) => f.map((x) => `${x.querySelector('dt')?.textContent}=${x.querySelector('dd')?.textContent}`))
  assert.deepEqual(env, ['Agnes CLI=0.1.0', 'OS=Linux 6.1.0 x64', 'Node=v20.12.2', 'Claude Code=2.1.39'])

  // The excerpt, replayed by the renderer the session replay uses: the failed tool result is highlighted.
  const kinds = await page.$$eval('#fb-d-excerpt .sx-ev', (e) => e.map((x) => x.getAttribute('data-kind')))
  assert.deepEqual(kinds, ['human_prompt', 'tool_use', 'progress', 'tool_result', 'assistant_text'])
  const errs = await page.$$eval('#fb-d-excerpt .sx-ev.err', (e) => e.map((x) => x.textContent ?? ''))
  assert.equal(errs.length, 1)
  assert.match(errs[0], /Tool error · Bash/)
  assert.match(errs[0], /ValueError: bad date 2024-13-01/)
  assert.match((await page.textContent('#fb-d-excerpt .sx-ev[data-kind="tool_use"] .sx-ev-hint')) ?? '', /python load\.py orders/)
  assert.equal(await page.$eval('#fb-d-excerpt .sx-ev[data-kind="progress"]', (e) => (e as HTMLElement).offsetParent === null), true, 'housekeeping hidden')
  assert.match((await page.textContent('#fb-d-jump-error')) ?? '', /1 tool error/)

  // The failure_scan findings of the pushed transcript, linking to its replay; the audit events of the filing request.
  const finding = page.locator('#fb-d-findings li[data-type="tool_error"] a')
  assert.match((await finding.getAttribute('href')) ?? '', new RegExp(`^/admin/sessions/ana/${SESSION.replace('.', '\\.')}#finding-\\d+$`))
  const detail = await apiReport(ids.err)
  assert.ok(detail.correlation_id)
  assert.equal(await page.getAttribute('#fb-d-activity', 'href'), `/admin/activity?correlation_id=${encodeURIComponent(detail.correlation_id)}`)
  const ev = page.locator('#fb-d-events li[data-action="feedback.report"] a')
  assert.match((await ev.getAttribute('href')) ?? '', /^\/admin\/activity\?correlation_id=.+&event=\d+$/)
  assert.match((await ev.textContent()) ?? '', /feedback\.report.*ana@example\.com.*success/)
  assert.match((await page.textContent('#fb-d-facts [data-fact="duplicates"]')) ?? '', /1 other report/)
  await screenshot(page, 'feedback-detail')

  // The link is shareable: a fresh load opens the same report; /admin/feedback/{id} leads there too.
  await page.goto(`/admin/feedback/${ids.err}`)
  await page.waitForURL((u) => u.pathname === '/admin/feedback' && u.searchParams.get('id') === ids.err)
  await detailReady(ids.err)
  // Following the finding opens the transcript replay at it.
  await Promise.all([page.waitForURL(/\/admin\/sessions\/ana\//), finding.click()])
  await page.waitForSelector('#replay[data-ready="true"]')
  assert.equal((await page.$$eval('#sx-events .sx-marker.current', (m) => m.length)), 1)
})

test('assign to me, tag, triage, resolve with a resolution and reopen: each shows at once and is audited', async () => {
  await page.goto(`/admin/feedback?id=${ids.err}`)
  await detailReady(ids.err)
  const saved = (text: string) => page.waitForFunction((t) => document.getElementById('fb-d-saved')?.textContent === t, text)

  await page.click('#fb-act-assign')
  await saved('Assigned to you.')
  assert.equal(await page.textContent('#fb-d-facts [data-fact="assignee"] dd'), 'you')
  assert.ok(await page.$('#fb-act-unassign'), 'the button turns into Unassign')
  assert.match((await page.textContent(`#fb-rows li[data-id="${ids.err}"] .fb-row-assignee`)) ?? '', /you/, 'the list row follows')
  assert.equal((await apiReport(ids.err)).assignee, admin.userId)
  let audit = await updates(ids.err)
  assert.equal(audit.length, 1)
  assert.deepEqual([audit[0].result, audit[0].params?.assignee, audit[0].params_before?.assignee], ['success', admin.userId, null])

  await page.click('#fb-act-triage')
  await saved('Marked triaged.')
  assert.equal(await page.textContent('#fb-d-status'), 'Triaged')
  assert.equal(await page.textContent(`#fb-rows li[data-id="${ids.err}"] .fb-status`), 'Triaged')
  assert.equal(await page.$('#fb-act-triage'), null)
  assert.equal((await apiReport(ids.err)).status, 'triaged')
  audit = await updates(ids.err)
  assert.equal(audit.length, 2)
  assert.deepEqual([audit[0].params?.status, audit[0].params_before?.status], ['triaged', 'open'])

  // Tags: a bad one is refused inline; a good one is added, an old one removed.
  await page.fill('#fb-tag-input', 'Bad Tag!')
  await page.click('#fb-tag-add')
  assert.match((await page.textContent('#fb-d-error')) ?? '', /Could not add the tag: tags are lower-case/)
  await page.fill('#fb-tag-input', 'dates')
  await page.click('#fb-tag-add')
  await saved('Tag dates added.')
  assert.equal(await page.isHidden('#fb-d-error'), true, 'the error goes away')
  assert.deepEqual(await page.$$eval('#fb-d-tags .fb-tag', (t) => t.map((x) => x.getAttribute('data-tag'))), ['loader', 'dates'])
  await page.click('#fb-d-tags .fb-tag[data-tag="loader"] button')
  await saved('Tag loader removed.')
  assert.deepEqual((await apiReport(ids.err)).tags, ['dates'])
  assert.equal((await updates(ids.err)).length, 4)

  // Resolve: a resolution the server refuses shows its error inline; then a good one.
  await page.click('#fb-act-resolve')
  await page.waitForSelector('#fb-resolve-form', { state: 'visible' })
  await page.$eval('#fb-resolution', (t) => { (t as HTMLTextAreaElement).value = 'x'.repeat(10_001) })
  await page.click('#fb-resolve-confirm')
  await page.waitForFunction(() => /Could not resolve the report: .*resolution/.test(document.getElementById('fb-d-error')?.textContent ?? ''))
  assert.equal((await apiReport(ids.err)).status, 'triaged', 'nothing changed')
  await page.fill('#fb-resolution', 'Fixed the date parser in loader 1.4; re-run the load.')
  await screenshot(page, 'feedback-resolve-form')
  await page.click('#fb-resolve-confirm')
  await saved('Resolved.')
  assert.equal(await page.textContent('#fb-d-status'), 'Resolved')
  assert.equal(await page.isHidden('#fb-resolve-form'), true)
  assert.equal(await page.textContent('#fb-d-facts [data-fact="resolution"] dd'), 'Fixed the date parser in loader 1.4; re-run the load.')
  assert.match((await page.textContent('#fb-d-facts [data-fact="resolved"] dd')) ?? '', /by you$/)
  const resolved = await apiReport(ids.err)
  assert.deepEqual([resolved.status, resolved.resolution, resolved.resolved_by], ['resolved', 'Fixed the date parser in loader 1.4; re-run the load.', admin.userId])
  audit = await updates(ids.err)
  assert.equal(audit.filter((r) => r.result === 'success').length, 5)
  // The refused change is audited too (refused by validation, before the report is looked up).
  assert.equal((await s.svc.store.audit.find({ action: 'feedback.update' })).filter((r) => r.result !== 'success').length, 1)
  await screenshot(page, 'feedback-resolved')

  await page.click('#fb-act-reopen')
  await saved('Reopened.')
  assert.equal(await page.textContent('#fb-d-status'), 'Open')
  assert.ok(await page.$('#fb-act-triage'))
  const reopened = await apiReport(ids.err)
  assert.deepEqual([reopened.status, reopened.resolved_at, reopened.resolved_by], ['open', null, null])
  audit = await updates(ids.err)
  assert.equal(audit.filter((r) => r.result === 'success').length, 6)
  assert.deepEqual([audit[0].params?.status, audit[0].params_before?.status], ['open', 'resolved'])
})

test("a report's XSS payload shows as text", async () => {
  await page.goto(`/admin/feedback?id=${ids.xss}`)
  await detailReady(ids.xss)
  assert.equal(await page.textContent('#fb-d-message'), `The chart is blank ${XSS}\nsecond line`)
  assert.ok(((await page.textContent(`#fb-rows li[data-id="${ids.xss}"] .fb-row-msg`)) ?? '').includes(XSS))
  assert.equal(await page.$('main img'), null)
  assert.equal(await page.$('main script'), null)
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined)
  assert.match((await page.textContent('#fb-detail')) ?? '', /No session excerpt was sent/)
  await screenshot(page, 'feedback-xss')
})

test('the Telegram box links and unlinks the admin’s chat id', async () => {
  await page.goto('/admin/feedback')
  await settled()
  assert.equal(await page.textContent('#fb-tg-bot'), 'Bot token configured')
  assert.match((await page.textContent('#fb-tg-state')) ?? '', /Not linked/)
  await page.fill('#fb-tg-chat', 'not a chat')
  await page.click('#fb-tg-link')
  await page.waitForSelector('#fb-tg-error:not([hidden])')
  assert.match((await page.textContent('#fb-tg-error')) ?? '', /Could not link the chat: .*chat id/)

  await page.fill('#fb-tg-chat', '123456789')
  await page.click('#fb-tg-link')
  await page.waitForSelector('#fb-tg-current')
  assert.equal(await page.textContent('#fb-tg-current'), '123456789')
  assert.equal(await page.isHidden('#fb-tg-error'), true)
  assert.equal((await s.svc.store.feedback.telegramLink(admin.userId))?.chat_id, '123456789')
  const links = await s.svc.store.audit.find({ action: 'telegram.link' })
  assert.ok(links.some((r) => r.result === 'success' && r.params?.chat_id === '123456789'))
  await page.reload()
  await settled()
  assert.equal(await page.textContent('#fb-tg-current'), '123456789', 'the link is shown on the next visit')
  await page.locator('#fb-telegram').screenshot({ path: join(SCREENSHOTS, 'feedback-telegram.png') })

  await page.click('#fb-tg-unlink')
  await page.waitForFunction(() => /Not linked/.test(document.getElementById('fb-tg-state')?.textContent ?? ''))
  assert.equal((await s.svc.store.feedback.telegramLink(admin.userId))?.chat_id, undefined)
})

test('a non-admin gets 403 for the page and the API; no script errors on the page', async () => {
  await assertAdminOnly(browser, s.url, { email: 'ana@example.com', password: 'ana-password-1' }, { pages: ['/admin/feedback'], api: '/api/admin/feedback', screenshotName: 'feedback-forbidden' })
  // The two refusals the tests asked for (a too-long resolution, a bad chat id) are the only failed requests.
  const unexpected = pageErrors.filter((e) => !/^400 .*\/api\/admin\/(feedback\/|telegram-link)/.test(e))
  assert.deepEqual(unexpected, [], 'no script errors, failed requests or CSP violations on the page')
  assert.equal(pageErrors.length, 2, pageErrors.join('\n'))
})
