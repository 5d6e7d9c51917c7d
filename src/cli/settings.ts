import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { CliEnv } from '../config.ts'
import { CliError } from './client.ts'

export interface SavedLogin {
  url: string
  token: string
}

export function readSavedLogin(env: CliEnv): SavedLogin | null {
  try {
    const data = JSON.parse(readFileSync(env.configFile, 'utf8'))
    return typeof data.url === 'string' && typeof data.token === 'string' ? data : null
  } catch {
    return null
  }
}

/** The login file holds a secret: written with mode 0600. */
export function saveLogin(env: CliEnv, login: SavedLogin): void {
  mkdirSync(dirname(env.configFile), { recursive: true, mode: 0o700 })
  writeFileSync(env.configFile, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 })
  chmodSync(env.configFile, 0o600)
}

/** AGNES_URL / AGNES_TOKEN win over the saved login. */
export function resolveTarget(env: CliEnv): { url: string; token: string } {
  const saved = readSavedLogin(env)
  const url = env.url ?? saved?.url
  const token = env.token ?? saved?.token
  if (!url || !token) throw new CliError('not logged in: run `agnes login --url URL --token TOKEN` or set AGNES_URL and AGNES_TOKEN')
  return { url, token }
}
