// Personal access tokens on the dashboard (/) in a real, headless Chromium, used with the real command line
// (bin/agnes → dist): an analyst creates a token, pastes the `agnes login` line the page shows, runs `agnes query`;
// the list shows the token's name, created, last used and expiry; revoking it makes the CLI fail with a clear message.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startTestServer, call, runCli, tempDir, type TestServer, waitForSyncJob } from '../helpers.ts'
import { screenshot, openSignedIn } from './browser.ts'

let s: TestServer
let admin: { token: string; userId: string }
let browser: Browser
let context: BrowserContext
let page: Page
let pageErrors: string[]
let home: string

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  const ana = await s.addUser(admin.token, 'ana@example.com', { password: 'ana-password-1' })
  const sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,customer,amount\n1,acme,120.50\n2,globex,80.00\n3,acme,42.25\n')
  assert.equal((await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'orders', source: { kind: 'file', path: join(sources, 'orders.csv') } } })).status, 201)
  const g = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'analysts' } })
  await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token: admin.token, body: { user_id: ana.userId } })
  await call(s.url, 'POST', '/api/admin/grants', { token: admin.token, body: { group_id: g.body.id, resource: 'table:orders', permission: 'read' } })
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['orders'] } })
  assert.equal((await waitForSyncJob(s.url, admin.token, trig.body.job_id)).status, 'done')

  home = tempDir('agnes-home-')
  ;({ browser, context, page, errors: pageErrors } = await openSignedIn(s.url, { email: 'ana@example.com', password: 'ana-password-1' }))
})

after(async () => {
  await browser?.close()
  await s?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

const agnes = (args: string[]) => runCli(args, { HOME: home })
const tokenRows = () => page.$$eval('#db-token-rows tr[data-token-id]', (trs) => trs.map((tr) => ({
  name: tr.querySelector('.c-name')?.textContent ?? '',
  prefix: tr.querySelector('.c-prefix')?.textContent ?? '',
  created: tr.querySelector('.c-created')?.textContent ?? '',
  used: tr.querySelector('.c-used')?.textContent ?? '',
  expires: tr.querySelector('.c-expires')?.textContent ?? '',
})))

test('an analyst creates a token on the dashboard, signs the CLI in with the line shown, and runs agnes query', async () => {
  await page.goto('/')
  await page.waitForSelector('#db-tokens[data-ready="true"]')
  // The token the admin issued when creating the account is listed, unnamed and never used through the CLI here.
  assert.deepEqual((await tokenRows()).map((t) => t.name), ['unnamed'])

  await page.fill('#db-token-name', 'work laptop')
  await page.selectOption('#db-token-expiry', '30')
  await page.click('#db-token-create')
  await page.waitForSelector('#db-token-new:not([hidden])')
  const secret = (await page.textContent('#db-token-secret')) ?? ''
  assert.match(secret, /^agnes_pat_/)
  const line = (await page.textContent('#db-token-login')) ?? ''
  assert.equal(line, `agnes login --url ${s.url} --token ${secret}`, 'the line to paste names this server and the new token')
  await page.waitForFunction(() => document.querySelectorAll('#db-token-rows tr[data-token-id]').length === 2)
  const [fresh] = await tokenRows()
  assert.equal(fresh.name, 'work laptop')
  assert.equal(fresh.prefix, `${secret.slice(0, 'agnes_pat_'.length + 6)}…`, 'only the start of the token is listed')
  assert.equal(fresh.created, 'just now')
  assert.equal(fresh.used, 'never')
  assert.match(fresh.expires, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/, '30 days ahead: an absolute date')
  assert.equal(await page.getAttribute('#db-token-rows tr[data-token-id]:first-child', 'class'), 'fresh')
  await screenshot(page, 'dashboard-token-created-1440')
  await page.setViewportSize({ width: 390, height: 844 })
  await screenshot(page, 'dashboard-token-created-390')
  await page.setViewportSize({ width: 1400, height: 900 })

  // Paste the line into a shell: the real CLI signs in with it, then queries a table the analyst may read.
  const [, ...args] = line.split(' ')
  const login = await agnes(args)
  assert.equal(login.code, 0, login.stderr)
  const q = await agnes(['query', 'SELECT count(*) AS n FROM orders'])
  assert.equal(q.code, 0, q.stderr)
  assert.match(q.stdout, /\bn\b/)
  assert.match(q.stdout, /\b3\b/)
  assert.match(q.stderr, /^1 row\(s\) in /)

  // The list now says it was used.
  await page.reload()
  await page.waitForSelector('#db-tokens[data-ready="true"]')
  assert.equal((await tokenRows())[0].used, 'just now')
  const rows = await s.svc.store.audit.find({ action: 'query.run' })
  assert.equal(rows[0].client_kind, 'cli')
  assert.equal(rows[0].user_email, 'ana@example.com')
})

test('revoking the token on the dashboard makes the CLI fail with a message saying to sign in again', async () => {
  await page.goto('/')
  await page.waitForSelector('#db-tokens[data-ready="true"]')
  const id = await page.getAttribute('#db-token-rows tr[data-token-id]:first-child', 'data-token-id')
  await page.click(`#db-token-rows tr[data-token-id="${id}"] .db-revoke`)
  // One more click to be sure: the row asks first.
  await page.waitForSelector(`#db-token-rows tr[data-token-id="${id}"] .db-revoke-confirm`)
  assert.match((await page.textContent(`#db-token-rows tr[data-token-id="${id}"]`)) ?? '', /The command line using it stops working/)
  await page.click(`#db-token-rows tr[data-token-id="${id}"] .db-revoke-confirm`)
  await page.waitForSelector(`#db-token-rows tr[data-token-id="${id}"]`, { state: 'detached' })
  assert.deepEqual((await tokenRows()).map((t) => t.name), ['unnamed'])
  assert.equal(await page.isVisible('#db-token-old'), true)
  assert.equal(await page.textContent('#db-token-old-summary'), '1 revoked or expired')
  await page.click('#db-token-old-summary')
  assert.match((await page.textContent('#db-token-old-list')) ?? '', /^work laptop agnes_pat_.{6}… · revoked just now$/)
  await screenshot(page, 'dashboard-token-revoked')

  const q = await agnes(['query', 'SELECT count(*) AS n FROM orders'])
  assert.equal(q.code, 1)
  assert.equal(q.stdout, '')
  assert.match(q.stderr, /^agnes: authentication required — run `agnes login --url URL --token TOKEN` or set AGNES_TOKEN\n$/)
  const [revoked] = await s.svc.store.audit.find({ action: 'token.revoke' })
  assert.deepEqual([revoked.result, revoked.client_kind, revoked.user_email], ['success', 'web', 'ana@example.com'])
})

test('a wrong request shows its error in place; the page stays free of script errors', async () => {
  await page.goto('/')
  await page.waitForSelector('#db-tokens[data-ready="true"]')
  // A name longer than the API allows (the input's maxlength is lifted to send it).
  await page.$eval('#db-token-name', (e) => e.removeAttribute('maxlength'))
  await page.fill('#db-token-name', 'x'.repeat(300))
  await page.click('#db-token-create')
  await page.waitForSelector('#db-token-error:not([hidden])')
  assert.match((await page.textContent('#db-token-error')) ?? '', /^Could not create the token: body field 'name'/)
  assert.equal(await page.isVisible('#db-token-new'), false)
  assert.deepEqual(pageErrors.filter((e) => !/^400 .*\/api\/me\/tokens$/.test(e)), [])
})
