import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import type { RouteSpec } from '../../src/web/route.ts'

let s: TestServer
let admin: { token: string; userId: string }
let analyst: { token: string; userId: string }
before(async () => {
  s = await startTestServer()
  admin = await s.bootstrap()
  analyst = await s.addUser(admin.token, 'analyst@example.com')
})
after(async () => {
  await s.close()
})

/** A concrete URL for a route pattern: path parameters become ids that exist nowhere. */
const concrete = (spec: RouteSpec) => spec.url.replace(/:([A-Za-z_]+)/g, (_m, name) => (name === 'name' ? 'no_such_template' : 'no_such_id'))

test('every route with credentials required answers 401 without them', async () => {
  const guarded = s.app.agnesRoutes.filter((r) => r.auth !== 'public')
  assert.ok(guarded.length >= 20, `expected the admin API to be registered, got ${guarded.length} guarded routes`)
  for (const spec of guarded) {
    const r = await call(s.url, spec.method, concrete(spec), { body: ['POST', 'PUT', 'PATCH'].includes(spec.method) ? {} : undefined, headers: { accept: 'application/json' } })
    assert.equal(r.status, 401, `${spec.method} ${spec.url} without credentials`)
  }
})

test('every admin route answers 403 to an authenticated non-admin, and the refusal is audited', async () => {
  const adminRoutes = s.app.agnesRoutes.filter((r) => r.auth === 'admin')
  for (const spec of adminRoutes) {
    const cid = `guard-${spec.method}-${spec.url}`.replace(/[^A-Za-z0-9._:-]/g, '_')
    const r = await call(s.url, spec.method, concrete(spec), {
      token: analyst.token,
      body: ['POST', 'PUT', 'PATCH'].includes(spec.method) ? {} : undefined,
      headers: { 'x-correlation-id': cid },
    })
    assert.equal(r.status, 403, `${spec.method} ${spec.url} as a non-admin`)
    if (spec.kind === 'page') {
      assert.match(r.text, /Not allowed/, `${spec.url} answers a page`)
      continue
    }
    assert.equal(r.body.error.code, 'forbidden')
    const rows = await s.svc.store.audit.find({ correlationId: cid })
    assert.equal(rows.length, 1, `${spec.method} ${spec.url} writes one audit row`)
    assert.equal(rows[0].result, 'denied')
  }
})

test('every admin URL lives under /api/admin or /admin, and every non-public API route declares its audit action', () => {
  for (const spec of s.app.agnesRoutes) {
    if (spec.url.startsWith('/api/admin/') || spec.url.startsWith('/admin/')) assert.equal(spec.auth, 'admin', `${spec.url} must be admin-only`)
    if (spec.auth !== 'public' && spec.kind !== 'page') {
      assert.ok(spec.action || spec.selfAudit, `${spec.method} ${spec.url} has no audit action`)
    }
  }
})

test('the OpenAPI description lists every API route', async () => {
  const r = await call(s.url, 'GET', '/api/docs')
  assert.equal(r.status, 200)
  assert.equal(r.body.openapi, '3.1.0')
  for (const spec of s.app.agnesRoutes.filter((x) => x.kind !== 'page')) {
    const path = spec.url.replace(/:([A-Za-z_]+)/g, '{$1}')
    assert.ok(r.body.paths[path]?.[spec.method.toLowerCase()], `${spec.method} ${path} documented`)
  }
})
