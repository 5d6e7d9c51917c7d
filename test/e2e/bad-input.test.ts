import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call, type TestServer, type ApiResponse } from '../helpers.ts'
import type { RouteSpec } from '../../src/web/route.ts'

let s: TestServer
let admin: { token: string; userId: string }
before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
})
after(async () => {
  await s.close()
})

const concrete = (spec: RouteSpec) => spec.url.replace(/:([A-Za-z_]+)/g, (_m, name) => (name === 'name' ? 'no_such_template' : 'no_such_id'))
const withBody = () => s.app.agnesRoutes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && r.kind !== 'page' && !r.rawBody && r.body)
const apiRoutes = () => s.app.agnesRoutes.filter((r) => r.kind !== 'page')

function assertErrorShape(r: ApiResponse, status: number, what: string) {
  assert.equal(r.status, status, `${what}: status (${r.text.slice(0, 200)})`)
  assert.equal(typeof r.body?.error?.code, 'string', `${what}: error.code`)
  assert.match(r.body.error.code, /^[a-z][a-z0-9_]*$/, `${what}: snake_case code`)
  assert.equal(typeof r.body.error.message, 'string', `${what}: error.message`)
}

test('malformed JSON is a 400 invalid_json on every endpoint that takes a body', async () => {
  for (const spec of withBody()) {
    const r = await call(s.url, spec.method, concrete(spec), { token: admin.token, rawBody: '{"email": ', headers: { 'content-type': 'application/json' } })
    assertErrorShape(r, 400, `${spec.method} ${spec.url}`)
    assert.equal(r.body.error.code, 'invalid_json')
  }
})

test('wrong types are a 400 naming the field on every endpoint that takes a body', async () => {
  for (const spec of withBody()) {
    // Every field a number where strings are expected, or an array instead of an object.
    const bodies: unknown[] = [[1, 2, 3], { email: 42, name: 42, token: 42, user_id: 42, group_id: 42, content: 42, expires_in_days: 'soon', is_admin: 'yes', permission: 7, resource: 7, description: 9 }]
    for (const body of bodies) {
      const r = await call(s.url, spec.method, concrete(spec), { token: admin.token, body })
      assert.ok(r.status === 400 || (r.status === 404 && spec.url.includes(':')), `${spec.method} ${spec.url} with ${JSON.stringify(body).slice(0, 40)}: got ${r.status} ${r.text.slice(0, 120)}`)
      if (r.status === 400) assertErrorShape(r, 400, `${spec.method} ${spec.url}`)
    }
  }
})

test('a 10 MB body is a 413 on every endpoint that takes a body', async () => {
  const big = JSON.stringify({ email: 'x@example.com', name: 'x'.repeat(10 * 1024 * 1024) })
  for (const spec of withBody()) {
    const r = await call(s.url, spec.method, concrete(spec), { token: admin.token, rawBody: big, headers: { 'content-type': 'application/json' } })
    assertErrorShape(r, 413, `${spec.method} ${spec.url}`)
  }
})

test('a bad correlation id is a 400 on every endpoint, and a fresh id is echoed', async () => {
  for (const spec of apiRoutes()) {
    const r = await call(s.url, spec.method, concrete(spec), { token: admin.token, headers: { 'x-correlation-id': 'has spaces and ; semicolons' } })
    assertErrorShape(r, 400, `${spec.method} ${spec.url}`)
    assert.equal(r.body.error.code, 'invalid_correlation_id')
    assert.match(r.headers.get('x-correlation-id') ?? '', /^[A-Za-z0-9._:-]{1,128}$/)
  }
  const long = await call(s.url, 'GET', '/api/health', { headers: { 'x-correlation-id': 'a'.repeat(129) } })
  assert.equal(long.status, 400)
  const fine = await call(s.url, 'GET', '/api/health', { headers: { 'x-correlation-id': 'a'.repeat(128) } })
  assert.equal(fine.headers.get('x-correlation-id'), 'a'.repeat(128))
})

test('an unknown id in the path is a 404 on every endpoint that takes one', async () => {
  for (const spec of apiRoutes().filter((r) => r.url.includes(':'))) {
    const validBodies: Record<string, unknown> = {
      'POST /api/admin/users/:id/tokens': {},
      'PATCH /api/admin/users/:id': { name: 'X' },
      'POST /api/admin/groups/:id/members': { user_id: admin.userId },
      'PATCH /api/admin/groups/:id': { name: 'renamed' },
      'PATCH /api/admin/scripts/:id': { schedule: '0 * * * *' },
      'POST /api/admin/feedback/:id/notes': { body: 'a note' },
      'POST /api/admin/feedback/:id/replies': { body: 'a reply' },
      'POST /api/admin/sessions/findings/:id/verdict': { verdict: 'confirmed' },
    }
    const key = `${spec.method} ${spec.url}`
    if (spec.method === 'PUT') continue // PUT creates what is missing
    let r = await call(s.url, spec.method, concrete(spec), { token: admin.token, body: validBodies[key] })
    // Numeric ids (audit events) refuse the word-shaped placeholder as malformed; ask with a well-formed unknown one.
    if (r.status === 400 && r.body?.error?.field === 'id') r = await call(s.url, spec.method, spec.url.replace(':id', '999999999'), { token: admin.token, body: validBodies[key] })
    assertErrorShape(r, 404, key)
  }
})

test('unknown query parameters and unknown body fields are refused, not ignored', async () => {
  const q = await call(s.url, 'GET', '/api/admin/users?limitt=5', { token: admin.token })
  assertErrorShape(q, 400, 'unknown query parameter')
  const b = await call(s.url, 'POST', '/api/admin/users', { token: admin.token, body: { email: 'z@example.com', admin: true } })
  assertErrorShape(b, 400, 'unknown body field')
  assert.equal(await s.svc.store.users.byEmail('z@example.com'), undefined, 'nothing was created')
})

test('unknown routes are a 404 with the error shape', async () => {
  assertErrorShape(await call(s.url, 'GET', '/api/nope', { token: admin.token }), 404, 'unknown route')
})
