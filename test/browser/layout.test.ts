// Every page at a laptop's 1440×900 and a phone's 390×844 in a real, headless Chromium: nothing scrolls sideways (the
// page, or a table behind its own scroll bar), including the dashboard's tokens (a new one shown), the health strip on
// every admin page, the saved views and a pulse card's explanation; the navigation stays on screen, the phone's first
// screen is not all health cards, times follow the one convention, and /favicon.ico is served. A screenshot of each page at each width
// is saved under test-output/screenshots/layout-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startTestServer, call, type TestServer, waitForSyncJob } from '../helpers.ts'
import { screenshot, SCREENSHOTS, openSignedIn } from './browser.ts'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'real')
const TRANSCRIPT = 'marot__spotter__tool_heavy.jsonl'
const WIDTHS = [
  { name: '1440', width: 1440, height: 900 },
  { name: '390', width: 390, height: 844 },
] as const

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let reportId = ''
let groupId = ''
let browser: Browser
let context: BrowserContext
let page: Page
let pageErrors: string[]

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana.with.a.rather.long.address@example.com', { password: 'ana-password-1' })
  const sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,customer,amount\n1,acme,120.50\n2,globex,80.00\n')
  const t = (body: unknown) => call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body })
  assert.equal((await t({ id: 'orders', source: { kind: 'file', path: join(sources, 'orders.csv') }, sync_interval_minutes: 60 })).status, 201)
  assert.equal((await t({ id: 'customer_lifetime_value_by_region_and_month', source: { kind: 'file', path: join(sources, 'missing.csv') } })).status, 201)
  for (let i = 0; i < 3; i++) {
    const trig = await call(s.url, 'POST', '/api/sync/trigger', { token: admin.token, body: { tables: ['orders', 'customer_lifetime_value_by_region_and_month'] } })
    assert.equal(trig.status, 202, trig.text)
    await waitForSyncJob(s.url, admin.token, trig.body.job_id)
  }
  // Long values in every column of the timeline: a long e-mail, a long resource, a long error result.
  assert.equal((await call(s.url, 'POST', '/api/query', { token: ana.token, body: { sql: 'SELECT * FROM orders' } })).status, 403)
  assert.equal((await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT * FROM no_such_table_with_a_long_name' } })).status, 400)
  for (let i = 0; i < 8; i++) await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: `SELECT ${i} AS i, count(*) FROM orders` } })
  const up = await call(s.url, 'POST', `/api/upload/sessions?filename=${TRANSCRIPT}`, { token: ana.token, rawBody: readFileSync(join(FIXTURES, TRANSCRIPT)), headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(up.status, 201, up.text)
  assert.equal((await call(s.url, 'POST', '/api/admin/run-session-processor?processor=failure_scan', { token: admin.token, body: {} })).status, 200)
  assert.equal((await call(s.url, 'POST', '/api/admin/run-session-processor?processor=costs', { token: admin.token, body: {} })).status, 200)
  const excerpt = readFileSync(join(FIXTURES, TRANSCRIPT), 'utf8').split('\n').slice(-30).join('\n')
  const report = await call(s.url, 'POST', '/api/feedback', {
    token: ana.token,
    body: {
      ack_preview: true, message: 'The loader keeps failing on the orders table with a very long message that should wrap on a phone instead of widening the page',
      session_excerpt: excerpt, session_file: `ana.with.a.rather.long.address/${TRANSCRIPT}`,
      environment: { agnes_cli_version: '0.1.0', os: 'linux', node_version: 'v20.20.2', claude_code_version: '2.1.39' }, tags: ['loader'],
    },
  })
  assert.equal(report.status, 201, report.text)
  reportId = report.body.id
  // A saved view with a long name beside the filter bar, and one another admin shared.
  const view = (token: string, body: unknown) => call(s.url, 'POST', '/api/admin/activity/views', { token, body })
  assert.equal((await view(admin.token, { name: 'Failed table syncs of the customer lifetime value tables, by region', filters: { action_in: 'sync.run', result_class: 'error' } })).status, 201)
  const other = await s.addUser(admin.token, 'second.admin.with.a.long.address@example.com', { is_admin: true })
  assert.equal((await view(other.token, { name: 'Errors', filters: { result_class: 'error' }, shared: true })).status, 201)
  // A script with a long query on the Registry page, and a template open on Server config.
  const script = await call(s.url, 'POST', '/api/admin/scripts', { token: admin.token, body: { id: 'revenue_by_customer_and_region_with_a_long_name', schedule: '0 6 * * *', sql: 'SELECT customer, sum(amount) AS revenue, count(*) AS orders_placed, min(amount) AS smallest_order, max(amount) AS largest_order FROM orders GROUP BY customer ORDER BY revenue DESC' } })
  assert.equal(script.status, 201, script.text)
  assert.equal((await call(s.url, 'PUT', '/api/admin/templates/setup_prompt', { token: admin.token, body: { content: 'Welcome to the analytics team. Install the command line, then run agnes login with the token from your dashboard.\n'.repeat(3) } })).status, 200)
  // A group with a member and a table, opened on the Access page; Ana opened on the Users page.
  const group = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'analysts of the customer lifetime value tables', description: 'Finance and the people who model regional revenue' } })
  groupId = group.body.id
  assert.equal((await call(s.url, 'POST', `/api/admin/groups/${groupId}/members`, { token: admin.token, body: { user_id: ana.userId } })).status, 201)
  assert.equal((await call(s.url, 'POST', '/api/admin/grants', { token: admin.token, body: { group_id: groupId, resource: 'table:customer_lifetime_value_by_region_and_month', permission: 'read' } })).status, 201)

  ;({ browser, context, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

/** What scrolls sideways: the page itself, and any table or chart box whose content is wider than the box. */
async function sidewaysOverflow(p: Page) {
  return p.evaluate(() => {
    const doc = document.documentElement
    const boxes = [...document.querySelectorAll<HTMLElement>('.ac-table-wrap, .sx-table-wrap, .db-table-wrap, .pa-table-wrap, .mg-table-wrap, .ac-chart, .card, .hs, .ac-explain, header.top, main')]
      .filter((b) => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
      .map((b) => `${b.tagName.toLowerCase()}${b.id ? `#${b.id}` : ''}.${[...b.classList].join('.')} ${b.scrollWidth}>${b.clientWidth}`)
    // Elements that stick out past the right edge of the window (a page that clips them would hide the overflow).
    const out = [...document.querySelectorAll<HTMLElement>('main *, header.top *')]
      .filter((e) => {
        if (!e.getClientRects().length) return false
        const r = e.getBoundingClientRect()
        // Inside a box that scrolls on purpose (the heatmap), the box is what counts.
        return r.width > 0 && r.right > window.innerWidth + 1 && !e.closest('.sx-heat-scroll, .ac-drawer')
      })
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`)
    return { pageWidth: doc.scrollWidth, viewport: window.innerWidth, boxes, out }
  })
}

interface PageCase {
  name: string
  path: () => string
  /** Waits until the page shows its data. */
  ready: (p: Page) => Promise<unknown>
  signedOut?: boolean
}

const PAGES: PageCase[] = [
  { name: 'login', path: () => '/login', ready: (p) => p.waitForSelector('#email'), signedOut: true },
  { name: 'dashboard', path: () => '/', ready: (p) => p.waitForSelector('#db-tokens[data-ready="true"]') },
  {
    name: 'dashboard-new-token', path: () => '/',
    ready: async (p) => {
      await p.waitForSelector('#db-tokens[data-ready="true"]')
      await p.fill('#db-token-name', 'a laptop with a rather long name that should wrap on a phone')
      await p.click('#db-token-create')
      await p.waitForSelector('#db-token-new:not([hidden])')
    },
  },
  {
    name: 'activity-timeline', path: () => '/admin/activity',
    ready: (p) => p.waitForFunction(() => document.querySelectorAll('#ac-rows tr.ac-row').length > 5 && document.querySelector('#ac-chart')?.getAttribute('data-ready') === 'true' && document.querySelectorAll('#ac-kpis .ac-kpi').length === 5 && document.querySelectorAll('#ac-fields .ac-field').length > 0),
  },
  {
    name: 'activity-errors', path: () => '/admin/activity?result_class=error',
    ready: (p) => p.waitForFunction(() => document.querySelectorAll('#ac-rows tr.ac-row').length >= 1 && document.querySelector('#ac-chart')?.getAttribute('data-ready') === 'true'),
  },
  {
    name: 'activity-views-explained', path: () => '/admin/activity?action_in=sync.run&result_class=error',
    ready: async (p) => {
      await p.waitForSelector('#ac-view-list li.ac-view.on')
      await p.waitForSelector('#ac-fields[data-ready="true"]')
      await p.click('#pulse-diagnose_warnings')
      await p.waitForSelector('#ac-pulse-explain:not([hidden]) .ac-explain-row')
    },
  },
  { name: 'activity-sync', path: () => '/admin/activity?tab=sync', ready: (p) => p.waitForSelector('#ac-sync-rows tr[data-table] .ac-run') },
  { name: 'activity-usage', path: () => '/admin/activity?tab=usage', ready: (p) => p.waitForSelector('#ac-panel-usage[data-ready="true"]') },
  { name: 'activity-queries', path: () => '/admin/activity?tab=queries', ready: (p) => p.waitForSelector('#qs-rows[data-ready="true"]') },
  { name: 'activity-performance', path: () => '/admin/activity?tab=performance&pf_route=%2Fapi%2Fquery&pf_method=POST', ready: (p) => p.waitForSelector('#pf-routes[data-ready="true"]') },
  {
    name: 'activity-drawer', path: () => '/admin/activity?action_prefix=sync.',
    ready: async (p) => {
      await p.waitForSelector('#ac-rows tr.ac-row')
      await p.click('#ac-rows tr.ac-row')
      await p.waitForSelector('#ac-drawer .ac-kv')
    },
  },
  { name: 'activity-changes', path: () => '/admin/activity?tab=changes', ready: (p) => p.waitForSelector('#ch-list[data-ready="true"] li.ch-item') },
  {
    // The transcript's responses are from February 2026.
    name: 'activity-costs', path: () => '/admin/activity?tab=costs&co_since=2026-01-01&co_until=2026-02-28',
    ready: (p) => p.waitForSelector('#co-chart[data-ready="true"] canvas').then(() => p.waitForSelector('#co-sessions tbody tr[data-key]')),
  },
  { name: 'sessions', path: () => '/admin/sessions', ready: (p) => p.waitForFunction(() => document.querySelectorAll('#sx-rows tr.sx-row').length >= 1 && document.querySelector('#sx-heatmap svg')) },
  { name: 'session-replay', path: () => `/admin/sessions/ana.with.a.rather.long.address/${TRANSCRIPT}`, ready: (p) => p.waitForSelector('#replay[data-ready="true"]') },
  { name: 'feedback', path: () => '/admin/feedback', ready: (p) => p.waitForSelector('#fb-rows li.fb-row') },
  { name: 'feedback-report', path: () => `/admin/feedback?id=${reportId}`, ready: (p) => p.waitForSelector('#fb-detail[data-ready="true"] #fb-d-excerpt .sx-ev') },
  { name: 'registry', path: () => '/admin/registry?table=customer_lifetime_value_by_region_and_month', ready: (p) => p.waitForSelector('#registry[data-ready="true"] tr.marked') },
  { name: 'server-config', path: () => '/admin/server-config?template=setup_prompt', ready: (p) => p.waitForSelector('#server-config[data-ready="true"] details.sc-template[open]') },
  { name: 'users', path: () => `/admin/users?user=${ana.userId}`, ready: (p) => p.waitForSelector('#users[data-ready="true"]').then(() => p.waitForSelector('#us-detail[data-ready="true"]')) },
  { name: 'access', path: () => `/admin/access?group=${groupId}`, ready: (p) => p.waitForSelector('#ax-detail[data-ready="true"]') },
]

for (const size of WIDTHS) {
  test(`no page scrolls sideways at ${size.width}×${size.height}; a screenshot of each is saved${size.width >= 1000 ? '; the health strip tops every admin page and no other' : ''}`, async () => {
    const anon = await browser.newContext({ baseURL: s.url, viewport: { width: size.width, height: size.height } })
    await page.setViewportSize({ width: size.width, height: size.height })
    try {
      const problems: string[] = []
      for (const c of PAGES) {
        const p = c.signedOut ? await anon.newPage() : page
        await p.goto(c.path())
        await c.ready(p)
        await p.evaluate(() => document.fonts.ready)
        const o = await sidewaysOverflow(p)
        if (o.pageWidth > o.viewport) problems.push(`${c.name}: the page is ${o.pageWidth} px wide in a ${o.viewport} px window`)
        if (o.boxes.length) problems.push(`${c.name}: content wider than its box: ${o.boxes.join('; ')}`)
        if (o.out.length) problems.push(`${c.name}: past the right edge: ${o.out.join('; ')}`)
        // The navigation and the sign-out button are on screen.
        const header = await p.$$eval('header.top a, header.top button', (els) => els.map((e) => e.getBoundingClientRect().right))
        if (header.some((r) => r > size.width)) problems.push(`${c.name}: the header runs off-screen`)
        // The health strip tops every admin page and no other (checked once, at the wide size, on the same visit).
        if (size.width >= 1000 && !c.signedOut) {
          const admin = new URL(c.path(), s.url).pathname.startsWith('/admin/')
          if (!admin) {
            if (await p.$('#hs')) problems.push(`${c.name}: a health strip on a page outside /admin`)
          } else {
            await p.waitForFunction(() => ['green', 'yellow', 'red'].includes(document.getElementById('hs')?.getAttribute('data-status') ?? ''))
            if ((await p.evaluate(() => document.querySelector('main')?.firstElementChild?.id)) !== 'hs') problems.push(`${c.name}: the health strip is not first`)
            if (!/^\/admin\/activity#(pulse-[a-z0-9_]+|ac-pulse)$/.test((await p.getAttribute('#hs-link', 'href')) ?? '')) problems.push(`${c.name}: the strip's link does not open a pulse card`)
          }
        }
        await screenshot(p, `layout-${c.name}-${size.name}`, { fullPage: true })
        // What a phone shows before any scrolling.
        if (size.width < 500) await p.screenshot({ path: join(SCREENSHOTS, `layout-${c.name}-${size.name}-first-screen.png`) })
        if (c.signedOut) await p.close()
      }
      assert.deepEqual(problems, [])
    } finally {
      await anon.close()
    }
  })
}

