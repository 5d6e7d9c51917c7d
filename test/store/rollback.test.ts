import { test } from 'node:test'
import { systemClock } from '../../src/clock.ts'
import assert from 'node:assert/strict'
import { openStore, type Store } from '../../src/store/index.ts'
import type { Actor, AuditNote } from '../../src/services.ts'
import { AppError } from '../../src/errors.ts'
import { addGrant, addMember, createGroup, updateGroup } from '../../src/platform/rbac/groups.ts'
import { setTemplate, updateInstanceConfig } from '../../src/platform/instance/index.ts'
import { rollbackEvent, type RollbackServices } from '../../src/platform/rollback/index.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'

/**
 * The rollback rules at the capability level, on every engine: what the HTTP route calls, with the audit rows
 * written here as the route's audit hook would write them. Groups, settings and templates need nothing but the
 * store, so these services have no analytics or config.
 */
const servicesOver = (store: Store): RollbackServices => ({ store, config: undefined as never, analytics: undefined as never, clock: systemClock })

const actorFor = (user: { id: string; email: string; is_admin: boolean }): Actor => ({
  user: { ...user, username: user.email.split('@')[0], name: null }, via: 'token', clientKind: 'api',
})

let seq = 0
/** Runs a capability and writes its audit row as the audit hook does; resolves to the row's id. */
async function audited(store: Store, action: string, actor: Actor, fn: (note: AuditNote) => Promise<unknown>): Promise<number> {
  const note: AuditNote = {}
  const correlation_id = `store-rb-${++seq}-${Math.random().toString(36).slice(2)}`
  let result = 'success'
  try {
    await fn(note)
  } catch (e) {
    result = e instanceof AppError ? e.auditResult : 'error.internal'
    if (!(e instanceof AppError)) throw e
  }
  await store.audit.insertMany([{
    timestamp: new Date().toISOString(), user_id: actor.user?.id ?? null, user_email: actor.user?.email ?? null,
    action: note.action ?? action, resource: note.resource ?? null, params: note.params ?? null, params_before: note.params_before ?? null,
    result: note.result ?? result, duration_ms: 1, client_ip: '127.0.0.1', client_kind: 'api', correlation_id,
  }])
  return (await store.audit.find({ correlationId: correlation_id }))[0].id
}

/** A rollback through the capability, audited like the route; resolves to its answer (or refusal) and its row. */
async function rollback(store: Store, actor: Actor, event_id: number, opts: { dry_run?: boolean; force?: boolean } = {}, svc = servicesOver(store)) {
  let answer: unknown
  let refusal: AppError | null = null
  const id = await audited(store, 'rollback.apply', actor, async (note) => {
    try {
      answer = await rollbackEvent(svc, note, actor, { event_id, ...opts })
    } catch (e) {
      if (e instanceof AppError) refusal = e
      throw e
    }
  })
  return { answer: answer as { applied: boolean; changes: unknown[]; conflicts: unknown[]; message: string }, refusal: refusal as AppError | null, row: (await store.activity.byId(id))! }
}

async function seed(store: Store) {
  const now = new Date().toISOString()
  const user = (id: string, is_admin: boolean) => ({ id, email: `${id}@example.com`, username: id, name: null, is_admin, password_hash: null, created_at: now, updated_at: now })
  await store.users.insert(user('root', true))
  await store.users.insert(user('ana', false))
  return { admin: actorFor(user('root', true)), ana: actorFor(user('ana', false)) }
}

