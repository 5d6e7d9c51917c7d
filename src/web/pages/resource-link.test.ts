import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resourceLink } from './resource-link.ts'

test('each audited resource kind links to the page that manages that one record', () => {
  assert.equal(resourceLink('user:5f1c'), '/admin/users?user=5f1c')
  assert.equal(resourceLink('token:12'), '/admin/users?token=12')
  assert.equal(resourceLink('user_group:3'), '/admin/access?group=3')
  assert.equal(resourceLink('table:orders'), '/admin/registry?table=orders')
  assert.equal(resourceLink('script:7'), '/admin/registry?script=7')
  assert.equal(resourceLink('instance_config'), '/admin/server-config')
  assert.equal(resourceLink('instance_template:claude md'), '/admin/server-config?template=claude%20md')
  assert.equal(resourceLink('session:ana/2026-01-01.jsonl'), '/admin/sessions/ana/2026-01-01.jsonl')
  assert.equal(resourceLink('feedback:9'), '/admin/feedback?id=9')
})

test('no link for what names no one record', () => {
  for (const r of [null, '', 'tables', 'session', 'session:ana', 'table:*', 'job:4', 'user:']) assert.equal(resourceLink(r), null, String(r))
})
