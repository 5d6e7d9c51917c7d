import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { appendFileSync, copyFileSync, mkdirSync, realpathSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { startTestServer, call, tempDir, type TestServer } from '../helpers.ts'
import { settleBackgroundSends } from '../../src/integrations/telegram/index.ts'
import { confirm, projectFolderNames } from '../../src/cli/commands/report.ts'
import { PassThrough, Readable } from 'node:stream'
import { AGNES_BIN as BIN } from '../support/agnes-bin.ts'

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'real', 'marot__spotter__short.jsonl')
const SESSION = '55604662-cf2a-4331-851a-ec234028f8ca'
const PAT = 'agnes_pat_' + 'Qw3_rT-yU8iO'.repeat(4).slice(0, 43)
const DB_URL = 'postgres://u:hunter2secret@db/x'

function agnes(args: string[], opts: { env: Record<string, string>; cwd?: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // stdin is /dev/null: not a terminal, as under Claude Code's Bash tool or in CI.
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { PATH: process.env.PATH ?? '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** A stand-in for the Telegram Bot API that records what it received. */
async function fakeTelegram(): Promise<{ url: string; received: Array<{ path: string; body: any }>; close(): Promise<void> }> {
  const received: Array<{ path: string; body: any }> = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"result":{}}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, close: () => new Promise((r) => server.close(() => r())) }
}

describe('agnes report', () => {
  let s: TestServer
  let tg: Awaited<ReturnType<typeof fakeTelegram>>
  let admin: { token: string; userId: string }
  let ana: { token: string; userId: string }
  let home: string
  let project: string
  let folder: string
  let env: Record<string, string>
  let adminEnv: Record<string, string>
  const anaReports = async () => s.svc.store.feedback.list({ reporter: ana.userId }, 100)

  before(async () => {
    tg = await fakeTelegram()
    s = await startTestServer({ telegram: { botToken: 'test-token', apiBase: tg.url } })
    admin = await s.bootstrap()
    ana = await s.addUser(admin.token, 'ana@example.com')
    const link = await call(s.url, 'POST', '/api/admin/telegram-link', { token: admin.token, body: { chat_id: '777' } })
    assert.equal(link.status, 200, link.text)
    home = tempDir('agnes-report-home-')
    project = join(home, 'work', 'my.proj')
    mkdirSync(project, { recursive: true })
    project = realpathSync(project)
    folder = projectFolderNames(project)[0]
    assert.ok(!folder.includes('/') && !folder.includes('.'), folder)
    const dir = join(home, '.claude', 'projects', folder)
    mkdirSync(dir, { recursive: true })
    const transcript = join(dir, `${SESSION}.jsonl`)
    copyFileSync(FIXTURE, transcript)
    // A last prompt with two secrets in it: they must never leave the machine.
    appendFileSync(transcript, JSON.stringify({
      parentUuid: null, isSidechain: false, userType: 'external', cwd: project, sessionId: SESSION, version: '2.1.38', type: 'user',
      message: { role: 'user', content: `try again with token ${PAT} against ${DB_URL}` }, uuid: 'a1b2c3d4-0000-4000-8000-000000000001',
      timestamp: '2026-02-10T21:20:00.000Z',
    }) + '\n')
    env = { HOME: home, AGNES_URL: s.url, AGNES_TOKEN: ana.token }
    adminEnv = { HOME: home, AGNES_URL: s.url, AGNES_TOKEN: admin.token }
  })
  after(async () => {
    await settleBackgroundSends(s.svc)
    await s.close()
    await tg.close()
    rmSync(home, { recursive: true, force: true })
  })

  test('without a terminal and without --yes nothing is sent: the preview is shown, the exit code says no', async () => {
    const r = await agnes(['report', '--message', 'test'], { env, cwd: project })
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /nothing was sent: there is no terminal to confirm on.*--yes/)
    assert.match(r.stdout, /Message:\n {2}test/)
    // A summary is said to be one, and the way to see every line is named.
    assert.match(r.stdout, /with the session excerpt summarised .*--show-all prints every line/)
    assert.deepEqual(await anaReports(), [])
    assert.deepEqual(await s.svc.store.audit.find({ action: 'feedback.report' }), [])
  })

  test('--show-all prints every line of the excerpt as it would be sent, redacted', async () => {
    const r = await agnes(['report', '--message', 'test', '--show-all'], { env, cwd: project })
    assert.equal(r.code, 1)
    assert.match(r.stdout, /Exactly this is sent/)
    const m = /The excerpt, every line as sent \(([\d,]+) JSONL line\(s\)\):\n/.exec(r.stdout)
    assert.ok(m, r.stdout.slice(0, 500))
    const shown = r.stdout.slice(m.index).split('\n').filter((l) => l.startsWith('  {'))
    assert.equal(shown.length, Number(m[1].replace(/,/g, '')))
    for (const l of shown) JSON.parse(l)
    assert.ok(!r.stdout.includes(PAT) && !r.stdout.includes('hunter2secret'))
    assert.deepEqual(await anaReports(), [])
  })

  test('`agnes report --message test --yes` sends the redacted excerpt: a stored report, its audit row, a Telegram message, the admin list and the Activity Center', async () => {
    const r = await agnes(['report', '--message', 'test', '--yes'], { env, cwd: project })
    assert.equal(r.code, 0, r.stderr)
    // The preview: message, turns and bytes, a readable summary, what was redacted.
    assert.match(r.stdout, /Message:\n {2}test\n/)
    assert.match(r.stdout, /Session excerpt from .*\.jsonl:\n {2}\d+ turn\(s\) \(the last \d+ of \d+\), [\d,]+ line\(s\), [\d,]+ bytes/)
    assert.match(r.stdout, /turn 1 2026-02-10 21:11: you: "mix phx.server doesnt seem to start"/)
    assert.match(r.stdout, /Claude Code 2\.1\.38/)
    assert.match(r.stdout, /Redacted before showing or sending: 2 secret\(s\): .*agnes_token ×1/)
    assert.ok(!r.stdout.includes(PAT) && !r.stdout.includes('hunter2secret'), 'the preview shows no secret')
    const id = /Sent report ([0-9a-f-]{36})/.exec(r.stdout)?.[1]
    assert.ok(id, r.stdout)

    const stored = await s.svc.store.feedback.byId(id)
    assert.ok(stored)
    assert.equal(stored.message, 'test')
    assert.equal(stored.reporter_user, ana.userId)
    assert.equal(stored.session_file, `ana/${folder}__${SESSION}.jsonl`)
    assert.ok(stored.session_excerpt && stored.session_excerpt.includes('mix phx.server doesnt seem to start'))
    assert.ok(stored.session_excerpt.includes('[REDACTED:agnes_token]'))
    const everything = JSON.stringify(stored)
    assert.ok(!everything.includes(PAT), 'the token is not stored')
    assert.ok(!everything.includes('hunter2secret'), 'the database password is not stored')
    assert.equal(stored.environment?.claude_code_version, '2.1.38')
    assert.equal(stored.environment?.agnes_cli_version, JSON.parse((await import('node:fs')).readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version)
    assert.equal(stored.environment?.node_version, process.version)

    const rows = await s.svc.store.audit.find({ action: 'feedback.report' })
    assert.equal(rows.length, 1)
    assert.deepEqual([rows[0].result, rows[0].client_kind, rows[0].resource, rows[0].params?.ack_preview], ['success', 'cli', `feedback:${id}`, true])

    const deadline = Date.now() + 5000
    while (tg.received.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20))
    assert.equal(tg.received.length, 1)
    assert.equal(tg.received[0].path, '/bottest-token/sendMessage')
    assert.equal(tg.received[0].body.chat_id, '777')
    assert.match(tg.received[0].body.text, new RegExp(id))

    const list = await call(s.url, 'GET', '/api/admin/feedback', { token: admin.token })
    assert.ok(list.body.rows.some((x: { id: string }) => x.id === id))
    const tl = await call(s.url, 'GET', '/api/admin/activity/timeline?action_prefix=feedback.report', { token: admin.token })
    assert.deepEqual(tl.body.rows.map((x: { resource: string }) => x.resource), [`feedback:${id}`])
  })

  test('no transcript for the folder: the preview says so and the report goes without an excerpt; --json prints the result', async () => {
    const elsewhere = join(home, 'elsewhere')
    mkdirSync(elsewhere, { recursive: true })
    const r = await agnes(['report', '--message', 'no session here', '--yes', '--json'], { env, cwd: elsewhere })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /Session excerpt: none\. no Claude Code transcript found for .*elsewhere.*sent without one/)
    const out = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(out).sort(), ['duplicate_of', 'excerpt', 'fingerprint', 'id', 'redactions'])
    assert.equal(out.excerpt, null)
    const stored = await s.svc.store.feedback.byId(out.id)
    assert.equal(stored?.session_excerpt, null)
    assert.equal(stored?.session_file, null)
  })

  test('--session picks another transcript; a missing one is a usage error', async () => {
    const r = await agnes(['report', '--message', 'explicit session', '--yes', '--json', '--session', FIXTURE], { env, cwd: join(home) })
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.excerpt.session_file, 'marot__spotter__short.jsonl')
    assert.ok(out.excerpt.turns >= 1)
    const missing = await agnes(['report', '--message', 'x', '--yes', '--session', join(home, 'nope.jsonl')], { env, cwd: home })
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /--session: no such file/)
  })

  test('`agnes reports` shows the caller\'s reports; `agnes admin feedback list|show|update` manage them', async () => {
    const mine = await agnes(['reports', '--json'], { env })
    assert.equal(mine.code, 0, mine.stderr)
    const rows = JSON.parse(mine.stdout)
    assert.equal(rows.length, 3)
    assert.ok(rows.every((x: { status: string }) => x.status === 'open'))
    const target = rows.find((x: { message: string }) => x.message === 'test')

    const list = await agnes(['admin', 'feedback', 'list', '--json', '--status', 'open'], { env: adminEnv })
    assert.equal(list.code, 0, list.stderr)
    assert.equal(JSON.parse(list.stdout).rows.length, 3)
    const table = await agnes(['admin', 'feedback', 'list'], { env: adminEnv })
    assert.match(table.stdout, /ana@example\.com/)

    const upd = await agnes(['admin', 'feedback', 'update', target.id, '--status', 'resolved', '--resolution', 'fixed', '--tags', 'cli,report', '--assignee', 'me', '--json'], { env: adminEnv })
    assert.equal(upd.code, 0, upd.stderr)
    const u = JSON.parse(upd.stdout)
    assert.deepEqual([u.status, u.resolution, u.tags, u.assignee], ['resolved', 'fixed', ['cli', 'report'], admin.userId])

    const show = await agnes(['admin', 'feedback', 'show', target.id, '--json'], { env: adminEnv })
    assert.equal(show.code, 0, show.stderr)
    const detail = JSON.parse(show.stdout)
    assert.ok(detail.session_excerpt.includes('mix phx.server'))
    assert.ok(detail.events.some((e: { action: string }) => e.action === 'feedback.report'))
    const showText = await agnes(['admin', 'feedback', 'show', target.id], { env: adminEnv })
    assert.match(showText.stdout, /resolved/)

    const after = await agnes(['reports'], { env })
    assert.match(after.stdout, /resolved\s+test\s+fixed/)
    const noop = await agnes(['admin', 'feedback', 'update', target.id], { env: adminEnv })
    assert.equal(noop.code, 2)
    const asAna = await agnes(['admin', 'feedback', 'list'], { env })
    assert.equal(asAna.code, 1)
    assert.match(asAna.stderr, /admin/)
  })
})

test('on a terminal the question is "Send this report? [y/N]": only y or yes sends', async () => {
  for (const [answer, expected] of [['y\n', true], ['YES\n', true], ['n\n', false], ['\n', false], ['yep\n', false]] as const) {
    const output = new PassThrough()
    let shown = ''
    output.on('data', (d) => (shown += d))
    assert.equal(await confirm('Send this report? [y/N] ', Readable.from([answer]), output), expected, JSON.stringify(answer))
    assert.match(shown, /Send this report\? \[y\/N\]/)
  }
})

test('the project folder is named like Claude Code names it: / and . become -', () => {
  assert.equal(projectFolderNames('/home/ana/my.proj')[0], '-home-ana-my-proj')
})
