import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { AdjustableClock } from '../../clock.ts'
import { configForDataDir } from '../../config.ts'
import { openStore, storeOver } from '../../store/index.ts'
import { openDuckDb } from '../../store/duckdb/driver.ts'
import { createUser, updateUser } from '../users/index.ts'
import { authenticateToken, createToken, revokeToken } from './tokens.ts'
import { endWebSession, resolveWebSession, startWebSession } from './web-sessions.ts'
import { tempDir } from '../../../test/helpers.ts'
import type { Actor } from '../../services.ts'

const dir = tempDir()
after(() => rmSync(dir, { recursive: true, force: true }))

/** Two workers' services over one DuckDB database, on one adjustable clock: each keeps its own verified credentials. */
async function twoWorkers(dataDir: string) {
  const config = configForDataDir(dataDir)
  await (await openStore(config)).close()
  const db = await openDuckDb(join(config.stateDir, 'system.duckdb'))
  after(() => db.close())
  const clock = new AdjustableClock()
  return { config, clock, one: { store: storeOver(db), clock, config }, two: { store: storeOver(db), clock, config } }
}

/**
 * Two workers over one database, each with its own verified-token cache: what one changes, the other sees within
 * AGNES_TOKEN_CACHE_SECONDS, and the one that made the change at once.
 */
test('a revoked token or a demoted user: refused at once on the worker that made the change, within the cache time on another', async () => {
  const { config, clock, one, two } = await twoWorkers(dir)
  assert.equal(config.tokenCacheMs, 5000)

  const admin = await createUser(one, {}, { email: 'root@example.com', is_admin: true })
  const ana = await createUser(one, {}, { email: 'ana@example.com', is_admin: true })
  const { id, token } = await createToken(one, {}, ana.id, {})
  for (const w of [one, two]) assert.equal((await authenticateToken(w, token))?.user.is_admin, true)

  const rootActor: Actor = { user: { ...admin, name: null }, via: 'session', clientKind: 'web' }
  await updateUser(one, {}, rootActor, ana.id, { is_admin: false })
  assert.equal((await authenticateToken(one, token))?.user.is_admin, false, 'the worker that demoted her sees it at once')
  assert.equal((await authenticateToken(two, token))?.user.is_admin, true, 'another worker within the cache time still has the old record')

  await revokeToken(one, {}, rootActor, id)
  assert.equal(await authenticateToken(one, token), null, 'revoked: refused at once where it was revoked')
  assert.ok(await authenticateToken(two, token), 'still verified on the other worker within the cache time')
  clock.advance(4_900)
  assert.ok(await authenticateToken(two, token))
  clock.advance(200)
  assert.equal(await authenticateToken(two, token), null, 'refused everywhere once the cache time has passed')

  // Off: every request asks the store.
  const off = { ...two, config: { ...config, tokenCacheMs: 0 } }
  const fresh = await createToken(one, {}, ana.id, {})
  assert.ok(await authenticateToken(off, fresh.token))
  await revokeToken(one, {}, rootActor, fresh.id)
  assert.equal(await authenticateToken(off, fresh.token), null)
})

test('an expired token is refused even while its verification is cached', async () => {
  const config = configForDataDir(tempDir())
  const store = await openStore(config)
  after(() => store.close())
  const clock = new AdjustableClock()
  const svc = { store, clock, config }
  const u = await createUser(svc, {}, { email: 'exp@example.com' })
  const { token } = await createToken(svc, {}, u.id, { expiresInDays: 1 })
  assert.ok(await authenticateToken(svc, token))
  clock.advance(86_400_000 + 1)
  assert.equal(await authenticateToken(svc, token), null)
})

test('a signed-out browser session: refused at once on the worker that ended it, within the cache time on another', async () => {
  const { clock, one, two } = await twoWorkers(tempDir())
  const ana = await createUser(one, {}, { email: 'ana@example.com' })
  const { cookie, csrf } = await startWebSession(one.store, ana.id)
  for (const w of [one, two]) assert.equal((await resolveWebSession(w, cookie))?.csrf, csrf)

  await endWebSession(one.store, cookie)
  assert.equal(await resolveWebSession(one, cookie), null, 'signed out: refused at once where it ended')
  assert.equal((await resolveWebSession(two, cookie))?.user.id, ana.id, 'still verified on the other worker within the cache time')
  clock.advance(5_100)
  assert.equal(await resolveWebSession(two, cookie), null, 'refused everywhere once the cache time has passed')
  assert.equal(await resolveWebSession(one, 'not-a-session'), null)
})
