import { createHash, timingSafeEqual } from 'node:crypto'
import { defineRoute } from '../route.ts'
import { noQuery } from './schemas.ts'
import { forbidden, unauthorized } from '../../errors.ts'
import { prometheusText } from '../../activity/metrics.ts'

const digest = (s: string) => createHash('sha256').update(s).digest()

/** True when the request carries `Authorization: Bearer <AGNES_METRICS_TOKEN>` (compared in constant time). */
function hasMetricsToken(header: string | undefined, token: string | null): boolean {
  if (!token || !header) return false
  const m = /^Bearer\s+(\S+)$/i.exec(header)
  return !!m && timingSafeEqual(digest(m[1]), digest(token))
}

export const metricsRoutes = [
  defineRoute({
    method: 'GET', url: '/metrics', auth: 'public', action: null, selfAudit: 'metrics.read', tag: 'activity',
    unauditedBecause: 'a Prometheus server scrapes it every few seconds; a row per scrape would drown the timeline (refusals are audited)',
    summary:
      'The instance\'s metrics in the Prometheus text format, for an admin or for `Authorization: Bearer <AGNES_METRICS_TOKEN>`: ' +
      'agnes_http_request_duration_seconds (histogram by method, route and status_class), audit rows written, failed and spooled, ' +
      'sync runs and failures per table, scheduler job durations and overruns, session processor runs and findings. Read from the store, ' +
      'so every worker answers for the whole instance (docs/insights.md).',
    query: noQuery,
    handler: async ({ svc, actor, req, reply }) => {
      if (!actor?.user?.is_admin && !hasMetricsToken(req.headers.authorization, svc.config.metricsToken)) {
        throw actor?.user ? forbidden('this needs an admin or the metrics token') : unauthorized('an admin or the metrics token (AGNES_METRICS_TOKEN) is required')
      }
      const text = await prometheusText(svc)
      return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(text)
    },
  }),
]
