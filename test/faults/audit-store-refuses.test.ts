import { test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { postgresBinDir, startPostgres } from '../support/postgres.ts'
import { startTestServer, call } from '../helpers.ts'

/**
 * A real refusal by the store, not a patched method: PostgreSQL rejects every INSERT into audit_log
 * (a trigger raising an error) while the rest of the store keeps working.
 */
test('PostgreSQL refusing audit writes: requests are still served, the pulse shows it, and the rows arrive once it accepts again', { skip: postgresBinDir() ? false : 'PostgreSQL is not installed (scripts/ci-deps.sh installs it)' }, async () => {
  const server = await startPostgres()
  const databaseUrl = await server.createDatabase('refuse')
  const s = await startTestServer({ databaseUrl })
  const sql = new pg.Client({ connectionString: databaseUrl })
  await sql.connect()
  try {
    const admin = await s.bootstrap()
    await sql.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is refusing writes'; END $$`)
    await sql.query(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit()`)

    const results = await Promise.all([0, 1, 2, 3].map((i) => call(s.url, 'POST', '/api/admin/groups', { token: admin.token, body: { name: `while-refused-${i}` }, headers: { 'x-correlation-id': `refused-${i}` } })))
    assert.deepEqual(results.map((r) => r.status), [201, 201, 201, 201])
    assert.equal((await s.svc.store.groups.list()).length, 4, 'the changes themselves were stored')
    const health = await call(s.url, 'GET', '/api/admin/activity/health', { token: admin.token })
    const field = health.body.fields.find((f: { key: string }) => f.key === 'audit_writes')
    assert.equal(field.color, 'red')
    assert.match(field.value, /refusing writes/)

    await sql.query(`DROP TRIGGER refuse_audit ON audit_log`)
    await s.svc.audit.replaySpool()
    for (let i = 0; i < 4; i++) {
      const rows = await s.svc.store.audit.find({ correlationId: `refused-${i}` })
      assert.deepEqual(rows.map((r) => [r.action, r.result]), [['user_group.create', 'success']], `row ${i} arrives exactly once`)
    }
  } finally {
    await sql.end()
    await s.close()
    await server.stop()
  }
})
