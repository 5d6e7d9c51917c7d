import pino from 'pino'
import type { Config } from '../src/config.ts'
import { openStore } from '../src/store/index.ts'
import { AuditWriter } from '../src/audit/index.ts'
import { openAnalytics } from '../src/store/analytics/index.ts'
import { createProductAnalytics } from '../src/integrations/posthog/index.ts'
import { bootstrapAdmin, prepareBootstrap } from '../src/platform/auth/bootstrap.ts'
import type { Services } from '../src/services.ts'
import { systemClock } from '../src/clock.ts'

/** The services of a server for a benchmark, with a bootstrapped admin's token and user id. */
export async function benchServices(config: Config): Promise<{ svc: Services; token: string; userId: string; close(): Promise<void> }> {
  const log = pino({ level: 'silent' })
  const store = await openStore(config)
  const audit = new AuditWriter(store, config.stateDir, log)
  const analytics = await openAnalytics(config)
  const svc: Services = { config, store, audit, log, analytics, product: createProductAnalytics(config), clock: systemClock }
  const secret = await prepareBootstrap(config, store)
  const { user, token } = await bootstrapAdmin(svc, {}, { token: secret!, email: 'bench@example.com' })
  return {
    svc,
    token,
    userId: user.id,
    async close() {
      await audit.drain()
      await analytics.close()
      await store.close()
    },
  }
}
