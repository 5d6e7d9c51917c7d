// The Activity Center's Usage, Queries and Performance tabs in a real, headless Chromium, on activity made through the
// API (queries by two people, one failing, downloads): each tab shows the figures its API answers for the same
// window, the Usage tab prints the API's definition of "active", and the links lead to the timeline filtered to the
// calls behind a figure (a person's counted calls, a query shape's calls, a slow request's audit rows).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer, waitForSyncJob } from '../helpers.ts'
import { screenshot, openSignedIn } from './browser.ts'

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let ben: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]

const get = (path: string) => call(s.url, 'GET', path, { token: admin.token })
const run = (token: string, sql: string) => call(s.url, 'POST', '/api/query', { token, body: { sql } })
const fmtInt = (n: number) => n.toLocaleString('en')

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  ben = await s.addUser(admin.token, 'ben@example.com')
  const sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'sales.csv'), 'region,amount\nnorth,10\nsouth,20\neast,5\n')
  assert.equal((await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'sales', source: { kind: 'file', path: 'sales.csv' } } })).status, 201)
  const g = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'analysts' } })
  for (const u of [ana, ben]) await call(s.url, 'POST', `/api/admin/groups/${g.body.id}/members`, { token: admin.token, body: { user_id: u.userId } })
  await call(s.url, 'POST', '/api/admin/grants', { token: admin.token, body: { group_id: g.body.id, resource: 'table:sales', permission: 'read' } })
  const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['sales'] } })
  await waitForSyncJob(s.url, admin.token, trig.body.job_id)

  // Ana: three queries of one shape (constants differ), a sum, a failing query and two downloads. Ben: one query of
  // Ana's first shape and a download.
  for (const r of ['north', 'south', 'east']) assert.equal((await run(ana.token, `SELECT * FROM sales WHERE region = '${r}'`)).status, 200)
  assert.equal((await run(ana.token, 'SELECT sum(amount) AS total FROM sales')).status, 200)
  assert.equal((await run(ana.token, 'SELEC broken')).status, 400)
  assert.equal((await run(ben.token, `select * from SALES where region='west'`)).status, 200)
  for (const who of [ana, ana, ben]) assert.equal((await call(s.url, 'GET', '/api/data/sales/download?format=csv', { token: who.token })).status, 200)
  // Yesterday (a dated row, as the audit writer writes it): Ben downloaded, so the last complete day has a figure.
  await s.svc.audit.record({
    timestamp: new Date(Date.now() - 86_400_000).toISOString(), action: 'data.download', result: 'success', user_id: ben.userId, user_email: 'ben@example.com',
    resource: 'table:sales', params: { format: 'csv' }, duration_ms: 12, client_ip: '127.0.0.1', client_kind: 'cli', correlation_id: 'ben-yesterday',
  })
  await s.svc.audit.drain()
  await s.app.requestMetrics.flush()

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

const text = (sel: string) => page.$eval(sel, (e) => (e.textContent ?? '').trim())
/** The timeline after a link: its rows loaded. */
const timelineRows = async () => {
  await page.waitForFunction(() => {
    const panel = document.getElementById('ac-panel-timeline')
    return panel && !panel.hidden && document.querySelector('#ac-rows tr.ac-row, #ac-rows tr.ac-empty') && !document.querySelector('#ac-rows tr.ac-empty')?.textContent?.startsWith('Loading')
  })
  return page.$$eval('#ac-rows tr.ac-row', (trs) => trs.map((tr) => tr.getAttribute('data-id')))
}

