import { firstReadInWindow, readWindowHeld } from '../audit/index.ts'
import { AUDIT_CHAIN_CACHE_KEY } from '../audit/chain-check.ts'
import { existsSync } from 'node:fs'
import type { Actor, Services } from '../services.ts'
import type { AuditRow, ActivityFilters } from '../store/index.ts'
import { notFound } from '../errors.ts'
import { maskValue } from './mask.ts'
import { healthBudget } from '../platform/costs/index.ts'
import { githubHealth } from '../integrations/github/index.ts'
import { judgeHealth } from '../platform/sessions/index.ts'
import { computeHealth, type HealthInputs } from './health.ts'
import { ACTIVE_ACTIONS } from './usage.ts'
import { decodeCursor, encodeCursor, toFilters, type ActivityQuery } from './filters.ts'
import { createHash } from 'node:crypto'

export { activityQuerySchema, filterNames, toFilters, type ActivityQuery } from './filters.ts'
export { computeHealth, THRESHOLDS, type HealthInputs } from './health.ts'

const HEALTH_CACHE_MS = 30_000
const DEFAULT_PROCESSOR_CADENCE_MIN = 60

/** An audit row as an admin sees it by default: params masked for display. */
export function presentRow(row: AuditRow, raw = false): AuditRow {
  if (raw) return row
  return { ...row, params: maskValue(row.params) as AuditRow['params'], params_before: maskValue(row.params_before) as AuditRow['params_before'] }
}

export async function timeline(svc: Services, q: ActivityQuery, viewerId?: string) {
  const filters = toFilters(q, new Date(), viewerId)
  const limit = q.limit ?? 100
  const rows = await svc.store.activity.timeline(filters, limit + 1, decodeCursor(q.cursor))
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return { rows: page.map((r) => presentRow(r)), next_cursor: rows.length > limit && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : null }
}

export async function facets(svc: Services, q: ActivityQuery, viewerId?: string) {
  return svc.store.activity.facets(toFilters(q, new Date(), viewerId))
}

/** Streams every row of the filter in pages (keyset order), for export. */
export async function* exportRows(svc: Services, filters: ActivityFilters, pageSize = 1000): AsyncGenerator<AuditRow> {
  let after = null as { timestamp: string; id: number } | null
  for (;;) {
    const rows = await svc.store.activity.timeline(filters, pageSize, after)
    for (const r of rows) yield presentRow(r)
    if (rows.length < pageSize) return
    const last = rows[rows.length - 1]
    after = { timestamp: last.timestamp, id: last.id }
  }
}

interface ActivityReadContext {
  action?: string
  what: string
  params: Record<string, unknown>
  correlationId: string
  clientIp: string | null
  startedAt: bigint
}

const activityReadKey = (actor: Actor, ctx: Pick<ActivityReadContext, 'action' | 'what'>) =>
  `${ctx.action ?? 'activity.read'}:${actor.user?.id}:${createHash('sha256').update(ctx.what).digest('hex').slice(0, 32)}`

/**
 * Asks, before a read of the Activity Center, whether its window is already held (see recordActivityRead), so the
 * store answers that alongside the read instead of after it; pass the answer to recordActivityRead.
 */
export function activityReadHeld(svc: Services, actor: Actor, ctx: Pick<ActivityReadContext, 'action' | 'what'>): Promise<boolean> {
  return readWindowHeld(svc.store, activityReadKey(actor, ctx))
}

/**
 * Records that an admin read the Activity Center: at most one activity.read per actor and filter set
 * per 60 s, decided in the store so it holds across workers. Returns whether a row was written.
 */
export async function recordActivityRead(svc: Services, actor: Actor, ctx: ActivityReadContext, held?: Promise<boolean>): Promise<boolean> {
  const key = activityReadKey(actor, ctx)
  if ((held && (await held)) || !(await firstReadInWindow(svc.store, key))) return false
  await svc.audit.record({
    action: ctx.action ?? 'activity.read', result: 'success', user_id: actor.user?.id ?? null, user_email: actor.user?.email ?? null,
    resource: 'activity', params: ctx.params, duration_ms: Number(process.hrtime.bigint() - ctx.startedAt) / 1e6,
    client_ip: ctx.clientIp, client_kind: actor.clientKind, correlation_id: ctx.correlationId,
  })
  return true
}

async function diagnose(svc: Services, now: Date): Promise<string[]> {
  const warnings: string[] = []
  const pending = svc.audit.spool.pendingFiles().length
  if (pending) warnings.push(`${pending} spooled audit file(s) waiting to be written to the store`)
  for (const dir of svc.config.sourceDirs) if (!existsSync(dir)) warnings.push(`source folder missing: ${dir}`)
  if (!svc.config.scheduler) warnings.push('the scheduler is off (AGNES_SCHEDULER=off): nothing syncs or processes on its own')
  const grid = await syncGrid(svc, now)
  const overdue = grid.tables.filter((t) => t.overdue).map((t) => t.table_id)
  if (overdue.length) warnings.push(`overdue tables: ${overdue.join(', ')}`)
  return warnings
}

