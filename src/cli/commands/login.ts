import type { CliEnv } from '../../config.ts'
import { apiClient, CliError } from '../client.ts'
import { saveLogin } from '../settings.ts'

export interface LoginOptions {
  url?: string
  token?: string
}

/** Checks the token against the server (GET /api/me) and saves URL and token for later commands. */
export async function login(env: CliEnv, opts: LoginOptions) {
  const url = opts.url ?? env.url
  const token = opts.token ?? env.token
  if (!url) throw new CliError('give the server with --url URL (or AGNES_URL)')
  if (!token) throw new CliError('give a personal access token with --token TOKEN (or AGNES_TOKEN)')
  try {
    new URL(url)
  } catch {
    throw new CliError(`not a URL: ${url}`)
  }
  const me = await apiClient(url, token).request<{ email: string; is_admin: boolean }>('GET', '/api/me')
  saveLogin(env, { url, token })
  return { url, email: me.email, is_admin: me.is_admin, config_file: env.configFile }
}
