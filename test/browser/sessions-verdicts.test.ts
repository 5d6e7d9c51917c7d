// Verdicts on findings in a real, headless Chromium (issue 13): confirm and dismiss with a note in the findings list of
// /admin/sessions and in the replay; the precision figures follow; a dismissed finding leaves the list and the heatmap,
// and comes back with "Show dismissed"; the replay hides it from n / p; the related `agnes query` links to its Activity
// event, whose drawer links back to the session line; a note is shown as text.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { screenshot, openSignedIn } from './browser.ts'

const XSS_NOTE = '<img src=x onerror="window.__xss=1"> not a failure'

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]
let queryEventId = 0

// Three days ago: in the heatmap's recent weeks.
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / 1000) * 1000

/** A transcript: per step a prompt, a Bash call, its failed result and a reply (4 lines each); `at` dates a step. */
function transcript(steps: Array<{ command: string; output: string; at?: number }>): string {
  const base = { isSidechain: false, userType: 'external', cwd: '/home/ana/work', sessionId: 'sess-b', version: '2.1.39', gitBranch: 'main' }
  let n = 0
  const lines: string[] = []
  steps.forEach((st, i) => {
    const at = (k: number) => new Date((st.at ?? T0 + i * 60_000) + k * 1000).toISOString()
    const usage = { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
    lines.push(JSON.stringify({ ...base, type: 'user', message: { role: 'user', content: `step ${i + 1}, please` }, uuid: `u${++n}`, timestamp: at(-10) }))
    lines.push(JSON.stringify({ ...base, type: 'assistant', uuid: `a${++n}`, timestamp: at(-5), message: { model: 'claude-sonnet-4-5-20250929', id: `m${n}`, type: 'message', role: 'assistant', content: [{ type: 'tool_use', id: `t${i}`, name: 'Bash', input: { command: st.command } }], usage } }))
    lines.push(JSON.stringify({ ...base, type: 'user', uuid: `u${++n}`, timestamp: at(0), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: st.output, is_error: true }] } }))
    lines.push(JSON.stringify({ ...base, type: 'assistant', uuid: `a${++n}`, timestamp: at(5), message: { model: 'claude-sonnet-4-5-20250929', id: `m${n}`, type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Next.' }], usage } }))
  })
  return lines.join('\n') + '\n'
}

async function upload(filename: string, content: string) {
  const r = await call(s.url, 'POST', `/api/upload/sessions?filename=${filename}`, { token: ana.token, rawBody: content, headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(r.status, 201, r.text)
}

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  await upload('review.jsonl', transcript([
    { command: 'python load.py', output: 'Exit code 1\nValueError: bad date' },
    { command: 'grep -rn TODO src', output: 'Exit code 2\ngrep: src: No such file or directory' },
    { command: 'python load.py --fix', output: 'Exit code 1\nno such option: --fix' },
  ]))
  // Ana's command line runs a failing query; her session's tool result comes 20 s later.
  const q = await call(s.url, 'POST', '/api/query', { token: ana.token, body: { sql: 'SELECT * FROM orders_nope' }, headers: { 'user-agent': 'agnes-cli/0.1.0', 'x-correlation-id': 'br-q' } })
  assert.ok(q.status >= 400)
  const [row] = await s.svc.store.audit.find({ correlationId: 'br-q' })
  queryEventId = Number(row.id)
  await upload('query.jsonl', transcript([{ command: 'agnes query "SELECT * FROM orders_nope"', output: `Exit code 1\nagnes: ${q.body.error.message}`, at: Date.parse(row.timestamp) + 20_000 }]))
  const scan = await call(s.url, 'POST', '/api/admin/run-session-processor?processor=failure_scan', { token: admin.token })
  assert.equal(scan.status, 200, scan.text)

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})
after(async () => {
  await browser?.close()
  await s?.close()
})

const precision = (type: string) => page.textContent(`#sx-quality-table tr[data-type="${type}"] td.c-precision`)
const heatTotal = () => page.$$eval('#sx-heatmap .sx-cell[data-type="tool_error"]', (gs) => gs.reduce((n, g) => n + Number(g.getAttribute('data-count')), 0))
const findingRows = () => page.$$eval('#sx-frows tr.sx-frow', (trs) => trs.map((t) => [t.querySelector('.c-session a')?.textContent, t.querySelector('td.num')?.textContent, t.getAttribute('data-verdict')]))
/** Waits until the findings list shows `n` rows. */
const rowsShown = (n: number) => page.waitForFunction((k) => document.querySelectorAll('#sx-frows tr.sx-frow').length === k, n)

test('the list: findings with their review, precision per type; confirm, then dismiss with a note; dismissed leaves the list and the heatmap until asked for', async () => {
  await page.goto('/admin/sessions')
  await rowsShown(4)
  assert.deepEqual(await findingRows(), [
    ['query.jsonl', '3', 'none'], ['review.jsonl', '11', 'none'], ['review.jsonl', '7', 'none'], ['review.jsonl', '3', 'none'],
  ])
  await page.waitForSelector('#sx-quality-table tr[data-type="tool_error"]')
  assert.equal(await page.textContent('#sx-quality-table tr[data-type="tool_error"] td:nth-child(2)'), '4')
  assert.equal(await precision('tool_error'), '—')
  assert.match((await page.textContent('#sx-quality [data-judge="off"]')) ?? '', /^The LLM judge is off: set AGNES_LLM_API_BASE, AGNES_LLM_API_KEY and AGNES_LLM_MODEL to turn it on\. docs\/findings\.md says/)
  await page.waitForFunction(() => document.querySelectorAll('#sx-heatmap .sx-cell').length > 0)
  assert.equal(await heatTotal(), 4)

  const row = (line: string) => page.locator('#sx-frows tr.sx-frow').filter({ has: page.locator(`td.num:text-is("${line}")`) }).filter({ hasText: 'review.jsonl' })
  await row('3').locator('.sx-v-confirmed').click()
  await page.waitForSelector('#sx-frows tr.sx-frow[data-verdict="confirmed"]')
  await page.waitForFunction(() => document.querySelector('#sx-quality-table tr[data-type="tool_error"] td.c-precision')?.textContent === '100 %')
  assert.equal(await row('3').locator('.sx-v-confirmed').getAttribute('aria-pressed'), 'true')

  await row('7').locator('.sx-v-note').fill(XSS_NOTE)
  await row('7').locator('.sx-v-dismissed').click()
  await page.waitForSelector('#sx-frows tr.sx-frow[data-verdict="dismissed"]')
  await page.waitForFunction(() => document.querySelector('#sx-quality-table tr[data-type="tool_error"] td.c-precision')?.textContent === '50 %')
  assert.match((await row('7').locator('.sx-v-said').textContent()) ?? '', /^Dismissed by admin@example\.com .* — <img src=x onerror="window.__xss=1"> not a failure$/)
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'the note is text, never HTML')
  // The dismissed row stays in view, marked, so a slip can be undone; the heatmap already leaves it out.
  await page.waitForFunction(() => {
    const cells = document.querySelectorAll('#sx-heatmap .sx-cell[data-type="tool_error"]')
    return [...cells].reduce((n, g) => n + Number(g.getAttribute('data-count')), 0) === 3
  })
  await screenshot(page, 'sessions-verdicts-list')

  // Loaded again: the dismissed finding is hidden; "Show dismissed findings" brings it back, in the URL too.
  await page.reload()
  await rowsShown(3)
  assert.ok(!(await findingRows()).some((r) => r[2] === 'dismissed'))
  await page.check('#f-dismissed')
  await page.waitForURL(/include_dismissed=true/)
  await rowsShown(4)
  assert.deepEqual((await findingRows()).map((r) => r[2]), ['none', 'none', 'dismissed', 'confirmed'])
  await page.waitForFunction(() => /dismissed findings included/.test(document.getElementById('sx-heat-note')?.textContent ?? ''))
  await page.waitForFunction(() => [...document.querySelectorAll('#sx-heatmap .sx-cell[data-type="tool_error"]')].reduce((n, g) => n + Number(g.getAttribute('data-count')), 0) === 4)
  assert.deepEqual(pageErrors, [])
})

test('the replay: a review on each marker and list item, kept in step; dismissed findings hidden from n / p until shown; taking a verdict back', async () => {
  await page.goto('/admin/sessions/ana/review.jsonl')
  await page.waitForSelector('#replay[data-ready="true"]')
  // Line 7 was dismissed before the page loaded: hidden, and not counted by the navigation.
  assert.equal(await page.textContent('#sx-dismissed-count'), '1')
  assert.equal(await page.isVisible('.sx-marker[data-line="7"]'), false)
  assert.match((await page.textContent('#sx-nav-pos')) ?? '', /^2 findings/)
  await page.keyboard.press('n')
  await page.keyboard.press('n')
  assert.equal(await page.getAttribute('.sx-marker.current', 'data-line'), '11', 'n skips the hidden finding')

  const marker11 = page.locator('.sx-marker[data-line="11"]')
  await marker11.locator('.sx-v-note').fill('the option never existed')
  await marker11.locator('.sx-v-confirmed').click()
  await page.waitForSelector('li[data-finding-id] .sx-review[data-verdict="confirmed"] >> nth=1')
  // The list item shows the same verdict as the marker.
  const id11 = await marker11.getAttribute('data-finding-id')
  assert.equal(await page.getAttribute(`li[data-finding-id="${id11}"] .sx-review`, 'data-verdict'), 'confirmed')
  assert.equal(await page.inputValue(`li[data-finding-id="${id11}"] .sx-v-note`), 'the option never existed')

  await page.check('#sx-show-dismissed')
  assert.equal(await page.isVisible('.sx-marker[data-line="7"]'), true)
  assert.match((await page.textContent('#sx-nav-pos')) ?? '', /of 3$/)
  await screenshot(page, 'sessions-verdicts-replay')
  // Pressing the pressed button takes the verdict back.
  await page.locator('.sx-marker[data-line="7"] .sx-v-dismissed').click()
  await page.waitForSelector('.sx-marker[data-line="7"] .sx-review[data-verdict="none"]')
  const api = await call(s.url, 'GET', '/api/admin/sessions/ana/review.jsonl', { token: admin.token })
  assert.deepEqual(api.body.findings.map((f: { line: number; verdict: { verdict: string; note: string | null } | null }) => [f.line, f.verdict?.verdict ?? null, f.verdict?.note ?? null]), [
    [3, 'confirmed', null], [7, null, null], [11, 'confirmed', 'the option never existed'],
  ])
  assert.deepEqual(pageErrors, [])
})

test('findings joined to what the server saw: the replay links the failed agnes query to its Activity event, whose drawer links back to the line', async () => {
  await page.goto('/admin/sessions/ana/query.jsonl')
  await page.waitForSelector('#replay[data-ready="true"]')
  const link = page.locator('.sx-marker .sx-rel').first()
  assert.equal(await link.getAttribute('href'), `/admin/activity?event=${queryEventId}`)
  assert.match((await link.textContent()) ?? '', /^\d\d:\d\d:\d\d query\.run error\.invalid_sql: unknown table: orders_nope$/)
  await Promise.all([page.waitForURL(/\/admin\/activity\?event=/), link.click()])
  await page.waitForSelector('#ac-drawer:not([hidden]) .ac-related[data-kind="session_line"]')
  const related = (await page.textContent('#ac-drawer .ac-related[data-kind="session_line"]')) ?? ''
  const [finding] = (await call(s.url, 'GET', '/api/admin/sessions/findings?session_file=ana/query.jsonl', { token: admin.token })).body.rows
  assert.ok(related.includes(`/admin/sessions/ana/query.jsonl#finding-${finding.id}`), related)
  await screenshot(page, 'sessions-verdicts-activity-drawer')
  // The link back opens the replay at that finding.
  await page.goto(`/admin/sessions/ana/query.jsonl#finding-${finding.id}`)
  await page.waitForSelector('#replay[data-ready="true"]')
  assert.equal(await page.getAttribute('.sx-marker.current', 'data-finding-id'), String(finding.id))
  assert.deepEqual(pageErrors, [])
})

test('on a phone the findings list and its review fit the width', async () => {
  const phone = await browser.newContext({ baseURL: s.url, viewport: { width: 390, height: 844 }, storageState: await page.context().storageState() })
  try {
    const p = await phone.newPage()
    await p.goto('/admin/sessions')
    await p.waitForFunction(() => document.querySelectorAll('#sx-frows tr.sx-frow').length > 0)
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`)
    await screenshot(p, 'sessions-verdicts-phone')
  } finally {
    await phone.close()
  }
})
