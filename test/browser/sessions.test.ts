// The admin sessions pages (/admin/sessions and the transcript replay) in a real, headless Chromium: the list
// with finding counts, URL-held filters, KPIs, the heatmap chart, load more, the failure scan button, the replay
// with inline finding markers and next/previous navigation, XSS safety, and the admin guard.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { weekStart } from '../../src/platform/sessions/index.ts'
import { screenshot, SCREENSHOTS, assertAdminOnly, openSignedIn } from './browser.ts'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'real')
const TOOL_HEAVY = 'marot__spotter__tool_heavy.jsonl' // user_rejection ×2, abrupt_end
const SHORT = 'marot__spotter__short.jsonl' // permission_denied ×2, abrupt_end
const HELLO = 'DRMacIver__claude-reliability__hello-world-script-transcript.jsonl' // no findings
const XSS_FILE = 'xss-tool-error.jsonl'
const LATE_FILE = 'late-upload.jsonl'
const XSS = '<img src=x onerror="window.__xss=1">'
const BULK = 48

// The hand-made session happened three days ago, so it lands in the heatmap's recent weeks.
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / 1000) * 1000
const HUGE_OUTPUT = Array.from({ length: 400 }, (_, i) => `row ${i}: ${'x'.repeat(40)}`).join('\n')

