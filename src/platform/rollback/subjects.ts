import type { Actor, AuditNote, Services } from '../../services.ts'
import type { TableSource } from '../../store/index.ts'
import type { SubjectName } from '../changes/mutations.ts'
import { sameValue, type State } from '../changes/diff.ts'
import { addGrant, addMember, createGroup, deleteGroup, grantState, groupWithContents, memberState, removeGrant, removeMember, updateGroup } from '../rbac/groups.ts'
import { registerTable, tableState, unregisterTable, updateTable } from '../tables/index.ts'
import { configState, deleteTemplate, setTemplate, templateState, updateInstanceConfig } from '../instance/index.ts'

export type RollbackServices = Pick<Services, 'store' | 'config' | 'analytics' | 'clock'>

/** Which record an event is about, and the store lease that serialises rollbacks of it across workers. */
export interface Ref {
  lease: string
  [key: string]: unknown
}

/** Group memberships and grants a change would take from a user: the lockout rule checks the caller's own. */
export interface Losses {
  groups: string[]
  grants: Array<{ group_id: string; resource: string }>
}

const NO_LOSSES: Losses = { groups: [], grants: [] }

/**
 * One kind of record a rollback can put back. Every restore goes through the capability functions the API uses
 * (with their checks); their own notes are discarded, since the rollback's audit row records the change as a whole.
 */
export interface Subject {
  /** True when a state has the keys this record's audit rows hold now; rows written before full states were kept do not. */
  shapeOk(state: State): boolean
  ref(before: State | null, after: State | null): Ref
  /** The record as it is now (null: it does not exist). */
  read(svc: RollbackServices, ref: Ref): Promise<State | null>
  /** Makes the record match `target` on `keys` (null: remove it). Returns what could not be restored, in words. */
  apply(svc: RollbackServices, actor: Actor, ref: Ref, target: State | null, current: State | null, keys: string[]): Promise<string[]>
  losses(ref: Ref, target: State | null, current: State | null, userId: string, keys: string[]): Losses
}

const scratch = (): AuditNote => ({})
const hasKeys = (s: State, keys: string[]) => Object.keys(s).length === keys.length && keys.every((k) => Object.hasOwn(s, k))
const pick = (before: State | null, after: State | null, key: string) => String((before ?? after)?.[key])

const GROUP = ['id', 'name', 'description']
const GROUP_WITH_CONTENTS = [...GROUP, 'members', 'grants']
type GrantEntry = { id: string; resource: string; permission: string }

const userGroup: Subject = {
  shapeOk: (s) => hasKeys(s, GROUP) || hasKeys(s, GROUP_WITH_CONTENTS),
  ref: (b, a) => ({ lease: `user_group:${pick(b, a, 'id')}`, id: pick(b, a, 'id') }),
  async read(svc, ref) {
    const g = await svc.store.groups.byId(ref.id as string)
    return g ? groupWithContents(svc, g) : null
  },
  async apply(svc, _actor, ref, target, current, keys) {
    const id = ref.id as string
    const notRestored: string[] = []
    if (!target) {
      await deleteGroup(svc, scratch(), id)
      return notRestored
    }
    const name = target.name as string
    const description = (target.description as string | null) ?? null
    let now = current
    if (!now) {
      await createGroup(svc, scratch(), { id, name, description })
      now = { members: [], grants: [] }
    } else if (!sameValue(now.name, name) || !sameValue(now.description, description)) {
      await updateGroup(svc, scratch(), id, { name, description })
    }
    if (keys.includes('members')) {
      const want = (target.members as string[]) ?? []
      const have = (now.members as string[]) ?? []
      for (const u of have) if (!want.includes(u)) await removeMember(svc, scratch(), id, u)
      for (const u of want) {
        if (have.includes(u)) continue
        if (await svc.store.users.byId(u)) await addMember(svc, scratch(), id, u)
        else notRestored.push(`member ${u} (the user was deleted)`)
      }
    }
    if (keys.includes('grants')) {
      const want = (target.grants as GrantEntry[]) ?? []
      const have = (now.grants as GrantEntry[]) ?? []
      for (const g of have) if (!want.some((w) => w.id === g.id)) await removeGrant(svc, scratch(), g.id)
      for (const g of want) if (!have.some((h) => h.id === g.id)) await addGrant(svc, scratch(), { id: g.id, group_id: id, resource: g.resource, permission: g.permission })
    }
    return notRestored
  },
  losses(ref, target, current, userId, keys) {
    if (!current) return NO_LOSSES
    const id = ref.id as string
    if (!target) return { groups: [id], grants: [] }
    const out: Losses = { groups: [], grants: [] }
    if (keys.includes('members') && (current.members as string[]).includes(userId) && !(target.members as string[]).includes(userId)) out.groups.push(id)
    if (keys.includes('grants')) {
      for (const g of current.grants as GrantEntry[]) if (!(target.grants as GrantEntry[]).some((w) => w.id === g.id)) out.grants.push({ group_id: id, resource: g.resource })
    }
    return out
  },
}

