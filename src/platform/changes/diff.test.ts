import { test } from 'node:test'
import assert from 'node:assert/strict'
import { diffStates, canonicalJson, stripMeta } from './diff.ts'

test('an update diffs field by field; unchanged fields are left out', () => {
  assert.deepEqual(diffStates({ id: 'g1', name: 'old', description: null }, { id: 'g1', name: 'new', description: null }), [
    { field: 'name', kind: 'changed', before: 'old', after: 'new' },
  ])
})

test('nested objects diff by path, sorted by path; a key only one side has is added or removed', () => {
  const before = { id: 'orders', source: { kind: 'file', path: '/src/orders.csv', format: 'csv' }, sync_interval_minutes: 60, description: null }
  const after = { id: 'orders', source: { kind: 'sql', sql: 'SELECT 1' }, sync_interval_minutes: 60, description: 'daily' }
  assert.deepEqual(diffStates(before, after), [
    { field: 'description', kind: 'added', before: null, after: 'daily' },
    { field: 'source.format', kind: 'removed', before: 'csv', after: null },
    { field: 'source.kind', kind: 'changed', before: 'file', after: 'sql' },
    { field: 'source.path', kind: 'removed', before: '/src/orders.csv', after: null },
    { field: 'source.sql', kind: 'added', before: null, after: 'SELECT 1' },
  ])
})

test('a create is every field added, a delete every field removed; arrays are compared whole', () => {
  assert.deepEqual(diffStates(null, { id: 'g1', members: [] }), [
    { field: 'id', kind: 'added', before: null, after: 'g1' },
    { field: 'members', kind: 'added', before: null, after: [] },
  ])
  assert.deepEqual(diffStates({ id: 'g1', members: ['u1', 'u2'] }, null), [
    { field: 'id', kind: 'removed', before: 'g1', after: null },
    { field: 'members', kind: 'removed', before: ['u1', 'u2'], after: null },
  ])
  assert.deepEqual(diffStates({ members: ['u1'] }, { members: ['u1', 'u2'] }), [{ field: 'members', kind: 'changed', before: ['u1'], after: ['u1', 'u2'] }])
})

test('a no-op update has no changes; null and a missing key are the same; key order does not matter', () => {
  assert.deepEqual(diffStates({ id: 'g1', name: 'same', description: null }, { id: 'g1', name: 'same' }), [])
  assert.deepEqual(diffStates({ source: { kind: 'file', path: 'a' } }, { source: { path: 'a', kind: 'file' } }), [])
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}')
})

test('meta keys (state_sha256, rolled_back_event_id…) are not fields; a state of only meta is no record', () => {
  const sha = 'a'.repeat(64)
  assert.deepEqual(diffStates({ name: 'x', state_sha256: sha }, { name: 'y', state_sha256: 'b'.repeat(64), rolled_back_event_id: 7 }), [
    { field: 'name', kind: 'changed', before: 'x', after: 'y' },
  ])
  assert.equal(stripMeta({ rolled_back_event_id: 7, subject: 'user_group' }), null)
})

test('an old row whose params held only the request is compared on those fields', () => {
  // Before full states were kept, user_group.update wrote the record before and only the patch after.
  const before = { id: 'g1', name: 'old', description: 'd', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }
  assert.deepEqual(diffStates(before, { name: 'new' }), [{ field: 'name', kind: 'changed', before: 'old', after: 'new' }])
})