/** A small Claude Code transcript in the real file shape: two tool errors, a huge tool output, an XSS payload. */
function handMade(): string {
  const base = { isSidechain: false, userType: 'external', cwd: '/home/ben/work', sessionId: 'sess-xss', version: '2.1.39', gitBranch: 'main' }
  let n = 0
  let sec = 0
  const ts = (step: number) => new Date(T0 + (sec += step) * 1000).toISOString()
  const user = (content: unknown, step = 5) => JSON.stringify({ ...base, type: 'user', message: { role: 'user', content }, uuid: `u${++n}`, timestamp: ts(step) })
  const assistant = (content: unknown[], step = 5) => JSON.stringify({
    ...base, type: 'assistant', uuid: `a${++n}`, timestamp: ts(step),
    message: { model: 'claude-sonnet-4-5-20250929', id: `msg_${n}`, type: 'message', role: 'assistant', content, usage: { input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
  })
  const bash = (id: string, command: string) => assistant([{ type: 'tool_use', id, name: 'Bash', input: { command, description: 'run it' } }])
  const result = (id: string, content: string, isError: boolean) => user([{ type: 'tool_result', tool_use_id: id, content, is_error: isError }])
  return [
    user(`load the orders table ${XSS} please`, 0),
    bash('toolu_1', 'python load.py orders'),
    result('toolu_1', 'Exit code 1\nTraceback (most recent call last):\nValueError: bad date', true),
    assistant([{ type: 'text', text: 'The loader failed on a date; I will look at the data first.' }]),
    user('ok, show me the rows', 30),
    bash('toolu_2', 'head -400 orders.csv'),
    result('toolu_2', HUGE_OUTPUT, false),
    bash('toolu_3', 'python load.py orders --fix-dates'),
    result('toolu_3', 'Exit code 2\nno such option: --fix-dates', true),
    assistant([{ type: 'text', text: 'That option does not exist; the parser needs a change.' }]),
  ].join('\n') + '\n'
}

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let ben: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]

async function upload(token: string, filename: string, content: string | Buffer) {
  const r = await call(s.url, 'POST', `/api/upload/sessions?filename=${filename}`, { token, rawBody: content, headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(r.status, 201, r.text)
}
const fixture = (name: string) => readFileSync(join(FIXTURES, name))

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com', { password: 'ana-password-1' })
  ben = await s.addUser(admin.token, 'ben@example.com')
  const cy = await s.addUser(admin.token, 'cy@example.com')
  await upload(ana.token, TOOL_HEAVY, fixture(TOOL_HEAVY))
  await upload(ana.token, SHORT, fixture(SHORT))
  await upload(ben.token, HELLO, fixture(HELLO))
  await upload(ben.token, XSS_FILE, handMade())
  // Enough sessions for a second page (the list loads 50 at a time).
  const tiny = fixture(HELLO)
  for (let i = 0; i < BULK; i++) await upload(cy.token, `bulk-${String(i).padStart(2, '0')}.jsonl`, tiny)
  const scan = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=failure_scan', { token: admin.token })
  assert.equal(scan.status, 200, scan.text)
  const usage = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=usage', { token: admin.token })
  assert.equal(usage.status, 200, usage.text)

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

const TOTAL = 4 + BULK
const rowCount = () => page.$$eval('#sx-rows tr.sx-row', (trs) => trs.length)
const rowSessions = () => page.$$eval('#sx-rows tr.sx-row', (trs) => trs.map((t) => t.getAttribute('data-session')))
/** Waits until the list has been (re)loaded for the URL's filters. */
const settled = () => page.waitForFunction(() => {
  const t = document.getElementById('sx-table')
  return t && t.style.opacity === '' && !document.querySelector('#sx-rows tr.sx-empty')?.textContent?.startsWith('Loading')
})
const kpi = (key: string) => page.textContent(`#sx-kpis [data-kpi="${key}"] .sx-kpi-value`)

test('the list shows the sessions with their finding counts, KPIs over every match, and load more', async () => {
  await page.goto('/admin/sessions')
  await settled()
  assert.equal(await rowCount(), 50, 'the first page')
  const heavy = page.locator(`#sx-rows tr[data-session="ana/${TOOL_HEAVY}"]`)
  // By docs/findings.md its two Esc interrupts are no rejections (no correction follows); the session ends on one.
  assert.equal(await heavy.getAttribute('data-findings'), '1')
  assert.deepEqual(await heavy.locator('.sx-badge').allTextContents(), ['Abrupt end1'])
  assert.equal(await page.getAttribute(`#sx-rows tr[data-session="ben/${XSS_FILE}"]`, 'data-findings'), '2')
  assert.match((await page.textContent(`#sx-rows tr[data-session="ben/${HELLO}"] .c-findings`)) ?? '', /none/)
  assert.equal(await page.getAttribute(`#sx-rows tr[data-session="ana/${TOOL_HEAVY}"] a`, 'href'), `/admin/sessions/ana/${TOOL_HEAVY}`)

  // KPIs count every matching session, beyond the first page.
  await page.waitForSelector('#sx-kpis [data-kpi="sessions"]')
  assert.equal(await kpi('sessions'), String(TOTAL))
  assert.equal(await kpi('with_findings'), '3')
  assert.equal(await kpi('tool_error'), '2')
  assert.equal(await kpi('user_rejection'), '0')
  assert.equal(await kpi('permission_denied'), '2')
  assert.equal(await kpi('abrupt_end'), '2')
  assert.equal(await kpi('loop'), '0')
  await screenshot(page, 'sessions-list')

  await page.click('#sx-more')
  await page.waitForFunction((n) => document.querySelectorAll('#sx-rows tr.sx-row').length === n, TOTAL)
  await page.waitForSelector('#sx-more', { state: 'hidden' })
  assert.equal(new Set(await rowSessions()).size, TOTAL, 'no row twice')
})

test('a filter changes the URL and the rows; reload keeps it; sort and Back work', async () => {
  await page.goto('/admin/sessions')
  await settled()
  await page.selectOption('#f-type', 'abrupt_end')
  await page.waitForURL(/finding_type=abrupt_end/)
  await settled()
  assert.deepEqual((await rowSessions()).sort(), [`ana/${SHORT}`, `ana/${TOOL_HEAVY}`])
  assert.equal(await kpi('sessions'), '2')

  await page.fill('#f-username', 'ben')
  await page.press('#f-username', 'Enter')
  await page.waitForURL(/username=ben/)
  await settled()
  assert.equal(await rowCount(), 0)
  assert.match((await page.textContent('#sx-rows')) ?? '', /No sessions match/)

  await page.selectOption('#f-type', '')
  await page.waitForURL((u) => !u.search.includes('finding_type'))
  await settled()
  assert.deepEqual((await rowSessions()).sort(), [`ben/${HELLO}`, `ben/${XSS_FILE}`])
  await page.selectOption('#f-sort', 'findings')
  await page.waitForURL(/sort=findings/)
  await settled()
  assert.deepEqual(await rowSessions(), [`ben/${XSS_FILE}`, `ben/${HELLO}`], 'most findings first')
  await page.reload()
  await settled()
  assert.equal(await page.inputValue('#f-username'), 'ben', 'the filter controls are restored from the URL')
  assert.equal(await page.inputValue('#f-sort'), 'findings')
  assert.deepEqual(await rowSessions(), [`ben/${XSS_FILE}`, `ben/${HELLO}`])
  await screenshot(page, 'sessions-filtered')

  await page.goBack()
  await page.waitForURL((u) => !u.search.includes('sort='))
  await settled()
  assert.equal(await page.inputValue('#f-sort'), 'recent')

  // A date range: the hand-made session is the only one from the last week.
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  await page.goto(`/admin/sessions?since=${day(T0 - 86_400_000)}`)
  await settled()
  assert.equal(await page.inputValue('#f-since'), day(T0 - 86_400_000))
  assert.deepEqual(await rowSessions(), [`ben/${XSS_FILE}`])
  await page.click('#sx-clear')
  await page.waitForURL((u) => u.search === '')
  await settled()
  assert.equal(await rowCount(), 50)
})

test('the heatmap is an SVG grid with labels and a legend; clicking a cell filters the list to that type and week', async () => {
  await page.goto('/admin/sessions')
  await page.waitForSelector('#sx-heatmap svg .sx-cell')
  assert.equal(await page.$$eval('#sx-heatmap svg rect', (r) => r.length), 5 * 12, 'five types × twelve weeks')
  const yLabels = await page.$$eval('#sx-heatmap svg .sx-axis-y', (t) => t.map((x) => x.textContent))
  assert.deepEqual(yLabels, ['Tool error', 'Permission denied', 'User rejection', 'Loop', 'Abrupt end'])
  assert.ok((await page.$$eval('#sx-heatmap svg .sx-axis-x', (t) => t.length)) >= 6, 'week labels')
  assert.ok(await page.$('#sx-heatmap .sx-legend .sx-legend-swatch'), 'a colour legend')

  const week = weekStart(new Date(T0)).toISOString().slice(0, 10)
  const cell = page.locator(`#sx-heatmap .sx-cell[data-type="tool_error"][data-week="${week}"]`)
  assert.equal(await cell.getAttribute('data-count'), '2')
  assert.match((await cell.getAttribute('aria-label')) ?? '', /^Tool error, week of .*: 2 findings$/)
  assert.equal(await cell.locator('text').textContent(), '2', 'the count is drawn in the cell')
  const fill = await cell.locator('rect').getAttribute('fill')
  const empty = await page.getAttribute(`#sx-heatmap .sx-cell[data-type="loop"][data-week="${week}"] rect`, 'fill')
  assert.notEqual(fill, empty, 'a cell with findings is coloured')
  await screenshot(page, 'sessions-heatmap')

  await cell.click()
  await page.waitForURL((u) => u.searchParams.get('finding_type') === 'tool_error' && u.searchParams.get('since') === week && /^\d{4}-\d{2}-\d{2}$/.test(u.searchParams.get('until') ?? ''))
  await settled()
  assert.deepEqual(await rowSessions(), [`ben/${XSS_FILE}`])
  assert.equal(await page.inputValue('#f-type'), 'tool_error')
  assert.match((await cell.getAttribute('class')) ?? '', /selected/)

  // A longer range reaches the real fixtures' February sessions.
  await page.selectOption('#f-weeks', '52')
  await page.waitForURL(/weeks=52/)
  await page.waitForFunction(() => document.querySelectorAll('#sx-heatmap svg rect').length === 5 * 52)
  // The short real session's two refused tool calls (its February week is outside the default 12 weeks).
  const refusals = await page.$$eval('#sx-heatmap .sx-cell[data-type="permission_denied"]', (g) => g.reduce((sum, x) => sum + Number(x.getAttribute('data-count')), 0))
  assert.equal(refusals, 2)
  await screenshot(page, 'sessions-heatmap-52w')

  // Filtering the list by a user narrows the heatmap to that user's findings.
  await page.fill('#f-username', 'ben')
  await page.press('#f-username', 'Enter')
  await page.waitForFunction(() => document.getElementById('sx-heat-note')?.textContent?.startsWith("ben's sessions"))
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('#sx-heatmap .sx-cell[data-type="user_rejection"]')]
    return cells.length === 52 && cells.every((g) => g.getAttribute('data-count') === '0')
  })
  assert.equal(await cell.getAttribute('data-count'), '2', "ben's own tool errors are still there")
  await screenshot(page, 'sessions-heatmap-one-user')
})

