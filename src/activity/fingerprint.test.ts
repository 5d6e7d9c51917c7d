import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sqlFingerprint, UNPARSED_PREFIX } from './fingerprint.ts'

const same = async (a: string, b: string) => assert.equal(await sqlFingerprint(a), await sqlFingerprint(b), `${a}\n  vs\n${b}`)
const differ = async (a: string, b: string) => assert.notEqual(await sqlFingerprint(a), await sqlFingerprint(b), `${a}\n  vs\n${b}`)

test('queries that differ only in a constant share a fingerprint', async () => {
  await same(`SELECT * FROM orders WHERE region = 'north'`, `SELECT * FROM orders WHERE region = 'south'`)
  await same('SELECT * FROM orders WHERE id = 1', 'SELECT * FROM orders WHERE id = 982734')
  await same('SELECT * FROM orders LIMIT 10', 'SELECT * FROM orders LIMIT 500')
  await same(`SELECT * FROM t WHERE d > DATE '2026-01-01'`, `SELECT * FROM t WHERE d > DATE '2025-12-31'`)
  // Number or string: still a constant in the same place.
  await same(`SELECT * FROM t WHERE x = 1`, `SELECT * FROM t WHERE x = 'one'`)
  assert.match(await sqlFingerprint('SELECT 1'), /^[0-9a-f]{16}$/)
})

test('IN-list length, whitespace, comments and keyword or name case do not change it', async () => {
  await same('SELECT a FROM t WHERE x IN (1, 2, 3)', 'SELECT a FROM t WHERE x IN (7)')
  await same(`SELECT a FROM t WHERE x NOT IN ('a', 'b')`, `SELECT a FROM t WHERE x NOT IN ('c')`)
  await same('SELECT a, b FROM t WHERE x = 1', 'select  a,\n\tb\nfrom t -- the usual\nwhere /* always */ x=1')
  await same('SELECT a FROM t', 'SELECT A FROM T')
})

test('a different shape is a different fingerprint', async () => {
  await differ('SELECT a FROM t', 'SELECT b FROM t')
  await differ('SELECT a FROM t', 'SELECT a FROM u')
  await differ('SELECT a FROM t WHERE x = 1', 'SELECT a FROM t WHERE x > 1')
  await differ('SELECT a FROM t WHERE x IN (1, 2)', 'SELECT a FROM t WHERE x IN (1, y)')
  await differ('SELECT a FROM t', 'SELECT a FROM t ORDER BY a')
})

test('SQL the parser refuses is fingerprinted by its exact text', async () => {
  const a = await sqlFingerprint('SELEC x FROM t')
  assert.ok(a.startsWith(UNPARSED_PREFIX), a)
  assert.equal(await sqlFingerprint('SELEC x FROM t'), a)
  assert.notEqual(await sqlFingerprint('SELEC y FROM t'), a)
})
