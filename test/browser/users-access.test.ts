// The Users (/admin/users) and Access (/admin/access) pages in a real, headless Chromium: an admin creates a user,
// makes them admin, issues a token that is shown once and works, revokes it; the last admin's own demotion is refused
// with the API's message where it was asked; a group is created, renamed, given a member and a table, and the table
// taken away again; links to a user, a token and a group open that record. Each action's audit row is the API's own.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, call, type TestServer } from '../helpers.ts'
import { screenshot, assertAdminOnly, openSignedIn } from './browser.ts'
import { resourceLink } from '../../src/web/pages/resource-link.ts'

let s: TestServer
let admin: { token: string; userId: string }
let browser: Browser
let page: Page
let pageErrors: string[]
/** Dana, created on the page by the first test; the group, by the third. */
let danaId = ''
let danaTokenId = ''
let groupId = ''

before(async () => {
  s = await startTestServer({ scheduler: false })
  admin = await s.bootstrap()
  await s.addUser(admin.token, 'eve@example.com', { password: 'eve-password-1' })
  const sources = s.config.sourceDirs[0]
  mkdirSync(sources, { recursive: true })
  writeFileSync(join(sources, 'orders.csv'), 'order_id,amount\n1,120.50\n')
  assert.equal((await call(s.url, 'POST', '/api/admin/tables', { token: admin.token, body: { id: 'orders', source: { kind: 'file', path: join(sources, 'orders.csv') } } })).status, 201)
  ;({ browser, page, errors: pageErrors } = await openSignedIn(s.url))
})

after(async () => {
  await browser?.close()
  await s?.close()
})

/** The audit rows of `action` on `resource`, newest first, as the API lists them. */
async function audited(action: string, resource: string) {
  const r = await call(s.url, 'GET', `/api/admin/activity/timeline?action_in=${action}&resource=${encodeURIComponent(resource)}&include_self_reads=true`, { token: admin.token })
  assert.equal(r.status, 200, r.text)
  return r.body.rows as Array<{ action: string; result: string; client_kind: string; user_email: string; params: Record<string, unknown> | null; params_before: Record<string, unknown> | null }>
}

const listRow = (id: string) => page.$eval(`#us-rows tr[data-user-id="${id}"]`, (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))
const detailReady = () => page.waitForSelector('#us-detail[data-ready="true"]')

test('users: create a user, make them admin, rename them, issue a token shown once that works, revoke it', async () => {
  await page.goto('/admin/users')
  await page.waitForSelector('#users[data-ready="true"]')
  await page.fill('#us-new-email', 'dana@example.com')
  await page.fill('#us-new-name', 'Dana')
  await page.click('#us-create-button')
  await page.waitForFunction(() => document.getElementById('us-d-email')?.textContent === 'dana@example.com')
  await detailReady()
  danaId = new URL(page.url()).searchParams.get('user') ?? ''
  const [created] = await audited('user.create', `user:${danaId}`)
  assert.deepEqual([created?.result, created?.client_kind, created?.user_email], ['success', 'web', 'admin@example.com'], 'the page creates through the API')
  assert.deepEqual(await listRow(danaId), ['dana@example.comDana', 'never', 'no', '0'])

  await page.click('#us-d-admin')
  await page.waitForFunction(() => document.getElementById('us-d-admin')?.textContent === 'Remove admin')
  assert.deepEqual((await listRow(danaId))[2], 'admin')
  const [promoted] = await audited('user.update', `user:${danaId}`)
  assert.deepEqual([promoted.params_before?.is_admin, promoted.params?.is_admin, promoted.client_kind], [false, true, 'web'])

  await page.fill('#us-d-name', 'Dana Scully')
  await page.click('#us-d-name-save')
  await page.waitForFunction(() => document.querySelector('#us-rows tr.open small')?.textContent === 'Dana Scully')

  await page.fill('#us-t-name', 'laptop')
  await page.click('#us-t-create')
  await page.waitForSelector('#us-t-new:not([hidden])')
  const secret = (await page.textContent('#us-t-secret')) ?? ''
  assert.match(secret, /^agnes_pat_/)
  assert.equal(await page.textContent('#us-t-login'), `agnes login --url ${s.url} --token ${secret}`)
  const me = await call(s.url, 'GET', '/api/me', { token: secret })
  assert.deepEqual([me.status, me.body.email], [200, 'dana@example.com'], 'the token shown signs in as Dana')
  danaTokenId = (await page.getAttribute('#us-t-rows tr.fresh', 'data-token-id')) ?? ''
  assert.equal((await page.textContent(`#us-t-rows tr[data-token-id="${danaTokenId}"] .c-name`)), 'laptopcreated just now')
  await page.waitForFunction((id) => document.querySelector(`#us-rows tr[data-user-id="${id}"] .c-tokens`)?.textContent === '1', danaId)
  await screenshot(page, 'users-token-created-1440')
  await page.setViewportSize({ width: 390, height: 844 })
  await screenshot(page, 'users-token-created-390')
  await page.setViewportSize({ width: 1400, height: 900 })

  // Shown once: after a reload the user opens again from the URL, without the secret.
  await page.reload()
  await detailReady()
  assert.equal(await page.isVisible('#us-t-new'), false)
  assert.equal((await page.content()).includes(secret), false, 'the secret is nowhere on the page any more')

  await page.click(`#us-t-rows tr[data-token-id="${danaTokenId}"] .us-revoke`)
  await page.click(`#us-t-rows tr[data-token-id="${danaTokenId}"] .us-revoke-confirm`)
  await page.waitForSelector(`#us-t-rows tr[data-token-id="${danaTokenId}"][data-state="revoked"]`)
  assert.equal((await call(s.url, 'GET', '/api/me', { token: secret })).status, 401, 'the revoked token is refused')
  const [revoked] = await audited('token.revoke', `token:${danaTokenId}`)
  assert.deepEqual([revoked.result, revoked.client_kind, revoked.params_before?.revoked_at], ['success', 'web', null])
  await page.waitForFunction((id) => document.querySelector(`#us-rows tr[data-user-id="${id}"] .c-tokens`)?.textContent === '0', danaId)
})

