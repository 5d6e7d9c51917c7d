// The Registry (/admin/registry) and Server config (/admin/server-config) pages in a real, headless Chromium: an
// admin registers a table from a CSV in a source folder, syncs it and sees the run and its rows, is refused in place
// (a path outside the source folders, bad SQL, a taken id, a bad interval), reschedules and unregisters; creates a
// script, runs it and sees what it built; changes a setting and a template, sees them after a reload, and finds each
// change's audit row through the API; the deep links of src/web/pages/resource-link.ts open the record they name.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { resourceLink } from '../../src/web/pages/resource-link.ts'
import { SETTINGS } from '../../src/platform/instance/index.ts'
import { screenshot, openSignedIn } from './browser.ts'

let s: TestServer
let admin: { token: string; userId: string }
let sources = ''
let browser: Browser
let page: Page
let pageErrors: string[]

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,customer,amount\n1,acme,120.50\n2,globex,80.00\n3,acme,42.25\n')
  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

/** The audit rows the page's own requests wrote (client_kind web) for these actions, newest first. */
async function webRows(actionIn: string) {
  const r = await call(s.url, 'GET', `/api/admin/activity/timeline?action_in=${actionIn}&client_kind=web&result_class=success`, { token: admin.token })
  assert.equal(r.status, 200, r.text)
  return r.body.rows as Array<{ action: string; resource: string; params: any; params_before: any; user_email: string }>
}
const text = async (selector: string) => ((await page.textContent(selector)) ?? '').trim()
const row = (id: string) => `#rg-table-rows tr[data-table="${id}"]`
const scriptRow = (id: string) => `#rg-script-rows tr[data-script="${id}"]`

async function register(fields: { id: string; path?: string; sql?: string; interval?: string }) {
  await page.fill('#rg-id', fields.id)
  await page.check(`#rg-register input[name="kind"][value="${fields.sql === undefined ? 'file' : 'sql'}"]`)
  if (fields.sql === undefined) await page.fill('#rg-path', fields.path ?? '')
  else await page.fill('#rg-sql', fields.sql)
  await page.fill('#rg-interval', fields.interval ?? '')
  await page.click('#rg-register-submit')
}

