// The Activity Center page (/admin/activity) in a real, headless Chromium: pulse, timeline, URL-held filters,
// drawer with related records and raw reveal, sync grid, polling, XSS safety, guards and redirects.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer, waitForSyncJob } from '../helpers.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'
import { screenshot, assertAdminOnly, openSignedIn } from './browser.ts'

const XSS_GROUP = '<img src=x onerror="window.__xss=1">'
const XSS_SQL = "SELECT '<script>window.__xss=1</script>' AS x, count(*) AS n FROM orders"

let s: TestServer
let admin: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  const sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,customer,amount\n1,acme,120.50\n2,globex,80.00\n3,acme,42.25\n')

  const ana = await s.addUser(admin.token, 'ana@example.com', { password: 'ana-password-1' })
  const ben = await s.addUser(admin.token, 'ben@example.com')
  const t = (body: unknown) => call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body })
  assert.equal((await t({ id: 'orders', source: { kind: 'file', path: join(sources, 'orders.csv') }, sync_interval_minutes: 60 })).status, 201)
  assert.equal((await t({ id: 'never_synced', source: { kind: 'file', path: join(sources, 'orders.csv') } })).status, 201)
  assert.equal((await t({ id: 'broken', source: { kind: 'file', path: join(sources, 'missing.csv') } })).status, 201)
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['orders', 'broken'] } })
  assert.equal(trig.status, 202, trig.text)
  await waitForSyncJob(s.url, admin.token, trig.body.job_id)

  const g = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: XSS_GROUP } })
  assert.equal(g.status, 201, g.text)
  await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token: admin.token, body: { user_id: ana.userId } })
  await call(s.url, 'POST', '/api/admin/grants', { token: admin.token, body: { group_id: g.body.id, resource: 'table:orders', permission: 'read' } })

  const q = (token: string, sql: string, ua?: string) => call(s.url, 'POST', '/api/query', { token, body: { sql }, headers: ua ? { 'user-agent': ua } : {} })
  assert.equal((await q(ana.token, 'SELECT count(*) FROM orders', 'agnes-cli/0.1.0')).status, 200)
  assert.equal((await q(ben.token, 'SELECT * FROM orders')).status, 403)
  assert.equal((await q(admin.token, XSS_SQL)).status, 200)
  assert.equal((await q(admin.token, 'SELECT * FROM no_such_table')).status, 400, 'the one failing request')
  // Enough rows for a second page (the page loads 50 at a time).
  for (let i = 0; i < 52; i++) assert.equal((await q(ana.token, `SELECT ${i} AS i`, 'claude-code/1.0')).status, 200)
  await runJobOnce(s.svc, coreJobs(s.svc).find((j) => j.name === 'sync_due')!)

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

const rowActions = (p = page) => p.$$eval('#ac-rows tr.ac-row td.c-action', (tds) => tds.map((td) => td.textContent ?? ''))
const rowResults = (p = page) => p.$$eval('#ac-rows tr.ac-row td.c-result', (tds) => tds.map((td) => td.textContent ?? ''))
const rowCount = () => page.$$eval('#ac-rows tr.ac-row', (trs) => trs.length)
/** Waits until the timeline has been (re)loaded for the URL's filters. */
const settled = () => page.waitForFunction(() => {
  const t = document.getElementById('ac-table')
  return t && t.style.opacity === '' && !document.querySelector('#ac-rows tr.ac-empty')?.textContent?.startsWith('Loading')
})

