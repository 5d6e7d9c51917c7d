import type { ApiClient } from '../client.ts'

export interface AddUserOptions {
  admin?: boolean
  name?: string
  tokenName?: string
}

/** Creates a user and a first token for them; the token is printed once, as the API shows it once. */
export async function addUser(client: ApiClient, email: string, opts: AddUserOptions) {
  const user = await client.request<{ id: string; email: string; name: string | null; is_admin: boolean; username: string }>(
    'POST', '/api/admin/users', { email, ...(opts.name ? { name: opts.name } : {}), is_admin: Boolean(opts.admin) },
  )
  const token = await client.request<{ id: string; token: string }>('POST', `/api/admin/users/${encodeURIComponent(user.id)}/tokens`, {
    name: opts.tokenName ?? 'created by agnes admin users add',
  })
  return { user, token_id: token.id, token: token.token }
}

export async function listUsers(client: ApiClient) {
  return (await client.request<{ rows: Array<Record<string, unknown>> }>('GET', '/api/admin/users')).rows
}
