// The Activity Center's Changes and Costs tabs in a real, headless Chromium, on one server: a group renamed and the
// rename reverted from the Changes tab (preview, then apply; the name is back and the rollback is itself a change), a
// change that cannot be reverted saying why, the drawer linking the record's page; the Costs tab's figures equal to the
// costs API's for uploaded transcripts, and its most expensive session leading to a replay that shows the same cost.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { screenshot, openSignedIn } from './browser.ts'

const COSTS = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'costs')
const RANGE = 'since=2026-01-01&until=2026-02-28'

let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  const bob = await s.addUser(admin.token, 'bob@example.com')
  const upload = async (token: string, filename: string, fixture = filename) => {
    const r = await call(s.url, 'POST', `/api/upload/sessions?filename=${filename}`, { token, rawBody: readFileSync(join(COSTS, fixture)), headers: { 'content-type': 'application/x-ndjson' } })
    assert.equal(r.status, 201, r.text)
  }
  for (const f of ['streamed-snapshots.jsonl', 'long-context.jsonl', 'subagent-parent.jsonl']) await upload(ana.token, f)
  await upload(ana.token, '-home-ana-shop__a4a4a4a4-0000-4000-8000-000000000004__subagents__agent-b7c1d2e.jsonl', 'agent-b7c1d2e.jsonl')
  for (const f of ['fast-geo-unknown.jsonl', 'transcript-cost.jsonl']) await upload(bob.token, f)
  assert.equal((await call(s.url, 'POST', '/api/admin/run-session-processor?processor=costs', { token: admin.token, body: {} })).status, 200)
  assert.equal((await call(s.url, 'PATCH', '/api/admin/config', { token: admin.token, body: { cost_monthly_budget_usd: 500 } })).status, 200)

  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

const changesReady = () => page.waitForSelector('#ch-list[data-ready="true"]')
const item = (action: string) => `#ch-list li.ch-item[data-action="${action}"]`

test('a rename is shown as name: old → new and reverted from the Changes tab; the rollback is a change of its own', async () => {
  const created = await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'analysts' } })
  assert.equal(created.status, 201, created.text)
  const id = created.body.id
  assert.equal((await call(s.url, 'PATCH', `/api/admin/groups/${id}`, { token: admin.token, body: { name: 'data-team' } })).status, 200)

  await page.goto(`/admin/activity?tab=changes&resource=${encodeURIComponent(`user_group:${id}`)}`)
  await changesReady()
  assert.equal(await page.isVisible('#ac-filters'), true, 'the filter bar is above the changes')
  assert.deepEqual(await page.$$eval('#ch-list li.ch-item', (els) => els.map((e) => e.getAttribute('data-action'))), ['user_group.update', 'user_group.create'])
  const rename = item('user_group.update')
  assert.deepEqual(await page.$$eval(`${rename} .ch-field`, (els) => els.map((e) => [e.getAttribute('data-field'), e.querySelector('.ch-before')?.textContent, e.querySelector('.ch-after')?.textContent])),
    [['name', '"analysts"', '"data-team"']])
  assert.match((await page.textContent(`${rename} .ch-head`)) ?? '', /admin@example\.com.*api/s, 'who and from which client')
  assert.equal(await page.getAttribute(`${rename} a.ch-resource`, 'href'), `/admin/access?group=${id}`)

  // The rows of the same operation: the request's own audit row among them.
  await page.click(`${rename} [data-action="related"]`)
  await page.waitForSelector(`${rename} .ch-related li.ch-rel.self`)

  // Preview first: nothing changes yet.
  await page.click(`${rename} [data-action="revert"]`)
  await page.waitForSelector(`${rename} .ch-rollback[data-state="preview"]`)
  assert.match((await page.textContent(`${rename} .ch-rollback`)) ?? '', /would revert/)
  assert.deepEqual(await page.$$eval(`${rename} .ch-rb-changes .ch-field`, (els) => els.map((e) => [e.getAttribute('data-field'), e.querySelector('.ch-after')?.textContent])), [['name', '"analysts"']])
  assert.equal((await call(s.url, 'GET', `/api/admin/groups/${id}`, { token: admin.token })).body.name, 'data-team')
  await screenshot(page, 'activity-changes-preview')

  await page.click(`${rename} [data-action="apply"]`)
  await page.waitForSelector(`${rename} .ch-rollback[data-state="applied"]`)
  assert.equal((await call(s.url, 'GET', `/api/admin/groups/${id}`, { token: admin.token })).body.name, 'analysts')
  await s.svc.audit.drain()
  const audit = await s.svc.store.audit.find({ action: 'rollback.apply' })
  const renameId = Number(await page.getAttribute(rename, 'data-event-id'))
  assert.deepEqual(audit.map((a) => [a.result, a.resource, (a.params as Record<string, unknown>).rolled_back_event_id]), [['success', `user_group:${id}`, renameId]])

  // The rollback shows in Changes, reversing the rename, and can itself be reverted.
  await page.click(`${rename} [data-action="show-new"]`)
  await page.waitForSelector(item('rollback.apply'))
  assert.deepEqual(await page.$$eval(`${item('rollback.apply')} .ch-field`, (els) => els.map((e) => [e.getAttribute('data-field'), e.querySelector('.ch-before')?.textContent, e.querySelector('.ch-after')?.textContent])),
    [['name', '"data-team"', '"analysts"']])
  assert.equal(await page.isVisible(`${item('rollback.apply')} [data-action="revert"]`), true)

  // The drawer links the record's page too.
  await page.click(`${item('rollback.apply')} [data-action="event"]`)
  await page.waitForSelector('#ac-drawer #ac-drawer-resource')
  assert.equal(await page.getAttribute('#ac-drawer-resource', 'href'), `/admin/access?group=${id}`)
  await page.click('#ac-drawer-close')
})

