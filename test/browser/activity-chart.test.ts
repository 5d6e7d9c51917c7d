// The Activity Center's charts in a real, headless Chromium: the events-over-time chart drawn with data (its bars on
// the canvas, its totals those of the timeline), its brush setting the time range (the URL, the table and the KPIs
// follow), each KPI's change against the previous period, and the sync grid's strip of recent runs.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer, waitForSyncJob } from '../helpers.ts'
import { screenshot, openSignedIn } from './browser.ts'

const HOUR = 3600_000
let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]
/** When the dated downloads below happened. */
const now = Date.now()
const downloadsAt = Array.from({ length: 5 }, (_, i) => now - 6 * HOUR + i * 60_000)
const earlierAt = Array.from({ length: 4 }, (_, i) => now - 30 * HOUR + i * 60_000)

/** An audit row as the audit writer writes it for a request at `at`: a CSV download of orders by Ana. */
function download(at: number, result = 'success') {
  return s.svc.audit.record({
    timestamp: new Date(at).toISOString(), action: 'data.download', result, user_id: ana.userId, user_email: 'ana@example.com',
    resource: 'table:orders', params: { format: 'csv' }, duration_ms: 20, client_ip: '127.0.0.1', client_kind: 'cli', correlation_id: `dl-${at}`,
  })
}

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  const sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,amount\n1,10\n2,20\n')
  const t = (body: unknown) => call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body })
  assert.equal((await t({ id: 'orders', source: { kind: 'file', path: join(sources, 'orders.csv') } })).status, 201)
  assert.equal((await t({ id: 'broken', source: { kind: 'file', path: join(sources, 'missing.csv') } })).status, 201)
  for (let i = 0; i < 2; i++) {
    const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['orders', 'broken'] } })
    await waitForSyncJob(s.url, admin.token, trig.body.job_id)
  }
  // Requests now: successes, an error and a refusal, so the chart has three classes in its last bar.
  for (let i = 0; i < 6; i++) assert.equal((await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: `SELECT ${i}` } })).status, 200)
  assert.equal((await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT * FROM nowhere' } })).status, 400)
  assert.equal((await call(s.url, 'GET', '/api/admin/users', { token: ana.token })).status, 403)
  // Dated rows: five downloads six hours ago (one refused), four the day before (the previous period of "24 h").
  await Promise.all([...downloadsAt.map((at, i) => download(at, i === 4 ? 'denied' : 'success')), ...earlierAt.map((at) => download(at))])
  await s.svc.audit.drain()

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

const chartReady = () => page.waitForSelector('#ac-chart[data-ready="true"]')
/** The KPIs load once the rows are on screen; wait for the ones of the current filter. */
const kpisReady = () => page.waitForSelector('#ac-kpis[data-ready="true"]')
const settled = () => page.waitForFunction(() => {
  const t = document.getElementById('ac-table')
  return t && t.style.opacity === '' && !document.querySelector('#ac-rows tr.ac-empty')?.textContent?.startsWith('Loading')
})
const rowActions = () => page.$$eval('#ac-rows tr.ac-row td.c-action', (tds) => tds.map((td) => td.textContent ?? ''))

/** Counts canvas pixels close to a colour: the chart's bars are really drawn. */
const pixelsOf = (rgb: [number, number, number]) => page.$eval('#ac-chart canvas', (c, [r, g, b]) => {
  const canvas = c as HTMLCanvasElement
  const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
  let n = 0
  for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) < 12 && Math.abs(d[i + 1] - g) < 12 && Math.abs(d[i + 2] - b) < 12 && d[i + 3] > 200) n++
  return n
}, rgb)

test('the chart draws the timeline\u2019s events as bars stacked by result, with the same totals as the table and KPIs', async () => {
  await page.goto('/admin/activity')
  await chartReady()
  await settled()
  await kpisReady()
  const total = Number(await page.getAttribute('#ac-chart', 'data-total'))
  const events = Number(((await page.textContent('#ac-kpis [data-kpi="events"] .ac-kpi-value')) ?? '').replace(/,/g, ''))
  assert.equal(total, events, 'the chart counts what the KPIs count')
  assert.equal(await page.getAttribute('#ac-chart', 'data-bucket-seconds'), '900', 'a quarter of an hour per bar over 24 h')
  const legend = await page.$$eval('#ac-chart-legend .ac-legend-item', (els) => els.map((e) => e.textContent))
  assert.equal(legend.length, 4)
  const byClass = Object.fromEntries(legend.map((t) => (t ?? '').split(' ')).map(([k, v]) => [k, Number(v)]))
  assert.equal(byClass.Success + byClass.Error + byClass.Denied + byClass.Other, total)
  assert.ok(byClass.Error >= 3 && byClass.Denied >= 2, `errors (a query, two failed syncs) and refusals: ${legend}`)
  assert.ok((await pixelsOf([0x1f, 0x9d, 0x55])) > 20, 'green (success) bars are drawn')
  assert.ok((await pixelsOf([0xd6, 0x45, 0x45])) > 4, 'red (error) bars are drawn')
  // Hovering a bar reads its counts out as text.
  const over = (await page.$('#ac-chart .u-over'))!
  const box = (await over.boundingBox())!
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2)
  await page.waitForFunction(() => /: \d+ success/.test(document.getElementById('ac-chart-readout')?.textContent ?? ''))
  await screenshot(page, 'activity-chart')
})

