// Pages that have nothing to show say what to do instead, in a real, headless Chromium:
// - the empty sync grid (and the pulse's "no runs" card, which leads to it) links to the Registry page; on a server
//   without that page it shows the API's curl line instead, which, run in a shell, registers a table that
//   `agnes sync` then syncs;
// - a feedback report naming a transcript that was never uploaded says so instead of linking to a missing replay.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, runCli, type TestServer } from '../helpers.ts'
import { renderActivityPage } from '../../src/web/views/activity-page.ts'
import { TABLES_PAGE } from '../../src/web/routes/activity-page.ts'
import { screenshot, SCREENSHOTS, openSignedIn } from './browser.ts'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'real')
const TRANSCRIPT = 'DRMacIver__claude-reliability__hello-world-script-transcript.jsonl'

let s: TestServer
let admin: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]
const reports: Record<'pushed' | 'missing', string> = { pushed: '', missing: '' }

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  const ana = await s.addUser(admin.token, 'ana@example.com')
  const up = await call(s.url, 'POST', `/api/upload/sessions?filename=${TRANSCRIPT}`, { token: ana.token, rawBody: readFileSync(join(FIXTURES, TRANSCRIPT)), headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(up.status, 201, up.text)
  const file = async (message: string, sessionFile: string) => {
    const r = await call(s.url, 'POST', '/api/feedback', { token: ana.token, body: { ack_preview: true, message, session_file: sessionFile, environment: { agnes_cli_version: '0.1.0', os: 'linux' } } })
    assert.equal(r.status, 201, r.text)
    return r.body.id as string
  }
  reports.pushed = await file('The hello world script hangs', TRANSCRIPT)
  reports.missing = await file('Queries time out since this morning', 'ana/never-pushed-session.jsonl')

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

test('the empty sync grid links to the Registry page; without that page its curl line works, then agnes sync syncs the table', async () => {
  // The pulse's Syncs card has no runs to show: it leads to the Sync tab, which leads to the page that registers tables.
  await page.goto('/admin/activity')
  await page.waitForSelector('#pulse-sync_24h[data-evidence="tab"]')
  assert.equal(await page.textContent('#pulse-sync_24h .ac-field-value'), 'no runs')
  await page.click('#pulse-sync_24h')
  await page.waitForURL(/tab=sync/)
  await page.waitForSelector('#ac-sync-rows .ac-register[data-way="page"]')
  assert.equal(await page.textContent('#ac-sync-rows .ac-register'), 'No tables are registered. Register one on the Registry page; its syncs show here.')
  await screenshot(page, 'sync-empty-1440')
  await page.setViewportSize({ width: 390, height: 844 })
  await screenshot(page, 'sync-empty-390')
  const wide = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(wide <= 390, `no sideways scroll on a phone (${wide} px)`)
  await page.setViewportSize({ width: 1400, height: 900 })
  await Promise.all([page.waitForURL(/\/admin\/registry$/), page.click('#ac-register-page')])
  await page.waitForSelector('#registry[data-ready="true"]')
  assert.equal(await page.textContent('#rg-table-rows'), 'No tables are registered yet: register one above.')

  // A server without that page shows the API's way instead: put the file in the source folder and run the line in a
  // shell with an admin token.
  const sources = s.config.sourceDirs[0]
  const actor = { user: { id: admin.userId, email: 'admin@example.com', name: null, is_admin: true, username: 'admin' }, via: 'session', clientKind: 'web' } as never
  const help = renderActivityPage({ actor, csrf: null, registerTables: { page: null, serverUrl: s.url, sourceDirs: s.config.sourceDirs } })
  assert.match(help, /POST \/api\/admin\/tables/)
  assert.match(help, /agnes sync orders/)
  assert.ok(help.includes(`<code>${sources}</code>`), 'names the source folder')
  const curl = /<pre class="ac-register-cmd" id="ac-register-curl">([^<]*)<\/pre>/.exec(help)?.[1].replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&') ?? ''
  assert.ok(curl.startsWith(`curl -X POST ${s.url}/api/admin/tables `), curl)
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,amount\n1,120.50\n2,80.00\n')
  // (Not spawnSync: the server answering curl runs in this process.)
  const sh = await promisify(execFile)('bash', ['-c', curl], { env: { PATH: process.env.PATH ?? '', AGNES_TOKEN: admin.token }, encoding: 'utf8' })
  assert.equal(JSON.parse(sh.stdout).id, 'orders', sh.stdout + sh.stderr)
  const sync = await runCli(['sync', 'orders'], { AGNES_URL: s.url, AGNES_TOKEN: admin.token })
  assert.equal(sync.code, 0, sync.stderr)
  await page.goto('/admin/activity?tab=sync')
  await page.waitForSelector('#ac-sync-rows tr[data-table="orders"]')
  assert.match((await page.textContent('#ac-sync-rows tr[data-table="orders"]')) ?? '', /success/)
})

test('the empty grid links to the tables page the server has, else shows the API and the command line', () => {
  const actor = { user: { id: 'u1', email: 'admin@example.com', name: null, is_admin: true, username: 'admin' }, via: 'session', clientKind: 'web' } as never
  const withPage = renderActivityPage({ actor, csrf: null, registerTables: { page: TABLES_PAGE, serverUrl: 'http://x', sourceDirs: ['/data/sources'] } })
  assert.match(withPage, /<template id="ac-sync-empty"><div class="ac-register" data-way="page">.*<a href="\/admin\/registry" id="ac-register-page">Register one on the Registry page<\/a>/)
  assert.doesNotMatch(withPage, /curl -X POST/)
  const without = renderActivityPage({ actor, csrf: null, registerTables: { page: null, serverUrl: 'http://x', sourceDirs: ['/data/<sources>'] } })
  assert.match(without, /data-way="api"/)
  assert.ok(without.includes('<code>/data/&lt;sources&gt;</code>'), 'a folder name is text')
})

test('a report whose transcript was never uploaded says so, with no link to a missing replay', async () => {
  await page.goto(`/admin/feedback?id=${reports.missing}`)
  await page.waitForSelector('#fb-d-session[data-uploaded="false"]')
  assert.equal(await page.textContent('#fb-d-session'), 'ana/never-pushed-session.jsonl not uploaded')
  assert.equal(await page.$('#fb-d-facts a[href*="never-pushed"]'), null, 'no link to a replay that does not exist')
  assert.equal(await page.$('#fb-detail a[href^="/admin/sessions/"]'), null)
  assert.equal(await page.textContent('#fb-d-findings-none'), 'No findings: ana/never-pushed-session.jsonl was never uploaded (agnes sessions push), so there is nothing to scan.')
  await screenshot(page, 'feedback-not-uploaded-1440')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.locator('#fb-d-session').scrollIntoViewIfNeeded()
  await page.screenshot({ path: join(SCREENSHOTS, 'feedback-not-uploaded-390.png') })
  await page.setViewportSize({ width: 1400, height: 900 })

  // The other report's transcript is stored: its name links to the replay, which opens.
  await page.goto(`/admin/feedback?id=${reports.pushed}`)
  await page.waitForSelector('#fb-d-session[data-uploaded="true"]')
  const href = await page.getAttribute('#fb-d-session', 'href')
  assert.equal(href, `/admin/sessions/ana/${TRANSCRIPT}`)
  await Promise.all([page.waitForURL((u) => u.pathname === href), page.click('#fb-d-session')])
  await page.waitForSelector('#replay[data-ready="true"]')
  assert.deepEqual(pageErrors, [], 'no script errors, CSP violations or failed loads (no 404 replay)')
})