test('a change that cannot be reverted says why, in place of the button; one changed again since shows the conflict, then overwrites it', async () => {
  await page.goto('/admin/activity?tab=changes&action_prefix=user.')
  await changesReady()
  const created = `${item('user.create')}[data-resource="user:${ana.userId}"]`
  await page.waitForSelector(created)
  assert.equal(await page.$(`${created} [data-action="revert"]`), null)
  assert.match((await page.textContent(`${created} .ch-not-reversible`)) ?? '', /^Not reversible: user\.create is not on the rollback allowlist: .+/)
  assert.deepEqual(await page.$$eval(`${created} .ch-field`, (els) => els.map((e) => e.getAttribute('data-kind'))).then((k) => [...new Set(k)]), ['added'])
  await screenshot(page, 'activity-changes')

  const g = (await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'finance' } })).body.id
  for (const name of ['finance-eu', 'finance-emea']) assert.equal((await call(s.url, 'PATCH', `/api/admin/groups/${g}`, { token: admin.token, body: { name } })).status, 200)
  await page.goto(`/admin/activity?tab=changes&resource=${encodeURIComponent(`user_group:${g}`)}`)
  await changesReady()
  // The first rename: the older of the two (newest first).
  const renames = await page.$$eval(item('user_group.update'), (els) => els.map((e) => e.getAttribute('data-event-id')))
  const first = `#ch-list li.ch-item[data-event-id="${renames[1]}"]`
  assert.equal(await page.textContent(`${first} .ch-after`), '"finance-eu"')
  await page.click(`${first} [data-action="revert"]`)
  await page.waitForSelector(`${first} .ch-rollback[data-state="refused-conflict"]`)
  assert.deepEqual(await page.$$eval(`${first} .ch-conflicts .ch-field`, (els) => els.map((e) => [e.getAttribute('data-field'), e.querySelector('.ch-before')?.textContent, e.querySelector('.ch-after')?.textContent])),
    [['name', '"finance-eu"', '"finance-emea"']])
  await screenshot(page, 'activity-changes-conflict')
  await page.click(`${first} [data-action="apply"]`)
  await page.waitForSelector(`${first} .ch-rollback[data-state="applied"]`)
  assert.match((await page.textContent(`${first} .ch-rb-msg`)) ?? '', /overwriting later changes to name/)
  assert.equal((await call(s.url, 'GET', `/api/admin/groups/${g}`, { token: admin.token })).body.name, 'finance')
  // The preview's 409 is the one failed request: the page expected it and showed it.
  assert.deepEqual(pageErrors.splice(0).map((e) => e.replace(/https?:\/\/[^/]+/, '')), ['409 /api/admin/rollback'])
})

