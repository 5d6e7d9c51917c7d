// Drives Debian's Chromium (/usr/bin/chromium, installed by scripts/ci-deps.sh) through playwright-core.
// Never downloads a browser.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = process.env.AGNES_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots')

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run 'bash scripts/ci-deps.sh' (or set AGNES_CHROMIUM)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

/** A fresh browser context signed in through the real /login form; page errors are collected in `errors`. */
export async function signedInPage(browser: Browser, baseUrl: string, email: string, password: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    // Failed loads are reported with their URL below; the console line for them has none.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text())
  })
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`)
  })
  await page.goto('/login')
  await page.fill('#email', email)
  await page.fill('#password', password)
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('form[action="/login"] button[type=submit]')])
  return { context, page, errors }
}

/** How a browser test file starts: Chromium, and a page signed in through the real form (the bootstrapped admin unless told). */
export async function openSignedIn(baseUrl: string, who = { email: 'admin@example.com', password: 'admin-password' }): Promise<{ browser: Browser; context: BrowserContext; page: Page; errors: string[] }> {
  const browser = await launchBrowser()
  return { browser, ...(await signedInPage(browser, baseUrl, who.email, who.password)) }
}

/**
 * A screenshot for people to look at (PNG: the review tools open PNG only): the window as the test left it, which is
 * where the state it shows is. The layout test takes the whole page of every page at both widths (`fullPage`); a tall
 * page's whole-page PNG costs ~0.4 s of CPU against ~0.05 s for the window, and the suite takes well over a hundred.
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: opts.fullPage ?? false })
  return path
}

/**
 * Signs in as a non-admin and checks that every admin page answers its "Not allowed" page with 403
 * and the page's API refuses with 403 too; saves a screenshot of the last page.
 */
export async function assertAdminOnly(browser: Browser, baseUrl: string, who: { email: string; password: string }, opts: { pages: string[]; api: string; screenshotName: string }): Promise<void> {
  const other = await signedInPage(browser, baseUrl, who.email, who.password)
  try {
    for (const path of opts.pages) {
      const res = await other.page.goto(path)
      assert.equal(res?.status(), 403, path)
      assert.match((await other.page.textContent('main')) ?? '', /Not allowed/, path)
    }
    const api = await other.page.evaluate(async (url) => (await fetch(url)).status, opts.api)
    assert.equal(api, 403, opts.api)
    await screenshot(other.page, opts.screenshotName)
  } finally {
    await other.context.close()
  }
}
