import type { Services } from '../services.ts'
import { toFilters, type ActivityQuery } from './filters.ts'
import { ACTIVE_ACTIONS } from './usage.ts'

type StoreKpis = Awaited<ReturnType<Services['store']['activity']['kpis']>>

/** The figures the KPI strip shows, from the store's counts (the same arithmetic for both periods). */
function present(k: StoreKpis) {
  return {
    events: k.events,
    errors: k.errors,
    error_rate: k.events ? Math.round((k.errors / k.events) * 10_000) / 10_000 : 0,
    active_users: k.active_users,
    p95_duration_ms: k.p95 === null ? null : Math.round(k.p95 * 1000) / 1000,
    duration_coverage: k.events ? Math.round((k.with_duration / k.events) * 10_000) / 10_000 : 0,
  }
}

/**
 * The KPIs for the timeline's filters (active_users: the people among its rows who were active as the Usage view
 * defines it, ACTIVE_ACTIONS, so a day's figure is that day's DAU), and the same KPIs over the period of the same length just before it
 * (previous: [since − length, since)), so each figure can show its change. Without `until` the period ends now.
 */
export async function kpisWithPrevious(svc: Services, q: ActivityQuery, now = new Date(), viewerId?: string) {
  const current = toFilters(q, now, viewerId)
  const until = current.until ?? now.toISOString()
  const length = Date.parse(until) - Date.parse(current.since)
  const prevSince = new Date(Date.parse(current.since) - length).toISOString()
  const [cur, prev] = await Promise.all([
    svc.store.activity.kpis(current, ACTIVE_ACTIONS),
    svc.store.activity.kpis({ ...current, since: prevSince, until: current.since }, ACTIVE_ACTIONS),
  ])
  return {
    ...present(cur),
    period: { since: current.since, until },
    previous: { since: prevSince, until: current.since, ...present(prev) },
  }
}
