import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { postgresBinDir } from '../support/postgres.ts'
import { testEngines } from '../support/stores.ts'
import { LOGIN_LIMITS } from '../../src/platform/auth/login-throttle.ts'

/**
 * Issue 11, section 4 (sign-in) and the reuse of deleted users' usernames, each hole reproduced as a request a
 * browser or an attacker would send. The main server trusts a proxy, so each test gives its requests their own
 * client address (X-Forwarded-For) and the per-address sign-in limit of one test never touches another.
 */

let s: TestServer
let direct: TestServer
let admin: { token: string; userId: string }
const ADMIN_EMAIL = 'admin@example.com'
const ADMIN_PASSWORD = 'admin-password'

before(async () => {
  s = await startTestServer({ trustProxy: true })
  admin = await s.bootstrap(ADMIN_EMAIL)
  direct = await startTestServer()
  await direct.bootstrap(ADMIN_EMAIL)
})
after(async () => {
  await s.close()
  await direct.close()
})

let lastOctet = 0
/** A client address of its own for a test (behind the trusted proxy). */
const newAddress = () => `198.51.100.${++lastOctet}`

interface Form {
  /** The Cookie header value that carries the pre-session CSRF cookie. */
  cookie: string
  csrf: string
  setCookie: string
}

/** Opens the sign-in page as a browser would and returns its CSRF cookie and the form's matching value. */
async function openLogin(srv: TestServer, headers: Record<string, string> = {}, path = '/login'): Promise<Form & { html: string }> {
  const r = await fetch(srv.url + path, { headers, redirect: 'manual' })
  const html = await r.text()
  const setCookie = r.headers.get('set-cookie') ?? ''
  const csrf = /name="login_csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
  return { cookie: setCookie.split(';')[0], csrf, setCookie, html }
}

/** Posts a sign-in form (urlencoded, as a browser does); never follows the redirect. */
async function postForm(srv: TestServer, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const cid = `signin-${randomUUID()}`
  const r = await fetch(srv.url + path, {
    method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { 'x-correlation-id': cid, ...headers },
  })
  const text = await r.text()
  return { status: r.status, text, headers: r.headers, audit: await srv.svc.store.audit.find({ correlationId: cid }) }
}