test('a table: registered from a CSV in a source folder, synced now (the run and its rows), refused in place, rescheduled, unregistered', async () => {
  await page.goto('/admin/registry')
  await page.waitForSelector('#registry[data-ready="true"]')
  assert.equal(await text('#rg-table-rows'), 'No tables are registered yet: register one above.')
  await page.click('#rg-register-box summary')
  assert.ok((await text('#rg-register-box .mg-help')).includes(sources), 'names the source folder')

  // Refusals, each with the API's message under the form, and nothing registered.
  await register({ id: 'orders', path: '/etc/passwd' })
  await page.waitForSelector('#rg-register-error:not([hidden])')
  assert.equal(await text('#rg-register-error'), `the path must be inside one of the source folders (${sources})`)
  await register({ id: 'orders', sql: 'SELEC amount FROM nowhere' })
  await page.waitForFunction(() => /syntax error/i.test(document.getElementById('rg-register-error')?.textContent ?? ''))
  await register({ id: 'Orders!', path: join(sources, 'orders.csv') })
  await page.waitForFunction(() => /table ids are lower-case letters/.test(document.getElementById('rg-register-error')?.textContent ?? ''))
  const none = await call(s.url, 'GET', '/api/admin/tables', { token: admin.token })
  assert.deepEqual(none.body.rows, [], none.text)

  await register({ id: 'orders', path: join(sources, 'orders.csv'), interval: '60' })
  await page.waitForSelector(row('orders'))
  assert.equal(await page.isHidden('#rg-register-error'), true, 'the error is gone once it works')
  assert.match(await text(`${row('orders')} .mg-note`), /^Registered/)
  assert.equal(await page.inputValue('#rg-interval-orders'), '60')
  assert.match(await text(`${row('orders')} td[data-label="Last run"]`), /never run/)
  // The same id again: taken.
  await register({ id: 'orders', path: join(sources, 'orders.csv') })
  await page.waitForFunction(() => (document.getElementById('rg-register-error')?.textContent ?? '') === 'a table with id orders already exists')

  // Sync now: the row follows the job and shows the run.
  await page.click(`${row('orders')} button[data-action="sync"]`)
  await page.waitForFunction((sel) => /^Synced: 3 rows in /.test(document.querySelector(`${sel} .mg-note`)?.textContent ?? ''), row('orders'))
  assert.match(await text(`${row('orders')} td[data-label="Last run"]`), /^ok\s*(just now|\d+ s ago)\s*3 rows · /)
  assert.equal(await text(`${row('orders')} .mg-runs summary`), '1 run')

  // A table whose file is missing registers, and its sync fails with the reason, in the row and in its runs.
  await register({ id: 'broken', path: join(sources, 'missing.csv') })
  await page.waitForSelector(row('broken'))
  await page.click(`${row('broken')} button[data-action="sync"]`)
  await page.waitForFunction((sel) => /^Sync failed: source file not found/.test(document.querySelector(`${sel} .mg-note`)?.textContent ?? ''), row('broken'))
  assert.match(await text(`${row('broken')} td[data-label="Last run"] .mg-run-error`), /^source file not found: .*missing\.csv$/)
  await page.click(`${row('broken')} .mg-runs summary`)
  assert.match(await text(`${row('broken')} .mg-runs li.failed .mg-run-error`), /^source file not found/)
  await screenshot(page, 'registry-tables-1440')

  // The interval: refused in place, then saved (through the same PATCH, audited with what it replaced).
  await page.fill('#rg-interval-orders', '0')
  await page.click(`${row('orders')} .mg-inline button[type="submit"]`)
  await page.waitForSelector('#rg-interval-orders-error:not([hidden])')
  assert.match(await text('#rg-interval-orders-error'), /^body field 'sync_interval_minutes': Too small/)
  await page.fill('#rg-interval-orders', '15')
  await page.click(`${row('orders')} .mg-inline button[type="submit"]`)
  await page.waitForFunction((sel) => document.querySelector(`${sel} .mg-note`)?.textContent === 'Saved: syncs every 15 minutes', row('orders'))
  assert.equal(await page.inputValue('#rg-interval-orders'), '15')
  const [update] = await webRows('table.update')
  assert.deepEqual([update.resource, update.params_before.sync_interval_minutes, update.params.sync_interval_minutes, update.user_email], ['table:orders', 60, 15, 'admin@example.com'])

  // Unregister asks once more, then the row is gone.
  await page.click(`${row('broken')} button[data-action="unregister"]`)
  assert.match(await text(`${row('broken')} .mg-confirm`), /^Unregister broken\? Its synced data is dropped\.$/)
  await page.click(`${row('broken')} button[data-action="unregister-confirm"]`)
  await page.waitForFunction(() => document.getElementById('rg-tables-status')?.textContent === 'Unregistered broken.')
  assert.equal(await page.$(row('broken')), null)
  assert.deepEqual((await webRows('table.register,table.unregister')).map((r) => `${r.action} ${r.resource}`),
    ['table.unregister table:broken', 'table.register table:broken', 'table.register table:orders'])
})

