import type { Logger } from 'pino'
import type { Config } from './config.ts'
import type { Store, UserRecord } from './store/index.ts'
import type { AuditWriter } from './audit/index.ts'
import type { ClientKind } from './audit/index.ts'
import type { Analytics } from './store/analytics/index.ts'
import type { ProductAnalytics } from './integrations/posthog/index.ts'
import type { Clock } from './clock.ts'

/** What every capability receives: configuration, the store, the audit writer and a logger. */
export interface Services {
  config: Config
  store: Store
  audit: AuditWriter
  log: Logger
  /** The sandboxed DuckDB file that holds synced tables and answers analysts' SQL. */
  analytics: Analytics
  /** PostHog, or a no-op when POSTHOG_API_KEY is unset. */
  product: ProductAnalytics
  /** Where every recorded time comes from (src/clock.ts). */
  clock: Clock
}

/** The person (or system part) acting. */
export interface Actor {
  user: { id: string; email: string; username: string; name: string | null; is_admin: boolean } | null
  via: 'token' | 'session' | 'system' | 'scheduler'
  /** The stored user as this request's sign-in read it (token or web session), for answers that show it whole. */
  record?: UserRecord
  tokenId?: string
  clientKind: ClientKind
}

/**
 * What a capability tells the audit row of the current request: the resource it touched, params worth
 * keeping, the prior state for mutations, and a result other than the default one derived from the status.
 */
export interface AuditNote {
  /** Overrides the route's action where one route records two outcomes (auth.login vs auth.login_failed). */
  action?: string
  resource?: string | null
  params?: Record<string, unknown> | null
  params_before?: Record<string, unknown> | null
  result?: string
}