test('the page shows the health pulse (8 fields and a sentence), KPIs, facets and timeline rows', async () => {
  await page.goto('/admin/activity')
  await page.waitForFunction(() => document.querySelectorAll('#ac-fields .ac-field').length === 8)
  const keys = await page.$$eval('#ac-fields .ac-field', (els) => els.map((e) => e.getAttribute('data-key')))
  assert.deepEqual(keys.sort(), ['active_users_today', 'audit_chain', 'audit_writes', 'diagnose_warnings', 'memory_pipeline', 'scheduler', 'session_ingest', 'sync_24h'])
  const sentence = await page.textContent('#ac-sentence')
  assert.ok(sentence && sentence.length > 10 && !sentence.startsWith('Loading'), `sentence: ${sentence}`)
  await settled()
  assert.ok((await rowCount()) >= 20, 'timeline rows are shown')
  assert.ok((await rowActions()).includes('query.run'))
  await page.waitForSelector('#ac-kpis .ac-kpi')
  assert.equal(await page.$$eval('#ac-kpis .ac-kpi', (k) => k.length), 5)
  await page.waitForSelector('#ac-facets .ac-facet')
  assert.ok(await page.$('#ac-facets .ac-facet[data-filter="result_class"][data-value="error"]'), 'a result facet for errors')
  assert.equal(await page.isVisible('#ac-more'), true, 'more than one page: load more is offered')
  await screenshot(page, 'activity-overview')
})

test('a filter changes the URL and the rows; reload keeps it; load more appends the next page', async () => {
  await page.selectOption('#f-result', 'error')
  await page.waitForURL(/result_class=error/)
  await settled()
  const results = await rowResults()
  assert.ok(results.length >= 1)
  assert.ok(results.every((r) => r.startsWith('error')), `only errors: ${results}`)
  const actions = await rowActions()
  // The failing query, and the run of the table whose sync failed (each table run is an audit row of its own).
  assert.deepEqual([...actions].sort(), ['query.run', 'sync.run'], 'the failing query and the failed table run are the only errors')
  // The head's early script asks for the rows while the page is parsed; the page takes that answer instead of asking
  // again (an audited read each).
  const asked: string[] = []
  const onRequest = (r: { url(): string }) => {
    if (r.url().includes('/api/admin/activity/timeline')) asked.push(new URL(r.url()).search)
  }
  page.on('request', onRequest)
  await page.reload()
  await settled()
  page.off('request', onRequest)
  assert.deepEqual(asked, ['?result_class=error&limit=50'], 'the first rows are asked for once, with the URL\'s filter')
  assert.equal(await page.inputValue('#f-result'), 'error', 'the filter control is restored from the URL')
  assert.deepEqual([...(await rowActions())].sort(), ['query.run', 'sync.run'])
  assert.match((await page.getAttribute('#ac-export-csv', 'href')) ?? '', /^\/api\/admin\/activity\/export\?result_class=error&format=csv$/, 'export follows the filter')
  await screenshot(page, 'activity-filter-errors')

  // A range preset sets an ISO start the API accepts, shown in the From field.
  await page.click('.ac-chip[data-range="1"]')
  await page.waitForURL(/since=/)
  await settled()
  assert.deepEqual([...(await rowActions())].sort(), ['query.run', 'sync.run'])
  assert.notEqual(await page.inputValue('#f-since'), '')
  assert.equal(await page.isVisible('#ac-banner'), false, 'no error from the API')

  // Facet click adds a filter; Back removes it again (pushState).
  await page.goto('/admin/activity?action_prefix=query.run')
  await settled()
  assert.equal(await rowCount(), 50)
  await page.click('#ac-more')
  await page.waitForFunction(() => document.querySelectorAll('#ac-rows tr.ac-row').length > 50)
  assert.equal(await rowCount(), 56, 'all query.run rows after load more')
  await page.waitForSelector('#ac-more', { state: 'hidden' })
  await page.click('#ac-facets .ac-facet[data-filter="client_kind"][data-value="cli"]')
  await page.waitForURL(/client_kind=cli/)
  await settled()
  assert.equal(await rowCount(), 1)
  await page.goBack()
  await page.waitForURL((u) => !u.search.includes('client_kind'))
  await settled()
  assert.equal(await page.inputValue('#f-client'), '')
  assert.equal(await rowCount(), 50)
})

