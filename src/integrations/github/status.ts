import type { Services } from '../../services.ts'
import { GithubError } from './client.ts'

/** Where the integration's last outcome is kept (in the store, so every worker's health pulse shows the same). */
const STATUS_KEY = 'github.integration_status'
/** An error stays on the pulse this long unless a later call succeeds. */
const KEEP_MS = 30 * 86_400_000

export interface GithubStatus {
  last_ok_at: string | null
  last_error: { at: string; kind: string; message: string; retry_after_s: number | null } | null
}

/** The GitHub settings and the last outcome of a call to GitHub, as the health pulse shows them. */
export interface GithubHealth extends GithubStatus {
  configured: boolean
  repo: string | null
  webhook: boolean
}

export async function readGithubStatus(svc: Pick<Services, 'store' | 'clock'>): Promise<GithubStatus> {
  return (await svc.store.shared.cached<GithubStatus>(STATUS_KEY, svc.clock.now())) ?? { last_ok_at: null, last_error: null }
}

async function write(svc: Pick<Services, 'store' | 'clock' | 'log'>, change: (s: GithubStatus) => GithubStatus) {
  try {
    const now = svc.clock.now()
    await svc.store.shared.setCached(STATUS_KEY, change(await readGithubStatus(svc)), KEEP_MS, now)
  } catch (e) {
    // The pulse is a convenience: a store that refuses this write must not turn a GitHub outcome into another error.
    svc.log.warn({ err: String(e) }, 'github: could not record the integration status')
  }
}

/** Records that GitHub answered as expected (the pulse turns green again). */
export function recordGithubOk(svc: Pick<Services, 'store' | 'clock' | 'log'>) {
  return write(svc, (s) => ({ ...s, last_ok_at: svc.clock.now().toISOString() }))
}

/** Records a failed GitHub call for the pulse. */
export function recordGithubError(svc: Pick<Services, 'store' | 'clock' | 'log'>, e: unknown) {
  const err = e instanceof GithubError ? e : null
  return write(svc, (s) => ({
    ...s,
    last_error: {
      at: svc.clock.now().toISOString(),
      kind: err?.kind ?? 'unexpected',
      message: (e instanceof Error ? e.message : String(e)).slice(0, 300),
      retry_after_s: err?.retryAfterS ?? null,
    },
  }))
}

/** The pulse's input: settings and last outcome. */
export async function githubHealth(svc: Pick<Services, 'store' | 'clock' | 'config'>): Promise<GithubHealth | undefined> {
  const g = svc.config.github
  // An instance that never set GitHub up has no GitHub card: a grey "off" on every pulse would only be noise.
  if (!g.token && !g.repo) return undefined
  return { configured: Boolean(g.token && g.repo), repo: g.repo, webhook: Boolean(g.webhookSecret), ...(await readGithubStatus(svc)) }
}