/** Whether the element is fully inside the viewport (scrolling has settled on it). */
const inView = (sel: string) => page.waitForFunction((q) => {
  const e = document.querySelector(q)
  if (!e) return false
  const r = e.getBoundingClientRect()
  return r.top >= 0 && r.bottom <= window.innerHeight
}, sel)
const current = () => page.$$eval('#sx-events .sx-marker.current', (m) => m.map((x) => x.getAttribute('data-finding-id')))

test('the replay shows the transcript in order with inline findings; n/p and the buttons move the highlight', async () => {
  const detail = await call(s.url, 'GET', `/api/admin/sessions/ben/${XSS_FILE}`, { token: admin.token })
  assert.equal(detail.status, 200, detail.text)
  const findings = [...detail.body.findings].sort((a: { line: number }, b: { line: number }) => a.line - b.line)
  assert.equal(findings.length, 2)

  await page.goto(`/admin/sessions/ben/${XSS_FILE}`)
  await page.waitForSelector('#replay[data-ready="true"]')
  const kinds = await page.$$eval('#sx-events .sx-ev', (e) => e.map((x) => x.getAttribute('data-kind')))
  assert.deepEqual(kinds, ['human_prompt', 'tool_use', 'tool_result', 'assistant_text', 'human_prompt', 'tool_use', 'tool_result', 'tool_use', 'tool_result', 'assistant_text'])
  const lines = await page.$$eval('#sx-events .sx-ev', (e) => e.map((x) => Number(x.getAttribute('data-line'))))
  assert.deepEqual(lines, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'in file order')
  assert.equal(await page.$$eval('#sx-events .sx-ev.err', (e) => e.length), 2, 'both tool errors highlighted')
  assert.match((await page.textContent('#sx-events .sx-ev[data-kind="tool_use"] .sx-ev-hint')) ?? '', /python load\.py orders/)
  assert.match((await page.textContent('#sx-events .sx-ev[data-kind="tool_use"] .sx-code')) ?? '', /"command": "python load\.py orders"/, 'the tool input')
  assert.equal(await page.$$eval('.sx-turn', (t) => t.map((x) => x.textContent)).then((t) => t.join(',')), 'Turn 1,Turn 2')

  // The XSS payload is text.
  assert.ok(((await page.textContent('#sx-events .sx-ev[data-kind="human_prompt"]')) ?? '').includes(XSS))
  assert.equal(await page.$('main img'), null)
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined)

  // Findings: listed at the top and marked inline right after their line.
  assert.equal(await page.$$eval('#sx-findings-list .sx-finding-item', (i) => i.length), 2)
  const markers = await page.$$eval('#sx-events .sx-marker', (m) => m.map((x) => ({ id: x.getAttribute('data-finding-id'), line: x.getAttribute('data-line'), after: x.previousElementSibling?.getAttribute('data-line') })))
  assert.deepEqual(markers, findings.map((f: { id: number; line: number }) => ({ id: String(f.id), line: String(f.line), after: String(f.line) })))
  assert.deepEqual(await current(), [])

  // The huge output is collapsed until asked for.
  const big = page.locator('#sx-events .sx-ev[data-line="7"]')
  // The server cuts long text at 4000 characters; what is left is still clamped here.
  assert.match((await big.locator('.sx-showmore').textContent()) ?? '', /^Show more \(\d+ lines, 4,\d{3} characters\)$/)
  assert.match((await big.locator('.sx-cut').textContent()) ?? '', /full text is in the raw file/)
  const clampedHeight = await big.locator('pre').evaluate((e) => e.getBoundingClientRect().height)
  await big.locator('.sx-showmore').click()
  assert.equal(await big.locator('.sx-showmore').textContent(), 'Show less')
  assert.ok((await big.locator('pre').evaluate((e) => e.getBoundingClientRect().height)) > clampedHeight * 5)
  await big.locator('.sx-showmore').click()

  await page.evaluate(() => window.scrollTo(0, 0))
  await page.keyboard.press('n')
  assert.deepEqual(await current(), [String(findings[0].id)])
  await inView(`#finding-${findings[0].id}`)
  assert.equal(await page.textContent('#sx-nav-pos'), 'Finding 1 of 2')
  assert.match(page.url(), new RegExp(`#finding-${findings[0].id}$`))
  await screenshot(page, 'sessions-replay')

  await page.click('#sx-next')
  assert.deepEqual(await current(), [String(findings[1].id)], 'the highlight moved to the next marker')
  await inView(`#finding-${findings[1].id}`)
  assert.equal(await page.textContent('#sx-nav-pos'), 'Finding 2 of 2')
  assert.equal(await page.getAttribute('.sx-finding-item.current', 'data-finding-id'), String(findings[1].id))
  assert.deepEqual(await page.$$eval('.sx-ev.current-line', (e) => e.map((x) => x.getAttribute('data-line'))), [String(findings[1].line)])
  await screenshot(page, 'sessions-replay-next')
  // What the reader sees: the sticky navigation over the highlighted marker and its evidence.
  await page.screenshot({ path: join(SCREENSHOTS, 'sessions-replay-viewport.png') })

  await page.keyboard.press('p')
  assert.deepEqual(await current(), [String(findings[0].id)])
  await page.click(`.sx-finding-item[data-finding-id="${findings[1].id}"]`)
  assert.deepEqual(await current(), [String(findings[1].id)])

  // A link to a finding opens on it.
  await page.goto(`/admin/sessions/ben/${XSS_FILE}#finding-${findings[1].id}`)
  await page.waitForSelector('#replay[data-ready="true"]')
  assert.deepEqual(await current(), [String(findings[1].id)])

  // The raw download.
  const href = await page.getAttribute('#sx-raw', 'href')
  assert.equal(href, `/api/admin/sessions/ben/${XSS_FILE}/raw`)
  const raw = await page.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, text: await r.text() } }, href!)
  assert.equal(raw.status, 200)
  assert.equal(raw.text.split('\n').filter(Boolean).length, 10)
})

