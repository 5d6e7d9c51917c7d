import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { idParam, email, displayName, password, noQuery } from './schemas.ts'
import { createUser, deleteUser, getUser, listUsers, updateUser } from '../../platform/users/index.ts'
import { createToken, presentToken, revokeToken } from '../../platform/auth/tokens.ts'
import { notFound } from '../../errors.ts'
import type { Actor, AuditNote, Services } from '../../services.ts'

/** GET /api/me/tokens: the caller's tokens as the dashboard lists them (src/web/pages/dashboard). */
async function listMyTokens(svc: Services, note: AuditNote, actor: Actor) {
  const me = actor.user!.id
  note.resource = `user:${me}`
  const tokens = (await svc.store.tokens.listForUser(me)).reverse()
  note.params = { count: tokens.length }
  return {
    rows: tokens.map((t) => {
      const { user_id: _owner, ...shown } = presentToken(t)
      return { ...shown, current: actor.via === 'token' && actor.tokenId === t.id }
    }),
    next_cursor: null,
  }
}

/** GET /api/admin/users/{id}: one user with their tokens, oldest first (never the secrets). */
async function userDetail(svc: Services, id: string) {
  const user = await getUser(svc, id)
  return { ...user, tokens: (await svc.store.tokens.listForUser(id)).map(presentToken) }
}

/** GET /api/admin/tokens/{id}: one token and whose it is, so a link to a token opens its holder. */
async function tokenDetail(svc: Services, id: string) {
  const t = await svc.store.tokens.byId(id)
  if (!t) throw notFound('token')
  return presentToken(t)
}

/** What the users routes answer, for the Users page's code (src/web/pages/users). */
export type UserListResponse = Awaited<ReturnType<typeof listUsers>>
export type UserDetailResponse = Awaited<ReturnType<typeof userDetail>>
export type TokenDetailResponse = Awaited<ReturnType<typeof tokenDetail>>
export type UserResponse = Awaited<ReturnType<typeof updateUser>>

/** What GET /api/me/tokens answers, for the dashboard's page code. */
export type MyTokensResponse = Awaited<ReturnType<typeof listMyTokens>>
/** What POST /api/me/tokens answers (the id, the secret once, and when it expires): createToken's result. */
export type NewTokenResponse = Awaited<ReturnType<typeof createToken>>

const newToken = z.strictObject({
  name: displayName.optional(),
  expires_in_days: z.number().int().min(1).max(3650).optional(),
})

export const userRoutes = [
  defineRoute({
    method: 'POST', url: '/api/admin/users', auth: 'admin', action: 'user.create', tag: 'users', status: 201,
    summary: 'Create a user. A taken e-mail is a 409.',
    query: noQuery,
    body: z.strictObject({ email, name: displayName.optional(), is_admin: z.boolean().optional(), password: password.optional() }),
    handler: async ({ svc, note, body }) => {
      const u = await createUser(svc, note, body)
      return { id: u.id, email: u.email, name: u.name, is_admin: u.is_admin, username: u.username }
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/users', auth: 'admin', action: 'user.list', tag: 'users',
    summary: 'All users, each with when they were last active (a successful query, download, upload, sync or report; null when never) and token_count (tokens neither revoked nor expired).',
    query: noQuery,
    handler: async ({ svc, note }) => {
      const rows = await listUsers(svc)
      note.params = { count: rows.length }
      return { rows, next_cursor: null }
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/users/:id', auth: 'admin', action: 'user.read', tag: 'users',
    summary: 'One user with their tokens (never the secrets).',
    params: idParam, query: noQuery,
    handler: async ({ svc, note, params }) => {
      note.resource = `user:${params.id}`
      return userDetail(svc, params.id)
    },
  }),
  defineRoute({
    method: 'PATCH', url: '/api/admin/users/:id', auth: 'admin', action: 'user.update', tag: 'users',
    summary:
      'Change a user\'s name, admin flag or password (null removes the password). Removing your own admin rights is a 400; ' +
      'removing the last admin\'s is a 409 lockout. Audited with params_before and params (never the password).',
    params: idParam, query: noQuery,
    body: z.strictObject({ name: displayName.nullable().optional(), is_admin: z.boolean().optional(), password: password.nullable().optional() }),
    handler: async ({ svc, note, actor, params, body }) => updateUser(svc, note, actor, params.id, body),
  }),
  defineRoute({
    method: 'DELETE', url: '/api/admin/users/:id', auth: 'admin', action: 'user.delete', tag: 'users',
    summary: 'Delete a user with their tokens, sessions and memberships. Their audit rows stay. Deleting yourself is a 400, the last admin a 409 lockout.',
    params: idParam, query: noQuery,
    handler: async ({ svc, note, actor, params }) => {
      await deleteUser(svc, note, actor, params.id)
      return { deleted: params.id }
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/users/:id/tokens', auth: 'admin', action: 'token.create', tag: 'tokens', status: 201,
    summary: 'Issue a personal access token for a user. The token is shown once and stored only as a hash.',
    params: idParam, query: noQuery, body: newToken,
    handler: async ({ svc, note, params, body }) => {
      const t = await createToken(svc, note, params.id, { name: body.name, expiresInDays: body.expires_in_days })
      return { id: t.id, token: t.token, expires_at: t.expires_at }
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/me/tokens', auth: 'user', action: 'token.create', tag: 'tokens', status: 201,
    summary: 'Issue a personal access token for yourself.',
    query: noQuery, body: newToken,
    handler: async ({ svc, note, actor, body }) => {
      const t = await createToken(svc, note, actor.user!.id, { name: body.name, expiresInDays: body.expires_in_days })
      return { id: t.id, token: t.token, expires_at: t.expires_at }
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/me/tokens', auth: 'user', action: 'token.list', tag: 'tokens',
    summary:
      'Your own tokens, newest first: name, prefix, created, last used, expires, revoked (never the secret or its hash); ' +
      'current marks the token this request is signed with.',
    query: noQuery,
    handler: async ({ svc, note, actor }) => listMyTokens(svc, note, actor),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/tokens/:id', auth: 'admin', action: 'token.read', tag: 'tokens',
    summary: 'One token (never the secret or its hash), with the id of the user who holds it.',
    params: idParam, query: noQuery,
    handler: async ({ svc, note, params }) => {
      note.resource = `token:${params.id}`
      return tokenDetail(svc, params.id)
    },
  }),
  defineRoute({
    method: 'DELETE', url: '/api/admin/tokens/:id', auth: 'admin', action: 'token.revoke', tag: 'tokens',
    summary: 'Revoke a token; it gets 401 from then on. The token this request is signed with is a 409 lockout.',
    params: idParam, query: noQuery,
    handler: async ({ svc, note, actor, params }) => revokeToken(svc, note, actor, params.id),
  }),
  defineRoute({
    method: 'DELETE', url: '/api/me/tokens/:id', auth: 'user', action: 'token.revoke', tag: 'tokens',
    summary: 'Revoke one of your own tokens (not the one this request is signed with: 409 lockout).',
    params: idParam, query: noQuery,
    handler: async ({ svc, note, actor, params }) => {
      const t = await svc.store.tokens.byId(params.id)
      if (!t || t.user_id !== actor.user!.id) throw notFound('token')
      return revokeToken(svc, note, actor, params.id)
    },
  }),
]