test('Usage: the API\'s figures and definition on screen, a sortable people table, each person opening the calls counted', async () => {
  await page.goto('/admin/activity?tab=usage')
  await page.waitForSelector('#ac-panel-usage[data-ready="true"]')
  const u = (await get('/api/admin/activity/usage?days=30')).body
  assert.equal(await page.getAttribute('.ac-tab[aria-selected="true"]', 'data-tab'), 'usage')
  assert.ok((await text('#us-definition')).includes(u.definition.active), 'the definition of active, as the API words it')
  assert.equal(await page.getAttribute('#us-definition', 'data-actions'), 'query.run,data.download,session.upload,sync.trigger,feedback.report')
  // Yesterday: Ben alone; both in the week and month.
  assert.deepEqual([u.summary.dau, u.summary.wau, u.summary.mau], [1, 1, 1])
  for (const k of ['dau', 'wau', 'mau'] as const) assert.equal(await text(`#us-kpis [data-kpi="${k}"] .ac-kpi-value`), fmtInt(u.summary[k]), k)
  // Stickiness: DAU summed over the 30 days (1) / 30, over MAU (1).
  assert.equal(u.summary.stickiness, 0.0333)
  assert.equal(await text('#us-kpis [data-kpi="stickiness"] .ac-kpi-value'), '3.3%')
  assert.equal(await page.getAttribute('#us-chart', 'data-days'), String(u.series.length))
  assert.ok(await page.$('#us-chart canvas'), 'the DAU/WAU/MAU chart is drawn')
  const last = u.lifecycle.at(-1)
  assert.equal(await page.$eval('#us-lifecycle li:last-child .us-figs', (e) => e.getAttribute('data-figs')), [last.active, last.new, last.returning, last.resurrecting, last.dormant].join(','))
  assert.deepEqual([last.active, last.new], [3, 3], 'admin (synced), ana and ben: all new this week')

  // The people table: the API's rows and figures; sorting by queries puts Ana first, again reverses it.
  const shown = () => page.$$eval('#us-people tbody tr[data-user]', (trs) => trs.map((tr) => [tr.getAttribute('data-user'), ...['active_days', 'queries', 'downloads', 'syncs'].map((c) => tr.querySelector(`[data-col="${c}"]`)?.textContent)]))
  const want = u.people.map((p: Record<string, number | string>) => [p.user_id, ...['active_days', 'queries', 'downloads', 'syncs'].map((c) => fmtInt(p[c] as number))])
  assert.deepEqual((await shown()).sort(), want.sort())
  await page.click('#us-people th[data-sort="queries"] button')
  assert.equal((await shown())[0][0], ana.userId)
  assert.equal(await page.getAttribute('#us-people th[data-sort="queries"]', 'aria-sort'), 'descending')
  await page.click('#us-people th[data-sort="queries"] button')
  assert.equal((await shown()).at(-1)![0], ana.userId)
  const anaRow = u.people.find((p: { user_id: string }) => p.user_id === ana.userId)
  assert.deepEqual([anaRow.queries, anaRow.downloads], [4, 2], 'the failed query does not count')
  await screenshot(page, 'activity-usage')

  // Ana's row opens the timeline on exactly the calls counted for her.
  await page.click(`#us-people tr[data-user="${ana.userId}"] a.ac-tl-link`)
  const url = new URL(page.url())
  assert.equal(url.searchParams.get('user_id'), ana.userId)
  assert.equal(url.searchParams.get('tab'), null)
  assert.equal((await timelineRows()).length, anaRow.queries + anaRow.downloads)
  // The KPI strip for that filter: one active person, the same definition.
  await page.waitForSelector('#ac-kpis[data-ready="true"]')
  assert.equal(await text('#ac-kpis [data-kpi="active_users"] .ac-kpi-value'), '1')
})

test('Queries: each order as the API sorts it, figures per shape and per table, a shape opening its calls, the user filter followed', async () => {
  await page.goto('/admin/activity?tab=queries')
  await page.waitForSelector('#qs-rows[data-ready="true"]')
  assert.equal(await page.isVisible('#ac-filter-area'), true, 'the filter bar is shown above the tab')
  const api = async (q: string) => (await get(`/api/admin/activity/queries?${q}`)).body
  const shapes = () => page.$$eval('#qs-rows tbody tr[data-fingerprint]', (trs) => trs.map((tr) => [tr.getAttribute('data-fingerprint'), ...['calls', 'errors', 'people'].map((c) => tr.querySelector(`[data-col="${c}"]`)?.firstChild?.textContent)]))
  const rowsOf = (r: { rows: Array<{ fingerprint: string; calls: number; errors: number; people: number }> }) => r.rows.map((x) => [x.fingerprint, fmtInt(x.calls), fmtInt(x.errors), fmtInt(x.people)])
  const byTime = await api('sort=total_time')
  assert.equal(byTime.total_fingerprints, 3, 'the region queries of both people are one shape; the sum and the broken query are two more')
  assert.deepEqual(await shapes(), rowsOf(byTime))
  const shape = byTime.rows.find((x: { calls: number }) => x.calls === 4)
  assert.deepEqual([shape.people, shape.errors], [2, 0])
  assert.deepEqual(await page.$$eval('#qs-tables tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-table'), tr.querySelector('[data-col="calls"]')?.textContent, tr.querySelector('[data-col="people"]')?.textContent])),
    byTime.tables.map((t: { table: string; calls: number; people: number }) => [t.table, fmtInt(t.calls), fmtInt(t.people)]))

  for (const sort of ['errors', 'calls', 'p95']) {
    await page.selectOption('#qs-sort', sort)
    await page.waitForSelector(`#qs-rows[data-ready="true"][data-sort="${sort}"]`)
    assert.deepEqual(await shapes(), rowsOf(await api(`sort=${sort}`)), sort)
  }
  const failing = (await api('sort=errors')).rows[0]
  assert.deepEqual([failing.errors, failing.calls], [1, 1], 'the most failing: the broken query')
  assert.match(await text(`#qs-rows tr[data-fingerprint="${failing.fingerprint}"] .qs-err`), /^last error error\.invalid_sql/)
  await screenshot(page, 'activity-queries')

  // The shape of four calls opens exactly them.
  await page.selectOption('#qs-sort', 'calls')
  await page.waitForSelector('#qs-rows[data-ready="true"][data-sort="calls"]')
  await page.click(`#qs-rows tr[data-fingerprint="${shape.fingerprint}"] a.ac-tl-link`)
  const url = new URL(page.url())
  assert.deepEqual([url.searchParams.get('q'), url.searchParams.get('action_in')], [shape.fingerprint, 'query.run'])
  assert.equal((await timelineRows()).length, 4)

  // With a person in the filter bar, the tab shows that person's queries, as the API does.
  await page.goto(`/admin/activity?tab=queries&user_id=${ben.userId}`)
  await page.waitForSelector('#qs-rows[data-ready="true"]')
  const bens = await api(`sort=total_time&user_id=${ben.userId}`)
  assert.deepEqual(await shapes(), rowsOf(bens))
  assert.deepEqual(bens.rows.map((x: { calls: number }) => x.calls), [1])

  // A tab's own settings stay in the URL when another tab opens and the filters change.
  await page.goto('/admin/activity?tab=usage&us_days=7')
  await page.waitForSelector('#ac-panel-usage[data-ready="true"]')
  await page.click('.ac-tab[data-tab="queries"]')
  await page.waitForSelector('#qs-rows[data-ready="true"]')
  await page.click('.ac-tab[data-tab="timeline"]')
  await page.selectOption('#f-result', 'error')
  await page.waitForFunction(() => new URLSearchParams(location.search).get('result_class') === 'error')
  const sp = new URL(page.url()).searchParams
  assert.equal(sp.get('us_days'), '7', page.url())
})