test('clicking a sync.trigger row opens the drawer with params and its sync_history records; Show raw reveals unmasked params', async () => {
  await page.goto('/admin/activity?action_prefix=sync.trigger')
  await settled()
  await page.click('#ac-rows tr.ac-row')
  await page.waitForSelector('#ac-drawer .ac-related')
  assert.match(await page.url(), /event=\d+/, 'the open event is in the URL')
  assert.equal(await page.textContent('#ac-drawer-title'), 'sync.trigger')
  assert.match((await page.textContent('#ac-params')) ?? '', /"job_id"/)
  const kinds = await page.$$eval('#ac-drawer .ac-related', (els) => els.map((e) => e.getAttribute('data-kind')))
  assert.deepEqual(kinds, ['sync_history', 'sync_history'])
  const related = await page.textContent('#ac-drawer-body')
  assert.match(related ?? '', /orders/)
  assert.match(related ?? '', /source file not found/, 'the failed table\u2019s history is there too')
  await screenshot(page, 'activity-drawer-sync')

  // A masked SQL literal, then the raw value on request.
  await page.goto('/admin/activity?action_prefix=query.run&result_class=error')
  await settled()
  await page.click('#ac-rows tr.ac-row')
  await page.waitForFunction(() => /no_such_table/.test(document.getElementById('ac-params')?.textContent ?? ''))
  const [raw] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/reveal')), page.click('#ac-raw')])
  assert.equal(raw.status(), 200)
  assert.equal(raw.request().method(), 'POST', 'revealing is a POST with the page\u2019s CSRF token, never a GET')
  await page.waitForSelector('#ac-params.raw')
  assert.equal(await page.textContent('#ac-raw'), 'Show masked')
  // The reveal is audited by the server.
  const reveals = await s.svc.store.audit.find({ action: 'audit.reveal_raw' })
  assert.equal(reveals.length, 1)
  await page.keyboard.press('Escape')
  await page.waitForSelector('#ac-drawer', { state: 'hidden' })
  assert.doesNotMatch(page.url(), /event=/)
})