describeStores('rollback rules', (h) => {
  test('a rename is rolled back, audited with its own params_before, and the rollback rolled back in turn', async () => {
    const store = await h.store()
    const { admin } = await seed(store)
    const svc = servicesOver(store)
    let gid = ''
    await audited(store, 'user_group.create', admin, async (note) => (gid = (await createGroup(svc, note, { name: 'old' })).id))
    const rename = await audited(store, 'user_group.update', admin, (note) => updateGroup(svc, note, gid, { name: 'new' }))

    const preview = await rollback(store, admin, rename, { dry_run: true })
    assert.deepEqual(h.answer('preview', [preview.answer.applied, preview.answer.changes, preview.row.action, preview.row.result]), [
      false, [{ field: 'name', kind: 'changed', before: 'new', after: 'old' }], 'rollback.preview', 'success',
    ])
    assert.equal((await store.groups.byId(gid))?.name, 'new')
    const applied = await rollback(store, admin, rename)
    assert.equal(applied.answer.applied, true)
    assert.equal((await store.groups.byId(gid))?.name, 'old')
    assert.deepEqual([applied.row.action, applied.row.params, applied.row.params_before], [
      'rollback.apply',
      { id: gid, name: 'old', description: null, rolled_back_event_id: rename, rolled_back_action: 'user_group.update', subject: 'user_group' },
      { id: gid, name: 'new', description: null },
    ])
    const back = await rollback(store, admin, applied.row.id)
    assert.equal(back.answer.applied, true)
    assert.equal((await store.groups.byId(gid))?.name, 'new')
  })

  test('allowlist and history: other actions are not_reversible; rows without their states are history_incomplete', async () => {
    const store = await h.store()
    const { admin } = await seed(store)
    const svc = servicesOver(store)
    const base = { timestamp: new Date().toISOString(), user_id: 'root', user_email: 'root@example.com', result: 'success', duration_ms: 1, client_ip: null, client_kind: 'api' }
    await store.audit.insertMany([
      { ...base, action: 'user.update', resource: 'user:ana', params: { id: 'ana', is_admin: true }, params_before: { id: 'ana', is_admin: false }, correlation_id: 'h-user' },
      { ...base, action: 'instance_config.update', resource: 'instance_config', params: { instance_name: 'B' }, params_before: null, correlation_id: 'h-none' },
    ])
    const id = async (cid: string) => (await store.audit.find({ correlationId: cid }))[0].id
    const user = await rollback(store, admin, await id('h-user'))
    assert.deepEqual(h.answer('user.update refused', [user.refusal?.status, user.refusal?.code, user.refusal?.message]), [
      422, 'not_reversible', 'user.update is not on the rollback allowlist: admin rights and passwords are changed on purpose (a password is never in the log): use PATCH /api/admin/users/{id}',
    ])
    assert.equal(user.row.result, 'error.not_reversible')
    const none = await rollback(store, admin, await id('h-none'))
    assert.deepEqual([none.refusal?.status, none.refusal?.code], [422, 'history_incomplete'])

    // A template longer than the log keeps is restored from its kept state; once that is purged, the row is incomplete.
    const long = `${'x'.repeat(300)} first`
    await audited(store, 'instance_template.set', admin, (note) => setTemplate(svc, note, admin, 'setup', long))
    const second = await audited(store, 'instance_template.set', admin, (note) => setTemplate(svc, note, admin, 'setup', `${'x'.repeat(300)} second`))
    assert.equal((await rollback(store, admin, second, { dry_run: true })).answer.applied, false)
    await store.changeStates.purgeUnusedBefore(new Date(Date.now() + 60_000).toISOString(), 1000)
    const purged = await rollback(store, admin, second)
    assert.deepEqual([purged.refusal?.code, /no longer kept/.test(purged.refusal?.message ?? '')], ['history_incomplete', true])
    assert.equal((await store.instance.template('setup'))?.content.endsWith('second'), true)
  })

  test('conflict unless forced; nothing to revert once the record is back', async () => {
    const store = await h.store()
    const { admin } = await seed(store)
    const svc = servicesOver(store)
    await audited(store, 'instance_config.update', admin, (note) => updateInstanceConfig(svc, note, admin, { instance_name: 'A' }))
    const toB = await audited(store, 'instance_config.update', admin, (note) => updateInstanceConfig(svc, note, admin, { instance_name: 'B', query_row_limit: 10 }))
    await audited(store, 'instance_config.update', admin, (note) => updateInstanceConfig(svc, note, admin, { instance_name: 'C' }))
    const refused = await rollback(store, admin, toB)
    assert.deepEqual(h.answer('conflict', [refused.refusal?.status, refused.refusal?.code, (refused.refusal?.opts.details as { conflicts: unknown }).conflicts]), [
      409, 'conflict', [{ field: 'instance_name', expected: 'B', actual: 'C' }],
    ])
    assert.equal((await store.instance.getConfig()).instance_name, 'C')
    const forced = await rollback(store, admin, toB, { force: true })
    assert.equal(forced.answer.applied, true)
    assert.deepEqual(await store.instance.getConfig(), { instance_name: 'A' }, 'query_row_limit is unset again')
    const again = await rollback(store, admin, toB)
    assert.deepEqual(h.answer('nothing', [again.answer.applied, again.answer.changes, again.row.result]), [false, [], 'skipped'])
    // A family of settings (the costs' cost_price:<model>, nested values) is put back the same way.
    const price = await audited(store, 'instance_config.update', admin, (note) => updateInstanceConfig(svc, note, admin, { 'cost_price:claude-x': { input: 3, output: 15 } }))
    await audited(store, 'instance_config.update', admin, (note) => updateInstanceConfig(svc, note, admin, { 'cost_price:claude-x': { input: 2, output: 15 } }))
    const priced = await rollback(store, admin, price, { dry_run: true })
    assert.deepEqual(h.answer('nested conflict', (priced.refusal?.opts.details as { conflicts: unknown }).conflicts), [{ field: 'cost_price:claude-x.input', expected: 3, actual: 2 }])
    assert.equal((await rollback(store, admin, price, { force: true })).answer.applied, true)
    assert.equal((await store.instance.getConfig())['cost_price:claude-x'], undefined)
  })

  test('lockout: a rollback that takes away the caller\'s own access is refused; access through another group is kept', async () => {
    const store = await h.store()
    const { admin, ana } = await seed(store)
    const svc = servicesOver(store)
    let finance = ''
    let sales = ''
    await audited(store, 'user_group.create', admin, async (note) => (finance = (await createGroup(svc, note, { name: 'finance' })).id))
    await audited(store, 'user_group.create', admin, async (note) => (sales = (await createGroup(svc, note, { name: 'sales' })).id))
    await audited(store, 'resource_grant.add', admin, (note) => addGrant(svc, note, { group_id: finance, resource: 'table:orders', permission: 'read' }))
    const join = await audited(store, 'user_group_member.add', admin, (note) => addMember(svc, note, finance, 'ana'))
    // Rolled back by ana herself (a non-admin): she would lose table:orders.
    const self = await rollback(store, ana, join)
    assert.deepEqual(h.answer('lockout', [self.refusal?.status, self.refusal?.code, self.row.result]), [409, 'lockout', 'error.lockout'])
    assert.equal(self.refusal?.message, `rolling back event #${join} would take away your own access to table:orders`)
    assert.equal(await store.groups.isMember(finance, 'ana'), true)
    // With the same grant through sales, nothing is lost: the rollback applies.
    await audited(store, 'resource_grant.add', admin, (note) => addGrant(svc, note, { group_id: sales, resource: 'table:orders', permission: 'read' }))
    await audited(store, 'user_group_member.add', admin, (note) => addMember(svc, note, sales, 'ana'))
    assert.equal((await rollback(store, ana, join)).answer.applied, true)
    assert.deepEqual(await store.groups.resourcesGranted('ana', 'read'), ['table:orders'])
    // An admin reads every table whatever their groups: never locked out.
    const rejoin = await audited(store, 'user_group_member.add', admin, (note) => addMember(svc, note, finance, 'root'))
    assert.equal((await rollback(store, admin, rejoin)).answer.applied, true)
  })

  test('once under concurrency: rollbacks of one event racing (on PostgreSQL from two stores on one database) apply once', async () => {
    const cfg = await h.freshConfig()
    const first = await openStore(cfg)
    // DuckDB lets one process own the database: its rollbacks race inside one store. PostgreSQL: two stores, as two workers.
    const second = h.engine === 'postgres' ? await openStore(cfg) : first
    try {
      const { admin } = await seed(first)
      for (let round = 0; round < 4; round++) {
        let gid = ''
        await audited(first, 'user_group.create', admin, async (note) => (gid = (await createGroup(servicesOver(first), note, { name: `race-${round}` })).id))
        const rename = await audited(first, 'user_group.update', admin, (note) => updateGroup(servicesOver(first), note, gid, { name: `raced-${round}` }))
        const answers = await Promise.all([first, second, first, second].map((s) => rollback(s, admin, rename, {}, servicesOver(s))))
        assert.deepEqual(answers.map((a) => a.refusal?.message ?? null), [null, null, null, null])
        assert.equal(answers.filter((a) => a.answer.applied).length, 1, `round ${round}: ${answers.map((a) => a.answer.message).join(' | ')}`)
        assert.deepEqual(answers.map((a) => a.row.result).sort(), ['skipped', 'skipped', 'skipped', 'success'])
        assert.equal((await first.groups.byId(gid))?.name, `race-${round}`)
      }
    } finally {
      if (second !== first) await second.close()
      await first.close()
    }
  })
})

testEnginesAgree()
