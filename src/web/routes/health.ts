import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { VERSION } from '../../version.ts'
import type { Services } from '../../services.ts'
import type { Store } from '../../store/index.ts'

/** How long a worker answers health from the store's last answer: a failing store shows within this time. */
export const HEALTH_STORE_CHECK_MS = 1000

const lastCheck = new WeakMap<Store, { at: number; version: Promise<number> }>()

/**
 * The store's schema version, asked at most once per HEALTH_STORE_CHECK_MS on each worker (and once for all the
 * requests that arrive while it is being asked): a load balancer or monitor polling /api/health then costs no store
 * round trip per poll. A failed check is not kept: the next poll asks again.
 */
function storeVersion(svc: Pick<Services, 'store' | 'clock'>): Promise<number> {
  const now = svc.clock.now().getTime()
  const last = lastCheck.get(svc.store)
  if (last && now - last.at >= 0 && now - last.at < HEALTH_STORE_CHECK_MS) return last.version
  const version = svc.store.schemaVersion()
  lastCheck.set(svc.store, { at: now, version })
  version.catch(() => {
    if (lastCheck.get(svc.store)?.version === version) lastCheck.delete(svc.store)
  })
  return version
}

export const healthRoutes = [
  defineRoute({
    method: 'GET', url: '/api/health', auth: 'public', action: null, tag: 'system',
    summary: 'Liveness and readiness: 200 once the store is open and migrated (the store is asked at most once a second per worker).',
    query: z.object({}).passthrough(),
    handler: async ({ svc }) => ({ status: 'ok', schema_version: await storeVersion(svc), version: VERSION }),
  }),
]
