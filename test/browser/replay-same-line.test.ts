// Issue 12: on the replay, the finding list and the inline "n of m" counter disagreed when two findings shared a line.
// A session refused by sudo that ends on that refusal has two findings on its last line (permission_denied and
// abrupt_end): the list, the inline counters and n / p must walk them in one order.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { screenshot, openSignedIn } from './browser.ts'

let s: TestServer
let browser: Browser
let page: Page
let pageErrors: string[]
const FILE = 'sudo-refused.jsonl'

function transcript(): string {
  const base = { isSidechain: false, userType: 'external', cwd: '/home/ana/work', sessionId: 's-two', version: '2.1.39', gitBranch: 'main' }
  let n = 0
  const ts = () => new Date(Date.now() - 3_600_000 + n * 5000).toISOString()
  const user = (content: unknown) => JSON.stringify({ ...base, type: 'user', message: { role: 'user', content }, uuid: `u${++n}`, timestamp: ts() })
  const assistant = (content: unknown[]) => JSON.stringify({ ...base, type: 'assistant', message: { role: 'assistant', model: 'claude-sonnet-4-5', id: `m${++n}`, content }, uuid: `a${n}`, timestamp: ts() })
  return [
    user('install jq system-wide'),
    assistant([{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'sudo apt-get install jq' } }]),
    user([{ type: 'tool_result', tool_use_id: 't1', content: 'sudo: a password is required\nExit code 1', is_error: true }]),
  ].join('\n') + '\n'
}

before(async () => {
  s = await startTestServer({ scheduler: false })
  const admin = await s.bootstrap()
  const ana = await s.addUser(admin.token, 'ana@example.com')
  const up = await call(s.url, 'POST', `/api/upload/sessions?filename=${FILE}`, { token: ana.token, rawBody: transcript(), headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(up.status, 201, up.text)
  assert.equal((await call(s.url, 'POST', '/api/admin/run-session-processor?processor=failure_scan', { token: admin.token })).status, 200)
  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})
after(async () => {
  await browser?.close()
  await s?.close()
})

test('two findings on one line: the list, the inline "n of 2" and n/p walk them in the same order', async () => {
  await page.goto(`/admin/sessions/ana/${FILE}`)
  await page.waitForSelector('#replay[data-ready="true"]')
  const listed = await page.$$eval('#sx-findings-list .sx-finding-item', (items) => items.map((i) => i.getAttribute('data-finding-id')))
  assert.equal(listed.length, 2)
  const markers = await page.$$eval('#sx-events .sx-marker', (m) => m.map((x) => ({ id: x.getAttribute('data-finding-id'), line: x.getAttribute('data-line'), pos: x.querySelector('.sx-marker-pos')?.textContent })))
  assert.equal(new Set(markers.map((m) => m.line)).size, 1, `both on one line: ${JSON.stringify(markers)}`)
  // The i-th item of the list is the marker that says "i of 2".
  for (const [i, id] of listed.entries()) assert.equal(markers.find((m) => m.id === id)?.pos, `${i + 1} of 2`)
  // n walks the list's order; clicking an item lands on its own marker.
  await page.keyboard.press('n')
  assert.equal(await page.textContent('#sx-nav-pos'), 'Finding 1 of 2')
  assert.equal(await page.getAttribute('.sx-finding-item.current', 'data-finding-id'), listed[0])
  await page.keyboard.press('n')
  assert.equal(await page.textContent('#sx-nav-pos'), 'Finding 2 of 2')
  assert.equal(await page.getAttribute('.sx-finding-item.current', 'data-finding-id'), listed[1])
  await page.click(`.sx-finding-item[data-finding-id="${listed[0]}"]`)
  assert.equal(await page.textContent('#sx-nav-pos'), 'Finding 1 of 2')
  assert.equal(await page.getAttribute('#sx-events .sx-marker.current', 'data-finding-id'), listed[0])
  await screenshot(page, 'sessions-replay-same-line')
  assert.deepEqual(pageErrors, [])
})
