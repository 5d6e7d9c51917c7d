import { test } from 'node:test'
import assert from 'node:assert/strict'
import { classifyStoreError, StoreUnavailableError } from './unavailable.ts'

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code })

test('PostgreSQL: a server that is gone, shutting down, out of resources or read-only is "unavailable"; a bad statement is not', () => {
  for (const e of [
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('the database system is starting up', '57P03'),
    withCode('sorry, too many clients already', '53300'),
    withCode('could not extend file: No space left on device', '53100'),
    withCode('cannot execute INSERT in a read-only transaction', '25006'),
    withCode('connection failure', '08006'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
  ]) {
    const c = classifyStoreError('postgres', e)
    assert.ok(c instanceof StoreUnavailableError, e.message)
    assert.equal(c.reason, e.message)
    assert.equal(c.cause, e)
  }
  for (const e of [
    withCode('syntax error at or near "SELEC"', '42601'),
    withCode('duplicate key value violates unique constraint "users_email_key"', '23505'),
    withCode('could not serialize access due to concurrent update', '40001'),
    new Error('audit_log is refusing writes'),
  ]) assert.equal(classifyStoreError('postgres', e), e, e.message)
})

test('DuckDB: a file it cannot write is "unavailable"; a bad statement or a conflict is not', () => {
  for (const m of [
    'TransactionContext Error: Failed to commit: Cannot open file "/d/state/system.duckdb.wal": Permission denied',
    'TransactionContext Error: Failed to commit: Cannot open file "/d/state/system.duckdb.wal": Operation not permitted',
    'IO Error: Could not write file "/d/state/system.duckdb.wal": No space left on device',
    'FATAL Error: Failed: database has been invalidated because of a previous fatal error.',
  ]) assert.ok(classifyStoreError('duckdb', new Error(m)) instanceof StoreUnavailableError, m)
  for (const m of [
    'Parser Error: syntax error at or near "SELEC"',
    'Constraint Error: Duplicate key "id: 1" violates primary key constraint.',
    'TransactionContext Error: Catalog write-write conflict on create with "x"',
    'TransactionContext Error: Failed to commit: PRIMARY KEY or UNIQUE constraint violation: duplicate key "id: 7"',
    'TransactionContext Error: Conflict on tuple deletion!',
    'Binder Error: Referenced column "nope" not found',
  ]) {
    const e = new Error(m)
    assert.equal(classifyStoreError('duckdb', e), e, m)
  }
  assert.equal(classifyStoreError('duckdb', 'not an error'), 'not an error')
})
