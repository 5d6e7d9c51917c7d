import { randomUUID } from 'node:crypto'
import type { Services } from '../../services.ts'
import type { Store } from '../../store/index.ts'
import { escapeHtml } from '../../integrations/telegram/format.ts'
import { costBuckets, loadPrices, presentBucket } from './report.ts'

/** The instance setting holding the monthly budget in USD (unset: no budget). */
export const BUDGET_SETTING = 'cost_monthly_budget_usd'

/** Shares of the budget at which admins hear about it (and the health pulse turns yellow, then red). */
export const BUDGET_THRESHOLDS = [0.8, 1] as const

/** A Telegram note is claimed once per month, threshold and budget amount; the claim outlives the month. */
const NOTE_CLAIM_MS = 62 * 86_400_000

export interface BudgetStatus {
  /** The UTC month, YYYY-MM. */
  month: string
  since: string
  until: string
  spent_usd: number
  budget_usd: number | null
  /** spent / budget, null without a budget. */
  share: number | null
  /** Tokens of this month's responses of models without a price: the spend is at least spent_usd. */
  unpriced_tokens: number
  unpriced_models: string[]
  prices_as_of: string
}

function monthBounds(now: Date): { month: string; since: string; until: string } {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
  const until = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
  return { month: since.toISOString().slice(0, 7), since: since.toISOString(), until: until.toISOString() }
}

/** The budget in the settings, when it is a positive number. */
export function budgetOf(config: Record<string, unknown>): number | null {
  const v = config[BUDGET_SETTING]
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null
}

/** This UTC month's estimated spend against the budget. */
export async function budgetStatus(store: Store, now = new Date()): Promise<BudgetStatus> {
  const bounds = monthBounds(now)
  const config = await store.instance.getConfig()
  const prices = await loadPrices(store)
  const { total } = await costBuckets(store, 'month', { sinceIso: bounds.since, untilIso: bounds.until }, prices)
  const t = presentBucket(total)
  const budget = budgetOf(config)
  const spent = t.cost_usd ?? 0
  const u = t.unpriced
  return {
    ...bounds,
    spent_usd: spent,
    budget_usd: budget,
    share: budget === null ? null : spent / budget,
    unpriced_tokens: u ? u.input_tokens + u.output_tokens + u.cache_creation_tokens + u.cache_read_tokens : 0,
    unpriced_models: u?.models ?? [],
    prices_as_of: prices.table.as_of,
  }
}

const money = (v: number) => `$${v.toFixed(2)}`

/** The Telegram note (parse_mode HTML) for a reached threshold. */
export function budgetMessage(s: BudgetStatus, threshold: number): string {
  const pct = Math.round(threshold * 100)
  const lines = [
    `<b>Agnes: Claude Code spend reached ${pct} % of the monthly budget</b>`,
    `${escapeHtml(s.month)} so far: ${money(s.spent_usd)} of ${money(s.budget_usd ?? 0)} (${Math.round((s.share ?? 0) * 100)} %).`,
    `An estimate at list prices as of ${escapeHtml(s.prices_as_of)}${s.unpriced_tokens ? `, not counting ${s.unpriced_tokens} tokens of models without a price` : ''}.`,
    `<code>agnes admin costs --by user --since ${escapeHtml(s.since.slice(0, 10))}</code>`,
  ]
  return lines.join('\n')
}

/**
 * Checks this month's spend against the budget and, the first time a threshold (80 %, 100 %) is reached, queues a
 * Telegram note to every admin with a linked chat in the notification outbox (its `telegram_outbox` job sends it
 * and audits each attempt as notify.telegram). Once per month, threshold and budget amount, decided in the store,
 * so several workers and processor runs send one note; reaching both thresholds at once sends the 100 % note only.
 * While no admin has linked a chat nothing is claimed, so the first admin to link one still hears of it.
 */
export async function checkBudget(store: Store, opts: { now?: Date } = {}): Promise<BudgetStatus | null> {
  const now = opts.now ?? new Date()
  if (budgetOf(await store.instance.getConfig()) === null) return null
  const status = await budgetStatus(store, now)
  const reached = BUDGET_THRESHOLDS.filter((t) => (status.share ?? 0) >= t)
  if (reached.length === 0) return status
  const links = await store.feedback.adminTelegramLinks()
  if (links.length === 0) return status
  let newest: number | null = null
  for (const t of reached) {
    if (await store.shared.claimOnce(`costs.budget:${status.month}:${t}:${status.budget_usd}`, NOTE_CLAIM_MS, now)) newest = t
  }
  if (newest === null) return status
  const text = budgetMessage(status, newest)
  const at = now.toISOString()
  for (const link of links) {
    await store.feedback.insertNotification({
      id: randomUUID(), channel: 'telegram', user_id: link.user_id, chat_id: link.chat_id, kind: 'budget', text, report_ids: [],
      status: 'pending', attempts: 0, next_attempt_at: at, last_error: null, created_at: at, sent_at: null,
    })
  }
  return status
}

/**
 * The health pulse's view of the budget: undefined while no budget is set (the pulse then has no spend field), else
 * this month's spend (checking the thresholds on the way, so a crossing is noticed here too), or null when it cannot
 * be worked out; the pulse still answers then.
 */
export async function healthBudget(svc: Pick<Services, 'store' | 'log'>, now = new Date()): Promise<BudgetStatus | null | undefined> {
  try {
    return (await checkBudget(svc.store, { now })) ?? undefined
  } catch (e) {
    svc.log.warn({ err: e }, 'health pulse: the month\'s spend could not be worked out')
    return null
  }
}