test('Performance: per-route figures against the previous window, a route\'s p95 chart, slow requests opening their audit rows, jobs and the audit writer', async () => {
  await page.goto('/admin/activity?tab=performance')
  await page.waitForSelector('#pf-routes[data-ready="true"]')
  const p = (await get('/api/admin/activity/performance')).body
  // Routes this test no longer calls keep their figures between the page's read and the API's.
  for (const key of ['POST /api/query', 'GET /api/data/:table_id/download']) {
    const r = p.routes.find((x: { method: string; route: string }) => `${x.method} ${x.route}` === key)
    const [method, route] = key.split(' ')
    const row = `#pf-routes tr[data-method="${method}"][data-route="${route}"]`
    const cell = (c: string) => page.$eval(`${row} [data-col="${c}"]`, (td) => td.firstChild?.textContent)
    assert.equal(await cell('requests'), fmtInt(r.requests), key)
    assert.equal(await cell('errors'), fmtInt(r.errors), key)
    assert.equal(await cell('client_errors'), fmtInt(r.client_errors), key)
    assert.ok(r.requests >= 3 && r.p95_ms > 0, JSON.stringify(r))
  }
  const q = p.routes.find((x: { method: string; route: string }) => x.method === 'POST' && x.route === '/api/query')
  assert.equal(q.client_errors, 1, 'the broken query')
  assert.equal(await page.$$eval('#pf-jobs tbody tr[data-job]', (trs) => trs.length), p.scheduler.length)
  for (const k of ['failed_batches', 'failed_rows', 'spool_pending_rows']) assert.equal(await text(`#pf-writer [data-key="${k}"]`), fmtInt(p.audit_writer[k]), k)
  assert.ok(Number((await text('#pf-writer [data-key="batches"]')).replaceAll(',', '')) > 0, 'the writer\'s commits are counted')

  // A route opens its p95 chart.
  await page.click('#pf-routes tr[data-method="POST"][data-route="/api/query"] td.c-route')
  await page.waitForSelector('#pf-chart[data-ready="true"][data-route="/api/query"]')
  assert.equal(new URL(page.url()).searchParams.get('pf_route'), '/api/query')
  assert.ok(await page.$('#pf-chart canvas'))
  assert.equal(await text('#pf-chart-route'), 'POST /api/query')
  await screenshot(page, 'activity-performance')

  // The slowest query request leads to its audit rows by correlation id.
  const example = q.slow_examples[0]
  assert.equal(example.audited, true)
  await page.click('#pf-routes tr[data-method="POST"][data-route="/api/query"] .pf-slow a.ac-tl-link')
  assert.equal(new URL(page.url()).searchParams.get('correlation_id'), example.correlation_id)
  const ids = await timelineRows()
  assert.equal(ids.length, 1)
  const ev = (await get(`/api/admin/activity/events/${ids[0]}`)).body.event
  assert.deepEqual([ev.action, ev.correlation_id], ['query.run', example.correlation_id])
  assert.deepEqual(pageErrors, [])
})