export async function gatherHealthInputs(svc: Services, now = new Date()): Promise<HealthInputs> {
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString()
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString()
  const [lastRun, sync24h, active, lastProc, ingest, warnings, auditChain] = await Promise.all([
    svc.store.activity.latest('run_'),
    svc.store.activity.syncCountsSince(dayAgo),
    svc.store.usage.activePeople(ACTIVE_ACTIONS, midnight, now.toISOString()),
    svc.store.activity.latest('run_session_processor:'),
    svc.store.activity.sessionIngest(dayAgo),
    diagnose(svc, now),
    svc.store.shared.cached<HealthInputs['auditChain']>(AUDIT_CHAIN_CACHE_KEY, now),
  ])
  const f = svc.audit.failures.since(new Date(now.getTime() - 86_400_000))
  return {
    schedulerEnabled: svc.config.scheduler,
    lastSchedulerRunAt: lastRun?.timestamp ?? null,
    sync24h,
    activeUsersToday: active,
    lastProcessorRun: lastProc ? { at: lastProc.timestamp, result: lastProc.result } : null,
    processorCadenceMinutes: svc.config.schedule.sessionProcessorsSeconds ? svc.config.schedule.sessionProcessorsSeconds / 60 : DEFAULT_PROCESSOR_CADENCE_MIN,
    ingest,
    auditFailures24h: { batches: f.batches, rows: f.rows, last_error: f.last_error },
    warnings,
    costBudget: await healthBudget(svc, now),
    auditChain: auditChain ?? null,
    github: await githubHealth(svc),
    llmJudge: await judgeHealth(svc, now),
  }
}

/** The pulse, cached in the store for 30 s so every worker serves the same figures without recomputing them. */
export async function health(svc: Services, now = new Date()) {
  const cached = await svc.store.shared.cached<ReturnType<typeof computeHealth>>('activity.health', now)
  if (cached) return cached
  const h = computeHealth(await gatherHealthInputs(svc, now), now)
  // A store refusing writes cannot keep the cache; the pulse is still shown (and says why).
  await svc.store.shared.setCached('activity.health', h, HEALTH_CACHE_MS, now).catch((e) => svc.log.warn({ err: String(e) }, 'health pulse not cached'))
  return h
}

/** A late run is one past its interval plus a grace of a tenth of it (at least 5 minutes). */
const graceMs = (intervalMin: number) => Math.max(5 * 60_000, intervalMin * 6_000)

export async function syncGrid(svc: Services, now = new Date()) {
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString()
  const [tables, last, stats] = await Promise.all([svc.store.tables.list(), svc.store.tables.lastRuns(), svc.store.activity.syncStatsSince(dayAgo)])
  const lastBy = new Map(last.map((r) => [r.table_id, r]))
  const statsBy = new Map(stats.map((s) => [s.table_id, s]))
  return {
    tables: tables.map((t) => {
      const l = lastBy.get(t.id)
      const interval = t.sync_interval_minutes
      const base = l ? Date.parse(l.synced_at) : Date.parse(t.created_at)
      const next = interval ? new Date(base + interval * 60_000) : null
      return {
        table_id: t.id,
        source_kind: t.source.kind,
        sync_interval_minutes: interval,
        last_run_at: l?.synced_at ?? null,
        status: l ? l.status : 'never',
        rows: l?.rows ?? null,
        duration_ms: l?.duration_ms ?? null,
        error: l?.error ?? null,
        runs_24h: statsBy.get(t.id)?.runs ?? 0,
        failures_24h: statsBy.get(t.id)?.failures ?? 0,
        next_expected_at: next?.toISOString() ?? null,
        overdue: Boolean(next && interval && now.getTime() > next.getTime() + graceMs(interval)),
      }
    }),
  }
}

/** The records an audit event refers to: a sync's per-table runs, a script, and more as capabilities register. */
export async function eventWithRelated(svc: Services, id: number, raw: boolean) {
  const event = await svc.store.activity.byId(id)
  if (!event) throw notFound('event')
  const related: Array<{ kind: string; record: unknown }> = []
  const jobId = typeof event.params?.job_id === 'string' ? event.params.job_id : null
  if (jobId) for (const h of await svc.store.tables.historyForJob(jobId)) related.push({ kind: 'sync_history', record: h })
  if (event.resource?.startsWith('script:')) {
    const s = await svc.store.scripts.byId(event.resource.slice('script:'.length))
    if (s) related.push({ kind: 'script', record: s })
  }
  if (event.resource?.startsWith('table:') && !jobId) {
    for (const h of await svc.store.tables.historyForTable(event.resource.slice('table:'.length), 5)) related.push({ kind: 'sync_history', record: h })
  }
  for (const resolve of relatedResolvers) related.push(...(await resolve(svc, event)))
  return { event: presentRow(event, raw), related }
}

type RelatedResolver = (svc: Services, event: AuditRow) => Promise<Array<{ kind: string; record: unknown }>>
const relatedResolvers: RelatedResolver[] = []

/**
 * Lets another capability (sessions, feedback) say which of its records an audit event refers to,
 * without the Activity Center importing it. Registered once at start-up.
 */
export function registerRelatedResolver(r: RelatedResolver): void {
  if (!relatedResolvers.includes(r)) relatedResolvers.push(r)
}