/** Signs in with a password through a freshly opened form, from `address`. */
async function passwordLogin(email: string, password: string, address: string, extra: Record<string, string> = {}) {
  const form = await openLogin(s, { 'x-forwarded-for': address })
  return postForm(s, '/login', { email, password, login_csrf: form.csrf, ...extra }, { cookie: form.cookie, 'x-forwarded-for': address })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

// ---- login CSRF ----

test('the sign-in page sets a pre-session CSRF cookie and puts the same value in both forms', async () => {
  const form = await openLogin(direct)
  assert.match(form.setCookie, /^agnes_login_csrf=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly; SameSite=Lax$/)
  assert.equal(form.cookie, `agnes_login_csrf=${form.csrf}`)
  assert.equal(form.html.match(/name="login_csrf"/g)?.length, 2, 'password form and token form')
  // A browser that already has the cookie keeps it: two open tabs both work.
  const again = await openLogin(direct, { cookie: form.cookie })
  assert.equal(again.setCookie, '')
  assert.equal(again.csrf, form.csrf)
})

test('POST /login without the form\u2019s CSRF token is refused with a clear 403, even with the right password', async () => {
  const address = newAddress()
  const form = await openLogin(s, { 'x-forwarded-for': address })
  const cases: Array<[string, Record<string, string>, Record<string, string>]> = [
    ['no token, no cookie (a cross-site form post)', {}, {}],
    ['the cookie but no token', {}, { cookie: form.cookie }],
    ['a token but no cookie', { login_csrf: form.csrf }, {}],
    ['a token that is not the cookie\u2019s', { login_csrf: 'A'.repeat(32) }, { cookie: form.cookie }],
  ]
  for (const [what, fields, headers] of cases) {
    const r = await postForm(s, '/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, ...fields }, { ...headers, 'x-forwarded-for': address })
    assert.equal(r.status, 403, what)
    assert.match(r.text, /This sign-in form has expired or was not sent from this site/, what)
    assert.match(r.text, /name="login_csrf" value="[A-Za-z0-9_-]{32}"/, `${what}: the answer is a fresh form`)
    assert.doesNotMatch(r.headers.get('set-cookie') ?? '', /agnes_session=/, `${what}: no session`)
    assert.deepEqual(r.audit.map((a) => [a.action, a.result, a.params?.reason]), [['auth.login_failed', 'denied', 'csrf_failed']], what)
  }
  // The same for the token form.
  const t = await postForm(s, '/auth/token-login', { token: admin.token }, { 'x-forwarded-for': address })
  assert.equal(t.status, 403)
  assert.deepEqual(t.audit.map((a) => [a.action, a.params?.reason]), [['auth.login_failed', 'csrf_failed']])
  // With the page's pair, both forms sign in.
  const ok = await postForm(s, '/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, login_csrf: form.csrf }, { cookie: form.cookie, 'x-forwarded-for': address })
  assert.equal(ok.status, 303)
  assert.match(ok.headers.get('set-cookie') ?? '', /agnes_session=/)
  const tok = await postForm(s, '/auth/token-login', { token: admin.token, login_csrf: form.csrf }, { cookie: form.cookie, 'x-forwarded-for': address })
  assert.equal(tok.status, 303)
})

test('a browser already signed in can sign in again through the form; its old session ends', async () => {
  const address = newAddress()
  const first = await passwordLogin(ADMIN_EMAIL, ADMIN_PASSWORD, address)
  assert.equal(first.status, 303)
  const oldSession = (first.headers.get('set-cookie') ?? '').split(';')[0]
  const form = await openLogin(s, { 'x-forwarded-for': address, cookie: oldSession })
  const again = await postForm(s, '/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, login_csrf: form.csrf }, {
    cookie: `${oldSession}; ${form.cookie}`, 'x-forwarded-for': address,
  })
  assert.equal(again.status, 303, again.text)
  assert.equal((await call(s.url, 'GET', '/api/me', { headers: { cookie: oldSession } })).status, 401, 'the previous session is over')
})

// ---- CSP on every page ----

test('every HTML page, error pages included, forbids framing with a CSP', async () => {
  const address = newAddress()
  const login = await passwordLogin(ADMIN_EMAIL, ADMIN_PASSWORD, address)
  const session = (login.headers.get('set-cookie') ?? '').split(';')[0]
  const html = { accept: 'text/html' }
  const pages: Array<[string, string, Record<string, string>, number]> = [
    ['sign-in page', '/login', html, 200],
    ['dashboard', '/', { ...html, cookie: session }, 200],
    ['dashboard signed out (the 401 sign-in page)', '/', html, 401],
    ['unknown page (404)', '/no/such/page', html, 404],
    ['admin page as nobody (401)', '/admin/activity', html, 401],
    ['activity page', '/admin/activity', { ...html, cookie: session }, 200],
  ]
  for (const [what, path, headers, status] of pages) {
    const r = await fetch(s.url + path, { headers, redirect: 'manual' })
    assert.equal(r.status, status, what)
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/, what)
    const csp = r.headers.get('content-security-policy') ?? ''
    assert.match(csp, /frame-ancestors 'none'/, `${what}: ${csp}`)
    assert.match(csp, /script-src 'self'/, what)
    assert.match(csp, /form-action 'self'/, what)
    assert.equal(r.headers.get('x-frame-options'), 'DENY', what)
  }
  // A refused sign-in (a page answered by the route itself) too.
  const refused = await postForm(s, '/login', { email: ADMIN_EMAIL, password: 'nope' }, { 'x-forwarded-for': address })
  assert.match(refused.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
})

// ---- behind a TLS proxy ----

test('with AGNES_TRUST_PROXY, X-Forwarded-Proto: https makes every cookie Secure and X-Forwarded-For names the client', async () => {
  const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.250, 203.0.113.7' }
  const form = await openLogin(s, proxied)
  // Over HTTPS the pre-session cookie takes the __Host- prefix: no sibling subdomain can plant one.
  assert.match(form.setCookie, /^__Host-agnes_login_csrf=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly; SameSite=Lax; Secure$/)
  const ok = await postForm(s, '/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, login_csrf: form.csrf }, { cookie: form.cookie, ...proxied })
  assert.equal(ok.status, 303, ok.text)
  assert.match(ok.headers.get('set-cookie') ?? '', /^agnes_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Expires=[^;]+; Secure$/)
  // The client is the address the proxy (the one trusted hop) added last, not what the client wrote before it.
  assert.equal(ok.audit[0].client_ip, '203.0.113.7')
  assert.equal(ok.audit[0].action, 'auth.login')
  // Logging out clears the cookie the same way.
  const session = (ok.headers.get('set-cookie') ?? '').split(';')[0]
  const page = await (await fetch(`${s.url}/`, { headers: { cookie: session, ...proxied } })).text()
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1]
  const out = await fetch(`${s.url}/auth/logout`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }), redirect: 'manual', headers: { cookie: session, ...proxied } })
  assert.equal(out.status, 303)
  assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0; Secure$/)
})

