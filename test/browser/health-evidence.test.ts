// The health pulse on an instance where every card that can be is not green, made so through the API and the store on
// a moved clock: a failed sync (and an overdue table), a scheduler and session processing that last ran 3 h ago, an
// upload waiting for processing, audit rows the store refused, a broken audit chain. In a real, headless Chromium:
// - the health strip on every admin page shows the pulse's colour and sentence and links to its first red card;
// - each card leads to its evidence: a timeline with rows, the Sync tab with the overdue table, or, for the two whose
//   evidence is not in the store, an explanation in place with a row per fact.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { call, tempDir } from '../helpers.ts'
import { configForDataDir, type Config } from '../../src/config.ts'
import { startServer, type RunningServer } from '../../src/main.ts'
import { createLogger } from '../../src/logger.ts'
import { AdjustableClock } from '../../src/clock.ts'
import { openDuckDb } from '../../src/store/duckdb/driver.ts'
import { openPostgres } from '../../src/store/postgres/driver.ts'
import { coreJobs, runJobOnce } from '../../src/scheduler/index.ts'
import { screenshot, openSignedIn } from './browser.ts'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'real')
const TRANSCRIPT = 'DRMacIver__claude-reliability__hello-world-script-transcript.jsonl'
const HOUR = 3600_000

let dataDir: string
let config: Config
let server: RunningServer
let admin: string
let browser: Browser
let page: Page
let pageErrors: string[]
let health: { status: string; sentence: string; fields: Array<{ key: string; label: string; value: string; color: string }> }

const start = (clock?: AdjustableClock) => startServer(config, { log: createLogger({ logLevel: 'silent' }), announce: () => {}, clock })
const api = (method: string, path: string, opts: { token?: string; body?: unknown; rawBody?: Buffer; headers?: Record<string, string> } = {}) =>
  call(server.url, method, path, { token: admin, ...opts })

