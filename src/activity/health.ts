/**
 * The health pulse: a handful of figures an admin reads at a glance, each with a colour from fixed
 * thresholds (kept here, tested at every boundary) and a timeline filter that shows its evidence.
 * computeHealth is pure; gatherHealthInputs reads the store.
 */
import { ACTIVE_ACTIONS } from './usage.ts'

export type Color = 'green' | 'yellow' | 'red' | 'grey'

export interface HealthField {
  key: string
  label: string
  value: string
  raw: unknown
  color: Color
  /** The timeline filters that show this field's evidence (null: the evidence is elsewhere, see click_tab and the page). */
  click_filter: Record<string, string> | null
  /** The Activity Center tab that shows the evidence instead of the timeline. */
  click_tab?: 'sync'
}

export interface HealthInputs {
  schedulerEnabled: boolean
  lastSchedulerRunAt: string | null
  sync24h: { ok: number; failed: number }
  activeUsersToday: number
  lastProcessorRun: { at: string; result: string } | null
  /** How often the session processors are expected to run, in minutes. */
  processorCadenceMinutes: number
  ingest: { uploads_24h: number; processed_24h: number; pending: number; oldest_pending: string | null }
  auditFailures24h: { batches: number; rows: number; last_error: string | null }
  warnings: string[]
  /**
   * This UTC month's estimated Claude Code spend against the monthly budget (src/platform/costs/budget.ts); null when
   * it could not be worked out. Absent (no budget set): no field.
   */
  costBudget?: { month: string; spent_usd: number; budget_usd: number | null; share: number | null; unpriced_tokens: number; prices_as_of: string } | null
  /** The last check of the audit log's tamper-evident chain (null: not checked yet). */
  auditChain?: { ok: boolean; rows_checked: number; verified_at: string; first_bad?: { id: number | null; seq: number; reason: string } } | null
  /**
   * The LLM judge of session findings (src/platform/sessions/llm-judge.ts): today's tokens against the daily budget, a
   * budget stop, the last failed request and the last call. Absent (the judge is off): no field.
   */
  llmJudge?: {
    model: string
    tokens_today: number
    budget_tokens: number
    budget_stop: { at: string; used_tokens: number; budget_tokens: number } | null
    last_error: { at: string; message: string } | null
    last_call_at: string | null
  }
  /** The GitHub integration's settings and its last outcome (src/integrations/github/status.ts). Absent: no field. */
  github?: {
    configured: boolean
    repo: string | null
    webhook: boolean
    last_ok_at: string | null
    last_error: { at: string; kind: string; message: string; retry_after_s: number | null } | null
  }
}

export const THRESHOLDS = {
  schedulerYellowMs: 30 * 60_000,
  schedulerRedMs: 2 * 60 * 60_000,
  syncYellowOkRatio: 0.95,
  /** A processor counts as idle after this many cadences without a run. */
  processorIdleCadences: 2,
  /** Uploads waiting longer than this for failure_scan make ingest yellow. */
  ingestGraceMs: 15 * 60_000,
  /** Shares of the monthly budget spent at which the spend field turns yellow, then red. */
  budgetYellowShare: 0.8,
  budgetRedShare: 1,
}

/**
 * The timeline shows the last 24 h unless told otherwise: evidence older than that needs its own start. 23 h leaves
 * room for the pulse's 30 s cache and a page left open.
 */
const DEFAULT_WINDOW_MS = 23 * 3600_000
const sinceIfOld = (at: string, now: Date): { since?: string } => (now.getTime() - Date.parse(at) > DEFAULT_WINDOW_MS ? { since: at } : {})

