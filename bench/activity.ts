import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { configForDataDir } from '../src/config.ts'
import { openStore } from '../src/store/index.ts'
import { openDuckDb } from '../src/store/duckdb/driver.ts'
import { buildApp } from '../src/web/app.ts'
import { toFilters, computeHealth, gatherHealthInputs } from '../src/activity/index.ts'
import type { Figure } from './audit.ts'
import { benchServices } from './setup.ts'
import { launchBrowser } from '../test/browser/browser.ts'


/**
 * Fills audit_log with `rows` synthetic events spread over 30 days (a benchmark data set, generated in
 * SQL for speed; never shown on a page), with the mix of actions, users and results a busy instance has.
 */
async function seedAudit(dbPath: string, rows: number) {
  await seedAuditRows(dbPath, rows)
  const db = await openDuckDb(dbPath, 1)
  // A month of request latency minutes for ten routes, as the request-metrics plugin writes them (one row per
  // route and minute; counts spread over the buckets), so the Performance view reads a realistic table.
  await db.run(`
    INSERT INTO request_metrics
    SELECT date_trunc('minute', now()) - to_minutes(CAST(m AS BIGINT)), 'GET', '/api/route/' || r, CASE WHEN (m + r) % 97 = 0 THEN '5xx' ELSE '2xx' END,
           40, 40 * (r + 1) * 3.5, 1, 2, 3, 4, 5, 6, 7, 4, 3, 2, 1, 1, 1, 0, 0, 900.0, 'bench-' || r
    FROM range(${30 * 1440}) a(m), range(10) b(r)`)
  await db.close()
}

/** The audit rows alone, in columns every schema version has (bench/first-rows.ts seeds an older build with it). */
export async function seedAuditRows(dbPath: string, rows: number) {
  const db = await openDuckDb(dbPath, 1)
  await db.run(`
    INSERT INTO audit_log (timestamp, user_id, user_email, action, resource, params, params_before, result, duration_ms, client_ip, client_kind, correlation_id)
    SELECT
      now() - to_milliseconds(CAST(i AS BIGINT) * (CAST(2592000000 AS BIGINT) // ${rows})),
      'user-' || (i % 40),
      'user' || (i % 40) || '@example.com',
      ['query.run', 'query.run', 'query.run', 'sync.trigger', 'data.download', 'session.upload', 'run_sync_due', 'user.read_self', 'table.register', 'feedback.report'][1 + i % 10],
      'table:t' || (i % 25),
      CAST('{"sql": "SELECT * FROM t' || (i % 25) || ' WHERE id = ' || i || '", "fingerprint": "' || substr(md5('t' || (i % 25)), 1, 16) || '", "rows": ' || (i % 1000) || ', "tables": ["t' || (i % 25) || '"]}' AS JSON),
      NULL,
      CASE WHEN i % 37 = 0 THEN 'error.invalid_sql' WHEN i % 53 = 0 THEN 'denied' ELSE 'success' END,
      (i % 500) / 3.0,
      '127.0.0.1',
      ['api', 'cli', 'web', 'scheduler', 'agent'][1 + i % 5],
      'bench-' || i
    FROM range(${rows}) t(i)`)
  await db.close()
}

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

