// `npm run demo`: a lively instance for a newcomer, with a month of history. On a fresh data dir it copies the sample
// tables from demo/data into the source folder, starts the server on a clock set 30 days back, and drives a month of
// real activity through the HTTP API, day by day: people active on weekdays more than at weekends, the scheduler's
// syncs and scripts (its jobs run every six simulated hours; one table starts failing on day 25), queries (some slow, some failing),
// downloads, the real transcripts in test/fixtures uploaded on the days their sessions happened and scanned, reports
// filed and triaged over days, a few mistyped passwords. Every row an admin sees was written by Agnes itself; only the
// clock was moved. Then the clock is back to now and the server keeps serving (with its scheduler, if configured).
// On a data dir that already has an admin it just serves.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { startServer } from '../src/main.ts'
import { AdjustableClock } from '../src/clock.ts'
import { coreJobs, runJobOnce } from '../src/scheduler/index.ts'

const ROOT = join(import.meta.dirname, '..')
const DEMO_PASSWORD = 'agnes-demo-password'
const DAYS = 30
/** The day (1-based) on which the marketing_spend source stops being delivered, so its syncs fail from then on. */
const MARKETING_FAILS_FROM_DAY = 25
const HOUR = 3_600_000
const DAY = 24 * HOUR

const config = loadConfig()
const sources = config.sourceDirs[0]
mkdirSync(sources, { recursive: true })
for (const f of readdirSync(join(ROOT, 'demo', 'data'))) {
  const to = join(sources, f)
  if (!existsSync(to)) copyFileSync(join(ROOT, 'demo', 'data', f), to)
}

// The seeding server runs on a movable clock and without its scheduler's timers (real time would tick them at random
// moments of the simulated month); the demo runs the scheduler's jobs itself, on the simulated clock.
const clock = new AdjustableClock()
const seeding = await startServer({ ...config, scheduler: false }, { clock, announce: () => {} })
// The server writes the bootstrap secret at start while no admin exists; without it, this data dir has one.
const bootstrapFile = join(config.dataDir, 'bootstrap-token')
if (!existsSync(bootstrapFile)) {
  await seeding.stop()
  const server = await startServer(config, { announce: (line) => console.log(line) })
  console.log(`\nThis data dir already has an admin; serving it as it is. Sign in at ${server.url}/login`)
  serveUntilStopped(server)
} else {
  await seed(seeding)
}

function serveUntilStopped(server: { stop(): Promise<void> }) {
  console.log('Press Ctrl-C to stop.')
  const stop = async () => {
    await server.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
}

/** A small deterministic random source, so every demo has the same month. */
function prng(seed: number) {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, chance: (p: number) => next() < p, pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)], int: (a: number, b: number) => a + Math.floor(next() * (b - a + 1)) }
}

/** A transcript moved in time so that its session starts at `start`: every line's timestamp shifted alike. */
function shiftTranscript(text: string, start: Date): string {
  const lines = text.split('\n')
  let first: number | null = null
  for (const l of lines) {
    const m = /"timestamp":"([^"]+)"/.exec(l)
    if (m && !Number.isNaN(Date.parse(m[1]))) {
      first = Date.parse(m[1])
      break
    }
  }
  if (first === null) return text
  const delta = start.getTime() - first
  return lines
    .map((l) => {
      if (!l.trim()) return l
      try {
        const obj = JSON.parse(l) as Record<string, unknown>
        if (typeof obj.timestamp === 'string' && !Number.isNaN(Date.parse(obj.timestamp))) obj.timestamp = new Date(Date.parse(obj.timestamp) + delta).toISOString()
        return JSON.stringify(obj)
      } catch {
        return l
      }
    })
    .join('\n')
}

