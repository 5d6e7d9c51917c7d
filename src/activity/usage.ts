import { z } from 'zod'
import type { Services } from '../services.ts'

/**
 * The one definition of an active person. Someone is active on a day when they did, successfully, one of these
 * things that mean they got value from Agnes. Never the scheduler or the system (their rows name no person and are
 * excluded by client kind as well); page views, reads of admin screens, sign-ins (failed or not) make nobody active.
 */
export const ACTIVE_ACTIONS = ['query.run', 'data.download', 'session.upload', 'sync.trigger', 'feedback.report'] as const

const DAY_MS = 86_400_000

export const usageQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(365).default(30).describe('the window: this many UTC days, today included'),
  period: z.enum(['day', 'week']).default('week').describe('the lifecycle period: UTC days, or 7-day blocks ending today'),
})
export type UsageQuery = z.infer<typeof usageQuerySchema>

/** Every figure of the Usage view, in words; the API returns it as `definition` and docs/insights.md repeats it. */
export const USAGE_DEFINITION = {
  active: `a person (never the scheduler or system) with a successful ${ACTIVE_ACTIONS.join(', ')} audit row; page views, admin reads and sign-ins (failed or not) do not count`,
  dau: 'people active on the UTC day',
  wau: 'people active on at least one of the 7 UTC days ending that day',
  mau: 'people active on at least one of the 30 UTC days ending that day',
  stickiness: 'the mean DAU over the 30 days ending that day, divided by that day\'s MAU (null when MAU is 0)',
  summary: 'the figures of the last complete UTC day (yesterday); today is in the series, marked partial',
  lifecycle:
    'per period: new (first active ever in the kept audit log, during this period), returning (active this period and the one before), resurrecting (active this period, not the one before, but some time earlier), dormant (active the period before, not this one)',
  people: 'people active in the window, or with sessions in it: active days, per-action counts of successful calls, the newest active moment; sessions are their transcripts whose session started in the window (subagent transcripts not counted as sessions)',
  tools: 'tool calls counted in the processed transcripts of sessions in the window; errors are failure_scan findings (tool_error, permission_denied) in those transcripts naming the tool; error_rate = errors / calls',
} as const

const COUNT_FIELD: Record<(typeof ACTIVE_ACTIONS)[number], 'queries' | 'downloads' | 'uploads' | 'syncs' | 'reports'> = {
  'query.run': 'queries', 'data.download': 'downloads', 'session.upload': 'uploads', 'sync.trigger': 'syncs', 'feedback.report': 'reports',
}

