import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import type { AuditRow } from '../../src/store/index.ts'
import { MUTATIONS, NOT_MUTATIONS } from '../../src/platform/changes/index.ts'
import { signWebhookBody } from '../../src/integrations/github/index.ts'

/**
 * params_before on every route that writes, the Changes API (diff shapes, filters, paging, its read audit) and the
 * `agnes admin changes` / `agnes admin rollback` commands, on the store the e2e suite runs on.
 */
let s: TestServer
let admin: { token: string; userId: string }
let ana: { token: string; userId: string }
let sources = ''
let n = 0
/** Every token secret this file handles: none may reach an audit row. */
const secrets: string[] = []

before(async () => {
  // A webhook secret, so the GitHub webhook takes deliveries (no token: nothing is sent to GitHub).
  s = await startTestServer({ github: { token: null, repo: 'acme/changes', apiBase: 'http://127.0.0.1:9', webhookSecret: 'changes-webhook-secret' } })
  admin = await s.bootstrap()
  ana = await s.addUser(admin.token, 'ana@example.com')
  secrets.push(admin.token, ana.token)
  sources = join(s.config.sourceDirs[0], 'changes')
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'id,amount\n1,10\n')
  writeFileSync(join(sources, 'orders2.csv'), 'id,amount\n2,20\n')
})
after(async () => {
  await s.close()
})

