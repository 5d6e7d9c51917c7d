import type { Services } from '../../services.ts'
import type { AuditRow, SessionFindingRecord } from '../../store/index.ts'

/**
 * Findings joined to what the server saw: a finding in a session that ran `agnes query`, `agnes sync` or another Agnes
 * command, and the audit rows of that person's command-line requests around that moment (the query that failed, and
 * why). The window is asymmetric because a transcript dates a tool result when the command has finished: the request
 * comes before it (up to EVENTS_BEFORE_MS, a slow sync), rarely just after (clocks a little apart).
 */
export const EVENTS_BEFORE_MS = 5 * 60_000
export const EVENTS_AFTER_MS = 60_000
/** Most audit rows linked from one finding, the nearest in time first. */
export const EVENTS_PER_FINDING = 10
/** Most findings linked from one audit row. */
const FINDINGS_PER_EVENT = 20

/** An audit row as a finding links to it: what happened, and why it failed (the error the API answered). */
export function presentRelatedEvent(a: AuditRow) {
  const err = a.params?.error as { code?: unknown; message?: unknown } | undefined
  return {
    id: Number(a.id), timestamp: a.timestamp, action: a.action, resource: a.resource, result: a.result, duration_ms: a.duration_ms,
    correlation_id: a.correlation_id,
    error: err && typeof err === 'object' ? { code: typeof err.code === 'string' ? err.code : null, message: typeof err.message === 'string' ? err.message : null } : null,
    activity_url: `/admin/activity?event=${Number(a.id)}`,
  }
}
export type RelatedEvent = ReturnType<typeof presentRelatedEvent>

/** The command-line audit rows of each finding's user around its time, by finding id (findings without a time get none). */
export async function relatedEventsFor(svc: Pick<Services, 'store'>, findings: SessionFindingRecord[]): Promise<Map<number, RelatedEvent[]>> {
  const windows = findings.flatMap((f) => {
    const t = f.occurred_at ? Date.parse(f.occurred_at) : NaN
    if (Number.isNaN(t)) return []
    return [{ key: Number(f.id), username: f.username, fromIso: new Date(t - EVENTS_BEFORE_MS).toISOString(), toIso: new Date(t + EVENTS_AFTER_MS).toISOString() }]
  })
  const out = new Map<number, RelatedEvent[]>()
  const at = new Map(findings.map((f) => [Number(f.id), f.occurred_at ? Date.parse(f.occurred_at) : 0]))
  const rows = await svc.store.verdicts.cliEventsIn(windows)
  const byKey = new Map<number, AuditRow[]>()
  for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.row])
  for (const [key, list] of byKey) {
    const t = at.get(key) ?? 0
    const nearest = [...list].sort((a, b) => Math.abs(Date.parse(a.timestamp) - t) - Math.abs(Date.parse(b.timestamp) - t)).slice(0, EVENTS_PER_FINDING)
    nearest.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.id - b.id)
    out.set(key, nearest.map(presentRelatedEvent))
  }
  return out
}

/**
 * For the Activity Center's drawer (register with registerRelatedResolver): the transcript lines where the person of
 * a command-line request hit a finding within the same window, each with a link to the replay at that finding.
 */
export async function relatedFindingsForCliEvent(svc: Services, event: AuditRow): Promise<Array<{ kind: 'session_line'; record: Record<string, unknown> }>> {
  if (event.client_kind !== 'cli' || !event.user_id) return []
  const t = Date.parse(event.timestamp)
  if (Number.isNaN(t)) return []
  const found = await svc.store.verdicts.findingsOfUserBetween(
    event.user_id, new Date(t - EVENTS_AFTER_MS).toISOString(), new Date(t + EVENTS_BEFORE_MS).toISOString(), FINDINGS_PER_EVENT,
  )
  return found.map((f) => {
    const [user, ...rest] = f.session_file.split('/')
    return {
      kind: 'session_line' as const,
      record: {
        session_file: f.session_file, line: f.line, finding_type: f.finding_type, occurred_at: f.occurred_at, excerpt: f.excerpt,
        replay_url: `/admin/sessions/${encodeURIComponent(user)}/${encodeURIComponent(rest.join('/'))}#finding-${f.id}`,
      },
    }
  })
}
