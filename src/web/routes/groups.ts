import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { idParam, displayName, noQuery } from './schemas.ts'
import { addGrant, addMember, createGroup, deleteGroup, getGroup, removeGrant, removeMember, updateGroup } from '../../platform/rbac/groups.ts'

const description = z.string().max(1000)
const resource = z.string().regex(/^[a-z_]+:[A-Za-z0-9._:\/*-]{1,200}$/, 'must look like kind:id, e.g. table:orders')

export const groupRoutes = [
  defineRoute({
    method: 'POST', url: '/api/admin/groups', auth: 'admin', action: 'user_group.create', tag: 'groups', status: 201,
    summary: 'Create a group.',
    query: noQuery, body: z.strictObject({ name: displayName, description: description.optional() }),
    handler: async ({ svc, note, body }) => createGroup(svc, note, body),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/groups', auth: 'admin', action: 'user_group.list', tag: 'groups',
    summary: 'All groups with member counts.',
    query: noQuery,
    handler: async ({ svc }) => ({ rows: await svc.store.groups.list(), next_cursor: null }),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/groups/:id', auth: 'admin', action: 'user_group.read', tag: 'groups',
    summary: 'One group with its members.',
    params: idParam, query: noQuery,
    handler: async ({ svc, note, params }) => {
      note.resource = `user_group:${params.id}`
      return getGroup(svc, params.id)
    },
  }),
  defineRoute({
    method: 'PATCH', url: '/api/admin/groups/:id', auth: 'admin', action: 'user_group.update', tag: 'groups',
    summary: 'Rename a group or change its description.',
    params: idParam, query: noQuery, body: z.strictObject({ name: displayName.optional(), description: description.nullable().optional() }),
    handler: async ({ svc, note, params, body }) => updateGroup(svc, note, params.id, body),
  }),
  defineRoute({
    method: 'DELETE', url: '/api/admin/groups/:id', auth: 'admin', action: 'user_group.delete', tag: 'groups',
    summary: 'Delete a group with its memberships and grants.',
    params: idParam, query: noQuery,
    handler: async ({ svc, note, params }) => {
      await deleteGroup(svc, note, params.id)
      return { deleted: params.id }
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/groups/:id/members', auth: 'admin', action: 'user_group_member.add', tag: 'groups', status: 201,
    summary: 'Add a user to a group.',
    params: idParam, query: noQuery, body: z.strictObject({ user_id: z.string().min(1).max(100) }),
    handler: async ({ svc, note, params, body }) => addMember(svc, note, params.id, body.user_id),
  }),
  defineRoute({
    method: 'DELETE', url: '/api/admin/groups/:id/members/:user_id', auth: 'admin', action: 'user_group_member.remove', tag: 'groups',
    summary: 'Remove a user from a group.',
    params: z.strictObject({ id: z.string().min(1).max(100), user_id: z.string().min(1).max(100) }), query: noQuery,
    handler: async ({ svc, note, params }) => {
      await removeMember(svc, note, params.id, params.user_id)
      return { removed: params.user_id }
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/grants', auth: 'admin', action: 'resource_grant.add', tag: 'groups', status: 201,
    summary: 'Let a group read a resource, e.g. {"group_id", "resource": "table:orders", "permission": "read"}.',
    query: noQuery, body: z.strictObject({ group_id: z.string().min(1).max(100), resource, permission: z.enum(['read']) }),
    handler: async ({ svc, note, body }) => addGrant(svc, note, body),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/grants', auth: 'admin', action: 'resource_grant.list', tag: 'groups',
    summary: 'All grants.',
    query: noQuery,
    handler: async ({ svc }) => ({ rows: await svc.store.groups.listGrants(), next_cursor: null }),
  }),
  defineRoute({
    method: 'DELETE', url: '/api/admin/grants/:id', auth: 'admin', action: 'resource_grant.remove', tag: 'groups',
    summary: 'Remove a grant.',
    params: idParam, query: noQuery,
    handler: async ({ svc, note, params }) => {
      await removeGrant(svc, note, params.id)
      return { deleted: params.id }
    },
  }),
]
