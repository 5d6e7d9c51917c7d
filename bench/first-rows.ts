// Time to the first timeline rows on /admin/activity: this build against an earlier commit's build, side by side in
// one run (issue 12 asks that the TypeScript pages, the chart and the KPI change keep the page as fast). Each build
// serves its own copy of the same audit rows from its own process (bin/agnes serve); Chromium loads the two pages in
// alternating rounds. The earlier build comes from a git worktree of AGNES_BASELINE_COMMIT, installed with npm ci.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchBrowser } from '../test/browser/browser.ts'
import { serveBuild, type Served } from './serve.ts'
import type { Figure } from './audit.ts'

const ROOT = join(import.meta.dirname, '..')
/** The commit the previous session's figures were taken at (before this wave's page rewrite). */
const BASELINE = process.env.AGNES_BASELINE_COMMIT ?? '59719f4'

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

export async function benchFirstRows(rows = 1_000_000, rounds = 12): Promise<Figure[]> {
  const worktree = mkdtempSync(join(tmpdir(), 'agnes-baseline-'))
  rmSync(worktree, { recursive: true, force: true })
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' })
  const added = git('worktree', 'add', '--detach', worktree, BASELINE)
  if (added.status !== 0) throw new Error(`git worktree add ${BASELINE}: ${added.stderr}`)
  const servers: Served[] = []
  try {
    const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: worktree, encoding: 'utf8', stdio: 'pipe' })
    if (install.status !== 0) throw new Error(`npm ci in the baseline worktree failed: ${install.stderr.slice(-500)}`)
    servers.push(await serveBuild('baseline', worktree, rows), await serveBuild('current', ROOT, rows))
    const browser = await launchBrowser()
    const loads = new Map<string, number[]>(servers.map((s) => [s.name, []]))
    try {
      const pages = []
      for (const s of servers) {
        const context = await browser.newContext({ baseURL: s.url })
        // Builds with login CSRF want the form's value; older ones ignore the extra field.
        const form = await (await context.request.get('/login')).text()
        const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(form)?.[1]
        await context.request.post('/auth/token-login', { form: { token: s.token, ...(loginCsrf ? { login_csrf: loginCsrf } : {}) } })
        const page = await context.newPage()
        // When the first row is inserted, then painted (the next animation frame): measured in the page, so the work
        // the page does after its rows (KPIs, chart, facets) does not count, on either build.
        await page.addInitScript(() => {
          const w = window as unknown as { __firstRows?: number }
          new MutationObserver((_m, obs) => {
            if (document.querySelector('#ac-rows tr:not(.ac-empty)')) {
              obs.disconnect()
              requestAnimationFrame(() => (w.__firstRows = performance.now()))
            }
          }).observe(document, { childList: true, subtree: true })
        })
        pages.push({ s, page })
      }
      for (let i = 0; i < rounds; i++) {
        for (const { s, page } of i % 2 ? [...pages].reverse() : pages) {
          await page.goto('/admin/activity')
          await page.waitForFunction(() => (window as unknown as { __firstRows?: number }).__firstRows !== undefined)
          const at = await page.evaluate(() => (window as unknown as { __firstRows: number }).__firstRows)
          if (i > 1) loads.get(s.name)!.push(at) // the first two warm caches
          // Leave the page, so what it loads after its rows (KPIs, facets, chart) is not still running, against the
          // other build's server and in the same browser, while the other build's page is timed.
          await page.goto('about:blank')
        }
      }
    } finally {
      await browser.close()
    }
    // The API call behind the first rows, alone, on each build (alternating): how much of the difference is the server.
    const api = new Map<string, number[]>(servers.map((s) => [s.name, []]))
    for (let i = 0; i < 30; i++) {
      for (const s of i % 2 ? [...servers].reverse() : servers) {
        const t = performance.now()
        const r = await fetch(`${s.url}/api/admin/activity/timeline?limit=100`, { headers: { authorization: `Bearer ${s.token}` } })
        await r.arrayBuffer()
        if (i > 1) api.get(s.name)!.push(performance.now() - t)
      }
    }
    const base = loads.get('baseline')!
    const cur = loads.get('current')!
    const apiBase = api.get('baseline')!
    const apiCur = api.get('current')!
    return [
      { name: `timeline API (default view), baseline ${BASELINE}`, value: pct(apiBase, 50), unit: 'ms', note: `p95 ${pct(apiBase, 95).toFixed(1)} ms over ${apiBase.length} requests` },
      { name: 'timeline API (default view), this build', value: pct(apiCur, 50), unit: 'ms', note: `p95 ${pct(apiCur, 95).toFixed(1)} ms, alternating` },
      { name: `/admin/activity first rows, baseline ${BASELINE}`, value: pct(base, 50), unit: 'ms', note: `p95 ${pct(base, 95).toFixed(0)} ms; ${rows.toLocaleString('en')} rows, ${base.length} loads, navigation start to first row painted` },
      { name: '/admin/activity first rows, this build', value: pct(cur, 50), unit: 'ms', note: `p95 ${pct(cur, 95).toFixed(0)} ms; same rows, alternating loads` },
      { name: '/admin/activity first rows: this build / baseline', value: pct(cur, 50) / pct(base, 50), unit: 'ratio', note: 'p50s, one run, two server processes' },
    ]
  } finally {
    for (const s of servers) await s.stop().catch(() => {})
    git('worktree', 'remove', '--force', worktree)
    rmSync(worktree, { recursive: true, force: true })
  }
}