async function seed(seeding: Awaited<ReturnType<typeof startServer>>) {
  const today = new Date()
  const dayStart = (day: number) => {
    const d = new Date(today.getTime() - (DAYS - day) * DAY)
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  }
  const at = (day: number, hours: number) => clock.set(new Date(Math.min(dayStart(day).getTime() + hours * HOUR, Date.now())))
  at(1, 8)
  let server = seeding
  const url = server.url
  const rnd = prng(20261129)

  async function api(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(url + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
    })
    const text = await res.text()
    let data: any = null
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
    return { status: res.status, data }
  }
  async function waitForJob(token: string, id: string) {
    for (let i = 0; i < 600; i++) {
      const r = await api('GET', `/api/sync/jobs/${id}`, token)
      if (r.data.status === 'done' || r.data.status === 'failed') return r.data
      await new Promise((res) => setTimeout(res, 50))
    }
  }

  console.log(`\nSeeding ${DAYS} days of activity through the API…`)
  const token = readFileSync(bootstrapFile, 'utf8').trim()
  const boot = await api('POST', '/api/auth/bootstrap', null, { token, email: 'admin@demo.example', name: 'Demo Admin', password: DEMO_PASSWORD })
  const admin = boot.data.token as string
  const cli = { 'user-agent': 'agnes-cli/demo' }
  const marketing = join(sources, 'marketing_spend.csv')
  writeFileSync(marketing, 'channel,month,spend\nsearch,2026-10,12000\nsocial,2026-10,8000\nevents,2026-10,3000\nsearch,2026-11,12500\nsocial,2026-11,7600\n')

  const people: Record<string, string> = {}
  for (const [email, name] of [['ana@demo.example', 'Ana Analyst'], ['ben@demo.example', 'Ben Finance'], ['chloe@demo.example', 'Chloe Ops'], ['dev@demo.example', 'Dev Weekend']]) {
    const u = await api('POST', '/api/admin/users', admin, { email, name, password: DEMO_PASSWORD }, cli)
    const t = await api('POST', `/api/admin/users/${u.data.id}/tokens`, admin, { name: 'laptop' }, cli)
    people[email] = t.data.token
  }
  const analysts = await api('POST', '/api/admin/groups', admin, { name: 'analysts', description: 'everyone who queries sales data' })
  const finance = await api('POST', '/api/admin/groups', admin, { name: 'finance' })
  const users = (await api('GET', '/api/admin/users', admin)).data.rows as Array<{ id: string; email: string }>
  const idOf = (email: string) => users.find((u) => u.email === email)!.id
  for (const e of ['ana@demo.example', 'ben@demo.example', 'chloe@demo.example', 'dev@demo.example']) await api('POST', `/api/admin/groups/${analysts.data.id}/members`, admin, { user_id: idOf(e) })
  await api('POST', `/api/admin/groups/${finance.data.id}/members`, admin, { user_id: idOf('ben@demo.example') })
  for (const t of ['orders', 'customers', 'products']) await api('POST', '/api/admin/grants', admin, { group_id: analysts.data.id, resource: `table:${t}`, permission: 'read' })
  await api('POST', '/api/admin/grants', admin, { group_id: finance.data.id, resource: 'table:revenue_by_country', permission: 'read' })
  await api('POST', '/api/admin/grants', admin, { group_id: finance.data.id, resource: 'table:marketing_spend', permission: 'read' })
  await api('PATCH', '/api/admin/config', admin, { instance_name: 'Agnes demo', support_contact: 'admin@demo.example' })
  await api('PUT', '/api/admin/templates/setup_prompt', admin, { content: 'You are helping an analyst at the demo company. Use `agnes query` for data.' })

  const tables = [
    { id: 'orders', source: { kind: 'file', path: 'orders.csv' }, sync_interval_minutes: 60 },
    { id: 'customers', source: { kind: 'file', path: 'customers.csv' }, sync_interval_minutes: 1440 },
    { id: 'products', source: { kind: 'file', path: 'products.parquet' }, sync_interval_minutes: 1440 },
    { id: 'events', source: { kind: 'file', path: 'events.json' }, sync_interval_minutes: 180 },
    { id: 'marketing_spend', source: { kind: 'file', path: 'marketing_spend.csv' }, sync_interval_minutes: 360 },
  ]
  for (const t of tables) await api('POST', '/api/admin/tables', admin, t)
  await waitForJob(admin, (await api('POST', '/api/sync/trigger', admin, { tables: tables.map((t) => t.id) })).data.job_id)
  await api('POST', '/api/admin/tables', admin, {
    id: 'order_lines', sync_interval_minutes: 180,
    source: { kind: 'sql', sql: 'SELECT o.order_id, c.name AS customer, c.country, p.product, o.quantity, o.quantity * p.unit_price AS amount, o.ordered_at FROM orders o JOIN customers c USING (customer_id) JOIN products p USING (product_id)' },
  })
  await waitForJob(admin, (await api('POST', '/api/sync/trigger', admin, { tables: ['order_lines'] })).data.job_id)
  await api('POST', '/api/admin/grants', admin, { group_id: analysts.data.id, resource: 'table:order_lines', permission: 'read' })
  await api('POST', '/api/admin/scripts', admin, { id: 'revenue_by_country', sql: 'SELECT country, sum(amount) AS revenue, count(*) AS orders FROM order_lines GROUP BY country', schedule: '0 */6 * * *' })

  const jobs = coreJobs(server.svc)
  const job = (name: string) => jobs.find((j) => j.name === name)!
  const queries: Record<string, string[]> = {
    'ana@demo.example': [
      'SELECT customer, sum(amount) AS revenue FROM order_lines GROUP BY customer ORDER BY revenue DESC LIMIT 5',
      'SELECT country, count(*) FROM customers GROUP BY ALL',
      'SELECT * FROM orders WHERE quantity > 15 ORDER BY ordered_at',
      "SELECT date_trunc('month', ordered_at) AS month, sum(amount) FROM order_lines GROUP BY 1 ORDER BY 1",
      'SELECT * FROM order_linez', // a typo: invalid_sql
    ],
    'ben@demo.example': [
      "SELECT product, sum(amount) FROM order_lines WHERE ordered_at >= DATE '2026-10-01' GROUP BY product",
      'SELECT * FROM revenue_by_country ORDER BY revenue DESC',
      'SELECT channel, sum(spend) FROM marketing_spend GROUP BY channel',
      'DELETE FROM orders', // refused: not read-only
    ],
    'chloe@demo.example': [
      'SELECT count(*) AS n, min(ordered_at), max(ordered_at) FROM orders',
      'SELECT * FROM events', // refused: no grant
      // Slow: a large cross join the analyst did not mean to write.
      'SELECT count(*) FROM range(5000) a, range(5000) b WHERE (a.range * b.range) % 7 = 3',
    ],
    'dev@demo.example': ['SELECT product, unit_price FROM products ORDER BY unit_price DESC', 'SELECT * FROM customers LIMIT 3'],
  }
  const weekendPeople = new Set(['dev@demo.example'])

  // Real Claude Code transcripts (MIT, see test/fixtures/transcripts/real/SOURCES.md), each uploaded on the day its
  // session is set to happen, by the person it is given to.
  const fixtures = join(ROOT, 'test', 'fixtures', 'transcripts', 'real')
  const uploads: Array<{ day: number; email: string; file: string }> = [
    ['ana@demo.example', 'marot__spotter__short.jsonl'], ['ben@demo.example', 'd-kimuson__claude-code-viewer__1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl'],
    ['chloe@demo.example', 'marot__spotter__agent-a7be2f0.jsonl'], ['ana@demo.example', 'marot__spotter__tool_heavy.jsonl'],
    ['ben@demo.example', 'DRMacIver__claude-reliability__coverage-test-fix-transcript.jsonl'], ['chloe@demo.example', 'DRMacIver__claude-reliability__hello-world-script-transcript.jsonl'],
    ['ana@demo.example', 'marot__spotter__subagent.jsonl'], ['ben@demo.example', 'd-kimuson__claude-code-viewer__5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl'],
    ['chloe@demo.example', 'DRMacIver__claude-reliability__stop-hook-uncommitted-changes-transcript.jsonl'], ['ana@demo.example', 'DRMacIver__claude-reliability__python-to-rust-port-transcript.jsonl'],
    ['dev@demo.example', 'DRMacIver__claude-reliability__stop-hook-fast-path-clean-transcript.jsonl'], ['ben@demo.example', 'DRMacIver__claude-reliability__stop-hook-reflection-first-stop-transcript.jsonl'],
  ].map(([email, file], i) => ({ day: 2 + Math.floor((i * (DAYS - 3)) / 12), email, file }))
  const environment = { agnes_cli_version: '0.1.0', os: 'linux', node_version: process.version, claude_code_version: '2.1.39' }
  const report = (email: string, body: Record<string, unknown>) => api('POST', '/api/feedback', people[email], { ack_preview: true, environment, ...body }, cli)
  const reportsFiled: Array<{ id: string; day: number; kind: string }> = []
  let uploaded = 0
  let queriesRun = 0

  for (let day = 1; day <= DAYS; day++) {
    const weekday = ![0, 6].includes(dayStart(day).getUTCDay())
    if (day === MARKETING_FAILS_FROM_DAY) rmSync(marketing, { force: true })
    // The scheduler's tick: syncs whose interval has passed, and due scripts, once a morning (a month of hourly
    // ticks would take the demo minutes; the grid shows each table's daily runs all the same).
    at(day, 6 + rnd.next())
    await runJobOnce(server.svc, job('sync_due'))
    await runJobOnce(server.svc, job('scripts_due'))
    await runJobOnce(server.svc, job('retention_purge'))
    // People: most of them on weekdays, one on weekends. Each person's day is drawn first, in a fixed order (the same
    // month every run), then the people work at the same time, as a team does: each call is stamped within its hour.
    const plans: Array<{ token: string; steps: Array<{ hour: number; method: string; path: string; body?: unknown }> }> = []
    for (const [email, pool] of Object.entries(queries)) {
      const active = weekendPeople.has(email) ? (weekday ? rnd.chance(0.15) : rnd.chance(0.8)) : weekday ? rnd.chance(0.85) : rnd.chance(0.1)
      if (!active) continue
      const steps: (typeof plans)[number]['steps'] = []
      const n = rnd.int(1, 3)
      for (let i = 0; i < n; i++) {
        const hour = 9 + rnd.next() * 8
        steps.push({ hour, method: 'POST', path: '/api/query', body: { sql: rnd.pick(pool) } })
      }
      const last = steps[steps.length - 1].hour
      if (rnd.chance(0.25)) steps.push({ hour: last, method: 'GET', path: `/api/data/${rnd.pick(['orders', 'customers', 'products'])}/download?format=csv` })
      if (rnd.chance(0.1)) steps.push({ hour: last, method: 'POST', path: '/api/sync/trigger', body: { tables: ['orders'] } })
      plans.push({ token: people[email], steps })
    }
    await Promise.all(plans.map(async (plan) => {
      for (const step of plan.steps) {
        at(day, step.hour)
        await api(step.method, step.path, plan.token, step.body, cli)
        if (step.path === '/api/query') queriesRun++
      }
    }))
    // Transcripts of the sessions that happened today, uploaded in the evening and scanned.
    const todays = uploads.filter((u) => u.day === day && existsSync(join(fixtures, u.file)))
    for (const u of todays) {
      at(day, 10 + rnd.next() * 6)
      const text = shiftTranscript(readFileSync(join(fixtures, u.file), 'utf8'), new Date(dayStart(day).getTime() + (10 + rnd.next() * 4) * HOUR))
      at(day, 18 + rnd.next())
      const r = await api('POST', `/api/upload/sessions?filename=${encodeURIComponent(u.file)}`, people[u.email], text, { ...cli, 'content-type': 'application/octet-stream' })
      if (r.status === 201) uploaded++
    }
    if (todays.length) {
      at(day, 19.5)
      for (const processor of ['usage', 'failure_scan', 'costs']) await api('POST', `/api/admin/run-session-processor?processor=${processor}`, admin)
    }
    // Reports, and their triage a day or two later.
    at(day, 15 + rnd.next())
    if (day === 6) reportsFiled.push({ id: (await report('ben@demo.example', { message: 'Could the revenue_by_country script also include the order count per product?', tags: ['feature'] })).data.id, day, kind: 'feature' })
    if (day === 12) {
      const excerpt = readFileSync(join(fixtures, 'marot__spotter__short.jsonl'), 'utf8').split('\n').slice(-8).join('\n')
      reportsFiled.push({ id: (await report('ana@demo.example', { message: 'agnes query keeps timing out on order_lines when I group by month', session_excerpt: excerpt, session_file: 'marot__spotter__short.jsonl', tags: ['query'] })).data.id, day, kind: 'timeout' })
    }
    if (day === 13) await report('chloe@demo.example', { message: 'Agnes query keeps timing out on order_lines when I group by month', tags: ['query'] })
    if (day === MARKETING_FAILS_FROM_DAY + 1) reportsFiled.push({ id: (await report('ben@demo.example', { message: 'The marketing_spend table has been failing to sync since yesterday', tags: ['sync'] })).data.id, day, kind: 'sync' })
    if (day === 20) await report('dev@demo.example', { message: 'The dashboard could show which tables I may read', tags: ['feature'] })
    for (const r of reportsFiled) {
      at(day, 11 + rnd.next())
      if (r.kind === 'timeout' && day === r.day + 1) await api('PATCH', `/api/admin/feedback/${r.id}`, admin, { status: 'triaged', assignee: 'me', tags: ['query', 'performance'] })
      if (r.kind === 'timeout' && day === r.day + 5) await api('PATCH', `/api/admin/feedback/${r.id}`, admin, { status: 'resolved', resolution: 'order_lines is now synced every 3 hours and indexed by month; the query takes 2 s.' })
      if (r.kind === 'feature' && day === r.day + 2) await api('PATCH', `/api/admin/feedback/${r.id}`, admin, { status: 'wontfix', resolution: 'Use order_lines directly for per-product counts.' })
      if (r.kind === 'sync' && day === r.day + 1) await api('PATCH', `/api/admin/feedback/${r.id}`, admin, { status: 'triaged', assignee: 'me', tags: ['sync', 'upstream'] })
    }
    // Now and then someone mistypes a password on the sign-in page.
    if (day % 9 === 4) {
      at(day, 8.5)
      const page = await fetch(`${url}/login`)
      const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
      const refused = await fetch(`${url}/login`, {
        method: 'POST', body: new URLSearchParams({ email: rnd.pick(Object.keys(people)), password: 'wrong-password', login_csrf: loginCsrf }), redirect: 'manual',
        headers: { cookie: (page.headers.get('set-cookie') ?? '').split(';')[0] },
      })
      await refused.arrayBuffer() // read to the end, so the connection is free again
    }
    // An admin looks in most mornings.
    if (weekday) {
      at(day, 8 + rnd.next())
      await api('GET', '/api/admin/activity/timeline?limit=50', admin)
      await api('GET', '/api/admin/activity/health', admin)
    }
    process.stdout.write(`\r  day ${day} of ${DAYS}`)
  }
  process.stdout.write('\n')

  // The month is over: back to the real time, and serve with the configured scheduler.
  clock.reset()
  await server.stop()
  server = await startServer(config, { announce: (line) => console.log(line) })
  console.log(`Seeded ${DAYS} days: 5 people, 2 groups, ${tables.length + 1} tables, 1 script, ${queriesRun} queries, ${uploaded} session uploads (scanned), ${reportsFiled.length + 2} feedback reports.`)
  console.log(`\nSign in at ${server.url}/login as admin@demo.example with password ${DEMO_PASSWORD}`)
  console.log('(or ana@, ben@, chloe@, dev@demo.example with the same password; they are not admins).')
  serveUntilStopped(server)
}