test('a script: created (a bad schedule refused in place), run now with the rows it built, rescheduled', async () => {
  await page.goto('/admin/registry')
  await page.waitForSelector('#registry[data-ready="true"]')
  await page.click('#rg-script-box summary')
  await page.fill('#rg-script-id', 'totals')
  await page.fill('#rg-script-schedule', 'every morning')
  await page.fill('#rg-script-sql', 'SELECT customer, sum(amount) AS total FROM orders GROUP BY customer')
  await page.click('#rg-script-submit')
  await page.waitForSelector('#rg-script-error:not([hidden])')
  assert.match(await text('#rg-script-error'), /^not a valid cron schedule/)
  await page.fill('#rg-script-schedule', '0 6 * * *')
  await page.click('#rg-script-submit')
  await page.waitForSelector(scriptRow('totals'))
  assert.match(await text(`${scriptRow('totals')} .mg-note`), /^Created: first run \d{4}-\d{2}-\d{2} 06:00 UTC$/)
  assert.match(await text(`${scriptRow('totals')} td[data-label="Last run"]`), /^never run$/)

  await page.click(`${scriptRow('totals')} button[data-action="run"]`)
  await page.waitForFunction((sel) => document.querySelector(`${sel} .mg-note`)?.textContent === 'Built 2 rows', scriptRow('totals'))
  assert.match(await text(`${scriptRow('totals')} td[data-label="Last run"]`), /^ok\s*(just now|\d+ s ago)$/)
  // What it built is a table analysts can query.
  const q = await call(s.url, 'POST', '/api/query', { token: admin.token, body: { sql: 'SELECT customer, total FROM totals ORDER BY customer' } })
  assert.deepEqual(q.body.rows, [['acme', 162.75], ['globex', 80]])

  await page.fill('#rg-schedule-totals', '61 * * * *')
  await page.click(`${scriptRow('totals')} .mg-inline button[type="submit"]`)
  await page.waitForSelector('#rg-schedule-totals-error:not([hidden])')
  assert.match(await text('#rg-schedule-totals-error'), /^not a valid cron schedule/)
  await page.fill('#rg-schedule-totals', '*/30 * * * *')
  await page.click(`${scriptRow('totals')} .mg-inline button[type="submit"]`)
  await page.waitForFunction((sel) => /^Saved: next run /.test(document.querySelector(`${sel} .mg-note`)?.textContent ?? ''), scriptRow('totals'))
  const [script] = (await call(s.url, 'GET', '/api/admin/scripts', { token: admin.token })).body.rows
  assert.deepEqual([script.schedule, script.last_status], ['*/30 * * * *', 'success'])
  const [update] = await webRows('script.update')
  assert.deepEqual([update.params_before.schedule, update.params.schedule], ['0 6 * * *', '*/30 * * * *'])
  assert.equal((await webRows('script.run')).length, 1, 'the run is audited as script.run')
  await screenshot(page, 'registry-scripts-1440')
})