/** Calls the API with a fresh correlation id; resolves to the answer and the audit rows of that request. */
async function act(method: string, path: string, body?: unknown, opts: { token?: string; raw?: { body: string; type: string } } = {}) {
  const cid = `ch-${++n}`
  const headers: Record<string, string> = { 'x-correlation-id': cid, ...(opts.raw ? { 'content-type': opts.raw.type } : {}) }
  const r = await call(s.url, method, path, { token: opts.token ?? admin.token, body, rawBody: opts.raw?.body, headers })
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`)
  if (typeof r.body?.token === 'string') secrets.push(r.body.token)
  return { ...r, rows: await s.svc.store.audit.find({ correlationId: cid }) }
}
const rowOf = async (method: string, path: string, body?: unknown, opts?: Parameters<typeof act>[3]) => (await act(method, path, body, opts)).rows
const newGroup = async (name: string) => (await act('POST', '/api/admin/groups', { name })).body.id as string
const newUser = async (email: string) => (await act('POST', '/api/admin/users', { email })).body.id as string

/**
 * One successful call of each route that writes, resolving to its audit rows. An upsert is called twice, so both
 * its creating and its replacing row are checked.
 */
const EXERCISE: Record<string, () => Promise<AuditRow[]>> = {
  'POST /api/auth/bootstrap': async () => s.svc.store.audit.find({ action: 'auth.bootstrap' }),
  'POST /api/admin/users': () => rowOf('POST', '/api/admin/users', { email: 'enum-create@example.com', password: 'a-long-password' }),
  'PATCH /api/admin/users/:id': async () => rowOf('PATCH', `/api/admin/users/${await newUser('enum-update@example.com')}`, { name: 'Renamed', password: 'another-password' }),
  'DELETE /api/admin/users/:id': async () => rowOf('DELETE', `/api/admin/users/${await newUser('enum-delete@example.com')}`),
  'POST /api/admin/users/:id/tokens': () => rowOf('POST', `/api/admin/users/${ana.userId}/tokens`, { name: 'laptop' }),
  'POST /api/me/tokens': () => rowOf('POST', '/api/me/tokens', {}, { token: ana.token }),
  'DELETE /api/admin/tokens/:id': async () => rowOf('DELETE', `/api/admin/tokens/${(await act('POST', `/api/admin/users/${ana.userId}/tokens`, {})).body.id}`),
  'DELETE /api/me/tokens/:id': async () => rowOf('DELETE', `/api/me/tokens/${(await act('POST', '/api/me/tokens', {}, { token: ana.token })).body.id}`, undefined, { token: ana.token }),
  'POST /api/admin/groups': () => rowOf('POST', '/api/admin/groups', { name: 'enum-group' }),
  'PATCH /api/admin/groups/:id': async () => rowOf('PATCH', `/api/admin/groups/${await newGroup('enum-rename')}`, { name: 'enum-renamed' }),
  'DELETE /api/admin/groups/:id': async () => rowOf('DELETE', `/api/admin/groups/${await newGroup('enum-delete')}`),
  'POST /api/admin/groups/:id/members': async () => rowOf('POST', `/api/admin/groups/${await newGroup('enum-members')}/members`, { user_id: ana.userId }),
  'DELETE /api/admin/groups/:id/members/:user_id': async () => {
    const g = await newGroup('enum-leave')
    await act('POST', `/api/admin/groups/${g}/members`, { user_id: ana.userId })
    return rowOf('DELETE', `/api/admin/groups/${g}/members/${ana.userId}`)
  },
  'POST /api/admin/grants': async () => rowOf('POST', '/api/admin/grants', { group_id: await newGroup('enum-grant'), resource: 'table:orders', permission: 'read' }),
  'DELETE /api/admin/grants/:id': async () => {
    const g = await act('POST', '/api/admin/grants', { group_id: await newGroup('enum-ungrant'), resource: 'table:orders', permission: 'read' })
    return rowOf('DELETE', `/api/admin/grants/${g.body.id}`)
  },
  'POST /api/admin/tables': () => rowOf('POST', '/api/admin/tables', { id: 'enum_register', source: { kind: 'file', path: join(sources, 'orders.csv') } }),
  'PATCH /api/admin/tables/:id': async () => {
    await act('POST', '/api/admin/tables', { id: 'enum_update', source: { kind: 'file', path: join(sources, 'orders.csv') } })
    return rowOf('PATCH', '/api/admin/tables/enum_update', { sync_interval_minutes: 30 })
  },
  'DELETE /api/admin/tables/:id': async () => {
    await act('POST', '/api/admin/tables', { id: 'enum_unregister', source: { kind: 'file', path: join(sources, 'orders.csv') } })
    return rowOf('DELETE', '/api/admin/tables/enum_unregister')
  },
  'POST /api/admin/scripts': () => rowOf('POST', '/api/admin/scripts', { id: 'enum_script', sql: 'SELECT 1 AS one', schedule: '0 * * * *' }),
  'PATCH /api/admin/scripts/:id': async () => {
    await act('POST', '/api/admin/scripts', { id: 'enum_reschedule', sql: 'SELECT 1 AS one', schedule: '0 * * * *' })
    return rowOf('PATCH', '/api/admin/scripts/enum_reschedule', { schedule: '*/5 * * * *' })
  },
  'PATCH /api/admin/config': () => rowOf('PATCH', '/api/admin/config', { instance_name: 'Enumerated' }),
  'PUT /api/admin/templates/:name': async () => [
    ...(await rowOf('PUT', '/api/admin/templates/enum_template', { content: 'first' })),
    ...(await rowOf('PUT', '/api/admin/templates/enum_template', { content: 'second' })),
  ],
  'PUT /api/admin/costs/prices/:model': () => rowOf('PUT', '/api/admin/costs/prices/enum-model', { input: 1, output: 2, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1 }),
  'DELETE /api/admin/costs/prices/:model': async () => {
    await act('PUT', '/api/admin/costs/prices/enum-model-2', { input: 1, output: 2, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1 })
    return rowOf('DELETE', '/api/admin/costs/prices/enum-model-2')
  },
  'POST /api/admin/activity/views': () => rowOf('POST', '/api/admin/activity/views', { name: 'enum view', filters: { action_prefix: 'user.' } }),
  'PATCH /api/admin/activity/views/:id': async () => {
    const v = await act('POST', '/api/admin/activity/views', { name: 'enum view 2', filters: {} })
    return rowOf('PATCH', `/api/admin/activity/views/${v.body.id}`, { shared: true })
  },
  'DELETE /api/admin/activity/views/:id': async () => {
    const v = await act('POST', '/api/admin/activity/views', { name: 'enum view 3', filters: {} })
    return rowOf('DELETE', `/api/admin/activity/views/${v.body.id}`)
  },
  'POST /api/admin/rollback': async () => {
    const g = await newGroup('enum-rollback')
    const rename = await act('PATCH', `/api/admin/groups/${g}`, { name: 'enum-rolled' })
    const first = await rowOf('POST', '/api/admin/rollback', { event_id: rename.rows[0].id })
    // A rollback of that rollback (the group exists) and of a group's create (a rollback that deletes).
    const again = await rowOf('POST', '/api/admin/rollback', { event_id: first[0].id })
    const create = (await s.svc.store.audit.find({ action: 'user_group.create', limit: 50 })).find((r) => r.resource === `user_group:${g}`)!
    return [...first, ...again, ...(await rowOf('POST', '/api/admin/rollback', { event_id: create.id, force: true }))]
  },
  'POST /api/upload/sessions': async () => [
    ...(await rowOf('POST', '/api/upload/sessions?filename=enum.jsonl', undefined, { token: ana.token, raw: { body: '{"type":"user"}\n', type: 'application/x-ndjson' } })),
    ...(await rowOf('POST', '/api/upload/sessions?filename=enum.jsonl', undefined, { token: ana.token, raw: { body: '{"type":"user"}\n{"type":"assistant"}\n', type: 'application/x-ndjson' } })),
  ],
  'POST /api/feedback': () => rowOf('POST', '/api/feedback', { message: 'the enumeration test reports', ack_preview: true }, { token: ana.token }),
  'PATCH /api/admin/feedback/:id': async () => {
    const r = await act('POST', '/api/feedback', { message: 'another report to triage', ack_preview: true }, { token: ana.token })
    return rowOf('PATCH', `/api/admin/feedback/${r.body.id}`, { status: 'triaged' })
  },
  'POST /api/admin/telegram-link': () => rowOf('POST', '/api/admin/telegram-link', { chat_id: 1001 }),
  'POST /api/admin/sessions/findings/:id/verdict': async () => {
    const failed = JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'Exit code 1', is_error: true }] } })
    await act('POST', '/api/upload/sessions?filename=verdict.jsonl', undefined, { token: ana.token, raw: { body: `${failed}\n`, type: 'application/x-ndjson' } })
    await act('POST', '/api/admin/run-session-processor?processor=failure_scan', {})
    const [finding] = await s.svc.store.sessions.findingsForFile('ana/verdict.jsonl')
    return [
      ...(await rowOf('POST', `/api/admin/sessions/findings/${finding.id}/verdict`, { verdict: 'confirmed', note: 'a real failure' })),
      ...(await rowOf('POST', `/api/admin/sessions/findings/${finding.id}/verdict`, { verdict: 'dismissed' })),
    ]
  },
  'POST /api/me/telegram-link': () => rowOf('POST', '/api/me/telegram-link', { chat_id: 2002 }, { token: ana.token }),
  'POST /api/admin/feedback/:id/notes': async () => {
    const r = await act('POST', '/api/feedback', { message: 'a report to note on', ack_preview: true }, { token: ana.token })
    return rowOf('POST', `/api/admin/feedback/${r.body.id}/notes`, { body: 'an internal note' })
  },
  'POST /api/admin/feedback/:id/replies': async () => {
    const r = await act('POST', '/api/feedback', { message: 'a report to reply to', ack_preview: true }, { token: ana.token })
    return rowOf('POST', `/api/admin/feedback/${r.body.id}/replies`, { body: 'a reply' })
  },
  'POST /api/admin/feedback/bulk': async () => {
    const r = await act('POST', '/api/feedback', { message: 'a report to triage in bulk', ack_preview: true }, { token: ana.token })
    return rowOf('POST', '/api/admin/feedback/bulk', { ids: [r.body.id], add_tags: ['bulk'] })
  },
  // A report already linked to an issue (as if sent earlier): the call links nothing new and says so, without GitHub.
  'POST /api/admin/feedback/:id/github': async () => {
    const r = await act('POST', '/api/feedback', { message: 'a report on GitHub', ack_preview: true }, { token: ana.token })
    const issue = { repo: 'acme/changes', number: 3, url: 'https://github.com/acme/changes/issues/3', fingerprint: r.body.fingerprint, state: 'open' as const, state_reason: null }
    await s.svc.store.feedback.linkGithubIssue(r.body.id, issue, new Date().toISOString())
    return rowOf('POST', `/api/admin/feedback/${r.body.id}/github`, {})
  },
  'POST /api/integrations/github/webhook': async () => {
    const r = await act('POST', '/api/feedback', { message: 'a report whose issue closes', ack_preview: true }, { token: ana.token })
    const issue = { repo: 'acme/changes', number: 4, url: 'https://github.com/acme/changes/issues/4', fingerprint: r.body.fingerprint, state: 'open' as const, state_reason: null }
    await s.svc.store.feedback.linkGithubIssue(r.body.id, issue, new Date().toISOString())
    const body = JSON.stringify({ action: 'closed', repository: { full_name: 'acme/changes' }, issue: { number: 4, html_url: issue.url, state: 'closed', state_reason: 'completed' } })
    const cid = `ch-${++n}`
    const headers = { 'x-correlation-id': cid, 'content-type': 'application/json', 'x-github-event': 'issues', 'x-hub-signature-256': signWebhookBody('changes-webhook-secret', body) }
    const hook = await call(s.url, 'POST', '/api/integrations/github/webhook', { rawBody: body, headers })
    assert.equal(hook.status, 200, hook.text)
    return s.svc.store.audit.find({ correlationId: cid })
  },
}

/** Keys that would hold a secret: no state may carry them. */
const SECRET_KEYS = /^(password|password_hash|token|token_hash|bot_token|secret)$/

function secretKeys(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => secretKeys(x, `${path}[${i}]`))
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [...(SECRET_KEYS.test(k) ? [`${path}${k}`] : []), ...secretKeys(x, `${path}${k}.`)])
  return []
}

test('every route that writes is declared a mutation (with its kind) or not (with why), and each mutation writes params_before as its kind says, secrets left out', async () => {
  const writing = s.app.agnesRoutes.filter((r) => r.method !== 'GET' && r.action)
  assert.ok(writing.length >= 30, `expected the routes that write to be registered, got ${writing.length}`)
  const actions = new Set(writing.map((r) => r.action))
  for (const action of Object.keys(MUTATIONS)) assert.ok(actions.has(action), `MUTATIONS lists ${action}, which no route records`)
  for (const spec of writing) {
    const key = `${spec.method} ${spec.url}`
    const action = spec.action!
    if (Object.hasOwn(NOT_MUTATIONS, action)) continue
    assert.ok(Object.hasOwn(MUTATIONS, action), `${key} records ${action}: declare it in MUTATIONS (with its kind) or NOT_MUTATIONS (with why it changes no record) in src/platform/changes/mutations.ts`)
    const exercise = EXERCISE[key]
    assert.ok(exercise, `${key} changes records (${action}) but this test never calls it: add it to EXERCISE`)
    const rows = (await exercise()).filter((r) => Object.hasOwn(MUTATIONS, r.action))
    assert.ok(rows.length > 0, `${key} wrote no ${action} row`)
    for (const row of rows) {
      const kind = MUTATIONS[row.action].kind
      const where = `${key} (${row.action}, ${kind}, row ${row.id})`
      assert.equal(row.result, 'success', where)
      const isState = (v: unknown) => v !== null && typeof v === 'object' && Object.keys(v as object).length > 0
      if (kind === 'create') assert.deepEqual([row.params_before, isState(row.params)], [null, true], `${where}: params_before null, params the new record`)
      if (kind === 'update') assert.deepEqual([isState(row.params_before), isState(row.params)], [true, true], `${where}: params_before and params`)
      if (kind === 'delete') assert.deepEqual([isState(row.params_before), row.params], [true, null], `${where}: params_before the deleted record, params null`)
      if (kind === 'upsert') assert.ok(isState(row.params_before) || isState(row.params), `${where}: a state on one side at least`)
      assert.deepEqual([...secretKeys(row.params), ...secretKeys(row.params_before)], [], `${where}: no secret-holding keys`)
      for (const secret of secrets) assert.ok(!JSON.stringify(row).includes(secret), `${where}: no token secret`)
    }
    if (MUTATIONS[action].kind === 'upsert') {
      assert.ok(rows.some((r) => r.params_before !== null), `${key}: the replacing call records what it replaced in params_before`)
    }
  }
})

const changes = async (qs: string) => {
  const r = await call(s.url, 'GET', `/api/admin/activity/changes?${qs}`, { token: admin.token })
  assert.equal(r.status, 200, r.text)
  return r.body as { rows: Array<{ event: AuditRow; changes: unknown[]; no_op: boolean; rollback: { allowed: boolean; reason?: string } }>; next_cursor: string | null }
}

test('diffs: nested fields by path, added and removed values, SQL masked, and a no-op shown as one', async () => {
  const reg = await act('POST', '/api/admin/tables', { id: 'diff_orders', source: { kind: 'file', path: join(sources, 'orders.csv') }, sync_interval_minutes: 60 })
  const moved = await act('PATCH', '/api/admin/tables/diff_orders', { source: { kind: 'file', path: join(sources, 'orders2.csv') }, description: 'daily orders' })
  const [movedRow] = (await changes(`correlation_id=${moved.rows[0].correlation_id}`)).rows
  assert.deepEqual(movedRow.changes, [
    { field: 'description', kind: 'added', before: null, after: 'daily orders' },
    { field: 'source.path', kind: 'changed', before: join(sources, 'orders.csv'), after: join(sources, 'orders2.csv') },
  ])
  const cleared = await act('PATCH', '/api/admin/tables/diff_orders', { description: null, sync_interval_minutes: null })
  assert.deepEqual((await changes(`correlation_id=${cleared.rows[0].correlation_id}`)).rows[0].changes, [
    { field: 'description', kind: 'removed', before: 'daily orders', after: null },
    { field: 'sync_interval_minutes', kind: 'removed', before: 60, after: null },
  ])
  const toSql = await act('PATCH', '/api/admin/tables/diff_orders', { source: { kind: 'sql', sql: "SELECT 1 AS id WHERE 'north-7' = 'north-7'" } })
  assert.deepEqual((await changes(`correlation_id=${toSql.rows[0].correlation_id}`)).rows[0].changes, [
    { field: 'source.format', kind: 'removed', before: 'csv', after: null },
    { field: 'source.kind', kind: 'changed', before: 'file', after: 'sql' },
    { field: 'source.path', kind: 'removed', before: join(sources, 'orders2.csv'), after: null },
    { field: 'source.sql', kind: 'added', before: null, after: 'SELECT 1 AS id WHERE ? = ?' },
  ])
  const [created] = (await changes(`correlation_id=${reg.rows[0].correlation_id}`)).rows
  // A create: every field with a value is added (description has none).
  assert.deepEqual(created.changes.map((c: any) => [c.field, c.kind]), [['id', 'added'], ['source.format', 'added'], ['source.kind', 'added'], ['source.path', 'added'], ['sync_interval_minutes', 'added']])
  assert.equal(created.no_op, false)

  const g = await newGroup('noop-group')
  const same = await act('PATCH', `/api/admin/groups/${g}`, { name: 'noop-group' })
  const [noop] = (await changes(`correlation_id=${same.rows[0].correlation_id}`)).rows
  assert.deepEqual([noop.changes, noop.no_op, noop.rollback.allowed], [[], true, true])
  const del = await act('DELETE', `/api/admin/groups/${g}`)
  // A delete: every field with a value is removed, the group's (empty) members and grants with it.
  assert.deepEqual((await changes(`correlation_id=${del.rows[0].correlation_id}`)).rows[0].changes, [
    { field: 'grants', kind: 'removed', before: [], after: null },
    { field: 'id', kind: 'removed', before: g, after: null },
    { field: 'members', kind: 'removed', before: [], after: null },
    { field: 'name', kind: 'removed', before: 'noop-group', after: null },
  ])
})

test('the timeline\'s filters, mutations only: no reads, no refused or failed attempts; paged by cursor; one activity.read per filter and minute', async () => {
  await new Promise((r) => setTimeout(r, 5))
  const stamp = new Date().toISOString()
  const g = await newGroup('filtered')
  await call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'filtered' } }) // a 409: no change
  await call(s.url, 'GET', '/api/admin/groups', { token: admin.token }) // a read: no change
  await act('PATCH', `/api/admin/groups/${g}`, { description: 'one' })
  await act('PATCH', `/api/admin/groups/${g}`, { description: 'two' })
  const all = await changes(`since=${encodeURIComponent(stamp)}&action_prefix=user_group.`)
  assert.deepEqual(all.rows.map((r) => r.event.action), ['user_group.update', 'user_group.update', 'user_group.create'])
  assert.deepEqual(all.rows[0].changes, [{ field: 'description', kind: 'changed', before: 'one', after: 'two' }])
  assert.equal(all.rows[0].event.user_email, 'admin@example.com')
  assert.deepEqual((await changes(`since=${encodeURIComponent(stamp)}&action_prefix=user_group.&result_class=error`)).rows, [])
  assert.deepEqual((await changes(`since=${encodeURIComponent(stamp)}&action_in=user_group.list`)).rows, [], 'a read is never a change')
  assert.deepEqual((await changes(`since=${encodeURIComponent(stamp)}&user_id=${ana.userId}&action_prefix=user_group.`)).rows, [])
  // Paged two by two, the cursor walks the same rows.
  const first = await changes(`since=${encodeURIComponent(stamp)}&action_prefix=user_group.&limit=2`)
  assert.equal(first.rows.length, 2)
  const second = await changes(`since=${encodeURIComponent(stamp)}&action_prefix=user_group.&limit=2&cursor=${first.next_cursor}`)
  assert.deepEqual([...first.rows, ...second.rows].map((r) => r.event.id), all.rows.map((r) => r.event.id))
  assert.equal(second.next_cursor, null)
  // Reading is audited once per admin and filter set per minute, as the timeline is.
  const reads = (await s.svc.store.audit.find({ action: 'activity.read', limit: 1000 })).filter((r) => r.params?.view === 'changes' && (r.params?.filters as any)?.since === stamp)
  assert.deepEqual(reads.map((r) => Object.keys(r.params?.filters as object).sort().join('+')).sort(), [
    'action_in+since', 'action_prefix+result_class+since', 'action_prefix+since', 'action_prefix+since+user_id',
  ], 'one per filter set: the paged reads share the first')
  const bad = await call(s.url, 'GET', '/api/admin/activity/changes?result_class=sideways', { token: admin.token })
  assert.equal(bad.status, 400)
  assert.equal((await call(s.url, 'GET', '/api/admin/activity/changes', { token: ana.token })).status, 403)
})

/** The command line, run from the sources (what bin/agnes runs once built). */
function agnes(args: string[], token = admin.token): Promise<{ code: number; stdout: string; stderr: string }> {
  const entry = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts')
  const code = `import { runCli } from ${JSON.stringify(entry)}; process.exitCode = await runCli(['node', 'agnes', ...process.argv.slice(1)])`
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: s.dataDir, AGNES_URL: s.url, AGNES_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (c) => resolve({ code: c ?? -1, stdout, stderr }))
  })
}

test('agnes admin changes prints each change with its fields; agnes admin rollback previews, applies and refuses with exit code 1', async () => {
  const g = await newGroup('cli-old')
  const rename = await act('PATCH', `/api/admin/groups/${g}`, { name: 'cli-new' })
  const eventId = rename.rows[0].id

  const text = await agnes(['admin', 'changes', '--resource', `user_group:${g}`])
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, new RegExp(`^#${eventId} .* admin@example.com via api  user_group.update  user_group:${g}  \\[revertible\\]\\n    name: "cli-old" → "cli-new"$`, 'm'))
  const json = JSON.parse((await agnes(['admin', 'changes', '--resource', `user_group:${g}`, '--json'])).stdout)
  assert.deepEqual(json.rows.map((r: any) => r.event.action), ['user_group.update', 'user_group.create'])

  const dry = await agnes(['admin', 'rollback', String(eventId), '--dry-run'])
  assert.equal(dry.code, 0, dry.stderr)
  assert.equal(dry.stdout, `would revert user_group:${g} to its state before event #${eventId}\n  name: "cli-new" → "cli-old"\n`)
  assert.equal((await s.svc.store.groups.byId(g))?.name, 'cli-new')
  const applied = JSON.parse((await agnes(['admin', 'rollback', String(eventId), '--json'])).stdout)
  assert.equal(applied.applied, true)
  assert.equal((await s.svc.store.groups.byId(g))?.name, 'cli-old')
  const rolled = (await s.svc.store.audit.find({ action: 'rollback.apply', limit: 1 }))[0]
  assert.equal(rolled.client_kind, 'cli')

  const nothing = await agnes(['admin', 'rollback', String(eventId)])
  assert.equal(nothing.code, 0)
  assert.match(nothing.stdout, /^nothing to revert/)
  const refused = await agnes(['admin', 'rollback', String((await s.svc.store.audit.find({ action: 'user.create', limit: 1 }))[0].id)])
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /^agnes: user\.create is not on the rollback allowlist/)
  const usage = await agnes(['admin', 'rollback', 'abc'])
  assert.equal(usage.code, 2)
  const forced = await agnes(['admin', 'rollback', '--help'])
  assert.match(forced.stdout, /--force +overwrite fields that changed again since the event/)
})