const iso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10)
const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 10_000) / 10_000 : null)
/** The tool a failure_scan excerpt names: `Bash(ls /x): …` or `WebFetch: …`. */
const toolOf = (head: string) => /^([A-Za-z0-9_.-]+)(?:\(|:)/.exec(head)?.[1] ?? null

/**
 * Who uses Agnes and whether they come back: DAU/WAU/MAU and stickiness per day over `days` UTC days (today
 * included, partial), lifecycle per period, a row per person, and from the transcripts sessions per person and the
 * tools Claude used with their error rates.
 */
export async function usage(svc: Pick<Services, 'store'>, q: UsageQuery, now: Date) {
  const actions = [...ACTIVE_ACTIONS]
  const today = Math.floor(now.getTime() / DAY_MS)
  const first = today - q.days + 1
  const periodLen = q.period === 'week' ? 7 : 1
  const periods = Math.ceil(q.days / periodLen)
  const lifecycleFirst = today - periods * periodLen + 1
  // Enough days before the window for the first day's MAU and the first period's previous period.
  const fetchFrom = Math.min(first - 1 - 29, lifecycleFirst - periodLen)
  const untilIso = now.toISOString()
  const windowSince = new Date(first * DAY_MS).toISOString()

  const [days, spans, personActions, sessions, toolCalls, toolFailures] = await Promise.all([
    svc.store.usage.activeDays(actions, new Date(fetchFrom * DAY_MS).toISOString(), untilIso),
    svc.store.usage.activeSpan(actions, untilIso),
    svc.store.usage.personActions(actions, windowSince, untilIso),
    svc.store.usage.sessionsByPerson(windowSince, untilIso),
    svc.store.usage.toolCalls(windowSince, untilIso),
    svc.store.usage.toolFailures(windowSince, untilIso),
  ])

  const byDay = new Map<number, Set<string>>()
  for (const d of days) {
    const set = byDay.get(d.day) ?? new Set()
    set.add(d.user_id)
    byDay.set(d.day, set)
  }
  const activeBetween = (from: number, to: number) => {
    const people = new Set<string>()
    for (let d = from; d <= to; d++) for (const u of byDay.get(d) ?? []) people.add(u)
    return people
  }
  const dau = (d: number) => byDay.get(d)?.size ?? 0
  const figuresFor = (d: number) => {
    const mau = activeBetween(d - 29, d).size
    let sum = 0
    for (let x = d - 29; x <= d; x++) sum += dau(x)
    return { day: iso(d), dau: dau(d), wau: activeBetween(d - 6, d).size, mau, stickiness: ratio(sum / 30, mau) }
  }

  const series = []
  for (let d = first; d <= today; d++) series.push({ ...figuresFor(d), partial: d === today })

  const firstDay = new Map([...spans].map(([u, t]) => [u, Math.floor(Date.parse(t.first) / DAY_MS)]))
  const lifecycle = []
  for (let p = 0; p < periods; p++) {
    const start = lifecycleFirst + p * periodLen
    const end = start + periodLen - 1
    const cur = activeBetween(start, end)
    const prev = activeBetween(start - periodLen, start - 1)
    let fresh = 0
    let returning = 0
    let resurrecting = 0
    for (const u of cur) {
      const f = firstDay.get(u) ?? start
      if (f >= start) fresh++
      else if (prev.has(u)) returning++
      else resurrecting++
    }
    let dormant = 0
    for (const u of prev) if (!cur.has(u)) dormant++
    lifecycle.push({ start: iso(start), end: iso(end), active: cur.size, new: fresh, returning, resurrecting, dormant })
  }

  type Person = {
    user_id: string; email: string | null; username: string | null; last_active: string | null; active_days: number
    queries: number; downloads: number; uploads: number; syncs: number; reports: number; sessions: number
  }
  const people = new Map<string, Person>()
  const person = (id: string) => {
    let p = people.get(id)
    if (!p) {
      p = { user_id: id, email: null, username: null, last_active: null, active_days: 0, queries: 0, downloads: 0, uploads: 0, syncs: 0, reports: 0, sessions: 0 }
      people.set(id, p)
    }
    return p
  }
  for (const a of personActions) {
    const p = person(a.user_id)
    p[COUNT_FIELD[a.action as (typeof ACTIVE_ACTIONS)[number]]] += a.count
    p.email ??= a.email
    if (!p.last_active || a.last_at > p.last_active) p.last_active = a.last_at
  }
  for (const d of days) if (d.day >= first && d.day <= today) person(d.user_id).active_days++
  for (const s of sessions) {
    const p = person(s.user_id)
    p.sessions = s.sessions
    p.username = s.username
  }
  const rows = [...people.values()]
    .sort((a, b) => b.active_days - a.active_days || (b.last_active ?? '').localeCompare(a.last_active ?? '') || a.user_id.localeCompare(b.user_id))
    .map((p) => ({ ...p, timeline: { user_id: p.user_id, action_in: actions.join(','), result_class: 'success', since: windowSince } }))

  const tools = new Map<string, { calls: number; sessions: number; errors: number; failed: Map<string, number> }>()
  const tool = (name: string) => {
    let t = tools.get(name)
    if (!t) tools.set(name, (t = { calls: 0, sessions: 0, errors: 0, failed: new Map() }))
    return t
  }
  for (const s of toolCalls) {
    for (const [name, n] of Object.entries(s.tools)) {
      const t = tool(name)
      t.calls += Number(n) || 0
      t.sessions++
    }
  }
  for (const f of toolFailures) {
    const name = toolOf(f.head)
    if (!name) continue
    const t = tool(name)
    t.errors++
    t.failed.set(f.session_file, (t.failed.get(f.session_file) ?? 0) + 1)
  }
  const toolRows = [...tools.entries()]
    .map(([name, t]) => ({
      tool: name, calls: t.calls, sessions: t.sessions, errors: t.errors, error_rate: ratio(t.errors, t.calls),
      failed_sessions: [...t.failed.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10)
        .map(([file, errors]) => ({ session_file: file, errors, url: `/admin/sessions/${file.split('/').map(encodeURIComponent).join('/')}` })),
    }))
    .sort((a, b) => b.calls - a.calls || b.errors - a.errors || a.tool.localeCompare(b.tool))

  return {
    definition: USAGE_DEFINITION,
    active_actions: actions,
    period: { since: windowSince, until: untilIso, days: q.days, lifecycle_period: q.period },
    summary: figuresFor(today - 1),
    series,
    lifecycle,
    people: rows,
    sessions: { total: sessions.reduce((n, s) => n + s.sessions, 0), people: sessions.filter((s) => s.sessions > 0).length },
    tools: toolRows,
  }
}
