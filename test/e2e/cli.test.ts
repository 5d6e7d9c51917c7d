import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, statSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, call, tempDir, type TestServer, runCli } from '../helpers.ts'

let s: TestServer
let home: string
let admin: { token: string; userId: string }

before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  home = tempDir('agnes-home-')
})
after(async () => {
  await s.close()
  rmSync(home, { recursive: true, force: true })
})

function agnes(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { HOME: home, ...env })
}

test('agnes --version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'))
  const r = await agnes(['--version'])
  assert.equal(r.code, 0)
  assert.equal(r.stdout.trim(), pkg.version)
})

test('agnes login saves URL and token (mode 0600); later commands use them', async () => {
  const bad = await agnes(['login', '--url', s.url, '--token', 'agnes_pat_wrong'])
  assert.notEqual(bad.code, 0)
  assert.equal(bad.stderr.trim().split('\n').length, 1, 'one-line error')
  assert.match(bad.stderr, /authentication required/)

  const ok = await agnes(['login', '--url', s.url, '--token', admin.token, '--json'])
  assert.equal(ok.code, 0, ok.stderr)
  assert.equal(JSON.parse(ok.stdout).email, 'admin@example.com')
  const file = join(home, '.config', 'agnes', 'config.json')
  assert.equal(statSync(file).mode & 0o777, 0o600)
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { url: s.url, token: admin.token })

  const added = await agnes(['admin', 'users', 'add', 'bo@example.com', '--admin', '--json'])
  assert.equal(added.code, 0, added.stderr)
  const out = JSON.parse(added.stdout)
  assert.equal(out.user.email, 'bo@example.com')
  assert.equal(out.user.is_admin, true)
  assert.match(out.token, /^agnes_pat_/)
  // The printed token works, and the CLI's calls are audited as client_kind cli.
  assert.equal((await call(s.url, 'GET', '/api/me', { token: out.token })).body.email, 'bo@example.com')
  const [row] = await s.svc.store.audit.find({ action: 'user.create' })
  assert.equal(row.client_kind, 'cli')
  assert.equal(row.params?.email, 'bo@example.com')
})

test('AGNES_URL and AGNES_TOKEN override the saved login; plain output prints the token once', async () => {
  const r = await agnes(['admin', 'users', 'add', 'cy@example.com'], { AGNES_URL: s.url, AGNES_TOKEN: admin.token })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /Created cy@example.com/)
  assert.match(r.stdout, /Token \(shown once\): agnes_pat_/)
})

test('failures exit non-zero with one line: taken e-mail, non-admin, unreachable server, not logged in, bad usage', async () => {
  const env = { AGNES_URL: s.url, AGNES_TOKEN: admin.token }
  const dup = await agnes(['admin', 'users', 'add', 'cy@example.com'], env)
  assert.equal(dup.code, 1)
  assert.match(dup.stderr, /^agnes: a user with e-mail cy@example.com already exists \(email\)\n$/)

  const analyst = await s.addUser(admin.token, 'dee@example.com')
  const denied = await agnes(['admin', 'users', 'add', 'eve@example.com'], { AGNES_URL: s.url, AGNES_TOKEN: analyst.token })
  assert.equal(denied.code, 1)
  assert.match(denied.stderr, /this needs an admin/)

  const down = await agnes(['admin', 'users', 'list'], { AGNES_URL: 'http://127.0.0.1:9', AGNES_TOKEN: admin.token })
  assert.equal(down.code, 1)
  assert.match(down.stderr, /cannot reach Agnes at http:\/\/127.0.0.1:9/)

  const fresh = tempDir('agnes-home-')
  const nologin = await agnes(['admin', 'users', 'list'], { HOME: fresh })
  assert.equal(nologin.code, 1)
  assert.match(nologin.stderr, /not logged in/)
  rmSync(fresh, { recursive: true, force: true })

  const usage = await agnes(['admin', 'users', 'add'])
  assert.equal(usage.code, 2)
  assert.match(usage.stderr, /missing required argument/)
})

test('agnes admin users list --json lists users', async () => {
  const r = await agnes(['admin', 'users', 'list', '--json'], { AGNES_URL: s.url, AGNES_TOKEN: admin.token })
  assert.equal(r.code, 0, r.stderr)
  const emails = JSON.parse(r.stdout).map((u: { email: string }) => u.email)
  assert.ok(emails.includes('admin@example.com') && emails.includes('bo@example.com'))
})
