import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../../config.ts'
import type { Store } from '../../store/index.ts'
import type { AuditNote, Services } from '../../services.ts'
import { conflict, forbidden } from '../../errors.ts'
import { createUser, type PublicUser } from '../users/index.ts'
import { createToken } from './tokens.ts'
import { newOpaqueSecret, safeEqual } from './secrets.ts'

export function bootstrapTokenPath(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'bootstrap-token')
}

/**
 * On a store with no admin, makes sure a bootstrap secret exists (AGNES_BOOTSTRAP_TOKEN, or the one already
 * on disk, or a new one) and writes it to $AGNES_DATA_DIR/bootstrap-token with mode 0600.
 * Returns the secret when bootstrap is still possible, null once an admin exists.
 */
export async function prepareBootstrap(config: Config, store: Store): Promise<string | null> {
  const path = bootstrapTokenPath(config)
  if ((await store.users.countAdmins()) > 0) {
    if (existsSync(path)) unlinkSync(path)
    return null
  }
  let token = config.bootstrapToken
  if (!token && existsSync(path)) token = readFileSync(path, 'utf8').trim() || null
  token ??= newOpaqueSecret()
  mkdirSync(config.dataDir, { recursive: true })
  writeFileSync(path, token + '\n', { mode: 0o600 })
  chmodSync(path, 0o600)
  return token
}

function currentBootstrapToken(config: Config): string | null {
  if (config.bootstrapToken) return config.bootstrapToken
  try {
    return readFileSync(bootstrapTokenPath(config), 'utf8').trim() || null
  } catch {
    return null
  }
}

/** Creates the first admin with the bootstrap secret. Refused once any admin exists. */
export async function bootstrapAdmin(
  svc: Pick<Services, 'store' | 'config' | 'clock'>,
  note: AuditNote,
  input: { token: string; email: string; name?: string | null; password?: string | null },
): Promise<{ user: PublicUser; token: string }> {
  note.params = { email: input.email }
  if ((await svc.store.users.countAdmins()) > 0) throw conflict('an admin already exists, so bootstrap is closed: sign in at /login, or ask an admin for an account', 'already_bootstrapped')
  const expected = currentBootstrapToken(svc.config)
  if (!expected || !safeEqual(input.token, expected)) throw forbidden('the bootstrap token is wrong')
  const user = await createUser(svc, note, { email: input.email, name: input.name, is_admin: true, password: input.password })
  const tokenNote: AuditNote = {}
  const { token } = await createToken(svc, tokenNote, user.id, { name: 'bootstrap' })
  // The first admin, as user.create records a user, and which token they got (never its secret).
  note.params = { ...note.params, token_id: tokenNote.resource }
  try {
    unlinkSync(bootstrapTokenPath(svc.config))
  } catch {
    // already gone (or given through the environment only)
  }
  return { user, token }
}