test('a real transcript replays with its findings; housekeeping lines are hidden until asked for', async () => {
  await page.goto(`/admin/sessions/ana/${TOOL_HEAVY}`)
  await page.waitForSelector('#replay[data-ready="true"]')
  const markers = await page.$$eval('#sx-events .sx-marker', (m) => m.map((x) => `${x.getAttribute('data-type')}@${x.getAttribute('data-line')}`))
  assert.deepEqual(markers.sort(), ['abrupt_end@39'])
  assert.ok((await page.$$eval('#sx-events .sx-ev[data-kind="tool_use"]', (e) => e.length)) >= 5)
  const hidden = await page.$$eval('#sx-events .sx-ev.hk', (e) => e.filter((x) => (x as HTMLElement).offsetParent === null).length)
  assert.ok(hidden > 0, 'progress and snapshot lines are hidden')
  await page.click('#sx-next')
  await inView('#sx-events .sx-marker.current')
  await screenshot(page, 'sessions-replay-real')
  await page.check('#sx-housekeeping')
  assert.equal(await page.$$eval('#sx-events .sx-ev.hk', (e) => e.filter((x) => (x as HTMLElement).offsetParent === null).length), 0)
})

test('"Run failure scan now" scans a new upload and refreshes the list', async () => {
  const late = handMade().split('\n').slice(0, 3).join('\n') + '\n'
  await upload(ana.token, LATE_FILE, late)
  await page.goto('/admin/sessions?username=ana')
  await settled()
  assert.equal(await page.getAttribute(`#sx-rows tr[data-session="ana/${LATE_FILE}"]`, 'data-findings'), '0')
  await page.click('#sx-scan')
  await page.waitForFunction(() => /^Scan done/.test(document.getElementById('sx-scan-note')?.textContent ?? ''))
  assert.match((await page.textContent('#sx-scan-note')) ?? '', /1 transcript scanned/)
  await page.waitForFunction((f) => document.querySelector(`#sx-rows tr[data-session="${f}"]`)?.getAttribute('data-findings') !== '0', `ana/${LATE_FILE}`)
  assert.ok(Number(await page.getAttribute(`#sx-rows tr[data-session="ana/${LATE_FILE}"]`, 'data-findings')) >= 1)
  const runs = await s.svc.store.audit.find({ action: 'run_session_processor:failure_scan' })
  assert.equal(runs.length, 2, 'the button run is audited like the API one')
  await screenshot(page, 'sessions-after-scan')
})

test('a non-admin gets 403 for both pages and the API; an unknown transcript is a 404 page', async () => {
  const r = await page.goto('/admin/sessions/ben/no-such-file.jsonl')
  assert.equal(r?.status(), 404)
  assert.match((await page.textContent('main')) ?? '', /Not found/)
  pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !e.includes('no-such-file')))

  await assertAdminOnly(browser, s.url, { email: 'ana@example.com', password: 'ana-password-1' }, { pages: ['/admin/sessions', `/admin/sessions/ana/${TOOL_HEAVY}`], api: '/api/admin/sessions', screenshotName: 'sessions-forbidden' })
  assert.deepEqual(pageErrors, [], 'no script errors, failed requests or CSP violations on the admin pages')
})
