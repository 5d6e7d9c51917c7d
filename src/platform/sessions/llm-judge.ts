import { createHash } from 'node:crypto'
import type { Services } from '../../services.ts'
import type { Config } from '../../config.ts'
import { LlmError, requestMessage } from '../../integrations/llm/index.ts'
import type { JudgeCallRecord, JudgementRecord } from '../../store/repositories/llm-judge.ts'
import { effectivePrices, priceFor } from '../costs/prices.ts'
import { buildJudgePrompt, JUDGE_MAX_TOKENS, JUDGE_PROMPT_VERSION, parseJudgeAnswer } from './judge-prompt.ts'
import type { ProcessResult, SessionProcessor } from './processors.ts'

/** The instance setting holding the judge's daily token budget (input + output tokens per UTC day). */
export const JUDGE_BUDGET_SETTING = 'llm_judge_daily_tokens'
/** The budget when the setting is unset. */
export const DEFAULT_DAILY_TOKENS = 200_000
/** Unflagged transcripts judged (asked for misses): this many per thousand, chosen by their content's hash. */
export const SAMPLE_PER_MILLE = 50
/** Most missed failures the quality report lists. */
const MISSED_LISTED = 20

const BUDGET_STOP_KEY = 'llm_judge.budget_stop'
const LAST_ERROR_KEY = 'llm_judge.last_error'
const LAST_ERROR_MS = 24 * 3600_000

/** Why the judge is off, or null when it is configured. */
export function judgeOffBecause(config: Pick<Config, 'llm'>): string | null {
  return config.llm ? null : 'the LLM judge is off: set AGNES_LLM_API_BASE, AGNES_LLM_API_KEY and AGNES_LLM_MODEL to turn it on'
}

/** The daily token budget in the settings, else the default. */
export function dailyTokenBudget(config: Record<string, unknown>): number {
  const v = config[JUDGE_BUDGET_SETTING]
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : DEFAULT_DAILY_TOKENS
}

/** Whether an unflagged transcript is in the sample: decided by its content alone, so every worker and run agrees. */
export function inSample(fileSha256: string): boolean {
  const h = createHash('sha256').update(`llm-judge-sample:${fileSha256}`).digest()
  return h.readUInt32BE(0) % 1000 < SAMPLE_PER_MILLE
}

const midnightUtc = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
const nextMidnightUtc = (now: Date) => new Date(midnightUtc(now).getTime() + 86_400_000)

/** Roughly the tokens a request will cost: its text at ~3.5 characters a token, plus the longest answer allowed. */
const estimateTokens = (system: string, prompt: string) => Math.ceil((system.length + prompt.length) / 3.5) + JUDGE_MAX_TOKENS

/** The cost of a call from the price table (or the admin's override) of its model; null when the model has no price. */
async function costOf(svc: Services, model: string, inputTokens: number, outputTokens: number, now: Date): Promise<number | null> {
  const price = priceFor(effectivePrices(await svc.store.instance.getConfig()), model, now.toISOString().slice(0, 10))
  if (!price) return null
  return Math.round(((inputTokens * price.rates.input + outputTokens * price.rates.output) / 1e6) * 1e6) / 1e6
}

// The run an API outage was seen in: the rest of that run's files wait for the next run instead of each retrying
// against an API that is down. Local to this process, which is the only one running the processor (store lease).
let outageInRun: string | null = null

const deferred = (why: string): ProcessResult => ({ items: 0, malformedLines: 0, deferred: why })

/**
 * The opt-in LLM judge, as a session processor. For each transcript whose current content failure_scan has handled:
 * when it has findings, asks the configured model, per finding, whether it is a real failure and what its root cause
 * was; when it has none and falls in the deterministic sample, asks what the scan missed. Answers are cached by
 * (file hash, prompt version, model): the same content is never sent twice.
 *
 * It never fails a run for reasons outside the transcript: with the judge unconfigured, before failure_scan has run,
 * past the daily token budget, or while the API is unreachable (after the client's bounded retries), the transcript
 * is deferred: no state is recorded, so the next run takes it up again. The budget stop and the last API error are
 * kept in the store for the health pulse.
 */
