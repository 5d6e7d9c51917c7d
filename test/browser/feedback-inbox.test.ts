// The feedback inbox's working parts in a real, headless Chromium: the GitHub dry-run preview, then sending it (against
// the fake GitHub on 127.0.0.1) and the "+1" comment for the same problem; the pre-filled new-issue link without a token;
// internal notes and replies to the reporter; sorting; selecting reports and the bulk tag, assign and resolve; and the
// keyboard (j/k, a, r, x).
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { fakeGithub, type FakeGithub } from '../support/fake-github.ts'
import { launchBrowser, signedInPage, screenshot } from './browser.ts'
import { fingerprintMarker } from '../../src/integrations/github/index.ts'

let browser: Browser

before(async () => {
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

const settled = (page: Page) => page.waitForSelector('#feedback[data-list="ready"]')
const detailReady = (page: Page, id: string) => page.waitForSelector(`#fb-detail[data-ready="true"][data-id="${id}"]`)
const rowIds = (page: Page) => page.$$eval('#fb-rows li.fb-row', (li) => li.map((x) => x.getAttribute('data-id')))
const saved = (page: Page, text: string) => page.waitForFunction((t) => document.getElementById('fb-d-saved')?.textContent === t, text)

describe('with GitHub configured', () => {
  let s: TestServer
  let gh: FakeGithub
  let admin: { token: string; userId: string }
  let ana: { token: string; userId: string }
  let bo: { token: string; userId: string }
  let page: Page
  let pageErrors: string[]
  const ids: Record<string, string> = {}

  async function report(token: string, message: string, extra: Record<string, unknown> = {}) {
    const r = await call(s.url, 'POST', '/api/feedback', { token, body: { message, ack_preview: true, environment: { os: 'Linux 6.1.0 x64', agnes_cli_version: '0.1.0' }, ...extra } })
    assert.equal(r.status, 201, r.text)
    return r.body.id as string
  }

  before(async () => {
    gh = await fakeGithub()
    s = await startTestServer({ scheduler: false, github: { token: gh.token, repo: gh.repo, apiBase: gh.url, webhookSecret: null } })
    admin = await s.bootstrap()
    ana = await s.addUser(admin.token, 'ana@example.com')
    bo = await s.addUser(admin.token, 'bo@example.com')
    ids.export1 = await report(ana.token, 'CSV export drops the header row', { session_excerpt: 'Error: header row missing in export.csv\n' })
    ids.slow1 = await report(ana.token, 'The dashboard is slow to load')
    ids.export2 = await report(bo.token, 'CSV export drops the header row', { session_excerpt: 'Error: header row missing in export.csv\n' })
    ids.typo = await report(bo.token, 'A typo on the login page')
    ids.slow2 = await report(bo.token, 'The dashboard is slow to load')
    ids.slow3 = await report(ana.token, 'The dashboard is slow to load')
    const signed = await signedInPage(browser, s.url, 'admin@example.com', 'admin-password')
    page = signed.page
    pageErrors = signed.errors
  })
  after(async () => {
    await s?.close()
    await gh?.close()
  })

  test('"Send to GitHub…" previews exactly what would be sent, changes nothing until confirmed, then opens the issue; the same problem becomes a comment', async () => {
    await page.goto(`/admin/feedback?id=${ids.export1}`)
    await detailReady(page, ids.export1)
    assert.match((await page.textContent('#fb-d-github')) ?? '', new RegExp(`Shows what would be sent to ${gh.repo} first`))
    await page.click('#fb-gh-preview')
    await page.waitForSelector('#fb-gh-panel[data-state="create"]')
    assert.equal(await page.textContent('#fb-gh-title'), 'Agnes report: CSV export drops the header row')
    assert.deepEqual(await page.$$eval('#fb-gh-labels .fb-tag', (t) => t.map((x) => x.textContent)), ['agnes-report'])
    const body = (await page.textContent('#fb-gh-body')) ?? ''
    const fp = (await s.svc.store.feedback.byId(ids.export1))!.fingerprint
    assert.ok(body.includes(fingerprintMarker(fp)), 'the marker is in the previewed body')
    assert.match(body, /### What happened\n\n`{3}text\nCSV export drops the header row\n`{3}/)
    assert.ok(body.includes(`${s.url}/admin/feedback?id=${ids.export1}`))
    assert.ok(!body.includes('header row missing in export.csv'), 'no excerpt unless ticked')
    assert.match((await page.textContent('#fb-gh-summary')) ?? '', new RegExp(`Sending opens this issue in ${gh.repo}`))
    // Ticking the excerpt previews again, with it.
    await page.check('#fb-gh-excerpt')
    await page.waitForFunction(() => (document.getElementById('fb-gh-body')?.textContent ?? '').includes('header row missing'))
    await screenshot(page, 'feedback-github-preview')
    assert.equal(gh.writes().length, 0, 'the preview wrote nothing to GitHub')
    assert.equal((await s.svc.store.feedback.byId(ids.export1))!.github_issue_number, null)

    await page.click('#fb-gh-confirm')
    await saved(page, 'Opened issue #1.')
    assert.equal(await page.textContent('#fb-gh-link'), `${gh.repo}#1`)
    assert.equal(await page.getAttribute('#fb-gh-link', 'href'), `${gh.url}/${gh.repo}/issues/1`)
    assert.equal(await page.textContent('#fb-gh-state'), 'open')
    assert.equal(await page.textContent(`#fb-rows li[data-id="${ids.export1}"] .fb-row-gh`), '#1', 'the list row shows the issue')
    assert.equal(gh.issues.length, 1)
    assert.ok(gh.issues[0].body.includes('header row missing'), 'the excerpt went along, as ticked')
    assert.equal((await s.svc.store.feedback.byId(ids.export1))!.github_issue_number, 1)

    // The duplicate: the preview says a comment would be added to #1, and that is what happens.
    await page.click(`#fb-rows li[data-id="${ids.export2}"] .fb-row-link`)
    await detailReady(page, ids.export2)
    await page.click('#fb-gh-preview')
    await page.waitForSelector('#fb-gh-panel[data-state="comment"]')
    assert.match((await page.textContent('#fb-gh-summary')) ?? '', /Issue #1 \(open\) already carries this problem's fingerprint: sending adds this comment instead of a new issue/)
    assert.match((await page.textContent('#fb-gh-comment')) ?? '', new RegExp(`^\\+1 report from bo, ${s.url.replace(/\./g, '\\.')}/admin/feedback\\?id=${ids.export2}`))
    assert.equal(await page.textContent('#fb-gh-confirm'), 'Add the comment')
    await page.click('#fb-gh-confirm')
    await saved(page, 'Commented on issue #1.')
    assert.deepEqual([gh.issues.length, gh.issues[0].comments.length], [1, 1])
    await screenshot(page, 'feedback-github-linked')
  })

  test('a GitHub failure shows in the panel and nothing is linked', async () => {
    await page.goto(`/admin/feedback?id=${ids.typo}`)
    await detailReady(page, ids.typo)
    await page.click('#fb-gh-preview')
    await page.waitForSelector('#fb-gh-panel[data-state="create"]')
    gh.failNext(1, 401, { message: 'Bad credentials', matching: (m) => m === 'GET' })
    await page.click('#fb-gh-confirm')
    await page.waitForSelector('#fb-gh-error:not([hidden])')
    assert.match((await page.textContent('#fb-gh-error')) ?? '', /Could not reach GitHub: GitHub refused GITHUB_TOKEN \(401 Bad credentials\)/)
    assert.equal(await page.textContent('#fb-gh-confirm'), 'Try again')
    assert.equal((await s.svc.store.feedback.byId(ids.typo))!.github_issue_number, null)
    assert.equal(gh.issues.length, 1)
  })

  test('internal notes and replies: added in the report, kept apart, the reply reaching the reporter and the note not', async () => {
    await page.goto(`/admin/feedback?id=${ids.slow2}`)
    await detailReady(page, ids.slow2)
    assert.equal(await page.textContent('#fb-replies-empty'), 'No reply yet.')
    await page.fill('#fb-note-text', 'Bo is on the slow VPN; check with infra.')
    await page.click('#fb-note-send')
    await saved(page, 'Note added.')
    assert.deepEqual(await page.$$eval('#fb-notes .fb-comment-body', (c) => c.map((x) => x.textContent)), ['Bo is on the slow VPN; check with infra.'])
    assert.equal(await page.textContent('#fb-notes-title'), 'Internal notes (1)')
    assert.equal(await page.inputValue('#fb-note-text'), '', 'the box is emptied')

    await page.fill('#fb-reply-text', 'Does it happen on every page, or only the dashboard?')
    await page.press('#fb-reply-text', 'Control+Enter')
    await saved(page, 'Reply sent.')
    assert.deepEqual(await page.$$eval('#fb-replies .fb-comment', (c) => c.map((x) => x.querySelector('.fb-comment-head strong')?.textContent + ': ' + x.querySelector('.fb-comment-body')?.textContent)),
      ['you: Does it happen on every page, or only the dashboard?'])
    assert.equal(await page.isHidden('#fb-replies-empty'), true)
    await screenshot(page, 'feedback-notes-replies')

    // After a reload both are there, from the API.
    await page.reload()
    await detailReady(page, ids.slow2)
    assert.equal(await page.textContent('#fb-replies-title'), 'Replies to the reporter (1)')
    assert.equal(await page.textContent('#fb-notes-title'), 'Internal notes (1)')
    const mine = (await call(s.url, 'GET', '/api/feedback/mine', { token: bo.token })).body.rows.find((r: { id: string }) => r.id === ids.slow2)
    assert.deepEqual(mine.replies.map((c: { body: string }) => c.body), ['Does it happen on every page, or only the dashboard?'])
    assert.ok(!JSON.stringify(mine).includes('slow VPN'), 'the reporter never sees the note')
    assert.equal((await s.svc.store.audit.find({ action: 'feedback.note' })).length, 1)
    assert.equal((await s.svc.store.audit.find({ action: 'feedback.reply' })).length, 1)
  })

  test('sort: newest, oldest open, most duplicates, kept in the URL', async () => {
    await page.goto('/admin/feedback')
    await settled(page)
    await page.selectOption('#f-sort', 'duplicates')
    await page.waitForURL(/sort=duplicates/)
    await settled(page)
    assert.deepEqual(await rowIds(page), [ids.slow3, ids.slow2, ids.slow1, ids.export2, ids.export1, ids.typo])
    assert.equal(await page.textContent('#fb-list-note'), 'most duplicates first')
    await page.selectOption('#f-sort', 'oldest_open')
    await page.waitForURL(/sort=oldest_open/)
    await settled(page)
    assert.deepEqual(await rowIds(page), [ids.export1, ids.slow1, ids.export2, ids.typo, ids.slow2, ids.slow3])
    await page.reload()
    await settled(page)
    assert.equal(await page.inputValue('#f-sort'), 'oldest_open')
    await page.selectOption('#f-sort', 'newest')
    await page.waitForURL(/sort=newest/)
    await settled(page)
    assert.deepEqual(await rowIds(page), [ids.slow3, ids.slow2, ids.typo, ids.export2, ids.slow1, ids.export1])
  })

  test('bulk: select reports, then tag, assign and resolve them in one go; every change is audited once per action', async () => {
    await page.goto('/admin/feedback?sort=newest')
    await settled(page)
    assert.equal(await page.isHidden('#fb-bulk'), true)
    for (const id of [ids.slow1, ids.slow2, ids.slow3]) await page.check(`#fb-rows li[data-id="${id}"] input.fb-row-check`)
    assert.equal(await page.textContent('#fb-bulk-count'), '3 reports selected')
    assert.equal(await page.$eval('#fb-select-all', (c) => (c as HTMLInputElement).indeterminate), true)

    await page.fill('#fb-bulk-tag', 'perf')
    await page.click('#fb-bulk-tag-add')
    await page.waitForFunction(() => document.getElementById('fb-bulk-status')?.textContent === 'Tag perf added to 3 reports.')
    for (const id of [ids.slow1, ids.slow2, ids.slow3]) {
      assert.deepEqual(await page.$$eval(`#fb-rows li[data-id="${id}"] .fb-tag`, (t) => t.map((x) => x.textContent)), ['perf'])
    }
    await page.selectOption('#fb-bulk-assignee', 'me')
    await page.waitForFunction(() => document.getElementById('fb-bulk-status')?.textContent === '3 reports assigned to you.')
    assert.match((await page.textContent(`#fb-rows li[data-id="${ids.slow1}"] .fb-row-assignee`)) ?? '', /you/)
    assert.equal(await page.inputValue('#fb-bulk-assignee'), '', 'the menu is ready for the next one')

    await page.fill('#fb-bulk-resolution', 'Added an index on events; the dashboard loads in a second.')
    await screenshot(page, 'feedback-bulk')
    await page.click('#fb-bulk-resolve')
    await page.waitForFunction(() => document.getElementById('fb-bulk-status')?.textContent === '3 reports resolved; their reporters are told.')
    for (const id of [ids.slow1, ids.slow2, ids.slow3]) {
      assert.equal(await page.textContent(`#fb-rows li[data-id="${id}"] .fb-status`), 'Resolved')
      const r = (await s.svc.store.feedback.byId(id))!
      assert.deepEqual([r.status, r.assignee, r.tags, r.resolution], ['resolved', admin.userId, ['perf'], 'Added an index on events; the dashboard loads in a second.'])
    }
    const bulk = await s.svc.store.audit.find({ action: 'feedback.bulk_update' })
    assert.equal(bulk.length, 3)
    const sees = (await call(s.url, 'GET', '/api/feedback/mine', { token: ana.token })).body.rows.find((r: { id: string }) => r.id === ids.slow3)
    assert.deepEqual([sees.status, sees.news], ['resolved', true], 'the reporter has news')

    await page.click('#fb-bulk-clear')
    assert.equal(await page.isHidden('#fb-bulk'), true)
    assert.equal(await page.$$eval('input.fb-row-check:checked', (c) => c.length), 0)
    // Select all shown.
    await page.check('#fb-select-all')
    assert.equal(await page.textContent('#fb-bulk-count'), '6 reports selected')
    await page.uncheck('#fb-select-all')
    assert.equal(await page.isHidden('#fb-bulk'), true)
  })

  test('keyboard: j/k move through the list, a assigns to me, r opens the resolve form, x selects', async () => {
    await page.goto('/admin/feedback?sort=newest&status=open')
    await settled(page)
    const shown = await rowIds(page)
    assert.deepEqual(shown, [ids.typo, ids.export2, ids.export1])
    await page.keyboard.press('j')
    await detailReady(page, ids.typo)
    await page.keyboard.press('j')
    await detailReady(page, ids.export2)
    assert.equal(new URL(page.url()).searchParams.get('id'), ids.export2)
    await page.keyboard.press('k')
    await detailReady(page, ids.typo)

    await page.keyboard.press('a')
    await saved(page, 'Assigned to you.')
    assert.equal((await s.svc.store.feedback.byId(ids.typo))!.assignee, admin.userId)

    await page.keyboard.press('x')
    assert.equal(await page.textContent('#fb-bulk-count'), '1 report selected')
    await page.keyboard.press('x')
    assert.equal(await page.isHidden('#fb-bulk'), true)

    await page.keyboard.press('r')
    await page.waitForSelector('#fb-resolve-form', { state: 'visible' })
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'fb-resolution', 'ready to type the resolution')
    // Typing into it is not a command.
    await page.keyboard.type('Fixed the typo ("recieve")')
    assert.equal(await page.inputValue('#fb-resolution'), 'Fixed the typo ("recieve")')
    await page.keyboard.press('Control+Enter')
    await saved(page, 'Resolved.')
    assert.equal((await s.svc.store.feedback.byId(ids.typo))!.status, 'resolved')
  })

  test('no script errors on the page but the GitHub refusal the tests asked for', () => {
    const unexpected = pageErrors.filter((e) => !/^502 .*\/api\/admin\/feedback\/.+\/github$/.test(e))
    assert.deepEqual(unexpected, [])
  })
})

describe('without a GitHub token', () => {
  let s: TestServer
  let page: Page

  before(async () => {
    s = await startTestServer({ scheduler: false, github: { token: null, repo: 'acme/agnes-feedback', apiBase: 'https://api.github.com', webhookSecret: null } })
    const admin = await s.bootstrap()
    await call(s.url, 'POST', '/api/feedback', { token: admin.token, body: { message: 'Nothing loads after sign-in', ack_preview: true } })
    page = (await signedInPage(browser, s.url, 'admin@example.com', 'admin-password')).page
  })
  after(async () => {
    await s?.close()
  })

  test('the preview offers a pre-filled new-issue link instead of failing', async () => {
    await page.goto('/admin/feedback')
    await settled(page)
    const [id] = await rowIds(page)
    await page.click(`#fb-rows li[data-id="${id}"] .fb-row-link`)
    await detailReady(page, id!)
    assert.match((await page.textContent('#fb-d-github')) ?? '', /GITHUB_TOKEN is not set: you get a pre-filled new-issue link/)
    await page.click('#fb-gh-preview')
    await page.waitForSelector('#fb-gh-open')
    assert.equal(await page.$('#fb-gh-confirm'), null, 'nothing to confirm: Agnes sends nothing')
    const href = new URL((await page.getAttribute('#fb-gh-open', 'href'))!)
    assert.equal(`${href.origin}${href.pathname}`, 'https://github.com/acme/agnes-feedback/issues/new')
    assert.equal(href.searchParams.get('title'), 'Agnes report: Nothing loads after sign-in')
    assert.equal(href.searchParams.get('body'), await page.textContent('#fb-gh-body'))
    assert.equal(await page.getAttribute('#fb-gh-open', 'target'), '_blank')
    await screenshot(page, 'feedback-github-link')
  })
})
