// `npm run demo` gives a newcomer a living instance: a month of history written through the API (issue 12), so every
// range of the timeline, the default heatmap and the feedback inbox have something to show.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { tempDir } from '../helpers.ts'

const ROOT = join(import.meta.dirname, '..', '..')
let child: ChildProcess | null = null
const dataDir = tempDir('agnes-demo-')
after(() => {
  child?.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
})

/** Signs in through the real form (its pre-session CSRF cookie and value) and returns the session cookie. */
async function signIn(url: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${url}/login`)
  const csrf = /name="login_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
  const res = await fetch(`${url}/login`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ email, password, login_csrf: csrf }),
    headers: { cookie: (page.headers.get('set-cookie') ?? '').split(';')[0] },
  })
  assert.equal(res.status, 303, await res.text())
  return (res.headers.get('set-cookie') ?? '').split(';')[0]
}

test('npm run demo: a month of history on at least 25 days, a non-empty default heatmap, reports filed on different days', { timeout: 240_000 }, async () => {
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'demo.ts')], {
    env: { ...process.env, AGNES_DATA_DIR: dataDir, AGNES_PORT: '0', AGNES_LOG_LEVEL: 'silent', AGNES_SCHEDULER: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Sign in at (http:\/\/[^\s]+)\/login as admin@demo\.example/.exec(out)
      if (m) {
        clearInterval(timer)
        resolve(m[1])
      }
    }, 200)
    child!.once('exit', (code) => reject(new Error(`the demo exited (${code}) before serving:\n${out.slice(-2000)}`)))
  })
  const cookie = await signIn(url, 'admin@demo.example', 'agnes-demo-password')
  const get = async (path: string) => {
    const r = await fetch(url + path, { headers: { cookie } })
    assert.equal(r.status, 200, `${path}: ${r.status}`)
    return r.json() as Promise<any>
  }
  const since = new Date(Date.now() - 31 * 86_400_000).toISOString()
  const histogram = await get(`/api/admin/activity/histogram?since=${since}`)
  const days = new Set(histogram.buckets.filter((b: any) => b.success + b.error + b.denied + b.other > 0).map((b: any) => b.start.slice(0, 10)))
  assert.ok(days.size >= 25, `events on ${days.size} distinct days`)
  const heatmap = await get('/api/admin/sessions/heatmap')
  assert.ok(heatmap.cells.flat().some((n: number) => n > 0), `the default heatmap has findings: ${JSON.stringify(heatmap.cells)}`)
  const reports = await get('/api/admin/feedback')
  assert.ok(new Set(reports.rows.map((r: any) => r.created_at.slice(0, 10))).size >= 3, 'reports were filed on different days')
  assert.ok(reports.rows.some((r: any) => r.status === 'resolved') && reports.rows.some((r: any) => r.status === 'triaged'))
  // One table fails from day 25 on; the others sync.
  const grid = await get('/api/admin/activity/sync')
  const byId = Object.fromEntries(grid.tables.map((t: any) => [t.table_id, t]))
  assert.equal(byId.marketing_spend.status, 'error')
  assert.equal(byId.orders.status, 'success')
})