test('an XSS payload stored in params shows as text and never runs', async () => {
  await page.goto('/admin/activity?action_prefix=user_group.create')
  await settled()
  await page.click('#ac-rows tr.ac-row')
  await page.waitForFunction(() => /onerror/.test(document.getElementById('ac-params')?.textContent ?? ''))
  const text = (await page.textContent('#ac-params')) ?? ''
  assert.ok(text.includes(XSS_GROUP.replace(/"/g, '\\"')), `payload shown as text: ${text}`)
  assert.equal(await page.$('#ac-drawer img'), null, 'no element was created from the payload')
  await screenshot(page, 'activity-xss-group')

  // The query's literal is masked by default; its raw value is text too.
  await page.goto(`/admin/activity?action_prefix=query.run&user_id=${admin.userId}`)
  await settled()
  const ids = await page.$$eval('#ac-rows tr.ac-row', (trs) => trs.map((t) => t.getAttribute('data-id')))
  const xssRow = (await s.svc.store.audit.find({ action: 'query.run' })).find((r) => String(r.params?.sql ?? '').includes('<script>'))
  assert.ok(xssRow && ids.includes(String(xssRow.id)), 'the query with the payload is in the timeline')
  await page.click(`#ac-rows tr.ac-row[data-id="${xssRow!.id}"]`)
  await page.waitForSelector('#ac-raw')
  await page.click('#ac-raw')
  await page.waitForSelector('#ac-params.raw')
  assert.ok(((await page.textContent('#ac-params')) ?? '').includes('<script>window.__xss=1</script>'))
  assert.equal(await page.$('#ac-drawer script'), null)

  // A payload in the URL (a shared link) is shown as text as well.
  await page.goto(`/admin/activity?resource=${encodeURIComponent(XSS_GROUP)}`)
  await settled()
  assert.equal(await page.textContent('#ac-extra code'), XSS_GROUP)
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined)
  assert.equal(await page.$('main img'), null)
})

test('polling offers new events at the top without moving the list, the open drawer or the loaded pages', async () => {
  await page.goto('/admin/activity?action_prefix=query.run')
  await settled()
  await page.click('#ac-more')
  await page.waitForFunction(() => document.querySelectorAll('#ac-rows tr.ac-row').length === 56)
  const third = await page.getAttribute('#ac-rows tr.ac-row:nth-child(3)', 'data-id')
  await page.click('#ac-rows tr.ac-row:nth-child(3)')
  await page.waitForSelector('#ac-drawer .ac-kv')
  await page.evaluate(() => window.scrollTo(0, 400))
  const scrollBefore = await page.evaluate(() => window.scrollY)

  const admin2 = admin.token
  for (let i = 0; i < 2; i++) await call(s.url, 'POST', '/api/query', { token: admin2, body: { sql: `SELECT ${100 + i}` } })
  await page.evaluate(() => (window as unknown as { agnesActivity: { poll(): Promise<void> } }).agnesActivity.poll())
  await page.waitForSelector('#ac-new:not([hidden])')
  assert.equal(await page.textContent('#ac-new'), '2 new events · show')
  assert.equal(await rowCount(), 56, 'loaded pages are kept')
  assert.equal(await page.evaluate(() => window.scrollY), scrollBefore, 'scroll position is kept')
  assert.equal(await page.isVisible('#ac-drawer'), true, 'the drawer stays open')
  assert.match(page.url(), new RegExp(`event=${third}`))
  await screenshot(page, 'activity-new-events')

  await page.click('#ac-new')
  assert.equal(await rowCount(), 58)
  assert.equal(await page.isVisible('#ac-new'), false)
  assert.equal(await page.getAttribute('#ac-rows tr.ac-row:nth-child(5)', 'data-id'), third)
  assert.equal(await page.isVisible('#ac-rows tr.ac-row.open'), true, 'the open row stays marked')
  await page.click('#ac-drawer-close')
})

test('the Sync tab shows the grid: success, error with its message, and never-synced tables', async () => {
  await page.goto('/admin/activity')
  await page.click('.ac-tab[data-tab="sync"]')
  await page.waitForURL(/tab=sync/)
  await page.waitForSelector('#ac-sync-rows tr[data-table]')
  const grid = await page.$$eval('#ac-sync-rows tr[data-table]', (trs) => trs.map((tr) => ({
    id: tr.getAttribute('data-table'), cls: tr.className, text: tr.textContent ?? '',
  })))
  const by = Object.fromEntries(grid.map((g) => [g.id, g]))
  assert.deepEqual(Object.keys(by).sort(), ['broken', 'never_synced', 'orders'])
  assert.match(by.orders.text, /success/)
  assert.match(by.never_synced.text, /never synced/)
  assert.match(by.never_synced.cls, /never/)
  assert.match(by.broken.cls, /failed/)
  assert.match(by.broken.text, /source file not found/)
  await screenshot(page, 'activity-sync')

  // Overdue needs time to pass; its display is checked with a stand-in answer from the API.
  const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString()
  await page.route('**/api/admin/activity/sync', (route) => route.fulfill({ json: { tables: [
    { table_id: 'late', last_run_at: ago(200), status: 'success', rows: 10, duration_ms: 40, error: null, runs_24h: 1, failures_24h: 0, next_expected_at: ago(140), overdue: true },
    { table_id: 'fresh', last_run_at: null, status: 'never', rows: null, duration_ms: null, error: null, runs_24h: 0, failures_24h: 0, next_expected_at: ago(-30), overdue: false },
  ] } }))
  await page.evaluate(() => (window as unknown as { agnesActivity: { poll(): Promise<void> } }).agnesActivity.poll())
  await page.waitForSelector('#ac-sync-rows tr.overdue[data-table="late"] .ac-flag')
  assert.match((await page.textContent('#ac-sync-summary')) ?? '', /1 overdue · 1 never synced/)
  await screenshot(page, 'activity-sync-overdue')
  await page.unroute('**/api/admin/activity/sync')

  await page.reload()
  assert.equal(await page.isVisible('#ac-panel-sync'), true, 'the tab is kept on reload')
  // A table name leads to its events.
  await page.click('#ac-sync-rows tr[data-table="orders"] button')
  await page.waitForURL(/resource=table%3Aorders/)
  await settled()
  const actions = await rowActions()
  assert.ok(actions.includes('table.register') && actions.includes('query.run'), `${actions}`)
})

test('a health field click filters the timeline with its click_filter', async () => {
  await page.goto('/admin/activity')
  await page.waitForSelector('#ac-fields button.ac-field[data-key="scheduler"]')
  await page.click('#ac-fields button.ac-field[data-key="scheduler"]')
  await page.waitForURL(/action_prefix=run_/)
  await settled()
  const actions = await rowActions()
  assert.ok(actions.length >= 1 && actions.every((a) => a.startsWith('run_')), `${actions}`)
})

test('/admin/scheduler-runs lands on the timeline filtered to run_ actions', async () => {
  const r = await call(s.url, 'GET', '/admin/scheduler-runs', { token: admin.token })
  assert.equal(r.status, 302)
  assert.equal(r.headers.get('location'), '/admin/activity?action_prefix=run_')
  await page.goto('/admin/scheduler-runs')
  assert.match(page.url(), /\/admin\/activity\?action_prefix=run_$/)
  await settled()
  assert.equal(await page.inputValue('#f-action'), 'run_')
  assert.deepEqual(await rowActions(), ['run_sync_due'])
})

test('/activity-center answers 308 to /admin/activity', async () => {
  const r = await call(s.url, 'GET', '/activity-center', { token: admin.token })
  assert.equal(r.status, 308)
  assert.equal(r.headers.get('location'), '/admin/activity')
  await page.goto('/activity-center')
  assert.equal(new URL(page.url()).pathname, '/admin/activity')
})

test('a non-admin gets 403 for the page and its API', async () => {
  await assertAdminOnly(browser, s.url, { email: 'ana@example.com', password: 'ana-password-1' }, { pages: ['/admin/activity'], api: '/api/admin/activity/timeline', screenshotName: 'activity-forbidden' })
})

test('static files: content types, caching, and nothing outside the folder', async () => {
  const js = await fetch(`${s.url}/static/activity.js`)
  assert.equal(js.status, 200)
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/)
  assert.equal(js.headers.get('cache-control'), 'no-cache')
  const etag = js.headers.get('etag')!
  assert.equal((await fetch(`${s.url}/static/activity.js`, { headers: { 'if-none-match': etag } })).status, 304)
  const html = await (await fetch(`${s.url}/admin/activity`, { headers: { authorization: `Bearer ${admin.token}` } })).text()
  const cssUrl = /href="(\/static\/activity\.css\?v=[0-9a-f]+)"/.exec(html)?.[1]
  assert.ok(cssUrl, 'the page links a versioned stylesheet')
  const css = await fetch(s.url + cssUrl)
  assert.match(css.headers.get('content-type') ?? '', /^text\/css/)
  assert.match(css.headers.get('cache-control') ?? '', /immutable/)
  for (const bad of ['..%2Fapp.ts', '..%2F..%2Fconfig.ts', '.hidden.js', 'nope.js', 'activity.ts']) {
    assert.equal((await fetch(`${s.url}/static/${bad}`)).status, 404, bad)
  }
  assert.deepEqual(pageErrors.filter((e) => !/favicon/.test(e)), [], 'no script errors or CSP violations on the admin pages')
})