test('on a phone the health pulse leaves room on the first screen: only the cards that need attention show until asked', async () => {
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto('/admin/activity')
  await page.waitForFunction(() => document.querySelectorAll('#ac-fields .ac-field').length > 0)
  const all = await page.$$eval('#ac-fields .ac-field', (els) => els.length)
  const pulse = await page.$eval('#ac-pulse', (e) => e.getBoundingClientRect())
  assert.ok(pulse.height < 844 * 0.4, `the pulse is ${Math.round(pulse.height)} px high`)
  const filtersTop = await page.$eval('#ac-filters', (e) => e.getBoundingClientRect().top)
  assert.ok(filtersTop < 844, 'the filters start on the first screen')
  const shown = () => page.$$eval('#ac-fields .ac-field', (els) => els.filter((e) => getComputedStyle(e).display !== 'none').map((e) => e.getAttribute('data-key')))
  const green = await page.$$eval('#ac-fields .ac-field.c-green', (els) => els.length)
  assert.equal((await shown()).length, all - green)
  if (green) {
    await page.click('#ac-pulse-more')
    assert.equal((await shown()).length, all, 'all cards after "Show all"')
    await page.click('#ac-pulse-more')
  }
  // The first screen at 390 px shows the whole menu.
  const nav = await page.$$eval('header.top nav a', (els) => els.map((e) => { const r = e.getBoundingClientRect(); return r.right <= 390 && r.bottom <= 844 && r.width > 0 }))
  assert.deepEqual(nav, nav.map(() => true))
  assert.ok(nav.length >= 6, `the whole admin menu: ${nav.length} links`)
  await page.setViewportSize({ width: 1440, height: 900 })
})