test('settings and templates: each setting with its help text from the schema; a setting and a template changed, there after a reload, audited', async () => {
  await page.goto('/admin/server-config')
  await page.waitForSelector('#server-config[data-ready="true"]')
  const shown = await page.$$eval('#sc-setting-rows form.sc-setting', (fs) => fs.map((f) => ({ key: f.getAttribute('data-key'), help: f.querySelector('.sc-help')?.textContent ?? '' })))
  assert.deepEqual(shown.map((x) => x.key), SETTINGS.map((x) => x.key))
  for (const [i, x] of shown.entries()) assert.ok(x.help.startsWith(SETTINGS[i].description) && SETTINGS[i].description.length > 20, `${x.key}: ${x.help}`)
  assert.match(shown.find((x) => x.key === 'query_row_limit')!.help, /Unset: 10,000\. Accepts a whole number from 1 to 1,000,000\.$/)

  await page.fill('#sc-input-query_row_limit', '0')
  await page.click('#sc-setting-query_row_limit button[type="submit"]')
  await page.waitForSelector('#sc-error-query_row_limit:not([hidden])')
  assert.match(await text('#sc-error-query_row_limit'), /^body field 'query_row_limit': Too small/)
  await page.fill('#sc-input-query_row_limit', 'lots')
  await page.click('#sc-setting-query_row_limit button[type="submit"]')
  await page.waitForFunction(() => /expected number/.test(document.getElementById('sc-error-query_row_limit')?.textContent ?? ''))
  await page.fill('#sc-input-query_row_limit', '500')
  await page.click('#sc-setting-query_row_limit button[type="submit"]')
  await page.waitForFunction(() => document.querySelector('#sc-setting-query_row_limit .mg-done')?.textContent === 'Saved')
  await page.reload()
  await page.waitForSelector('#server-config[data-ready="true"]')
  assert.equal(await page.inputValue('#sc-input-query_row_limit'), '500')
  assert.equal(await text('#sc-setting-query_row_limit .sc-state'), 'set')
  const [cfg] = await webRows('instance_config.update')
  assert.deepEqual([cfg.resource, cfg.params_before, cfg.params], ['instance_config', { query_row_limit: null }, { query_row_limit: 500 }])
  // It is in force: a query gets at most 500 rows (and the default comes back on reset).
  assert.equal((await call(s.url, 'GET', '/api/admin/config', { token: admin.token })).body.config.query_row_limit, 500)
  await page.click('#sc-setting-query_row_limit button.mg-secondary')
  await page.waitForFunction(() => document.querySelector('#sc-setting-query_row_limit .mg-done')?.textContent === 'Reset to its default')
  assert.equal(await page.inputValue('#sc-input-query_row_limit'), '')
  assert.equal((await call(s.url, 'GET', '/api/admin/config', { token: admin.token })).body.config.query_row_limit, undefined)

  // A template: a bad name refused in place, then created, then edited in its own box.
  await page.click('#sc-template-box summary')
  await page.fill('#sc-template-name', 'Setup Prompt')
  await page.fill('#sc-template-content', 'Welcome!')
  await page.click('#sc-template-create')
  await page.waitForSelector('#sc-template-error:not([hidden])')
  assert.match(await text('#sc-template-error'), /names are lower-case words joined by _ \. or -/)
  await page.fill('#sc-template-name', 'setup_prompt')
  await page.click('#sc-template-create')
  await page.waitForSelector('details[data-template="setup_prompt"][open]')
  assert.equal(await text('details[data-template="setup_prompt"] .mg-done'), 'Created')
  await page.fill('#sc-content-setup_prompt', 'Welcome to the team.\nRun agnes login first.')
  await page.click('details[data-template="setup_prompt"] button[type="submit"]')
  await page.waitForFunction(() => document.querySelector('details[data-template="setup_prompt"] .mg-done')?.textContent === 'Saved')
  await page.reload()
  await page.waitForSelector('#server-config[data-ready="true"]')
  await page.click('details[data-template="setup_prompt"] summary')
  assert.equal(await page.inputValue('#sc-content-setup_prompt'), 'Welcome to the team.\nRun agnes login first.')
  const sets = await webRows('instance_template.set')
  assert.deepEqual(sets.map((r) => [r.resource, r.params_before?.content ?? null, r.params.content]), [
    ['instance_template:setup_prompt', 'Welcome!', 'Welcome to the team.\nRun agnes login first.'],
    ['instance_template:setup_prompt', null, 'Welcome!'],
  ])
  await screenshot(page, 'server-config-1440')
})

test('deep links from the shared resource map open and mark the record they name, or say it is gone', async () => {
  const open = async (resource: string) => {
    const href = resourceLink(resource)
    assert.ok(href, resource)
    await page.goto(href)
  }
  await open('table:orders')
  await page.waitForSelector(`${row('orders')}.marked .mg-runs details[open]`)
  assert.equal(await page.$$eval('#rg-table-rows tr.marked', (trs) => trs.length), 1)
  assert.ok(await page.$eval(row('orders'), (e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight }), 'scrolled into view')

  await open('script:totals')
  await page.waitForSelector(`${scriptRow('totals')}.marked`)

  await open('table:broken')
  await page.waitForSelector('#rg-missing:not([hidden])')
  assert.equal(await text('#rg-missing'), 'No table is registered as broken (it may have been removed). Its history in Activity')
  assert.equal(await page.getAttribute('#rg-missing a', 'href'), '/admin/activity?resource=table%3Abroken')

  await open('instance_config:query_timeout_seconds')
  await page.waitForSelector('#sc-setting-query_timeout_seconds.marked')
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sc-input-query_timeout_seconds')
  assert.equal(await page.$$eval('form.sc-setting.marked', (fs) => fs.length), 1)

  await open('instance_template:setup_prompt')
  await page.waitForSelector('details.sc-template.marked[data-template="setup_prompt"][open]')
  await open('instance_template:onboarding')
  await page.waitForSelector('#sc-template-missing:not([hidden])')
  assert.equal(await page.inputValue('#sc-template-name'), 'onboarding', 'offers to create it under that name')
  assert.notEqual(await page.getAttribute('#sc-template-box', 'open'), null)
  assert.deepEqual(pageErrors.filter((e) => !/^40[09] /.test(e)), [], 'no script errors; only the refusals the tests asked for')
})