test('the Costs tab shows what the costs API counts; the most expensive session leads to its replay with the same cost', async () => {
  const api = async (group: string, extra = '') => (await call(s.url, 'GET', `/api/admin/costs?group_by=${group}&${RANGE}${extra}`, { token: admin.token })).body
  const [days, users, sessions] = await Promise.all([api('day'), api('user'), api('session', '&limit=10')])

  await page.goto('/admin/activity?tab=costs&co_since=2026-01-01&co_until=2026-02-28')
  await page.waitForSelector('#co-kpis[data-ready="true"]')
  await page.waitForSelector('#co-chart[data-ready="true"]')
  assert.equal(await page.isVisible('#ac-filters'), false, 'the costs have their own controls')
  assert.equal(Number(await page.getAttribute('[data-kpi="cost"] .cost', 'data-usd')), days.totals.cost_usd)
  assert.equal(Number(await page.getAttribute('[data-kpi="tokens"]', 'data-tokens')),
    days.totals.input_tokens + days.totals.output_tokens + days.totals.cache_creation_tokens + days.totals.cache_read_tokens)
  // The chart stacks the same priced spend by model; the model without a price is listed with its tokens instead.
  assert.ok(Math.abs(Number(await page.getAttribute('#co-chart', 'data-total-usd')) - days.totals.cost_usd) < 1e-5)
  assert.equal(await page.getAttribute('#co-unpriced [data-models]', 'data-models'), days.totals.unpriced.models.join(','))
  assert.match((await page.textContent('#co-unpriced')) ?? '', new RegExp(`${days.totals.unpriced.input_tokens.toLocaleString('en')} input`))
  const b = days.totals.cost_breakdown_usd
  assert.ok(Math.abs(Number(await page.getAttribute('[data-kpi="cache"]', 'data-cache-read-share')) - b.cache_read / (b.input + b.output + b.cache_creation + b.cache_read)) < 1e-9)
  assert.match((await page.textContent('#co-note')) ?? '', new RegExp(`^Estimates, prices as of ${days.prices_as_of}`))
  assert.match((await page.textContent('#co-budget')) ?? '', /of \$500\.00 budget/)
  assert.deepEqual(await page.$$eval('#co-users tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-key'), Number(tr.querySelector('.cost')?.getAttribute('data-usd'))])),
    users.rows.map((r: any) => [r.key, r.cost_usd]))
  const top = sessions.rows[0]
  assert.deepEqual(await page.$$eval('#co-sessions tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-key'))), sessions.rows.map((r: any) => r.key))
  await screenshot(page, 'activity-costs')

  await Promise.all([page.waitForURL(/\/admin\/sessions\//), page.click('#co-sessions tbody tr:first-child a')])
  assert.equal(new URL(page.url()).pathname, `/admin/sessions/${top.session_file.split('/').map(encodeURIComponent).join('/')}`)
  await page.waitForSelector('#replay[data-ready="true"]')
  assert.equal(Number(await page.getAttribute('.sx-cost .cost', 'data-usd')), top.cost_usd)

  // The sessions list: a session's cost counts its subagents; the subagent's own transcript names its session.
  const parent = sessions.rows.find((r: any) => r.files === 2)
  await page.goto('/admin/sessions')
  await page.waitForSelector(`#sx-rows tr[data-session="${parent.session_file}"]`)
  assert.equal(Number(await page.getAttribute(`#sx-rows tr[data-session="${parent.session_file}"] .c-cost .cost`, 'data-usd')), parent.cost_usd)
  assert.match((await page.getAttribute('#sx-rows tr[data-session*="__subagents__"] .c-cost', 'title')) ?? '', new RegExp(`counted in ${parent.session_file}`))
  assert.deepEqual(pageErrors, [])
})
