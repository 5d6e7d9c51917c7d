import { randomUUID } from 'node:crypto'
import type { UserRecord } from '../../store/index.ts'
import type { Actor, AuditNote, Services } from '../../services.ts'
import { badRequest, conflict, notFound } from '../../errors.ts'
import { hashPassword } from '../auth/passwords.ts'
import { noteChange } from '../changes/record.ts'
import { withLease } from '../leases.ts'
import { lockout, refuseLastSignIn } from './lockout.ts'
import { forgetVerifiedCredentials } from '../auth/verified-credentials.ts'
import { ACTIVE_ACTIONS } from '../../activity/usage.ts'

export interface PublicUser {
  id: string
  email: string
  username: string
  name: string | null
  is_admin: boolean
  has_password: boolean
  created_at: string
  updated_at: string
}

export function presentUser(u: UserRecord): PublicUser {
  return {
    id: u.id, email: u.email, username: u.username, name: u.name, is_admin: u.is_admin,
    has_password: Boolean(u.password_hash), created_at: u.created_at, updated_at: u.updated_at,
  }
}

/** A user as audit rows record them: never the password hash, only whether there is one. */
export function userState(u: UserRecord) {
  return { id: u.id, email: u.email, username: u.username, name: u.name, is_admin: u.is_admin, has_password: Boolean(u.password_hash) }
}

/**
 * The store lease that changes of admin rights run under: two admins demoting (or deleting) each other at the same
 * moment would each still count two admins, and both succeed; under the lease the second sees the first's change.
 */
const ADMINS_LEASE = 'users:admins'

async function refuseLastAdmin(svc: Pick<Services, 'store'>, what: string): Promise<void> {
  if ((await svc.store.users.countAdmins()) <= 1) {
    throw lockout(`${what} would leave the instance without an admin: make another user an admin first`, 'is_admin')
  }
}

/**
 * The folder name for a user's uploads: the e-mail's local part, made filesystem-safe and unique. Unique for all
 * time, not only among current users: a deleted user's username stays retired (their transcripts, findings and
 * usage rows are filed under it), so a later user with the same local part gets `<base>-2` and never sees them.
 */
async function chooseUsername(svc: Pick<Services, 'store'>, email: string): Promise<string> {
  const base =
    email
      .split('@')[0]
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[.-]+|[.-]+$/g, '')
      .slice(0, 60) || 'user'
  const taken = new Set(await svc.store.users.usernamesLike(base))
  if (!taken.has(base)) return base
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`
}

export interface NewUser {
  email: string
  name?: string | null
  is_admin?: boolean
  password?: string | null
}

export async function createUser(svc: Pick<Services, 'store' | 'clock'>, note: AuditNote, input: NewUser): Promise<PublicUser> {
  const email = input.email.trim().toLowerCase()
  note.params = { email, name: input.name ?? null, is_admin: Boolean(input.is_admin), with_password: Boolean(input.password) }
  if (await svc.store.users.byEmail(email)) throw conflict(`a user with e-mail ${email} already exists`, 'email_taken', 'email')
  const now = svc.clock.now().toISOString()
  const user: UserRecord = {
    id: randomUUID(),
    email,
    username: await chooseUsername(svc, email),
    name: input.name ?? null,
    is_admin: Boolean(input.is_admin),
    password_hash: input.password ? await hashPassword(input.password) : null,
    created_at: now,
    updated_at: now,
  }
  await svc.store.users.insert(user)
  note.resource = `user:${user.id}`
  await noteChange(svc, note, null, userState(user))
  return presentUser(user)
}

export async function getUser(svc: Pick<Services, 'store'>, id: string): Promise<PublicUser> {
  const u = await svc.store.users.byId(id)
  if (!u) throw notFound('user')
  return presentUser(u)
}

/**
 * Every user as the Users page lists them: when they were last active (the one definition of active, ACTIVE_ACTIONS,
 * over the kept audit log; null when never) and how many tokens still sign requests (not revoked, not expired).
 */
export async function listUsers(svc: Pick<Services, 'store' | 'clock'>) {
  const now = svc.clock.now().toISOString()
  const [users, spans, tokens] = await Promise.all([
    svc.store.users.list(),
    svc.store.usage.activeSpan([...ACTIVE_ACTIONS], now),
    svc.store.tokens.activeCounts(now),
  ])
  return users.map((u) => ({ ...presentUser(u), last_active: spans.get(u.id)?.last ?? null, token_count: tokens.get(u.id) ?? 0 }))
}

export async function updateUser(
  svc: Pick<Services, 'store' | 'clock'>,
  note: AuditNote,
  actor: Actor,
  id: string,
  patch: { name?: string | null; is_admin?: boolean; password?: string | null },
): Promise<PublicUser> {
  note.resource = `user:${id}`
  const before = await svc.store.users.byId(id)
  if (!before) throw notFound('user')
  note.params_before = userState(before)
  note.params = { name: patch.name, is_admin: patch.is_admin, password_changed: patch.password !== undefined }
  const demotes = patch.is_admin === false && before.is_admin
  if (demotes && actor.user?.id === id) {
    // The last admin is told why it cannot be done at all; any other is told to ask another admin.
    await refuseLastAdmin(svc, 'removing your own admin rights')
    throw badRequest('you cannot remove your own admin rights: ask another admin', 'is_admin')
  }
  if (patch.password === null) await refuseLastSignIn(svc, actor, id, { removePassword: true })
  const change = {
    name: patch.name,
    is_admin: patch.is_admin,
    password_hash: patch.password === undefined ? undefined : patch.password === null ? null : await hashPassword(patch.password),
  }
  const apply = async () => {
    if (demotes) await refuseLastAdmin(svc, `removing the admin rights of ${before.email}`)
    await svc.store.users.update(id, change, svc.clock.now().toISOString())
    forgetVerifiedCredentials(svc.store)
  }
  await (demotes ? withLease(svc.store, ADMINS_LEASE, apply) : apply())
  const after = (await svc.store.users.byId(id)) ?? before
  await noteChange(svc, note, userState(before), userState(after))
  return presentUser(after)
}

export async function deleteUser(svc: Pick<Services, 'store'>, note: AuditNote, actor: Actor, id: string): Promise<void> {
  note.resource = `user:${id}`
  const before = await svc.store.users.byId(id)
  if (!before) throw notFound('user')
  const state = { ...userState(before), groups: await svc.store.groups.groupsOf(id) }
  note.params_before = state
  if (actor.user?.id === id) {
    if (before.is_admin) await refuseLastAdmin(svc, 'deleting yourself')
    throw badRequest('you cannot delete yourself: ask another admin', 'id')
  }
  const apply = async () => {
    if (before.is_admin) await refuseLastAdmin(svc, `deleting ${before.email}`)
    await svc.store.users.delete(id)
    forgetVerifiedCredentials(svc.store)
  }
  await (before.is_admin ? withLease(svc.store, ADMINS_LEASE, apply) : apply())
  await noteChange(svc, note, state, null)
}