export const llmJudgeProcessor: SessionProcessor = {
  name: 'llm_judge',
  cadenceMinutes: 60,
  offBecause: judgeOffBecause,
  async processSession(file, _username, sessionKey, store, ctx) {
    const svc = ctx.svc
    const llm = svc?.config.llm
    if (!svc || !llm) return deferred('the LLM judge is off')
    const sha = ctx.fileSha256 ?? (await store.sessionUploads.byFile(sessionKey))?.sha256
    if (!sha) return deferred('the transcript is not stored')
    const scan = await store.sessions.state('failure_scan', sessionKey)
    if (!scan || scan.status !== 'ok' || scan.file_sha256 !== sha) return deferred('waiting for failure_scan to handle this content')
    const findings = await store.sessions.findingsForFile(sessionKey)
    if (findings.length === 0 && !inSample(sha)) return { items: 0, malformedLines: 0 }

    const key = { file_sha256: sha, prompt_version: JUDGE_PROMPT_VERSION, model: llm.model }
    const cached = await store.llmJudge.call(key)
    if (cached) return { items: cached.findings_sent, malformedLines: 0 }
    if (outageInRun === ctx.runAt) return deferred('the LLM API was unreachable earlier in this run')

    const now = svc.clock.now()
    const budget = dailyTokenBudget(await store.instance.getConfig())
    const used = await store.llmJudge.tokensSince(midnightUtc(now).toISOString())
    const stopped = await store.shared.cached<{ budget_tokens: number }>(BUDGET_STOP_KEY, now)
    // Stopped today at this budget: the transcript is not even read (a raised budget lets the judge go on at once).
    if (used >= budget || stopped?.budget_tokens === budget) return deferred(`the daily token budget is reached (${used} of ${budget} tokens used today)`)
    const req = await buildJudgePrompt(file, findings.map((f) => ({ finding_type: f.finding_type, line: f.line, excerpt: f.excerpt })))
    const estimate = estimateTokens(req.system, req.prompt)
    if (used + estimate > budget) {
      await store.shared.setCached(BUDGET_STOP_KEY, { at: now.toISOString(), used_tokens: used, budget_tokens: budget }, nextMidnightUtc(now).getTime() - now.getTime(), now)
      return deferred(`the daily token budget is reached (${used} of ${budget} tokens used today)`)
    }

    let answer
    try {
      answer = await requestMessage(llm, { system: req.system, prompt: req.prompt, maxTokens: JUDGE_MAX_TOKENS })
    } catch (e) {
      const message = e instanceof LlmError ? e.message : `unexpected failure: ${e instanceof Error ? e.message : String(e)}`
      outageInRun = ctx.runAt
      await store.shared.setCached(LAST_ERROR_KEY, { at: svc.clock.now().toISOString(), message: message.slice(0, 300) }, LAST_ERROR_MS, svc.clock.now())
      svc.log.warn({ processor: 'llm_judge', session_file: sessionKey, err: message }, 'LLM judge request failed; the transcript waits for the next run')
      return deferred(`LLM API: ${message}`)
    }
    const judgedAt = svc.clock.now().toISOString()
    const parsed = parseJudgeAnswer(answer.text, req.asked)
    const call: JudgeCallRecord = {
      ...key, session_file: sessionKey, kind: findings.length ? 'flagged' : 'sample', status: parsed ? 'ok' : 'unparsed',
      findings_sent: req.asked.length, input_tokens: answer.inputTokens, output_tokens: answer.outputTokens,
      cost_usd: await costOf(svc, llm.model, answer.inputTokens, answer.outputTokens, now),
      error: parsed ? null : `the answer held no judgement in the expected JSON shape: ${answer.text.slice(0, 200)}`,
      judged_at: judgedAt,
    }
    const rows: JudgementRecord[] = (parsed ?? []).map((j) => ({ ...key, ...j, judged_at: judgedAt }))
    await store.llmJudge.saveCall(call, rows)
    return { items: rows.length, malformedLines: 0 }
  },
}

/** The judge as the quality report and the health pulse show it. */
export interface JudgeStatus {
  enabled: boolean
  /** Why it is off, when it is. */
  off_reason: string | null
  model: string | null
  prompt_version: string
  daily_token_budget: number
  tokens_today: number
  /** Set when the budget stopped it today: transcripts wait for tomorrow (UTC). */
  budget_stop: { at: string; used_tokens: number; budget_tokens: number } | null
  /** The last failed request of the past 24 hours (after its retries). */
  last_error: { at: string; message: string } | null
  calls_today: { flagged: number; sample: number }
  cost_today_usd: number
  /** When the last answered request was made. */
  last_call_at: string | null
  sample_per_mille: number
}

export async function judgeStatus(svc: Pick<Services, 'config' | 'store' | 'clock'>, now = svc.clock.now()): Promise<JudgeStatus> {
  const since = midnightUtc(now).toISOString()
  const [config, tokens, calls, stop, lastError, lastCall] = await Promise.all([
    svc.store.instance.getConfig(),
    svc.store.llmJudge.tokensSince(since),
    svc.store.llmJudge.callCountsSince(since),
    svc.store.shared.cached<JudgeStatus['budget_stop']>(BUDGET_STOP_KEY, now),
    svc.store.shared.cached<JudgeStatus['last_error']>(LAST_ERROR_KEY, now),
    svc.store.llmJudge.lastCallAt(),
  ])
  return {
    enabled: Boolean(svc.config.llm), off_reason: judgeOffBecause(svc.config), model: svc.config.llm?.model ?? null, prompt_version: JUDGE_PROMPT_VERSION,
    daily_token_budget: dailyTokenBudget(config), tokens_today: tokens, budget_stop: stop ?? null, last_error: lastError ?? null,
    calls_today: { flagged: calls.flagged, sample: calls.sample }, cost_today_usd: calls.cost_usd, last_call_at: lastCall, sample_per_mille: SAMPLE_PER_MILLE,
  }
}

/** The judge's figures for the health pulse; undefined (no field) when it is off. */
export async function judgeHealth(svc: Pick<Services, 'config' | 'store' | 'clock'>, now = svc.clock.now()) {
  if (!svc.config.llm) return undefined
  const s = await judgeStatus(svc, now)
  return {
    model: s.model ?? '', tokens_today: s.tokens_today, budget_tokens: s.daily_token_budget, budget_stop: s.budget_stop, last_error: s.last_error,
    last_call_at: s.last_call_at,
  }
}

/** Failures the judge found in sampled transcripts that failure_scan did not flag, newest first. */
export async function judgeMissed(svc: Pick<Services, 'store'>) {
  return (await svc.store.llmJudge.missed(MISSED_LISTED)).map((j) => ({
    session_file: j.session_file, line: j.line, finding_type: j.finding_type, explanation: j.explanation, model: j.model,
    prompt_version: j.prompt_version, judged_at: j.judged_at,
  }))
}