test('dragging across the chart sets the time range: the URL, the table and the KPIs follow; Back undoes it', async () => {
  await page.goto('/admin/activity')
  await chartReady()
  await settled()
  const since = Date.parse((await page.getAttribute('#ac-chart', 'data-since'))!)
  const until = Date.parse((await page.getAttribute('#ac-chart', 'data-until'))!)
  const over = (await page.$('#ac-chart .u-over'))!
  const box = (await over.boundingBox())!
  const x = (t: number) => box.x + ((t - since) / (until - since)) * box.width
  // A brush from 6.5 h to 5.5 h ago: the five downloads and nothing else.
  await page.mouse.move(x(now - 6.5 * HOUR), box.y + box.height / 2)
  await page.mouse.down()
  await page.mouse.move(x(now - 6 * HOUR), box.y + box.height / 2, { steps: 4 })
  await page.mouse.move(x(now - 5.5 * HOUR), box.y + box.height / 2, { steps: 4 })
  await page.mouse.up()
  await page.waitForURL((u) => u.searchParams.has('since') && u.searchParams.has('until'))
  const url = new URL(page.url())
  const from = Date.parse(url.searchParams.get('since')!)
  const to = Date.parse(url.searchParams.get('until')!)
  assert.equal(from % (900 * 1000), 0, 'the range starts on a bar')
  assert.equal(to % (900 * 1000), 0, 'and ends on one')
  assert.ok(from <= downloadsAt[0] && to > downloadsAt[4], 'it covers the downloads')
  assert.ok(to - from <= 1.5 * HOUR, `about the hour dragged over: ${(to - from) / 60_000} min`)
  await settled()
  await chartReady()
  await kpisReady()
  assert.deepEqual(await rowActions(), ['data.download', 'data.download', 'data.download', 'data.download', 'data.download'])
  assert.equal(await page.textContent('#ac-kpis [data-kpi="events"] .ac-kpi-value'), '5')
  assert.notEqual(await page.inputValue('#f-since'), '', 'the From field shows the range')
  // The chart itself now spans the range, in finer bars.
  assert.equal(await page.getAttribute('#ac-chart', 'data-total'), '5')
  assert.equal(await page.getAttribute('#ac-chart', 'data-bucket-seconds'), '60')
  await screenshot(page, 'activity-chart-brushed')

  await page.goBack()
  await page.waitForURL((u) => !u.searchParams.has('since'))
  await settled()
  assert.ok((await rowActions()).includes('query.run'), 'Back shows the last 24 h again')
})

test('each KPI shows its change against the previous period of the same length', async () => {
  // Ana's downloads: 5 in the last 24 h (one refused), 4 in the 24 h before.
  await page.goto(`/admin/activity?action_prefix=data.download`)
  await settled()
  await page.waitForSelector('#ac-kpis [data-kpi="events"] .ac-kpi-change')
  const change = (key: string) => page.getAttribute(`#ac-kpis [data-kpi="${key}"] .ac-kpi-change`, 'data-change')
  assert.equal(await change('events'), '+25%')
  assert.match((await page.textContent('#ac-kpis [data-kpi="events"] .ac-kpi-change')) ?? '', /^▲ \+25% vs previous 24 h$/)
  assert.equal(await change('errors'), 'same')
  assert.equal(await change('active_users'), 'same')
  assert.equal(await change('p95_duration_ms'), 'same')
  assert.match((await page.getAttribute('#ac-kpis [data-kpi="events"] .ac-kpi-change', 'title')) ?? '', /^4 in the previous period: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC to /)
  await screenshot(page, 'activity-kpi-change')
})

test('the sync grid shows each table\u2019s recent runs, newest last, with the time and the error on hover', async () => {
  await page.goto('/admin/activity?tab=sync')
  await page.waitForSelector('#ac-sync-rows tr[data-table="broken"] .ac-run')
  const strip = (table: string) => page.$$eval(`#ac-sync-rows tr[data-table="${table}"] .ac-run`, (els) => els.map((e) => ({ cls: e.className, title: e.getAttribute('title') ?? '', at: e.getAttribute('data-at') ?? '' })))
  const broken = await strip('broken')
  const orders = await strip('orders')
  assert.equal(broken.length, 2)
  assert.ok(broken.every((r) => r.cls === 'ac-run failed'))
  assert.match(broken[1].title, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC · failed · .*: source file not found/)
  assert.equal(orders.length, 2)
  assert.ok(orders.every((r) => r.cls === 'ac-run ok'))
  assert.match(orders[0].title, /UTC · ok · 2 rows · /)
  assert.ok(orders[0].at <= orders[1].at, 'oldest first, newest last')
  assert.equal(await page.getAttribute('#ac-sync-rows tr[data-table="broken"] .ac-runs', 'aria-label'), 'latest 2 runs, 2 failed, newest last')
  await screenshot(page, 'activity-sync-runs')
  assert.deepEqual(pageErrors, [], 'no script errors or CSP violations')
})
