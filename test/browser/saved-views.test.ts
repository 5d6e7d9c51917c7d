// Saved views in the Activity Center's filter bar, in a real, headless Chromium: name the current filters, see your
// views and the ones other admins shared (never their private ones), open one (the URL and the table follow), share
// and unshare it, delete it; a taken name and a payload in a name are shown as text.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { screenshot, openSignedIn } from './browser.ts'

const XSS_NAME = '<img src=x onerror="window.__xss=1">'

let s: TestServer
let admin: { token: string; userId: string }
let bo: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  bo = await s.addUser(admin.token, 'bo@example.com', { is_admin: true })
  const q = (token: string, sql: string) => call(s.url, 'POST', '/api/query', { token, body: { sql } })
  for (let i = 0; i < 3; i++) assert.equal((await q(admin.token, `SELECT ${i} AS i`)).status, 200)
  assert.equal((await q(admin.token, 'SELECT * FROM no_such_table')).status, 400)
  assert.equal((await q(bo.token, 'SELECT * FROM nor_this_one')).status, 400)
  const view = (body: unknown) => call(s.url, 'POST', '/api/admin/activity/views', { token: bo.token, body })
  assert.equal((await view({ name: 'Errors of the day', filters: { result_class: 'error' }, shared: true })).status, 201)
  assert.equal((await view({ name: 'Bo only', filters: { client_kind: 'cli' } })).status, 201)

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

const settled = () => page.waitForFunction(() => {
  const t = document.getElementById('ac-table')
  return t && t.style.opacity === '' && !document.querySelector('#ac-rows tr.ac-empty')?.textContent?.startsWith('Loading')
})
const views = () => page.$$eval('#ac-view-list li.ac-view', (lis) => lis.map((li) => ({
  name: li.querySelector('.ac-view-open')?.textContent ?? '', mine: li.getAttribute('data-mine'), on: li.classList.contains('on'),
  share: li.querySelector('.ac-view-share')?.textContent ?? null, owner: li.querySelector('.ac-view-owner')?.textContent ?? null,
})))
const chip = (name: string) => page.locator('#ac-view-list li.ac-view', { has: page.locator('.ac-view-open', { hasText: name }) })
const apiViews = async (token: string) => (await call(s.url, 'GET', '/api/admin/activity/views', { token })).body.rows as Array<{ name: string; mine: boolean; shared: boolean; filters: Record<string, string> }>

test('the filter bar lists the views other admins shared, never their private ones, with who shared them', async () => {
  await page.goto('/admin/activity?result_class=error')
  await settled()
  await page.waitForSelector('#ac-views[data-ready="true"]')
  await page.waitForFunction(() => /by bo@example\.com/.test(document.getElementById('ac-view-list')?.textContent ?? ''))
  assert.deepEqual(await views(), [{ name: 'Errors of the day', mine: 'false', on: true, share: null, owner: 'by bo@example.com' }])
  assert.equal(await chip('Errors of the day').locator('.ac-view-del').count(), 0, 'a shared view is read-only to the others')
})

test('save the current filters under a name, open the view again later: the URL and the table follow', async () => {
  await page.goto('/admin/activity?action_prefix=query.run&result_class=error')
  await settled()
  await page.waitForSelector('#ac-views[data-ready="true"]')
  await page.fill('#ac-view-name', 'Failed queries')
  await page.click('#ac-view-save')
  await page.waitForFunction(() => /Failed queries/.test(document.getElementById('ac-view-list')?.textContent ?? ''))
  const mine = (await views()).find((v) => v.name === 'Failed queries')
  assert.deepEqual(mine, { name: 'Failed queries', mine: 'true', on: true, share: 'private', owner: null })
  assert.equal(await page.inputValue('#ac-view-name'), '', 'the name field is cleared')
  const [saved] = (await apiViews(admin.token)).filter((v) => v.name === 'Failed queries')
  assert.deepEqual(saved.filters, { action_prefix: 'query.run', result_class: 'error' })
  assert.equal(saved.shared, false)
  await screenshot(page, 'saved-views-1440')

  await page.click('#ac-clear')
  await page.waitForURL((u) => u.search === '')
  await settled()
  assert.equal((await views()).find((v) => v.name === 'Failed queries')?.on, false)
  await chip('Failed queries').locator('.ac-view-open').click()
  await page.waitForURL((u) => u.searchParams.get('action_prefix') === 'query.run' && u.searchParams.get('result_class') === 'error')
  await settled()
  assert.equal(await page.inputValue('#f-action'), 'query.run')
  assert.equal(await page.inputValue('#f-result'), 'error')
  const rows = await page.$$eval('#ac-rows tr.ac-row', (trs) => trs.map((tr) => `${tr.querySelector('td.c-action')?.textContent} ${tr.querySelector('td.c-result')?.textContent}`))
  assert.ok(rows.length === 2 && rows.every((r) => /^query\.run error\./.test(r)), `${rows}`)
  assert.equal((await views()).find((v) => v.name === 'Failed queries')?.on, true)

  // Back goes to the filters before the view was opened.
  await page.goBack()
  await page.waitForURL((u) => u.search === '')
  await settled()
  assert.equal(await page.inputValue('#f-action'), '')
})