test('at 1440 px the timeline shows every column without cutting a result badge', async () => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto('/admin/activity?result_class=error')
  await page.waitForSelector('#ac-rows tr.ac-row')
  const cells = await page.$$eval('#ac-table th', (ths) => ths.map((th) => { const r = th.getBoundingClientRect(); return { text: th.textContent, right: r.right } }))
  const box = await page.$eval('.ac-timeline', (e) => e.getBoundingClientRect().right)
  assert.deepEqual(cells.map((c) => c.text), ['Time', 'User', 'Action', 'Resource', 'Result', 'Duration', 'Client'])
  assert.ok(cells.every((c) => c.right <= box + 1), `every column inside the ${Math.round(box)} px box: ${JSON.stringify(cells)}`)
  const cut = await page.$$eval('#ac-rows .ac-badge', (bs) => bs.filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent))
  assert.deepEqual(cut, [], 'no result badge is cut')
})

test('times follow one convention: relative or absolute text, the absolute UTC time on hover', async () => {
  for (const path of ['/admin/activity', '/admin/activity?tab=sync', '/admin/sessions', `/admin/feedback?id=${reportId}`]) {
    await page.goto(path)
    await page.waitForSelector('time.t')
    const times = await page.$$eval('time.t', (ts) => ts.map((t) => ({ text: t.textContent ?? '', title: t.getAttribute('title') ?? '' })))
    assert.ok(times.length > 0, path)
    for (const t of times) {
      assert.match(t.title, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/, `${path}: title ${t.title}`)
      assert.match(t.text, /^(just now|\d+ (s|min|h|d) ago|in \d+ (s|min|h|d)|\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC)$/, `${path}: text ${t.text}`)
    }
  }
})

test('/favicon.ico is served on every page, and the pages link it', async () => {
  const ico = await fetch(`${s.url}/favicon.ico`)
  assert.equal(ico.status, 200)
  assert.equal(ico.headers.get('content-type'), 'image/x-icon')
  const bytes = Buffer.from(await ico.arrayBuffer())
  assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 1, 0], 'an ICO file')
  await page.goto('/')
  assert.equal(await page.getAttribute('link[rel="icon"][sizes="any"]', 'href'), '/favicon.ico')
  assert.deepEqual(pageErrors, [], 'no script errors, CSP violations or failed loads on any page')
})