export async function benchTimeline(rows = 1_000_000, samples = 30): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'agnes-bench-tl-'))
  const config = configForDataDir(dir, { port: 0 })
  try {
    // Schema first, then the rows, then the server on the same file.
    const pre = await openStore(config)
    await pre.close()
    const t0 = performance.now()
    await seedAudit(join(config.stateDir, 'system.duckdb'), rows)
    const seedSeconds = (performance.now() - t0) / 1000

    const { svc, token: pat, userId, close } = await benchServices(config)
    const store = svc.store
    const app = await buildApp(svc)
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const since30 = new Date(Date.now() - 30 * 86400_000).toISOString()
    const views: Array<[string, Record<string, string>]> = [
      ['default (last 24 h)', {}],
      ['errors, 30 days', { since: since30, result_class: 'error' }],
      ['one user, 30 days', { since: since30, user_id: 'user-7' }],
      ['action prefix + client kind', { since: since30, action_prefix: 'sync', client_kind: 'scheduler' }],
      ['resource, 30 days', { since: since30, resource: 'table:t3' }],
      ['free text q (7 days)', { q: 't11 WHERE' }],
    ]
    const figures: Figure[] = [{ name: `audit rows in the store`, value: rows, unit: 'rows', note: `seeded in ${seedSeconds.toFixed(1)} s` }]
    for (const [name, f] of views) {
      const qs = new URLSearchParams({ ...f, limit: '100' }).toString()
      const api: number[] = []
      const raw: number[] = []
      for (let i = 0; i < samples; i++) {
        // Alternate so both sides see the same machine conditions.
        let t = performance.now()
        const res = await fetch(`${base}/api/admin/activity/timeline?${qs}`, { headers: { authorization: `Bearer ${pat}` } })
        await res.arrayBuffer()
        api.push(performance.now() - t)
        t = performance.now()
        // The same page as the API's: the admin looking does not see their own reads (include_self_reads unset).
        await store.activity.timeline(toFilters(f as never, new Date(), userId), 101, null)
        raw.push(performance.now() - t)
      }
      figures.push({ name: `timeline API p50, ${name}`, value: pct(api, 50), unit: 'ms', note: `p95 ${pct(api, 95).toFixed(1)} ms; raw store query p50 ${pct(raw, 50).toFixed(1)} ms` })
      figures.push({ name: `timeline API / raw query (p50), ${name}`, value: pct(api, 50) / pct(raw, 50), unit: 'ratio', note: `${samples} samples each, alternating` })
    }
    // The Usage, Queries and Performance APIs and a /metrics scrape over the same million rows, same run.
    const insights: Array<[string, string]> = [
      ['usage API, 30 days', '/api/admin/activity/usage?days=30'],
      ['queries API, 30 days by total time', `/api/admin/activity/queries?since=${encodeURIComponent(since30)}&sort=total_time`],
      ['queries API, last 24 h', '/api/admin/activity/queries'],
      ['performance API, last 24 h', '/api/admin/activity/performance'],
      ['performance API, 30 days', `/api/admin/activity/performance?since=${encodeURIComponent(since30)}`],
      ['GET /metrics (Prometheus scrape)', '/metrics'],
    ]
    for (const [name, path] of insights) {
      const times: number[] = []
      for (let i = 0; i < samples; i++) {
        const t = performance.now()
        const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${pat}` } })
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
        await res.arrayBuffer()
        times.push(performance.now() - t)
      }
      figures.push({ name: `${name} p50`, value: pct(times, 50), unit: 'ms', note: `p95 ${pct(times, 95).toFixed(1)} ms over ${samples} requests` })
    }
    const h: number[] = []
    for (let i = 0; i < 10; i++) {
      const t = performance.now()
      computeHealth(await gatherHealthInputs(svc), new Date())
      h.push(performance.now() - t)
    }
    figures.push({ name: 'health pulse, uncached', value: pct(h, 50), unit: 'ms', note: `p95 ${pct(h, 95).toFixed(1)} ms over 10 runs` })
    // The page in a real browser: from navigation start until the first timeline rows are on screen.
    const browser = await launchBrowser()
    try {
      const context = await browser.newContext({ baseURL: base })
      // The sign-in form needs its page's pre-session CSRF value (the cookie lands in the context's jar).
      const loginPage = await (await context.request.get('/login')).text()
      const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(loginPage)?.[1] ?? ''
      await context.request.post('/auth/token-login', { form: { token: pat, login_csrf: loginCsrf } })
      const page = await context.newPage()
      const loads: number[] = []
      for (let i = 0; i < 12; i++) {
        await page.goto('/admin/activity')
        await page.waitForSelector('#ac-rows tr:not(.ac-empty)')
        if (i > 1) loads.push(await page.evaluate(() => performance.now())) // the first two warm caches
      }
      figures.push({ name: '/admin/activity first timeline rows on screen', value: pct(loads, 50), unit: 'ms', note: `p95 ${pct(loads, 95).toFixed(0)} ms over 10 loads in Chromium, from navigation start` })
    } finally {
      await browser.close()
    }
    figures.push({ name: 'server memory (RSS) after the runs', value: process.memoryUsage().rss / 1e6, unit: 'MB', note: 'bench process: server and client together' })
    await app.close()
    await close()
    return figures
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
