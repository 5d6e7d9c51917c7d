import { randomUUID } from 'node:crypto'
import type { AuditNote, Services } from '../../services.ts'
import type { GrantRecord, GroupRecord } from '../../store/index.ts'
import { conflict, notFound } from '../../errors.ts'
import { noteChange } from '../changes/record.ts'

type Svc = Pick<Services, 'store' | 'clock'>

/** A group as its audit rows record it: what an update changes. */
export const groupState = (g: GroupRecord) => ({ id: g.id, name: g.name, description: g.description })

/**
 * A group with its members (user ids) and grants, as a create or delete records it: deleting a group deletes
 * those too, so a rollback of the delete restores them, and a rollback of the create sees what was added since.
 */
export async function groupWithContents(svc: Svc, g: GroupRecord) {
  const members = (await svc.store.groups.members(g.id)).map((m) => m.user_id).sort()
  const grants = (await svc.store.groups.grantsOf(g.id)).map((x) => ({ id: x.id, resource: x.resource, permission: x.permission }))
  return { ...groupState(g), members, grants }
}

export const memberState = (groupId: string, user: { id: string; email: string }) => ({ group_id: groupId, user_id: user.id, user_email: user.email })
export const grantState = (g: GrantRecord) => ({ id: g.id, group_id: g.group_id, resource: g.resource, permission: g.permission })

/** Creates a group. `id` is given only when a rollback restores a deleted group under its old id. */
export async function createGroup(svc: Svc, note: AuditNote, input: { name: string; description?: string | null; id?: string }) {
  note.params = { name: input.name, description: input.description ?? null }
  if (await svc.store.groups.byName(input.name)) throw conflict(`a group named ${input.name} already exists`, 'name_taken', 'name')
  const now = svc.clock.now().toISOString()
  const g = { id: input.id ?? randomUUID(), name: input.name, description: input.description ?? null, created_at: now, updated_at: now }
  await svc.store.groups.insert(g)
  note.resource = `user_group:${g.id}`
  await noteChange(svc, note, null, await groupWithContents(svc, g), { keep: true })
  return g
}

export async function getGroup(svc: Svc, id: string) {
  const g = await svc.store.groups.byId(id)
  if (!g) throw notFound('group')
  return { ...g, members: await svc.store.groups.members(id) }
}

export async function updateGroup(svc: Svc, note: AuditNote, id: string, patch: { name?: string; description?: string | null }) {
  note.resource = `user_group:${id}`
  const before = await svc.store.groups.byId(id)
  if (!before) throw notFound('group')
  note.params_before = groupState(before)
  note.params = { ...patch }
  if (patch.name && patch.name !== before.name && (await svc.store.groups.byName(patch.name))) {
    throw conflict(`a group named ${patch.name} already exists`, 'name_taken', 'name')
  }
  await svc.store.groups.update(id, patch, svc.clock.now().toISOString())
  const after = await getGroup(svc, id)
  await noteChange(svc, note, groupState(before), groupState(after), { keep: true })
  return after
}

export async function deleteGroup(svc: Svc, note: AuditNote, id: string) {
  note.resource = `user_group:${id}`
  const before = await svc.store.groups.byId(id)
  if (!before) throw notFound('group')
  const state = await groupWithContents(svc, before)
  note.params_before = state
  await svc.store.groups.delete(id)
  await noteChange(svc, note, state, null, { keep: true })
}

export async function addMember(svc: Svc, note: AuditNote, groupId: string, userId: string) {
  note.resource = `user_group:${groupId}`
  note.params = { group_id: groupId, user_id: userId }
  if (!(await svc.store.groups.byId(groupId))) throw notFound('group')
  const user = await svc.store.users.byId(userId)
  if (!user) throw notFound('user')
  note.params.user_email = user.email
  if (await svc.store.groups.isMember(groupId, userId)) throw conflict('the user is already a member', 'already_member', 'user_id')
  await svc.store.groups.addMember(groupId, userId, svc.clock.now().toISOString())
  await noteChange(svc, note, null, memberState(groupId, user), { keep: true })
  return { group_id: groupId, user_id: userId }
}

export async function removeMember(svc: Svc, note: AuditNote, groupId: string, userId: string) {
  note.resource = `user_group:${groupId}`
  note.params = { group_id: groupId, user_id: userId }
  if (!(await svc.store.groups.byId(groupId))) throw notFound('group')
  if (!(await svc.store.groups.isMember(groupId, userId))) throw notFound('membership')
  const user = await svc.store.users.byId(userId)
  const state = memberState(groupId, { id: userId, email: user?.email ?? '' })
  await svc.store.groups.removeMember(groupId, userId)
  await noteChange(svc, note, state, null, { keep: true })
}

/** Grants a group a resource. `id` is given only when a rollback restores a removed grant under its old id. */
export async function addGrant(svc: Svc, note: AuditNote, input: { group_id: string; resource: string; permission: string; id?: string }) {
  note.resource = input.resource
  note.params = { group_id: input.group_id, resource: input.resource, permission: input.permission }
  if (!(await svc.store.groups.byId(input.group_id))) throw notFound('group')
  if (await svc.store.groups.findGrant(input.group_id, input.resource, input.permission)) {
    throw conflict('this grant already exists', 'grant_exists')
  }
  const g: GrantRecord = { id: input.id ?? randomUUID(), group_id: input.group_id, resource: input.resource, permission: input.permission, created_at: svc.clock.now().toISOString() }
  await svc.store.groups.insertGrant(g)
  await noteChange(svc, note, null, grantState(g), { keep: true })
  return g
}

export async function removeGrant(svc: Svc, note: AuditNote, id: string) {
  const g = await svc.store.groups.grantById(id)
  if (!g) throw notFound('grant')
  note.resource = g.resource
  note.params_before = grantState(g)
  await svc.store.groups.deleteGrant(id)
  await noteChange(svc, note, grantState(g), null, { keep: true })
}
