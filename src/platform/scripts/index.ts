import { CronExpressionParser } from 'cron-parser'
import type { Actor, AuditNote, Services } from '../../services.ts'
import type { ScriptRecord } from '../../store/index.ts'
import { AppError, badRequest, conflict, notFound } from '../../errors.ts'
import { noteChange } from '../changes/record.ts'

const SCRIPT_LEASE_MS = 30 * 60_000

/** The next run after `from` for a cron schedule (UTC), or a 400 naming the problem. */
export function nextRun(schedule: string, from = new Date()): string {
  try {
    return CronExpressionParser.parse(schedule, { currentDate: from, tz: 'UTC' }).next().toDate().toISOString()
  } catch (e) {
    throw badRequest(`not a valid cron schedule: ${(e as Error).message}`, 'schedule', 'invalid_schedule')
  }
}

export async function createScript(svc: Services, note: AuditNote, actor: Actor, input: { id: string; sql: string; schedule: string }) {
  note.resource = `script:${input.id}`
  note.params = { id: input.id, sql: input.sql, schedule: input.schedule }
  const next = nextRun(input.schedule, svc.clock.now())
  if (await svc.store.scripts.byId(input.id)) throw conflict(`a script with id ${input.id} already exists`, 'script_exists', 'id')
  if (await svc.store.tables.byId(input.id)) throw conflict(`a registered table is already called ${input.id}`, 'table_exists', 'id')
  const sql = input.sql.trim().replace(/;\s*$/, '')
  const check = await svc.analytics.checkSql(sql)
  if (!check.ok) throw new AppError(400, 'invalid_sql', check.reason, { field: 'sql', auditResult: 'error.invalid_sql' })
  const known = new Set([...(await svc.store.tables.list()).map((t) => t.id), ...(await svc.store.scripts.list()).map((s) => s.id)])
  const unknown = check.tables.filter((t) => !known.has(t) || t === input.id)
  if (unknown.length) throw new AppError(400, 'invalid_sql', `unknown table in sql: ${unknown.join(', ')}`, { field: 'sql', auditResult: 'error.invalid_sql' })
  const now = svc.clock.now().toISOString()
  const rec: ScriptRecord = {
    id: input.id, sql, schedule: input.schedule, created_at: now, updated_at: now, created_by: actor.user?.id ?? null,
    next_run_at: next, last_run_at: null, last_status: null, last_error: null,
  }
  await svc.store.scripts.insert(rec)
  return rec
}

/** A script as its audit rows record it: what an update changes (run bookkeeping left out). */
export const scriptState = (s: ScriptRecord) => ({ id: s.id, sql: s.sql, schedule: s.schedule })

async function scriptById(svc: Pick<Services, 'store'>, id: string): Promise<ScriptRecord> {
  const s = await svc.store.scripts.byId(id)
  if (!s) throw notFound('script')
  return s
}

/** Changes a script's schedule; its next run is counted again from now. */
export async function updateScript(svc: Pick<Services, 'store' | 'clock'>, note: AuditNote, id: string, patch: { schedule: string }) {
  note.resource = `script:${id}`
  const before = await scriptById(svc, id)
  note.params_before = scriptState(before)
  note.params = { ...patch }
  const now = svc.clock.now()
  const next = nextRun(patch.schedule, now)
  await svc.store.scripts.setSchedule(id, patch.schedule, next, now.toISOString())
  const after = await scriptById(svc, id)
  await noteChange(svc, note, scriptState(before), scriptState(after))
  return after
}

interface RunContext { correlationId: string; clientIp?: string | null }

/**
 * Runs one script under its store lease (so two workers never run it twice), records the run on the script and
 * audits it as script.run. Null when another run holds the lease.
 */
async function runScript(svc: Services, actor: Actor, s: ScriptRecord, ctx: RunContext): Promise<{ rows: number | null; error: string | null } | null> {
  const holder = `${ctx.correlationId}:${s.id}`
  if (!(await svc.store.locks.acquire(`script:${s.id}`, holder, SCRIPT_LEASE_MS))) return null
  const t0 = performance.now()
  let error: string | null = null
  let rows: number | null = null
  try {
    rows = await svc.analytics.materializeSql(s.id, s.sql)
  } catch (e) {
    error = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 500)
  } finally {
    await svc.store.locks.release(`script:${s.id}`, holder)
  }
  const at = svc.clock.now()
  await svc.store.scripts.recordRun(s.id, at.toISOString(), error ? 'error' : 'success', error, nextRun(s.schedule, at))
  await svc.audit.record({
    action: 'script.run',
    result: error ? 'error.script_failed' : 'success',
    user_id: actor.user?.id ?? null,
    user_email: actor.user?.email ?? null,
    resource: `script:${s.id}`,
    params: { rows, error, schedule: s.schedule },
    duration_ms: performance.now() - t0,
    client_ip: ctx.clientIp ?? null,
    client_kind: actor.clientKind,
    correlation_id: ctx.correlationId,
  })
  return { rows, error }
}

/**
 * Runs one script now, whatever its schedule (its next run is counted from now). A failing script is an answer,
 * not an error: the run happened and is recorded; 409 while another run of it holds the lease.
 */
export async function runScriptNow(svc: Services, note: AuditNote, actor: Actor, id: string, ctx: RunContext) {
  note.resource = `script:${id}`
  const s = await scriptById(svc, id)
  const out = await runScript(svc, actor, s, ctx)
  if (!out) throw new AppError(409, 'in_progress', `script ${id} is running already`, { auditResult: 'error.in_progress' })
  note.params = { status: out.error ? 'error' : 'success' }
  return { ...(await scriptById(svc, id)), rows: out.rows }
}

/**
 * Runs every script whose time has come, each under a store lease so two workers never run one twice,
 * each audited as script.run under the caller's correlation id. A failing script does not stop the others.
 */
export async function runDueScripts(
  svc: Services,
  actor: Actor,
  ctx: RunContext & { deadline?: number },
): Promise<{ ran: string[]; failed: Array<{ id: string; error: string }> }> {
  const ran: string[] = []
  const failed: Array<{ id: string; error: string }> = []
  for (const s of await svc.store.scripts.due(svc.clock.now().toISOString())) {
    if (ctx.deadline && Date.now() > ctx.deadline) break // the rest stays due for the next tick
    const out = await runScript(svc, actor, s, ctx)
    if (!out) continue
    if (out.error) failed.push({ id: s.id, error: out.error })
    else ran.push(s.id)
  }
  return { ran, failed }
}
