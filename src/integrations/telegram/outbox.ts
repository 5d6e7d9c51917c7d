import { randomUUID } from 'node:crypto'
import type { Services } from '../../services.ts'
import type { FeedbackReportRecord } from '../../store/index.ts'
import { sendTelegramMessage } from './client.ts'
import { digestMessage, reportMessage, reporterMessage } from './format.ts'

/**
 * The Telegram outbox. A new report becomes rows in `notifications` (one per linked admin) in the same request
 * that stores it; sending happens afterwards, so Telegram being slow or down never loses or delays a report:
 *
 * - the first report of a fingerprint (no open or triaged report shares it) is sent at once;
 * - a duplicate is sent at once only when the admin got no throttled message in the last 5 minutes; otherwise it
 *   joins the admin's pending digest, which goes out when its 5 minutes are up (one message for all of them);
 * - each send is tried once right away in the background; failures are retried by the `telegram_outbox`
 *   scheduler job: the next run, then after 30 s, 1, 2, 4 … minutes (at most an hour apart), 10 attempts in all.
 *
 * Every attempt writes a `notify.telegram` audit row (client_kind system) with its result.
 */

const CHANNEL = 'telegram'
/** At most one throttled message (a duplicate report or a digest) per admin per this long. */
export const THROTTLE_MS = 5 * 60_000
/** A claimed send that has not finished after this long may be taken over by another run. */
export const SEND_LEASE_MS = 60_000
/** After this many failed attempts a notification is given up (status failed). */
export const MAX_ATTEMPTS = 10
/** Most notifications one outbox run handles. */
const RUN_BATCH = 200

/** Delay before the next attempt, after `attempts` failed ones: the next run, then 30 s doubling, capped at 1 h. */
export function backoffMs(attempts: number): number {
  if (attempts <= 1) return 0
  return Math.min(30_000 * 2 ** (attempts - 2), 3_600_000)
}

const throttleKey = (userId: string) => `telegram.throttle:${userId}`

// Digest bookkeeping reads then writes one admin's pending digest; one at a time in this process (the DuckDB
// store has one writing process, and the repository retries a transaction conflict).
let digestChain: Promise<unknown> = Promise.resolve()
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const p = digestChain.then(fn, fn)
  digestChain = p.catch(() => {})
  return p
}

/**
 * Queues the notifications for a stored report and returns the ids due at once. Nothing is queued when no bot
 * token is configured or no admin has linked a chat.
 */
export async function queueReportNotifications(svc: Services, report: FeedbackReportRecord, now = new Date()): Promise<string[]> {
  if (!svc.config.telegram.botToken) return []
  const links = await svc.store.feedback.adminTelegramLinks()
  if (links.length === 0) return []
  const duplicates = await svc.store.feedback.countWithFingerprint(report.fingerprint)
  const text = reportMessage(report, duplicates)
  const nowIso = now.toISOString()
  const dueNow: string[] = []
  const immediate = async (userId: string, chatId: string) => {
    const id = randomUUID()
    await svc.store.feedback.insertNotification({
      id, channel: CHANNEL, user_id: userId, chat_id: chatId, kind: 'report', text, report_ids: [report.id], status: 'pending',
      attempts: 0, next_attempt_at: nowIso, last_error: null, created_at: nowIso, sent_at: null,
    })
    dueNow.push(id)
  }
  for (const link of links) {
    await oneAtATime(async () => {
      // Every message but the first of a fingerprint counts against the admin's 5-minute window; the first
      // one opens the window too, so duplicates right after it wait for the digest.
      const windowFree = await svc.store.shared.claimOnce(throttleKey(link.user_id), THROTTLE_MS, now)
      if (report.duplicate_of === null) return immediate(link.user_id, link.chat_id)
      const digest = (d: { dueAt: string }) =>
        svc.store.feedback.addToDigest({ id: randomUUID(), channel: CHANNEL, userId: link.user_id, chatId: link.chat_id, reportId: report.id, dueAt: d.dueAt, now: nowIso })
      if (!windowFree) {
        await digest({ dueAt: new Date(now.getTime() + THROTTLE_MS).toISOString() })
        return
      }
      // The window is free: send now, together with whatever a pending digest holds.
      if (await svc.store.feedback.pendingDigest(link.user_id, CHANNEL)) dueNow.push(await digest({ dueAt: nowIso }))
      else await immediate(link.user_id, link.chat_id)
    })
  }
  return dueNow
}

/**
 * Queues a message to a report's reporter (a reply, a resolution), when they linked a Telegram chat and a bot token is
 * set; returns the ids due at once. Not throttled: a reporter hears of their own report only when an admin acts on it.
 */
export async function queueReporterNotification(
  svc: Services,
  report: Pick<FeedbackReportRecord, 'id' | 'message' | 'reporter_user'>,
  news: { kind: 'reply' | 'resolved' | 'wontfix'; text: string | null },
  now = new Date(),
): Promise<string[]> {
  if (!svc.config.telegram.botToken) return []
  const link = await svc.store.feedback.telegramLink(report.reporter_user)
  if (!link) return []
  const id = randomUUID()
  const nowIso = now.toISOString()
  await svc.store.feedback.insertNotification({
    id, channel: CHANNEL, user_id: report.reporter_user, chat_id: link.chat_id, kind: `reporter_${news.kind}`, text: reporterMessage(report, news),
    report_ids: [report.id], status: 'pending', attempts: 0, next_attempt_at: nowIso, last_error: null, created_at: nowIso, sent_at: null,
  })
  return [id]
}

