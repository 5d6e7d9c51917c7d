import { PostHog } from 'posthog-node'
import type { Config } from '../../config.ts'

/**
 * Product analytics: which admin views are used and which filters people reach for (names only, never
 * values). Entirely off, with no client created and nothing sent, when POSTHOG_API_KEY is unset.
 */
export interface ProductAnalytics {
  readonly enabled: boolean
  capture(distinctId: string, event: string, properties?: Record<string, unknown>): void
  shutdown(): Promise<void>
}

export function createProductAnalytics(config: Pick<Config, 'posthog'>): ProductAnalytics {
  if (!config.posthog.apiKey) return { enabled: false, capture: () => {}, shutdown: async () => {} }
  const client = new PostHog(config.posthog.apiKey, {
    ...(config.posthog.host ? { host: config.posthog.host } : {}),
    flushAt: 20,
    flushInterval: 5000,
    disableGeoip: true,
  })
  client.on('error', () => {}) // analytics trouble must never surface to a user
  return {
    enabled: true,
    capture: (distinctId, event, properties = {}) => client.capture({ distinctId, event, properties }),
    shutdown: () => client.shutdown(),
  }
}
