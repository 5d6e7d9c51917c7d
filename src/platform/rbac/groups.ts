import { randomUUID } from 'node:crypto'
import type { AuditNote, Services } from '../../services.ts'
import { conflict, notFound } from '../../errors.ts'

type Svc = Pick<Services, 'store'>

export async function createGroup(svc: Svc, note: AuditNote, input: { name: string; description?: string | null }) {
  note.params = { name: input.name, description: input.description ?? null }
  if (await svc.store.groups.byName(input.name)) throw conflict(`a group named ${input.name} already exists`, 'name_taken', 'name')
  const now = new Date().toISOString()
  const g = { id: randomUUID(), name: input.name, description: input.description ?? null, created_at: now, updated_at: now }
  await svc.store.groups.insert(g)
  note.resource = `user_group:${g.id}`
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
  note.params_before = { ...before }
  note.params = { ...patch }
  if (patch.name && patch.name !== before.name && (await svc.store.groups.byName(patch.name))) {
    throw conflict(`a group named ${patch.name} already exists`, 'name_taken', 'name')
  }
  await svc.store.groups.update(id, patch, new Date().toISOString())
  return getGroup(svc, id)
}

export async function deleteGroup(svc: Svc, note: AuditNote, id: string) {
  note.resource = `user_group:${id}`
  const before = await svc.store.groups.byId(id)
  if (!before) throw notFound('group')
  note.params_before = { ...before, members: (await svc.store.groups.members(id)).map((m) => m.user_id) }
  await svc.store.groups.delete(id)
}

export async function addMember(svc: Svc, note: AuditNote, groupId: string, userId: string) {
  note.resource = `user_group:${groupId}`
  note.params = { user_id: userId }
  if (!(await svc.store.groups.byId(groupId))) throw notFound('group')
  const user = await svc.store.users.byId(userId)
  if (!user) throw notFound('user')
  note.params.user_email = user.email
  if (await svc.store.groups.isMember(groupId, userId)) throw conflict('the user is already a member', 'already_member', 'user_id')
  await svc.store.groups.addMember(groupId, userId, new Date().toISOString())
  return { group_id: groupId, user_id: userId }
}

export async function removeMember(svc: Svc, note: AuditNote, groupId: string, userId: string) {
  note.resource = `user_group:${groupId}`
  note.params = { user_id: userId }
  if (!(await svc.store.groups.byId(groupId))) throw notFound('group')
  if (!(await svc.store.groups.isMember(groupId, userId))) throw notFound('membership')
  note.params_before = { group_id: groupId, user_id: userId, member: true }
  await svc.store.groups.removeMember(groupId, userId)
}

export async function addGrant(svc: Svc, note: AuditNote, input: { group_id: string; resource: string; permission: string }) {
  note.resource = input.resource
  note.params = { ...input }
  if (!(await svc.store.groups.byId(input.group_id))) throw notFound('group')
  if (await svc.store.groups.findGrant(input.group_id, input.resource, input.permission)) {
    throw conflict('this grant already exists', 'grant_exists')
  }
  const g = { id: randomUUID(), ...input, created_at: new Date().toISOString() }
  await svc.store.groups.insertGrant(g)
  return g
}

export async function removeGrant(svc: Svc, note: AuditNote, id: string) {
  const g = await svc.store.groups.grantById(id)
  if (!g) throw notFound('grant')
  note.resource = g.resource
  note.params_before = { ...g }
  await svc.store.groups.deleteGrant(id)
}