test('share and unshare a view: the other admins see it only while it is shared', async () => {
  await page.goto('/admin/activity')
  await page.waitForSelector('#ac-views[data-ready="true"]')
  await chip('Failed queries').locator('.ac-view-share').click()
  await page.waitForFunction(() => document.querySelector('#ac-view-list li[data-mine="true"] .ac-view-share')?.getAttribute('aria-pressed') === 'true')
  assert.equal(await chip('Failed queries').locator('.ac-view-share').textContent(), 'shared')
  const seen = (await apiViews(bo.token)).find((v) => v.name === 'Failed queries')
  assert.deepEqual([seen?.mine, seen?.shared], [false, true], 'bo sees it, read-only')

  await chip('Failed queries').locator('.ac-view-share').click()
  await page.waitForFunction(() => document.querySelector('#ac-view-list li[data-mine="true"] .ac-view-share')?.getAttribute('aria-pressed') === 'false')
  assert.equal((await apiViews(bo.token)).some((v) => v.name === 'Failed queries'), false)
  const changes = await s.svc.store.audit.find({ action: 'saved_view.update' })
  assert.deepEqual(changes.map((r) => [r.params_before?.shared, r.params?.shared]), [[true, false], [false, true]], 'each change audited with the state before')
})

test('a taken name is refused in place; a name is text; deleting a view asks once, then it is gone', async () => {
  await page.goto('/admin/activity?client_kind=api')
  await page.waitForSelector('#ac-views[data-ready="true"]')
  await page.fill('#ac-view-name', 'Failed queries')
  await page.click('#ac-view-save')
  await page.waitForSelector('#ac-view-error:not([hidden])')
  assert.equal(await page.textContent('#ac-view-error'), 'Could not save the view: you already have a view called "Failed queries"')

  await page.fill('#ac-view-name', XSS_NAME)
  await page.check('#ac-view-shared')
  await page.click('#ac-view-save')
  await page.waitForFunction((n) => [...document.querySelectorAll('#ac-view-list .ac-view-open')].some((b) => b.textContent === n), XSS_NAME)
  assert.equal(await page.isVisible('#ac-view-error'), false, 'the error is cleared by the next success')
  assert.equal(await page.$('#ac-view-list img'), null)
  assert.equal(await chip(XSS_NAME).locator('.ac-view-share').textContent(), 'shared', 'saved shared when asked')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.locator('#ac-views').scrollIntoViewIfNeeded()
  await page.screenshot({ path: `${process.cwd()}/test-output/screenshots/saved-views-390.png` })
  await page.setViewportSize({ width: 1400, height: 900 })

  await chip(XSS_NAME).locator('.ac-view-del').click()
  await chip(XSS_NAME).locator('.ac-view-del-confirm').waitFor()
  await chip(XSS_NAME).locator('.ac-view-del-cancel').click()
  await chip(XSS_NAME).locator('.ac-view-del').waitFor()
  await chip(XSS_NAME).locator('.ac-view-del').click()
  await chip(XSS_NAME).locator('.ac-view-del-confirm').click()
  await page.waitForFunction((n) => ![...document.querySelectorAll('#ac-view-list .ac-view-open')].some((b) => b.textContent === n), XSS_NAME)
  assert.deepEqual((await apiViews(admin.token)).map((v) => v.name).sort(), ['Errors of the day', 'Failed queries'])
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined)
  assert.deepEqual(pageErrors.filter((e) => !/^409 .*\/api\/admin\/activity\/views$/.test(e)), [], 'no script errors besides the refused name')
})