test('without AGNES_TRUST_PROXY, forwarded headers are ignored: no Secure cookie, the socket is the client', async () => {
  const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' }
  const form = await openLogin(direct, proxied)
  assert.match(form.setCookie, /^agnes_login_csrf=/)
  assert.doesNotMatch(form.setCookie, /Secure/)
  const ok = await postForm(direct, '/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, login_csrf: form.csrf }, { cookie: form.cookie, ...proxied })
  assert.equal(ok.status, 303)
  assert.doesNotMatch(ok.headers.get('set-cookie') ?? '', /Secure/)
  assert.equal(ok.audit[0].client_ip, '127.0.0.1')
})

// ---- open redirect ----

test('after sign-in, next is followed only to a path on this server', async () => {
  const address = newAddress()
  const cases: Array<[string, string]> = [
    ['/\\evil.example', '/'],
    ['//evil.example', '/'],
    ['/\t/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['/.//evil.example', '/'],
    ['/a/..//evil.example', '/'],
    ['/\\/evil.example', '/'],
    ['https://evil.example/', '/'],
    ['http:/evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['evil.example', '/'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'], // encoded slashes stay a path on this server
    ['/admin/activity?action_prefix=auth#top', '/admin/activity?action_prefix=auth#top'],
  ]
  for (const [next, expected] of cases) {
    const r = await passwordLogin(ADMIN_EMAIL, ADMIN_PASSWORD, address, { next })
    assert.equal(r.status, 303, JSON.stringify(next))
    assert.equal(r.headers.get('location'), expected, JSON.stringify(next))
    const where = new URL(r.headers.get('location')!, s.url)
    assert.equal(where.origin, new URL(s.url).origin, `${JSON.stringify(next)} stays on this origin`)
  }
  // The page keeps only a safe next in its forms too (it came from the query string).
  const page = await openLogin(s, { 'x-forwarded-for': address }, `/login?next=${encodeURIComponent('/\\evil.example')}`)
  assert.match(page.html, /name="next" value="\/"/)
  const token = await openLogin(s, { 'x-forwarded-for': address })
  const t = await postForm(s, '/auth/token-login', { token: admin.token, login_csrf: token.csrf, next: '/\\evil.example' }, { cookie: token.cookie, 'x-forwarded-for': address })
  assert.equal(t.headers.get('location'), '/')
})

// ---- password guessing ----

test('40 wrong passwords in a row: the account waits, with 429 and Retry-After, and so does the right password', async () => {
  const address = newAddress()
  const ana = await s.addUser(admin.token, 'ana@example.com', { password: 'ana-right-password' })
  const form = await openLogin(s, { 'x-forwarded-for': address })
  const attempt = (password: string) =>
    postForm(s, '/login', { email: 'ana@example.com', password, login_csrf: form.csrf }, { cookie: form.cookie, 'x-forwarded-for': address })
  const free = LOGIN_LIMITS.account.free
  const started = performance.now()
  const answers = []
  for (let i = 0; i < 40; i++) answers.push(await attempt(`wrong-${i}`))
  const elapsedS = (performance.now() - started) / 1000
  const statuses = answers.map((a) => a.status)
  assert.deepEqual(statuses.slice(0, free), Array(free).fill(401), 'the free attempts are checked')
  // Then 1 s, 2 s, 4 s … between checked attempts: in `elapsedS` seconds at most log2(elapsedS + 1) more get checked.
  const checked = statuses.filter((x) => x === 401).length
  assert.ok(checked <= free + Math.floor(Math.log2(elapsedS + 1)), `${checked} passwords checked in ${elapsedS.toFixed(1)} s: ${statuses}`)
  assert.equal(checked + statuses.filter((x) => x === 429).length, 40)
  const refusal = answers.find((a) => a.status === 429)!
  assert.match(refusal.headers.get('retry-after') ?? '', /^[12]$/)
  assert.match(refusal.text, /Too many sign-in attempts for this account\. Try again in [12] seconds?\./)
  assert.deepEqual(
    refusal.audit.map((a) => [a.action, a.result, a.params?.reason, a.params?.throttled_by, a.params?.email]),
    [['auth.login_failed', 'denied', 'rate_limited', 'account', 'ana@example.com']],
  )
  assert.equal(refusal.audit[0].params?.retry_after_s, Number(refusal.headers.get('retry-after')))

  // Once the wait is over a password is checked again, and the next wait is longer; the right password waits too.
  let next = await attempt('wrong-again')
  while (next.status === 429) {
    await new Promise((r) => setTimeout(r, Number(next.headers.get('retry-after')) * 1000))
    next = await attempt('wrong-again')
  }
  assert.equal(next.status, 401)
  const right = await attempt('ana-right-password')
  assert.equal(right.status, 429, 'the right password is refused while the account waits')
  assert.equal((right.headers.get('set-cookie') ?? '').includes('agnes_session='), false)
  const wait = Number(right.headers.get('retry-after'))
  assert.ok(wait >= 2, `the wait grew: ${wait} s`)
  // After the wait, the right password works and clears the account's count.
  await new Promise((r) => setTimeout(r, wait * 1000))
  const later = await attempt('ana-right-password')
  assert.equal(later.status, 303, later.text)
  assert.deepEqual(later.audit.map((a) => [a.action, a.user_id]), [['auth.login', ana.userId]])
  assert.equal(await s.svc.store.loginThrottle.get('account:ana@example.com'), undefined)
  // Every failed attempt was audited with its reason.
  const failed = (await s.svc.store.audit.find({ action: 'auth.login_failed' })).filter((a) => a.params?.email === 'ana@example.com')
  const reasons = new Set(failed.map((a) => a.params?.reason))
  assert.deepEqual([...reasons].sort(), ['rate_limited', 'wrong_password'])
  assert.equal(failed.filter((a) => a.params?.reason === 'wrong_password').length, checked + 1)
})

test('the per-account limit counts e-mails that have no account the same way (nothing tells them apart)', async () => {
  const address = newAddress()
  const statuses: number[] = []
  for (let i = 0; i < LOGIN_LIMITS.account.free + 1; i++) statuses.push((await passwordLogin('Nobody@Example.com ', 'whatever', address)).status)
  assert.deepEqual(statuses, [...Array(LOGIN_LIMITS.account.free).fill(401), 429])
  const rows = (await s.svc.store.audit.find({ action: 'auth.login_failed' })).filter((a) => String(a.params?.email).toLowerCase() === 'nobody@example.com')
  assert.deepEqual(rows.map((a) => a.params?.reason).sort(), [...Array(LOGIN_LIMITS.account.free).fill('unknown_user'), 'rate_limited'].sort())
})

test('parallel guesses cannot slip past the limit while the first ones are being checked', async () => {
  const address = newAddress()
  await s.addUser(admin.token, 'burst@example.com', { password: 'burst-right-password' })
  const forms = await Promise.all(Array.from({ length: 15 }, () => openLogin(s, { 'x-forwarded-for': address })))
  const answers = await Promise.all(forms.map((f, i) =>
    postForm(s, '/login', { email: 'burst@example.com', password: `guess-${i}`, login_csrf: f.csrf }, { cookie: f.cookie, 'x-forwarded-for': address })))
  const checked = answers.filter((a) => a.status === 401).length
  assert.equal(checked, LOGIN_LIMITS.account.free, `statuses: ${answers.map((a) => a.status)}`)
  assert.equal(answers.filter((a) => a.status === 429).length, 15 - LOGIN_LIMITS.account.free)
})

test('one address guessing across many accounts is limited too; other addresses are not held up', async () => {
  const address = newAddress()
  const free = LOGIN_LIMITS.address.free
  // Two guesses per account: never enough for an account's own limit.
  for (let i = 0; i < free; i++) {
    const r = await passwordLogin(`victim-${Math.floor(i / 2)}@example.com`, 'guess', address)
    assert.equal(r.status, 401, `attempt ${i + 1}`)
  }
  const blocked = await passwordLogin(ADMIN_EMAIL, ADMIN_PASSWORD, address)
  assert.equal(blocked.status, 429)
  assert.equal(blocked.headers.get('retry-after'), '1')
  assert.match(blocked.text, /Too many sign-in attempts for your network address/)
  assert.equal(blocked.audit[0].params?.throttled_by, 'address')
  // The token form shares the address's count.
  const form = await openLogin(s, { 'x-forwarded-for': address })
  const byToken = await postForm(s, '/auth/token-login', { token: admin.token, login_csrf: form.csrf }, { cookie: form.cookie, 'x-forwarded-for': address })
  assert.equal(byToken.status, 429)
  assert.deepEqual(byToken.audit.map((a) => [a.action, a.params?.reason, a.params?.throttled_by]), [['auth.login_failed', 'rate_limited', 'address']])
  // Someone else, elsewhere, signs in at once.
  assert.equal((await passwordLogin(ADMIN_EMAIL, ADMIN_PASSWORD, newAddress())).status, 303)
})

test('token sign-in: guessing tokens from one address is limited; a successful sign-in takes its attempt back', async () => {
  const address = newAddress()
  const free = LOGIN_LIMITS.address.free
  // Successes do not add up: an office signing in all day is never held up.
  for (let i = 0; i < free + 5; i++) {
    const f = await openLogin(s, { 'x-forwarded-for': address })
    const ok = await postForm(s, '/auth/token-login', { token: admin.token, login_csrf: f.csrf }, { cookie: f.cookie, 'x-forwarded-for': address })
    assert.equal(ok.status, 303, `sign-in ${i + 1}`)
  }
  const f = await openLogin(s, { 'x-forwarded-for': address })
  const statuses: number[] = []
  for (let i = 0; i < free + 1; i++) {
    const r = await postForm(s, '/auth/token-login', { token: `agnes_pat_guess${i}`, login_csrf: f.csrf }, { cookie: f.cookie, 'x-forwarded-for': address })
    statuses.push(r.status)
    if (i === 0) assert.deepEqual(r.audit.map((a) => [a.action, a.params?.reason]), [['auth.login_failed', 'invalid_token']])
  }
  assert.deepEqual(statuses, [...Array(free).fill(401), 429])
  const right = await postForm(s, '/auth/token-login', { token: admin.token, login_csrf: f.csrf }, { cookie: f.cookie, 'x-forwarded-for': address })
  assert.equal(right.status, 429, 'a valid token waits too')
})

test('the limit is held in the store: two servers (workers) on one PostgreSQL share it', { skip: !testEngines().includes('postgres') || !postgresBinDir() ? 'needs PostgreSQL' : false }, async () => {
  const { sharedServer } = await import('../support/stores.ts')
  const databaseUrl = await (await sharedServer()).createDatabase('signin')
  const one = await startTestServer({ databaseUrl, trustProxy: true })
  const two = await startTestServer({ databaseUrl, trustProxy: true })
  try {
    await one.bootstrap('shared@example.com')
    const address = newAddress()
    const attempt = async (srv: TestServer, password: string) => {
      const f = await openLogin(srv, { 'x-forwarded-for': address })
      return postForm(srv, '/login', { email: 'shared@example.com', password, login_csrf: f.csrf }, { cookie: f.cookie, 'x-forwarded-for': address })
    }
    for (let i = 0; i < LOGIN_LIMITS.account.free; i++) assert.equal((await attempt(i % 2 ? two : one, 'wrong')).status, 401)
    assert.equal((await attempt(two, ADMIN_PASSWORD)).status, 429, 'the other worker knows')
    assert.equal((await attempt(one, ADMIN_PASSWORD)).status, 429)
  } finally {
    await one.close()
    await two.close()
  }
})

// ---- e-mail enumeration by timing ----

test('an unknown e-mail, or an account without a password, is answered as slowly as a wrong password', async () => {
  await s.addUser(admin.token, 'timing@example.com', { password: 'timing-right-password' })
  await s.addUser(admin.token, 'tokens-only@example.com')
  const time = async (email: string) => {
    const address = newAddress()
    const form = await openLogin(s, { 'x-forwarded-for': address })
    const t = performance.now()
    const r = await postForm(s, '/login', { email, password: 'not-the-password', login_csrf: form.csrf }, { cookie: form.cookie, 'x-forwarded-for': address })
    const ms = performance.now() - t
    assert.equal(r.status, 401)
    return ms
  }
  const known: number[] = []
  const unknown: number[] = []
  const noPassword: number[] = []
  // Interleaved, so a busy moment on the machine slows all three alike; the known account stays under its limit.
  for (let i = 0; i < LOGIN_LIMITS.account.free - 1; i++) {
    known.push(await time('timing@example.com'))
    unknown.push(await time(`nobody-${i}@example.com`))
    noPassword.push(await time('tokens-only@example.com'))
  }
  // Without the dummy hash an unknown e-mail answered in a small fraction of the time (no scrypt at all).
  assert.ok(median(unknown) > median(known) * 0.5, `unknown ${unknown.map(Math.round)} vs known ${known.map(Math.round)} ms`)
  assert.ok(median(noPassword) > median(known) * 0.5, `no password ${noPassword.map(Math.round)} vs known ${known.map(Math.round)} ms`)
})

// ---- raw values are revealed by a POST with CSRF ----

/** An audited query whose SQL holds a literal: masked for display, its raw value only through a reveal. */
async function auditedQuery(correlationId: string) {
  await s.svc.audit.record({
    action: 'query.run', result: 'success', user_id: admin.userId, user_email: ADMIN_EMAIL, resource: 'table:sales',
    params: { sql: "SELECT * FROM sales WHERE region = 'north-7'" }, client_kind: 'api', correlation_id: correlationId,
  })
  const [row] = await s.svc.store.audit.find({ correlationId })
  return row
}

test('GET …/events/{id}?raw=true no longer reveals; POST …/reveal does, with the CSRF token on cookie requests', async () => {
  const row = await auditedQuery('reveal-src')
  const address = newAddress()
  const login = await passwordLogin(ADMIN_EMAIL, ADMIN_PASSWORD, address)
  const session = (login.headers.get('set-cookie') ?? '').split(';')[0]
  const page = await (await fetch(`${s.url}/admin/activity`, { headers: { cookie: session } })).text()
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1]
  const reveals = async () => (await s.svc.store.audit.find({ action: 'audit.reveal_raw' })).filter((r) => r.resource === `audit:${row.id}`)

  // What a cross-site link could make an admin's browser send: a GET with the cookie and nothing else.
  const forged = await call(s.url, 'GET', `/api/admin/activity/events/${row.id}?raw=true`, { headers: { cookie: session } })
  assert.equal(forged.status, 400)
  assert.equal(forged.body.error.code, 'use_reveal_endpoint')
  assert.equal(forged.body.error.field, 'raw')
  assert.match(forged.body.error.message, new RegExp(`POST /api/admin/activity/events/${row.id}/reveal`))
  assert.equal((await call(s.url, 'GET', `/api/admin/activity/events/${row.id}?raw=false`, { token: admin.token })).status, 400, 'any raw is refused')
  const masked = await call(s.url, 'GET', `/api/admin/activity/events/${row.id}`, { headers: { cookie: session } })
  assert.equal(masked.status, 200)
  assert.equal(masked.body.event.params.sql, 'SELECT * FROM sales WHERE region = ?')
  assert.deepEqual(await reveals(), [], 'no reveal was recorded')

  // A cross-site POST carries no CSRF token: refused, and recorded as a refused reveal.
  const noCsrf = await call(s.url, 'POST', `/api/admin/activity/events/${row.id}/reveal`, { body: {}, headers: { cookie: session, 'x-correlation-id': 'reveal-nocsrf' } })
  assert.equal(noCsrf.status, 403)
  assert.equal(noCsrf.body.error.code, 'csrf_failed')
  assert.equal(noCsrf.text.includes('north-7'), false)
  assert.deepEqual((await s.svc.store.audit.find({ correlationId: 'reveal-nocsrf' })).map((r) => [r.action, r.result]), [['audit.reveal_raw', 'denied']])

  // The page's own request: POST with the CSRF token.
  const ok = await call(s.url, 'POST', `/api/admin/activity/events/${row.id}/reveal`, { body: {}, headers: { cookie: session, 'x-csrf-token': csrf, 'x-correlation-id': 'reveal-ok' } })
  assert.equal(ok.status, 200, ok.text)
  assert.equal(ok.body.event.id, row.id)
  assert.equal(ok.body.event.params.sql, "SELECT * FROM sales WHERE region = 'north-7'")
  assert.ok(Array.isArray(ok.body.related))
  const [audited] = await s.svc.store.audit.find({ correlationId: 'reveal-ok' })
  assert.deepEqual([audited.action, audited.result, audited.resource, audited.params, audited.client_kind], [
    'audit.reveal_raw', 'success', `audit:${row.id}`, { event_id: row.id, event_action: 'query.run' }, 'web',
  ])
  // A token (the CLI, scripts) needs no CSRF token.
  assert.equal((await call(s.url, 'POST', `/api/admin/activity/events/${row.id}/reveal`, { token: admin.token })).status, 200)
  assert.equal((await call(s.url, 'POST', '/api/admin/activity/events/999999999/reveal', { token: admin.token })).status, 404)
})

test('the export never reveals: a raw parameter is refused by name, and params stay masked', async () => {
  await auditedQuery('export-src')
  const raw = await call(s.url, 'GET', '/api/admin/activity/export?format=ndjson&raw=true&correlation_id=export-src', { token: admin.token })
  assert.equal(raw.status, 400)
  assert.equal(raw.body.error.code, 'use_reveal_endpoint')
  assert.equal(raw.text.includes('north-7'), false)
  const out = await call(s.url, 'GET', '/api/admin/activity/export?format=ndjson&correlation_id=export-src', { token: admin.token })
  assert.equal(out.status, 200)
  assert.ok(out.text.includes('query.run'), out.text)
  assert.equal(out.text.includes('north-7'), false, 'the SQL literal is masked')
  assert.ok(out.text.includes('region = ?'))
})

// ---- usernames are never reused ----

test('a deleted user\u2019s username is never handed out again, so their transcripts stay out of reach', async () => {
  const first = await s.addUser(admin.token, 'sam@one.example')
  assert.equal((await call(s.url, 'GET', `/api/admin/users/${first.userId}`, { token: admin.token })).body.username, 'sam')
  const transcript = JSON.stringify({ type: 'user', message: { role: 'user', content: 'the old user\u2019s private words' }, timestamp: '2026-11-24T10:00:00.000Z', uuid: 'u-1', sessionId: 's-1' }) + '\n'
  const up = await call(s.url, 'POST', '/api/upload/sessions?filename=private.jsonl', { token: first.token, rawBody: transcript, headers: { 'content-type': 'application/x-ndjson' } })
  assert.equal(up.status, 201, up.text)
  assert.equal((await call(s.url, 'DELETE', `/api/admin/users/${first.userId}`, { token: admin.token })).status, 200)

  const next = await s.addUser(admin.token, 'sam@two.example')
  const user = await call(s.url, 'GET', `/api/admin/users/${next.userId}`, { token: admin.token })
  assert.equal(user.body.username, 'sam-2')
  const mine = await call(s.url, 'GET', '/api/upload/sessions', { token: next.token })
  assert.equal(mine.status, 200)
  assert.equal(JSON.stringify(mine.body).includes('private.jsonl'), false, `the new user sees none of the old transcripts: ${mine.text}`)
  // Uploading the same file name cannot overwrite the old one.
  const over = await call(s.url, 'POST', '/api/upload/sessions?filename=private.jsonl', { token: next.token, rawBody: transcript.replace('private words', 'new words'), headers: { 'content-type': 'application/x-ndjson' } })
  assert.equal(over.status, 201, over.text)
  assert.ok(await s.svc.store.sessionUploads.byFile('sam/private.jsonl'), 'the old transcript is still there')
  assert.ok(await s.svc.store.sessionUploads.byFile('sam-2/private.jsonl'))
  // And a third user after the second is deleted too.
  await call(s.url, 'DELETE', `/api/admin/users/${next.userId}`, { token: admin.token })
  const third = await s.addUser(admin.token, 'sam@three.example')
  assert.equal((await call(s.url, 'GET', `/api/admin/users/${third.userId}`, { token: admin.token })).body.username, 'sam-3')
})