const userGroupMember: Subject = {
  shapeOk: (s) => hasKeys(s, ['group_id', 'user_id', 'user_email']),
  ref: (b, a) => ({ lease: `user_group_member:${pick(b, a, 'group_id')}:${pick(b, a, 'user_id')}`, group_id: pick(b, a, 'group_id'), user_id: pick(b, a, 'user_id') }),
  async read(svc, ref) {
    if (!(await svc.store.groups.isMember(ref.group_id as string, ref.user_id as string))) return null
    const user = await svc.store.users.byId(ref.user_id as string)
    return memberState(ref.group_id as string, { id: ref.user_id as string, email: user?.email ?? '' })
  },
  async apply(svc, _actor, ref, target) {
    if (target) await addMember(svc, scratch(), ref.group_id as string, ref.user_id as string)
    else await removeMember(svc, scratch(), ref.group_id as string, ref.user_id as string)
    return []
  },
  losses: (ref, target, current, userId) => (!target && current && ref.user_id === userId ? { groups: [ref.group_id as string], grants: [] } : NO_LOSSES),
}

const resourceGrant: Subject = {
  shapeOk: (s) => hasKeys(s, ['id', 'group_id', 'resource', 'permission']),
  ref: (b, a) => ({ lease: `resource_grant:${pick(b, a, 'id')}`, id: pick(b, a, 'id') }),
  async read(svc, ref) {
    const g = await svc.store.groups.grantById(ref.id as string)
    return g ? grantState(g) : null
  },
  async apply(svc, _actor, ref, target, current) {
    if (current) await removeGrant(svc, scratch(), ref.id as string)
    if (target) {
      await addGrant(svc, scratch(), { id: ref.id as string, group_id: target.group_id as string, resource: target.resource as string, permission: target.permission as string })
    }
    return []
  },
  losses: (_ref, target, current) =>
    !target && current ? { groups: [], grants: [{ group_id: current.group_id as string, resource: current.resource as string }] } : NO_LOSSES,
}

const table: Subject = {
  shapeOk: (s) => hasKeys(s, ['id', 'source', 'sync_interval_minutes', 'description']),
  ref: (b, a) => ({ lease: `table:${pick(b, a, 'id')}`, id: pick(b, a, 'id') }),
  async read(svc, ref) {
    const t = await svc.store.tables.byId(ref.id as string)
    return t ? tableState(t) : null
  },
  async apply(svc, actor, ref, target, current, keys) {
    const id = ref.id as string
    if (!target) {
      await unregisterTable(svc, scratch(), id)
      return []
    }
    const source = target.source as TableSource
    const interval = (target.sync_interval_minutes as number | null) ?? null
    const description = (target.description as string | null) ?? null
    if (!current) {
      await registerTable(svc, scratch(), actor, { id, source, sync_interval_minutes: interval, description })
      return ['its data (sync the table to load it)']
    }
    const differs = (k: string) => keys.includes(k) && !sameValue(current[k], target[k])
    await updateTable(svc, scratch(), id, {
      ...(differs('source') ? { source } : {}),
      ...(differs('sync_interval_minutes') ? { sync_interval_minutes: interval } : {}),
      ...(differs('description') ? { description } : {}),
    })
    return []
  },
  losses: () => NO_LOSSES,
}

const instanceTemplate: Subject = {
  shapeOk: (s) => hasKeys(s, ['name', 'content']),
  ref: (b, a) => ({ lease: `instance_template:${pick(b, a, 'name')}`, name: pick(b, a, 'name') }),
  async read(svc, ref) {
    const t = await svc.store.instance.template(ref.name as string)
    return t ? templateState(t) : null
  },
  async apply(svc, actor, ref, target) {
    if (target) await setTemplate(svc, scratch(), actor, ref.name as string, target.content as string)
    else await deleteTemplate(svc, scratch(), ref.name as string)
    return []
  },
  losses: () => NO_LOSSES,
}

/** An instance setting's key: a named setting, or a family's `prefix:name` (the costs' `cost_price:<model>`). */
const SETTING_KEY = /^[a-z][a-z0-9_]*(:[^\s]{1,200})?$/

const instanceConfig: Subject = {
  // Rows of every version hold {setting: value} for exactly the settings they changed.
  shapeOk: (s) => Object.keys(s).length > 0 && Object.keys(s).every((k) => SETTING_KEY.test(k)),
  ref: (b, a) => ({ lease: 'instance_config', keys: Object.keys((b ?? a)!) }),
  async read(svc, ref) {
    return configState(await svc.store.instance.getConfig(), ref.keys as string[])
  },
  async apply(svc, actor, _ref, target) {
    // A settings state always exists: a setting without a value is null (its default).
    if (target) await updateInstanceConfig(svc, scratch(), actor, target)
    return []
  },
  losses: () => NO_LOSSES,
}

export const SUBJECTS: Readonly<Record<SubjectName, Subject>> = {
  user_group: userGroup,
  user_group_member: userGroupMember,
  resource_grant: resourceGrant,
  table,
  instance_template: instanceTemplate,
  instance_config: instanceConfig,
}

export function isSubjectName(v: unknown): v is SubjectName {
  return typeof v === 'string' && Object.hasOwn(SUBJECTS, v)
}