test('the last admin removing their own admin rights, or deleting themselves, is refused with the reason shown where it was asked', async () => {
  await page.goto(`/admin/users?user=${danaId}`)
  await detailReady()
  // Dana stops being an admin: fine while another admin is left.
  await page.click('#us-d-admin')
  await page.waitForFunction(() => document.getElementById('us-d-admin')?.textContent === 'Make admin')

  await page.click(`#us-rows tr[data-user-id="${admin.userId}"]`)
  await page.waitForFunction(() => document.getElementById('us-d-email')?.textContent === 'admin@example.com')
  await detailReady()
  await page.click('#us-d-admin')
  await page.waitForSelector('#us-d-error:not([hidden])')
  assert.equal(await page.textContent('#us-d-error'), 'removing your own admin rights would leave the instance without an admin: make another user an admin first')
  assert.equal(await page.textContent('#us-d-admin'), 'Remove admin', 'still an admin')
  assert.equal(await page.$eval('#us-d-error', (e) => e.previousElementSibling?.contains(document.getElementById('us-d-admin'))), true, 'right under the button that asked')
  await screenshot(page, 'users-last-admin-refused')
  const [refused] = await audited('user.update', `user:${admin.userId}`)
  assert.deepEqual([refused.result, refused.client_kind], ['error.lockout', 'web'])

  await page.click('#us-d-delete')
  await page.click('#us-d-delete-confirm')
  await page.waitForFunction(() => /^deleting yourself would leave the instance without an admin/.test(document.getElementById('us-d-error')?.textContent ?? ''))
  assert.equal(await page.$eval('#us-d-error', (e) => e.previousElementSibling?.id), 'us-d-delete-row')
  assert.equal((await s.svc.store.users.byId(admin.userId))?.is_admin, true)
  assert.deepEqual(pageErrors.filter((e) => !/^409 .*\/api\/admin\/users\//.test(e)), [])
})

test('access: create a group, rename it, add a member, grant a table, take it away again', async () => {
  await page.goto('/admin/access')
  await page.waitForSelector('#access[data-ready="true"]')
  assert.equal(await page.textContent('#ax-by-table-rows tr[data-table="orders"]'), 'ordersadmins only')
  await page.fill('#ax-new-name', 'analysts')
  await page.click('#ax-create-button')
  await page.waitForFunction(() => document.getElementById('ax-d-title')?.textContent === 'analysts')
  groupId = new URL(page.url()).searchParams.get('group') ?? ''
  assert.ok(groupId)

  await page.fill('#ax-d-name', 'data-team')
  await page.click('#ax-d-save')
  await page.waitForFunction(() => document.getElementById('ax-d-title')?.textContent === 'data-team')
  const changes = await call(s.url, 'GET', `/api/admin/activity/changes?resource=${encodeURIComponent(`user_group:${groupId}`)}&action_in=user_group.update`, { token: admin.token })
  assert.deepEqual(changes.body.rows[0].changes, [{ field: 'name', kind: 'changed', before: 'analysts', after: 'data-team' }])
  assert.equal(changes.body.rows[0].event.client_kind, 'web')

  await page.selectOption('#ax-m-user', danaId)
  await page.click('#ax-m-add')
  await page.waitForSelector(`#ax-m-list li[data-user-id="${danaId}"]`)
  assert.match((await page.textContent(`#ax-m-list li[data-user-id="${danaId}"]`)) ?? '', /^dana@example\.com added just now/)
  assert.deepEqual((await audited('user_group_member.add', `user_group:${groupId}`)).map((r) => [r.result, r.params?.user_id]), [['success', danaId]])

  await page.selectOption('#ax-g-table', 'table:orders')
  await page.click('#ax-g-add')
  await page.waitForSelector('#ax-g-list li[data-resource="table:orders"]')
  await page.waitForFunction(() => document.querySelector('#ax-by-table-rows tr[data-table="orders"]')?.textContent === 'ordersdata-team (1 member)')
  assert.equal(await page.textContent(`#ax-rows tr[data-group-id="${groupId}"]`), 'data-team11')
  assert.deepEqual(await s.svc.store.groups.resourcesGranted(danaId, 'read'), ['table:orders'], 'Dana may read orders now')
  await screenshot(page, 'access-group-1440')
  await page.setViewportSize({ width: 390, height: 844 })
  await screenshot(page, 'access-group-390')
  await page.setViewportSize({ width: 1400, height: 900 })

  await page.click('#ax-g-list li[data-resource="table:orders"] .ax-g-remove')
  await page.waitForFunction(() => document.getElementById('ax-g-list')?.textContent === 'Reads no tables yet.')
  assert.equal(await page.textContent('#ax-by-table-rows tr[data-table="orders"]'), 'ordersadmins only')
  assert.deepEqual(await s.svc.store.groups.resourcesGranted(danaId, 'read'), [])
  const [removed] = await audited('resource_grant.remove', 'table:orders')
  assert.deepEqual([removed.result, removed.client_kind, removed.params_before?.group_id], ['success', 'web', groupId])
})

test('links to a user, a token and a group open that record; a gone one says so; the pages are for admins only', async () => {
  await page.goto(resourceLink(`user:${danaId}`)!)
  await detailReady()
  assert.equal(await page.textContent('#us-d-email'), 'dana@example.com')
  assert.equal(await page.getAttribute(`#us-rows tr[data-user-id="${danaId}"]`, 'class'), 'pa-pickable open')

  await page.goto(resourceLink(`token:${danaTokenId}`)!)
  await detailReady()
  assert.equal(await page.textContent('#us-d-email'), 'dana@example.com', 'the token opens its holder')
  assert.deepEqual(await page.$$eval('#us-t-rows tr.marked', (trs) => trs.map((tr) => tr.getAttribute('data-token-id'))), [danaTokenId])
  assert.equal(new URL(page.url()).search, `?token=${danaTokenId}`)

  await page.goto(resourceLink(`user_group:${groupId}`)!)
  await page.waitForSelector('#ax-detail[data-ready="true"]')
  assert.equal(await page.textContent('#ax-d-title'), 'data-team')
  assert.equal(await page.isVisible(`#ax-m-list li[data-user-id="${danaId}"]`), true)

  await page.goto('/admin/users?user=no-such-user')
  await page.waitForSelector('#us-banner:not([hidden])')
  assert.equal(await page.textContent('#us-banner'), 'That user no longer exists: deleted, perhaps. Choose another from the list.')
  assert.equal(await page.isVisible('#us-pick'), true)

  await assertAdminOnly(browser, s.url, { email: 'eve@example.com', password: 'eve-password-1' }, {
    pages: ['/admin/users', '/admin/access'], api: '/api/admin/groups', screenshotName: 'users-access-not-admin',
  })
  assert.deepEqual(pageErrors.filter((e) => !/^(409 .*\/api\/admin\/users\/|404 .*\/api\/admin\/users\/no-such-user$)/.test(e)), [])
})