before(async () => {
  dataDir = tempDir()
  config = configForDataDir(dataDir, { port: 0, scheduler: false })
  const clock = new AdjustableClock()
  server = await start(clock)
  const boot = await call(server.url, 'POST', '/api/auth/bootstrap', { body: { token: readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim(), email: 'admin@example.com', password: 'admin-password' } })
  assert.equal(boot.status, 201, boot.text)
  admin = boot.body.token
  const ana = await api('POST', '/api/admin/users', { body: { email: 'ana@example.com' } })
  const anaToken = (await api('POST', `/api/admin/users/${ana.body.id}/tokens`, { body: {} })).body.token

  const sources = config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,amount\n1,120.50\n2,80.00\n')
  assert.equal((await api('POST', '/api/admin/tables', { body: { id: 'orders', source: { kind: 'file', path: join(sources, 'orders.csv') }, sync_interval_minutes: 60 } })).status, 201)
  assert.equal((await api('POST', '/api/admin/tables', { body: { id: 'broken', source: { kind: 'file', path: join(sources, 'missing.csv') }, sync_interval_minutes: 60 } })).status, 201)

  // Three hours ago: the scheduler's last tick synced both tables (one failed), and session processing last ran.
  clock.set(new Date(Date.now() - 3 * HOUR))
  const tick = await runJobOnce(server.svc, coreJobs(server.svc).find((j) => j.name === 'sync_due')!)
  assert.match(tick.result, /^(success|error\.partial)$/, JSON.stringify(tick))
  assert.equal((await api('POST', '/api/admin/run-session-processor?processor=failure_scan', { body: {} })).status, 200)
  // An hour ago: ana uploaded a transcript that nothing has processed since.
  clock.set(new Date(Date.now() - HOUR))
  const up = await call(server.url, 'POST', `/api/upload/sessions?filename=${TRANSCRIPT}`, { token: anaToken, rawBody: readFileSync(join(FIXTURES, TRANSCRIPT)), headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(up.status, 201, up.text)
  clock.reset()

  // The store refuses one request's audit row: it is spooled, counted outside the store, and written once it recovers.
  const insertMany = server.svc.store.audit.insertMany.bind(server.svc.store.audit)
  server.svc.store.audit.insertMany = async () => {
    throw new Error('IO Error: No space left on device')
  }
  assert.equal((await call(server.url, 'GET', '/api/me', { token: anaToken })).status, 200)
  server.svc.store.audit.insertMany = insertMany
  await server.svc.audit.replaySpool()

  // A row edited behind the application's back: stop, change the store, start again on the same data, verify.
  await server.stop()
  const raw = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openDuckDb(join(config.stateDir, 'system.duckdb'))
  await raw.run(`UPDATE audit_log SET result = 'denied' WHERE id = (SELECT id FROM audit_log WHERE action = 'table.register' ORDER BY id LIMIT 1)`)
  await raw.close()
  server = await start()
  const verify = await api('GET', '/api/admin/audit/verify')
  assert.equal(verify.body.ok, false, verify.text)

  await server.svc.store.shared.setCached('activity.health', null, 1)
  health = (await api('GET', '/api/admin/activity/health')).body
  // Every card that can turn: active people today is green or grey, never a warning (other cards may follow).
  const colors = Object.fromEntries(health.fields.map((f) => [f.key, f.color]))
  assert.deepEqual({ ...colors, active_users_today: undefined, github: undefined }, {
    ...colors, scheduler: 'red', sync_24h: 'red', memory_pipeline: 'yellow', session_ingest: 'yellow',
    audit_writes: 'red', diagnose_warnings: 'yellow', audit_chain: 'red', active_users_today: undefined, github: undefined,
  }, JSON.stringify(health.fields, null, 1))
  assert.equal(health.status, 'red')

  ;({ browser, page, errors: pageErrors } = await openSignedIn(server.url))
})

after(async () => {
  await browser?.close()
  await server?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

const ADMIN_PAGES = () => ['/admin/activity', '/admin/activity?tab=sync', '/admin/sessions', `/admin/sessions/ana/${TRANSCRIPT}`, '/admin/feedback']

test('every admin page starts with the health strip: the pulse\u2019s colour and sentence, and a link to its first red card', async () => {
  for (const path of ADMIN_PAGES()) {
    await page.goto(path)
    await page.waitForSelector('#hs[data-status="red"]')
    const strip = await page.evaluate(() => {
      const hs = document.getElementById('hs')!
      return {
        first: document.querySelector('main')!.firstElementChild === hs,
        sentence: document.getElementById('hs-sentence')!.textContent,
        href: document.getElementById('hs-link')!.getAttribute('href'),
        link: document.getElementById('hs-link')!.textContent,
        height: hs.getBoundingClientRect().height,
      }
    })
    assert.equal(strip.first, true, `${path}: the strip is the top of the page`)
    assert.equal(strip.sentence, health.sentence, path)
    assert.equal(strip.href, '/admin/activity#pulse-scheduler', `${path}: the scheduler is the first red card`)
    assert.match(strip.link ?? '', /^Scheduler: off; last run 3 h ago$/, path)
    assert.ok(strip.height < 48, `${path}: one slim line (${strip.height} px)`)
  }
  await screenshot(page, 'health-strip-feedback-1440')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto('/admin/sessions')
  await page.waitForSelector('#hs[data-status="red"]')
  assert.ok((await page.$eval('#hs', (e) => e.getBoundingClientRect().height)) < 110, 'at most a few lines on a phone')
  await page.screenshot({ path: join(process.cwd(), 'test-output', 'screenshots', 'health-strip-sessions-390-first-screen.png') })
  await page.setViewportSize({ width: 1400, height: 900 })
})

test('the strip\u2019s link opens the Activity Center at that card, marked and on screen', async () => {
  await page.goto('/admin/feedback')
  await page.waitForSelector('#hs[data-status="red"]')
  await Promise.all([page.waitForURL((u) => u.pathname === '/admin/activity' && u.hash === '#pulse-scheduler'), page.click('#hs-link')])
  await page.waitForSelector('#pulse-scheduler.ac-field-target')
  const box = await page.$eval('#pulse-scheduler', (e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom } })
  assert.ok(box.top >= 0 && box.bottom <= 900, `the card is on screen: ${JSON.stringify(box)}`)
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pulse-scheduler')
  // On the Activity Center itself the strip's link marks the card in place.
  await page.evaluate(() => { location.hash = '' })
  await page.click('#hs-link')
  await page.waitForSelector('#pulse-scheduler.ac-field-target')
  await screenshot(page, 'health-strip-target')
})

const rows = () => page.$$eval('#ac-rows tr.ac-row', (trs) => trs.map((tr) => ({
  action: tr.querySelector('td.c-action')?.textContent ?? '', result: tr.querySelector('td.c-result')?.textContent ?? '', resource: tr.querySelector('td.c-resource')?.textContent ?? '',
})))
const settled = () => page.waitForFunction(() => {
  const t = document.getElementById('ac-table')
  return t && t.style.opacity === '' && !document.querySelector('#ac-rows tr.ac-empty')?.textContent?.startsWith('Loading')
})

async function clickCard(key: string) {
  await page.goto('/admin/activity')
  await page.waitForSelector('#ac-fields[data-ready="true"]')
  await page.click(`#pulse-${key}`)
}

/** Each card whose evidence is in the timeline, and what its rows must be. */
const TIMELINE_CARDS: Array<{ key: string; url: RegExp; check: (r: Array<{ action: string; result: string; resource: string }>) => boolean }> = [
  { key: 'scheduler', url: /action_prefix=run_/, check: (r) => r.every((x) => x.action.startsWith('run_')) && r.some((x) => x.action === 'run_sync_due') },
  { key: 'sync_24h', url: /action_in=sync\.run&result_class=error/, check: (r) => r.length === 1 && r[0].action === 'sync.run' && r[0].resource === 'table:broken' && r[0].result === 'error.sync_failed' },
  { key: 'memory_pipeline', url: /action_prefix=run_session_processor/, check: (r) => r.every((x) => x.action === 'run_session_processor:failure_scan') },
  { key: 'session_ingest', url: /action_in=session\.upload/, check: (r) => r.some((x) => x.action === 'session.upload' && x.resource.includes(TRANSCRIPT)) },
  { key: 'audit_chain', url: /action_in=run_audit_verify%2Caudit\.verify/, check: (r) => r.some((x) => x.action === 'audit.verify') },
]

for (const c of TIMELINE_CARDS) {
  test(`the ${c.key} card opens a timeline with its evidence`, async () => {
    await clickCard(c.key)
    await page.waitForURL(c.url)
    await settled()
    const r = await rows()
    assert.ok(r.length >= 1, `${c.key}: at least one row`)
    assert.ok(c.check(r), `${c.key}: ${JSON.stringify(r)}`)
    if (c.key === 'sync_24h') await screenshot(page, 'health-evidence-sync')
  })
}

test('the Diagnose card lists its warnings in place, and the overdue table leads to the Sync tab', async () => {
  await clickCard('diagnose_warnings')
  await page.waitForSelector('#ac-pulse-explain[data-key="diagnose_warnings"]:not([hidden])')
  assert.equal(await page.getAttribute('#pulse-diagnose_warnings', 'aria-expanded'), 'true')
  assert.equal(new URL(page.url()).search, '', 'the filters are left alone')
  const warnings = await page.$$eval('#ac-pulse-explain .ac-explain-row', (els) => els.map((e) => ({ text: e.querySelector('.ac-explain-text')?.textContent ?? '', hint: e.querySelector('.ac-explain-hint')?.textContent ?? '' })))
  const field = health.fields.find((f) => f.key === 'diagnose_warnings')!
  assert.equal(await page.textContent('#ac-pulse-explain strong'), `Diagnose: ${field.value.replace(' warning(s)', '')} warning${field.value.startsWith('1 ') ? '' : 's'}`)
  assert.ok(warnings.some((w) => /^overdue tables: .*\borders\b/.test(w.text) && w.hint === 'Open the Sync tab'), JSON.stringify(warnings))
  assert.ok(warnings.some((w) => /scheduler is off/.test(w.text) && /AGNES_SCHEDULER=on/.test(w.hint)), JSON.stringify(warnings))
  await screenshot(page, 'health-evidence-diagnose')
  await page.click('#ac-pulse-explain [data-go="sync"]')
  await page.waitForURL(/tab=sync/)
  await page.waitForSelector('#ac-sync-rows tr[data-table="orders"].overdue .ac-flag')
  assert.equal(await page.isVisible('#ac-panel-sync'), true)
  // Clicking the card again (or ×) closes the explanation.
  await page.click('#pulse-diagnose_warnings')
  await page.waitForSelector('#ac-pulse-explain', { state: 'hidden' })
})

test('the Audit writes card explains in place where the refused rows went', async () => {
  await clickCard('audit_writes')
  await page.waitForSelector('#ac-pulse-explain[data-key="audit_writes"]:not([hidden])')
  const text = await page.$$eval('#ac-pulse-explain .ac-explain-row', (els) => els.map((e) => e.textContent ?? ''))
  assert.equal(text.length, 3)
  assert.equal(text[0], '1 row in 1 batch could not be written to the store; the last error: IO Error: No space left on device.')
  assert.match(text[1], /^They are not lost: each refused batch is kept in state\/audit-spool\.ndjson/)
  assert.match(text[2], /state\/audit-failures\.ndjson/)
  // A poll redraws the cards and keeps the explanation open.
  await page.evaluate(() => (window as unknown as { agnesActivity: { poll(): Promise<void> } }).agnesActivity.poll())
  assert.equal(await page.isVisible('#ac-pulse-explain[data-key="audit_writes"]'), true)
  await screenshot(page, 'health-evidence-audit-writes')
  await page.click('#ac-pulse-explain .ac-close')
  await page.waitForSelector('#ac-pulse-explain', { state: 'hidden' })
  assert.deepEqual(pageErrors, [], 'no script errors, CSP violations or failed loads')
})
