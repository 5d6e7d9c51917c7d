// `npm run demo`: a lively instance for a newcomer. On a fresh data dir it copies the sample tables from
// demo/data into the source folder, starts the server, and then drives real activity through the HTTP
// API only (users, groups, grants, syncs, queries — some failing on purpose —, downloads, session uploads
// from the real transcripts in test/fixtures and their failure_scan, scripts, feedback reports and their
// triage; the scheduler runs on its own), so every row an admin sees was written by Agnes itself.
// Then it keeps serving. On a data dir that already has an admin it just serves.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { startServer } from '../src/main.ts'

const ROOT = join(import.meta.dirname, '..')
const DEMO_PASSWORD = 'agnes-demo-password'
const config = loadConfig()
mkdirSync(config.sourceDirs[0], { recursive: true })
for (const f of readdirSync(join(ROOT, 'demo', 'data'))) {
  const to = join(config.sourceDirs[0], f)
  if (!existsSync(to)) copyFileSync(join(ROOT, 'demo', 'data', f), to)
}
const server = await startServer(config, { announce: (line) => console.log(line) })
const url = server.url

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
    await new Promise((res) => setTimeout(res, 100))
  }
}

const bootstrapFile = join(config.dataDir, 'bootstrap-token')
if (!existsSync(bootstrapFile)) {
  console.log(`\nThis data dir already has an admin; serving it as it is. Sign in at ${url}/login`)
} else {
  console.log('\nSeeding the demo through the API…')
  const token = readFileSync(bootstrapFile, 'utf8').trim()
  const boot = await api('POST', '/api/auth/bootstrap', null, { token, email: 'admin@demo.example', name: 'Demo Admin', password: DEMO_PASSWORD })
  const admin = boot.data.token as string
  const cli = { 'user-agent': 'agnes-cli/demo' }

  const people: Record<string, string> = {}
  for (const [email, name] of [['ana@demo.example', 'Ana Analyst'], ['ben@demo.example', 'Ben Finance'], ['chloe@demo.example', 'Chloe Ops']]) {
    const u = await api('POST', '/api/admin/users', admin, { email, name, password: DEMO_PASSWORD }, cli)
    const t = await api('POST', `/api/admin/users/${u.data.id}/tokens`, admin, { name: 'laptop' }, cli)
    people[email] = t.data.token
  }
  const analysts = await api('POST', '/api/admin/groups', admin, { name: 'analysts', description: 'everyone who queries sales data' })
  const finance = await api('POST', '/api/admin/groups', admin, { name: 'finance' })
  const users = (await api('GET', '/api/admin/users', admin)).data.rows as Array<{ id: string; email: string }>
  const idOf = (email: string) => users.find((u) => u.email === email)!.id
  for (const e of ['ana@demo.example', 'ben@demo.example', 'chloe@demo.example']) await api('POST', `/api/admin/groups/${analysts.data.id}/members`, admin, { user_id: idOf(e) })
  await api('POST', `/api/admin/groups/${finance.data.id}/members`, admin, { user_id: idOf('ben@demo.example') })
  for (const t of ['orders', 'customers', 'products']) await api('POST', '/api/admin/grants', admin, { group_id: analysts.data.id, resource: `table:${t}`, permission: 'read' })
  await api('POST', '/api/admin/grants', admin, { group_id: finance.data.id, resource: 'table:revenue_by_country', permission: 'read' })
  await api('PATCH', '/api/admin/config', admin, { instance_name: 'Agnes demo', support_contact: 'admin@demo.example' })
  await api('PUT', '/api/admin/templates/setup_prompt', admin, { content: 'You are helping an analyst at the demo company. Use `agnes query` for data.' })

  const tables = [
    { id: 'orders', source: { kind: 'file', path: 'orders.csv' }, sync_interval_minutes: 60 },
    { id: 'customers', source: { kind: 'file', path: 'customers.csv' }, sync_interval_minutes: 1440 },
    { id: 'products', source: { kind: 'file', path: 'products.parquet' }, sync_interval_minutes: 1440 },
    { id: 'events', source: { kind: 'file', path: 'events.json' }, sync_interval_minutes: 30 },
    // A source that is not there yet: it shows what a failing sync looks like.
    { id: 'marketing_spend', source: { kind: 'file', path: 'marketing_spend.csv' }, sync_interval_minutes: 15 },
  ]
  for (const t of tables) await api('POST', '/api/admin/tables', admin, t)
  const first = await api('POST', '/api/sync/trigger', admin, { tables: ['orders', 'customers', 'products', 'events'] })
  await waitForJob(admin, first.data.job_id)
  await api('POST', '/api/admin/tables', admin, {
    id: 'order_lines', sync_interval_minutes: 60,
    source: { kind: 'sql', sql: 'SELECT o.order_id, c.name AS customer, c.country, p.product, o.quantity, o.quantity * p.unit_price AS amount, o.ordered_at FROM orders o JOIN customers c USING (customer_id) JOIN products p USING (product_id)' },
  })
  const second = await api('POST', '/api/sync/trigger', admin, { tables: ['order_lines', 'marketing_spend'] })
  await waitForJob(admin, second.data.job_id)
  await api('POST', '/api/admin/grants', admin, { group_id: analysts.data.id, resource: 'table:order_lines', permission: 'read' })
  await api('POST', '/api/admin/scripts', admin, { id: 'revenue_by_country', sql: 'SELECT country, sum(amount) AS revenue, count(*) AS orders FROM order_lines GROUP BY country', schedule: '*/15 * * * *' })

  const asCli = (email: string) => (path: string, body?: unknown) => api('POST', path, people[email], body, cli)
  const ana = asCli('ana@demo.example')
  const ben = asCli('ben@demo.example')
  const chloe = asCli('chloe@demo.example')
  await ana('/api/query', { sql: 'SELECT customer, sum(amount) AS revenue FROM order_lines GROUP BY customer ORDER BY revenue DESC LIMIT 5' })
  await ana('/api/query', { sql: 'SELECT country, count(*) FROM customers GROUP BY ALL' })
  await ana('/api/query', { sql: 'SELECT * FROM orders WHERE quantity > 15 ORDER BY ordered_at' })
  await ana('/api/query', { sql: 'SELECT * FROM order_linez' }) // a typo: invalid_sql
  await ben('/api/query', { sql: "SELECT product, sum(amount) FROM order_lines WHERE ordered_at >= DATE '2026-10-01' GROUP BY product" })
  await ben('/api/query', { sql: 'DELETE FROM orders' }) // refused: not read-only
  await chloe('/api/query', { sql: 'SELECT * FROM events' }) // refused: no grant
  await chloe('/api/query', { sql: 'SELECT count(*) AS n, min(ordered_at), max(ordered_at) FROM orders' })
  await api('GET', '/api/data/orders/download?format=csv', people['ana@demo.example'], undefined, cli)
  await api('GET', '/api/data/customers/download', people['ben@demo.example'], undefined, cli)
  await api('POST', '/api/sync/trigger', people['ana@demo.example'], { tables: ['orders'] }, cli)
  await api('POST', '/api/scripts/run-due', admin, {})
  // A mistyped password, through the real form (its pre-session CSRF cookie and value), for an auth.login_failed row.
  const loginPage = await fetch(`${url}/login`)
  const loginCsrf = /name="login_csrf" value="([^"]+)"/.exec(await loginPage.text())?.[1] ?? ''
  await fetch(`${url}/login`, {
    method: 'POST', body: new URLSearchParams({ email: 'ben@demo.example', password: 'wrong-password', login_csrf: loginCsrf }), redirect: 'manual',
    headers: { cookie: (loginPage.headers.get('set-cookie') ?? '').split(';')[0] },
  })

  // Real Claude Code transcripts (MIT, see test/fixtures/transcripts/real/SOURCES.md), uploaded as the analysts would.
  const fixtures = join(ROOT, 'test', 'fixtures', 'transcripts', 'real')
  const uploads: Record<string, string[]> = {
    'ana@demo.example': ['marot__spotter__short.jsonl', 'marot__spotter__tool_heavy.jsonl', 'marot__spotter__subagent.jsonl', 'DRMacIver__claude-reliability__python-to-rust-port-transcript.jsonl'],
    'ben@demo.example': ['d-kimuson__claude-code-viewer__1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl', 'd-kimuson__claude-code-viewer__5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl', 'DRMacIver__claude-reliability__coverage-test-fix-transcript.jsonl'],
    'chloe@demo.example': ['marot__spotter__agent-a7be2f0.jsonl', 'DRMacIver__claude-reliability__hello-world-script-transcript.jsonl', 'DRMacIver__claude-reliability__stop-hook-uncommitted-changes-transcript.jsonl'],
  }
  let uploaded = 0
  for (const [email, files] of Object.entries(uploads)) {
    for (const f of files) {
      if (!existsSync(join(fixtures, f))) continue
      const r = await api('POST', `/api/upload/sessions?filename=${encodeURIComponent(f)}`, people[email], readFileSync(join(fixtures, f)), { ...cli, 'content-type': 'application/octet-stream' })
      if (r.status === 201) uploaded++
    }
  }
  // Let failure_scan and usage read the uploads now rather than at the scheduler's next tick.
  for (const processor of ['usage', 'failure_scan']) await api('POST', `/api/admin/run-session-processor?processor=${processor}`, admin)

  // Feedback as analysts send it with `agnes report` (the CLI shows a preview and sends ack_preview: true).
  const excerpt = readFileSync(join(fixtures, 'marot__spotter__short.jsonl'), 'utf8').split('\n').slice(-8).join('\n')
  const environment = { agnes_cli: '0.1.0', os: 'linux', node: process.version, claude_code: '2.1.39' }
  const report = (email: string, body: Record<string, unknown>) => api('POST', '/api/feedback', people[email], { ack_preview: true, environment, ...body }, cli)
  const timeoutReport = await report('ana@demo.example', { message: 'agnes query keeps timing out on order_lines when I group by month', session_excerpt: excerpt, session_file: 'marot__spotter__short.jsonl', tags: ['query'] })
  await report('chloe@demo.example', { message: 'Agnes query keeps timing out on order_lines when I group by month', tags: ['query'] })
  const syncReport = await report('ben@demo.example', { message: 'The marketing_spend table has been failing to sync since this morning', tags: ['sync'] })
  await report('ben@demo.example', { message: 'Could the revenue_by_country script also include the order count per product?', tags: ['feature'] })
  await api('PATCH', `/api/admin/feedback/${timeoutReport.data.id}`, admin, { status: 'triaged', assignee: 'me', tags: ['query', 'performance'] })
  await api('PATCH', `/api/admin/feedback/${syncReport.data.id}`, admin, { status: 'resolved', resolution: 'The source file had not been delivered yet; it syncs again now.' })

  console.log(`Seeded: 4 users, 2 groups, ${tables.length + 1} tables, 1 script, queries, downloads, ${uploaded} session uploads (processed), 4 feedback reports.`)
  console.log(`\nSign in at ${url}/login as admin@demo.example with password ${DEMO_PASSWORD}`)
  console.log(`(or ana@, ben@, chloe@demo.example with the same password; they are not admins).`)
}
console.log('Press Ctrl-C to stop.')
const stop = async () => {
  await server.stop()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