const minutes = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : ms < 2 * 3600_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 3600_000)} h`)

export function schedulerField(i: HealthInputs, now: Date): HealthField {
  const base = { key: 'scheduler', label: 'Scheduler', click_filter: { action_prefix: 'run_' } }
  if (!i.lastSchedulerRunAt) {
    return { ...base, value: i.schedulerEnabled ? 'never ran' : 'off, never ran', raw: { last_run_at: null, enabled: i.schedulerEnabled }, color: 'yellow' }
  }
  const age = now.getTime() - Date.parse(i.lastSchedulerRunAt)
  const byAge: Color = age > THRESHOLDS.schedulerRedMs ? 'red' : age > THRESHOLDS.schedulerYellowMs ? 'yellow' : 'green'
  // Switched off, nothing runs on its own however recent the last run: at least worth a look.
  const color: Color = !i.schedulerEnabled && byAge === 'green' ? 'yellow' : byAge
  return { ...base, click_filter: { ...base.click_filter, ...sinceIfOld(i.lastSchedulerRunAt, now) }, value: `${i.schedulerEnabled ? '' : 'off; '}last run ${minutes(age)} ago`, raw: { last_run_at: i.lastSchedulerRunAt, age_ms: age, enabled: i.schedulerEnabled }, color }
}

export function syncField(i: HealthInputs): HealthField {
  const { ok, failed } = i.sync24h
  const total = ok + failed
  const color: Color = total === 0 ? 'yellow' : failed === 0 ? 'green' : ok / total > THRESHOLDS.syncYellowOkRatio ? 'yellow' : 'red'
  return {
    key: 'sync_24h', label: 'Syncs (24 h)', raw: { ok, failed }, color,
    value: total === 0 ? 'no runs' : `${ok} ok, ${failed} failed`,
    // Each table's run is its own sync.run audit row (the trigger succeeds even when a table then fails), so the
    // failing card leads to the failed runs themselves. With no runs at all there is no row to show: the Sync tab
    // shows each table's last run (or how to register one).
    click_filter: total === 0 ? null : failed > 0 ? { action_in: 'sync.run', result_class: 'error' } : { action_in: 'sync.run' },
    ...(total === 0 ? { click_tab: 'sync' as const } : {}),
  }
}

export function activeUsersField(i: HealthInputs, now: Date): HealthField {
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString()
  return {
    key: 'active_users_today', label: 'Active people today', raw: i.activeUsersToday, value: String(i.activeUsersToday),
    // The evidence: the calls that made them active (the Usage view's definition), not every row of the day.
    color: i.activeUsersToday > 0 ? 'green' : 'grey', click_filter: { since: midnight, action_in: ACTIVE_ACTIONS.join(','), result_class: 'success' },
  }
}

export function memoryPipelineField(i: HealthInputs, now: Date): HealthField {
  const base = { key: 'memory_pipeline', label: 'Session processing', click_filter: { action_prefix: 'run_session_processor' } }
  const last = i.lastProcessorRun
  if (!last) return { ...base, value: 'never ran', raw: null, color: 'yellow' }
  const age = now.getTime() - Date.parse(last.at)
  const evidence = { ...base, click_filter: { ...base.click_filter, ...sinceIfOld(last.at, now) } }
  if (last.result.startsWith('error.')) return { ...evidence, value: `last run failed (${last.result})`, raw: { ...last, age_ms: age }, color: 'red' }
  const idle = age > i.processorCadenceMinutes * 60_000 * THRESHOLDS.processorIdleCadences
  return { ...evidence, value: idle ? `idle for ${minutes(age)}` : `ran ${minutes(age)} ago`, raw: { ...last, age_ms: age }, color: idle ? 'yellow' : 'green' }
}

export function ingestField(i: HealthInputs, now: Date): HealthField {
  const { uploads_24h, processed_24h, pending, oldest_pending } = i.ingest
  const waiting = pending > 0 && oldest_pending !== null && now.getTime() - Date.parse(oldest_pending) > THRESHOLDS.ingestGraceMs
  return {
    key: 'session_ingest', label: 'Session ingest (24 h)', raw: i.ingest, color: waiting ? 'yellow' : 'green',
    value: `${uploads_24h} uploaded, ${processed_24h} processed${pending ? `, ${pending} waiting` : ''}`,
    click_filter: { action_in: 'session.upload,run_session_processor:failure_scan' },
  }
}

export function auditWritesField(i: HealthInputs): HealthField {
  const f = i.auditFailures24h
  return {
    key: 'audit_writes', label: 'Audit writes (24 h)', raw: f, color: f.batches > 0 ? 'red' : 'green',
    value: f.batches > 0 ? `${f.rows} row(s) failed to write${f.last_error ? `: ${f.last_error}` : ''}` : 'no failures',
    // The evidence is outside the store (state/audit-failures.ndjson, the spool): the page explains it in place.
    click_filter: null,
  }
}

export function diagnoseField(i: HealthInputs): HealthField {
  return {
    key: 'diagnose_warnings', label: 'Diagnose', raw: i.warnings, color: i.warnings.length ? 'yellow' : 'green',
    // The warnings themselves (raw) are the evidence: the page lists them in place, each with what to do.
    value: i.warnings.length ? `${i.warnings.length} warning(s)` : 'no warnings', click_filter: null,
  }
}

/** This month's estimated spend against the budget: yellow from 80 %, red from 100 %; grey without a budget. */
export function costBudgetField(i: HealthInputs): HealthField {
  const base = { key: 'cost_budget', label: 'Spend this month', click_filter: { action_prefix: 'run_session_processor:costs' } }
  const b = i.costBudget
  if (!b) return { ...base, value: 'not available', raw: null, color: 'grey' }
  const spent = `$${b.spent_usd.toFixed(2)}`
  const unpriced = b.unpriced_tokens ? ', plus tokens of unpriced models' : ''
  if (b.budget_usd === null || b.share === null) return { ...base, value: `${spent}${unpriced} (no budget set)`, raw: b, color: 'grey' }
  const color: Color = b.share >= THRESHOLDS.budgetRedShare ? 'red' : b.share >= THRESHOLDS.budgetYellowShare ? 'yellow' : 'green'
  return { ...base, value: `${spent} of $${b.budget_usd.toFixed(2)} (${Math.floor(b.share * 100)} %)${unpriced}`, raw: b, color }
}

const RANK: Record<Color, number> = { grey: 0, green: 1, yellow: 2, red: 3 }

/** The audit chain's last verification: red when broken (someone changed rows behind the application's back). */
export function auditChainField(i: HealthInputs, now: Date): HealthField {
  const base = { key: 'audit_chain', label: 'Audit chain', click_filter: { action_in: 'run_audit_verify,audit.verify' } }
  const v = i.auditChain
  if (!v) return { ...base, value: 'not verified yet', raw: null, color: 'grey' }
  const age = minutes(now.getTime() - Date.parse(v.verified_at))
  if (!v.ok) {
    const where = v.first_bad?.id != null ? `row ${v.first_bad.id}` : `position ${v.first_bad?.seq}`
    return { ...base, click_filter: { ...base.click_filter, ...sinceIfOld(v.verified_at, now) }, value: `broken at ${where}: ${v.first_bad?.reason ?? 'unknown'} (checked ${age} ago)`, raw: v, color: 'red' }
  }
  return { ...base, value: `${v.rows_checked.toLocaleString('en-US')} rows verified ${age} ago`, raw: v, color: 'green' }
}

/** The LLM judge: yellow while the daily token budget stops it or its API fails (transcripts wait for later runs). */
export function llmJudgeField(i: HealthInputs, now: Date): HealthField {
  const base = { key: 'llm_judge', label: 'LLM judge', click_filter: { action_prefix: 'run_session_processor:llm_judge' } }
  const j = i.llmJudge
  if (!j) return { ...base, value: 'off', raw: null, color: 'grey' }
  const tokens = `${j.tokens_today.toLocaleString('en-US')} of ${j.budget_tokens.toLocaleString('en-US')} tokens today`
  if (j.budget_stop && j.budget_stop.budget_tokens === j.budget_tokens) {
    return { ...base, value: `stopped by the daily token budget (${tokens}); resumes at 00:00 UTC`, raw: j, color: 'yellow' }
  }
  if (j.last_error && (!j.last_call_at || Date.parse(j.last_call_at) < Date.parse(j.last_error.at))) {
    return { ...base, value: `API failing ${minutes(now.getTime() - Date.parse(j.last_error.at))} ago: ${j.last_error.message}`, raw: j, color: 'yellow' }
  }
  return { ...base, value: `${j.model}, ${tokens}`, raw: j, color: 'green' }
}

/**
 * The GitHub integration: red while its last call failed (GitHub down, rate-limited, the token revoked) and none has
 * worked since; grey when it is off (no GITHUB_TOKEN).
 */
export function githubField(i: HealthInputs, now: Date): HealthField {
  const base = { key: 'github', label: 'GitHub issues', click_filter: { action_in: 'feedback.github_issue,feedback.github_preview,github.webhook,run_github_sync' } }
  const g = i.github
  if (!g || !g.configured) return { ...base, value: g?.repo ? `off (no GITHUB_TOKEN; new-issue links for ${g.repo})` : 'off (no GITHUB_TOKEN)', raw: g ?? null, color: 'grey' }
  const err = g.last_error
  if (err && (!g.last_ok_at || g.last_ok_at < err.at)) {
    return { ...base, value: `last call failed ${minutes(now.getTime() - Date.parse(err.at))} ago: ${err.message}`, raw: g, color: 'red' }
  }
  const how = g.webhook ? 'webhook' : 'polled'
  if (!g.last_ok_at) return { ...base, value: `${g.repo}, ${how}; no call yet`, raw: g, color: 'green' }
  return { ...base, value: `${g.repo}, ${how}; last call ok ${minutes(now.getTime() - Date.parse(g.last_ok_at))} ago`, raw: g, color: 'green' }
}

export function computeHealth(i: HealthInputs, now: Date) {
  const fields = [schedulerField(i, now), syncField(i), activeUsersField(i, now), memoryPipelineField(i, now), ingestField(i, now), auditWritesField(i), diagnoseField(i), auditChainField(i, now)]
  if (i.costBudget !== undefined) fields.push(costBudgetField(i))
  if (i.github !== undefined) fields.push(githubField(i, now))
  if (i.llmJudge !== undefined) fields.push(llmJudgeField(i, now))
  const worst = fields.reduce<Color>((w, f) => (RANK[f.color] > RANK[w] ? f.color : w), 'green')
  const status = (worst === 'grey' ? 'green' : worst) as 'green' | 'yellow' | 'red'
  const attention = fields.filter((f) => f.color === 'yellow' || f.color === 'red')
  const sentence =
    attention.length === 0
      ? `All good: scheduler ${fields[0].value}, syncs ${fields[1].value}, ${i.activeUsersToday} ${i.activeUsersToday === 1 ? 'person' : 'people'} active today.`
      : `${status === 'red' ? 'Needs attention' : 'Worth a look'}: ${attention.map((f) => `${f.label.toLowerCase()} ${f.value}`).join('; ')}${i.warnings.length ? ` (${i.warnings.join('; ')})` : ''}.`
  return { status, fields, sentence, generated_at: now.toISOString() }
}