export type SendResult = 'sent' | 'retrying' | 'gave_up' | 'not_due' | 'empty'

/** One attempt at one notification, if it is due and no one else is sending it. Never throws for Telegram trouble. */
export async function sendNotification(svc: Services, id: string, ctx: { correlationId: string; now?: Date }): Promise<SendResult> {
  const now = ctx.now ?? svc.clock.now()
  const n = await svc.store.feedback.claimNotification(id, now.toISOString(), new Date(now.getTime() + SEND_LEASE_MS).toISOString())
  if (!n) return 'not_due'
  let text = n.text
  if (n.kind === 'digest') {
    const reports = await svc.store.feedback.byIds(n.report_ids)
    if (reports.length === 0) {
      await svc.store.feedback.recordAttempt(n.id, { status: 'skipped', attempts: n.attempts, text: '', nextAttemptAt: n.next_attempt_at, error: 'its reports are gone', sentAt: null })
      return 'empty'
    }
    text = digestMessage(reports)
    // A digest is a throttled message: duplicates in the next 5 minutes wait for the next digest.
    if (n.user_id) await svc.store.shared.claimOnce(throttleKey(n.user_id), THROTTLE_MS, now)
  }
  const t0 = performance.now()
  const out = await sendTelegramMessage(svc.config.telegram, n.chat_id, text)
  const durationMs = performance.now() - t0
  const attempts = n.attempts + 1
  let result: SendResult = 'sent'
  let next = n.next_attempt_at
  if (!out.ok) {
    result = attempts >= MAX_ATTEMPTS ? 'gave_up' : 'retrying'
    next = new Date(now.getTime() + Math.max(backoffMs(attempts), (out.retryAfterS ?? 0) * 1000)).toISOString()
  }
  await svc.store.feedback.recordAttempt(n.id, {
    status: out.ok ? 'sent' : result === 'gave_up' ? 'failed' : 'pending',
    attempts, text, nextAttemptAt: next, error: out.ok ? null : out.error, sentAt: out.ok ? new Date().toISOString() : null,
  })
  await svc.audit.record({
    action: 'notify.telegram', result: out.ok ? 'success' : out.result, resource: `notification:${n.id}`,
    params: {
      notification_id: n.id, kind: n.kind, recipient_user_id: n.user_id, report_ids: n.report_ids, attempt: attempts,
      ...(out.ok ? {} : { error: out.error, ...(result === 'retrying' ? { next_attempt_at: next } : { gave_up: true }) }),
    },
    duration_ms: durationMs, client_kind: 'system', correlation_id: ctx.correlationId,
  })
  return result
}

const inFlight = new WeakMap<Services, Set<Promise<unknown>>>()

/** Tries the given notifications once, without making anyone wait for Telegram. */
export function sendInBackground(svc: Services, ids: string[], correlationId: string): void {
  if (ids.length === 0) return
  const p = (async () => {
    for (const id of ids) await sendNotification(svc, id, { correlationId })
  })().catch((e) => svc.log.warn({ err: e }, 'telegram: background send failed; the outbox job will retry'))
  let set = inFlight.get(svc)
  if (!set) inFlight.set(svc, (set = new Set()))
  set.add(p)
  void p.finally(() => set.delete(p))
}

/** Resolves when every background send started so far has finished (for shutdown and tests). */
export async function settleBackgroundSends(svc: Services): Promise<void> {
  await Promise.allSettled([...(inFlight.get(svc) ?? [])])
}

/**
 * A report's notifications are queued by the request that files it, just after the report is stored. A report
 * older than this whose notifications are still not queued (the process died in between, or the store failed) is
 * queued by the outbox job instead; the margin keeps the job from racing a request still at work.
 */
export const QUEUE_RECOVERY_AFTER_MS = 60_000

/**
 * The `telegram_outbox` job: queues the notifications of reports a crash left unqueued, then sends every due
 * notification (first attempts that failed, retries, digests).
 */
export async function runTelegramOutbox(svc: Services, ctx: { correlationId: string; deadline?: number; now?: Date }) {
  const now = ctx.now ?? svc.clock.now()
  const stranded = await svc.store.feedback.awaitingNotification(new Date(now.getTime() - QUEUE_RECOVERY_AFTER_MS).toISOString(), RUN_BATCH)
  for (const report of stranded) {
    await queueReportNotifications(svc, report, now)
    await svc.store.feedback.markNotified(report.id, now.toISOString())
  }
  if (!svc.config.telegram.botToken) return { configured: false, recovered: stranded.length, due: 0, sent: 0, retrying: 0, gave_up: 0 }
  const ids = await svc.store.feedback.dueNotifications(now.toISOString(), RUN_BATCH)
  const counts = { sent: 0, retrying: 0, gave_up: 0 }
  const failed: string[] = []
  for (const id of ids) {
    if (ctx.deadline && Date.now() > ctx.deadline) break
    const r = await sendNotification(svc, id, { correlationId: ctx.correlationId, now })
    if (r === 'sent') counts.sent++
    else if (r === 'retrying' || r === 'gave_up') {
      counts[r]++
      failed.push(id)
    }
  }
  return { configured: true, recovered: stranded.length, due: ids.length, ...counts, failed }
}
