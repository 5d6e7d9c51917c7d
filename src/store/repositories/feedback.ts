import type { Db } from '../db.ts'
import { isConflictError, parseJsonColumn, toJsonColumn } from './json.ts'

/** One problem report (`feedback_reports`). */
export interface FeedbackReportRecord {
  id: string
  created_at: string
  reporter_user: string
  /** The reporter's e-mail, joined from users (null when the user was removed). */
  reporter_email: string | null
  message: string
  session_excerpt: string | null
  session_file: string | null
  environment: Record<string, unknown> | null
  fingerprint: string
  duplicate_of: string | null
  status: FeedbackStatus
  assignee: string | null
  tags: string[]
  resolution: string | null
  resolved_at: string | null
  resolved_by: string | null
  correlation_id: string | null
  updated_at: string
}

export type FeedbackStatus = 'open' | 'triaged' | 'resolved' | 'wontfix'

export type NewFeedbackReport = Omit<FeedbackReportRecord, 'reporter_email'>

/** A report as lists show it: no excerpt body, its size instead, and how many other reports share its fingerprint. */
export interface FeedbackListRecord extends Omit<FeedbackReportRecord, 'session_excerpt'> {
  excerpt_chars: number
  duplicate_count: number
}

export interface FeedbackFilters {
  status?: FeedbackStatus[]
  tag?: string
  /** A user id, or null for "nobody assigned". */
  assignee?: string | null
  fingerprint?: string
  reporter?: string
}

/** Keyset position: active reports (open, triaged) before closed ones, then newest first. */
export interface FeedbackKeyset {
  rank: number
  created_at: string
  id: string
}

export interface TelegramLinkRecord {
  user_id: string
  chat_id: string
  linked_at: string
}

/** One queued message (`notifications`). */
export interface NotificationRecord {
  id: string
  channel: string
  user_id: string | null
  chat_id: string
  kind: string
  text: string
  report_ids: string[]
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped'
  attempts: number
  next_attempt_at: string
  last_error: string | null
  created_at: string
  sent_at: string | null
}

const REPORT_COLS =
  'f.id, f.created_at, f.reporter_user, f.message, f.session_excerpt, f.session_file, f.environment, f.fingerprint, f.duplicate_of, ' +
  'f.status, f.assignee, f.tags, f.resolution, f.resolved_at, f.resolved_by, f.correlation_id, f.updated_at'
const LIST_COLS = REPORT_COLS.replace('f.session_excerpt, ', '')
const RANK = `CASE WHEN f.status IN ('open', 'triaged') THEN 0 ELSE 1 END`
const NOTIFICATION_COLS = 'id, channel, user_id, chat_id, kind, text, report_ids, status, attempts, next_attempt_at, last_error, created_at, sent_at'

const toReport = (r: Record<string, unknown>): FeedbackReportRecord => ({
  ...(r as unknown as FeedbackReportRecord),
  reporter_email: (r.reporter_email as string | null | undefined) ?? null,
  environment: parseJsonColumn<Record<string, unknown>>(r.environment),
  tags: parseJsonColumn<string[]>(r.tags) ?? [],
})

const toListRow = (r: Record<string, unknown>): FeedbackListRecord => {
  const { session_excerpt: _e, ...rest } = toReport(r)
  return { ...rest, excerpt_chars: Number(r.excerpt_chars ?? 0), duplicate_count: Number(r.duplicate_count ?? 0) }
}

const toNotification = (r: Record<string, unknown>): NotificationRecord => ({
  ...(r as unknown as NotificationRecord),
  attempts: Number(r.attempts ?? 0),
  report_ids: parseJsonColumn<string[]>(r.report_ids) ?? [],
})

/** Problem reports, admins' Telegram chats and the notification outbox. */
async function countByReporterSinceOn(db: Db, userId: string, sinceIso: string): Promise<number> {
  const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM feedback_reports WHERE reporter_user = $1 AND created_at >= $2`, [userId, sinceIso])
  return Number(r?.n ?? 0)
}

async function insertReportOn(db: Db, r: NewFeedbackReport): Promise<void> {
  await db.run(
    `INSERT INTO feedback_reports (id, created_at, reporter_user, message, session_excerpt, session_file, environment, fingerprint, duplicate_of,
       status, assignee, tags, resolution, resolved_at, resolved_by, correlation_id, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, ${db.dialect.json('$7')}, $8, $9, $10, $11, ${db.dialect.json('$12')}, $13, $14, $15, $16, $17)`,
    [
      r.id, r.created_at, r.reporter_user, r.message, r.session_excerpt, r.session_file,
      r.environment === null ? null : toJsonColumn(r.environment), r.fingerprint, r.duplicate_of, r.status, r.assignee,
      toJsonColumn(r.tags ?? []), r.resolution, r.resolved_at, r.resolved_by, r.correlation_id, r.updated_at,
    ],
  )
}

export function feedbackRepository(db: Db) {
  const j = db.dialect.json

  function where(f: FeedbackFilters, params: unknown[]): string[] {
    const w: string[] = []
    const add = (sql: string, v: unknown) => {
      params.push(v)
      w.push(sql.replaceAll('?', `$${params.length}`))
    }
    if (f.status?.length) {
      const marks = f.status.map((s) => {
        params.push(s)
        return `$${params.length}`
      })
      w.push(`f.status IN (${marks.join(', ')})`)
    }
    // Tags are stored as a compact JSON array of restricted strings, so the quoted tag is an exact element match.
    if (f.tag) add(`strpos(${db.dialect.jsonText('f.tags')}, ?) > 0`, JSON.stringify(f.tag))
    if (f.assignee === null) w.push('f.assignee IS NULL')
    else if (f.assignee !== undefined) add('f.assignee = ?', f.assignee)
    if (f.fingerprint) add('f.fingerprint = ?', f.fingerprint)
    if (f.reporter) add('f.reporter_user = ?', f.reporter)
    return w
  }

  // Reports go in one at a time per store, so the rate limit holds within this process (see insertReportWithinLimit).
  let reportChain: Promise<unknown> = Promise.resolve()
  async function insertWithinLimit(r: NewFeedbackReport, limit: number, sinceIso: string): Promise<{ inserted: boolean; recent: number }> {
    const key = `feedback.rate:${r.reporter_user}`
    // Kept an hour past the report, so purgeExpired does not drop it while reports of the window still race.
    const keep = new Date(Date.parse(r.created_at) + 3_600_000).toISOString()
    for (let attempt = 1; ; attempt++) {
      try {
        await db.run(`INSERT INTO dedup_windows (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, keep])
        return await db.transaction(async (tx) => {
          if ((await tx.run(`UPDATE dedup_windows SET expires_at = $2 WHERE key = $1`, [key, keep])) === 0) {
            throw new Error('Conflict: the rate row was purged meanwhile') // retried like any conflict
          }
          const recent = await countByReporterSinceOn(tx, r.reporter_user, sinceIso)
          if (recent >= limit) return { inserted: false, recent }
          await insertReportOn(tx, r)
          return { inserted: true, recent: recent + 1 }
        })
      } catch (e) {
        if (!isConflictError(e) || attempt >= 20) throw e
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
      }
    }
  }

  return {
    /** Drops the session excerpts of reports filed before a moment (the report itself stays); returns how many. */
    async purgeExcerptsBefore(beforeIso: string): Promise<number> {
      return db.run(`UPDATE feedback_reports SET session_excerpt = NULL WHERE created_at < $1 AND session_excerpt IS NOT NULL`, [beforeIso])
    },
    insertReport: (r: NewFeedbackReport) => insertReportOn(db, r),

    /**
     * Stores the report unless its reporter already filed `limit` since `sinceIso`; either way says how many they
     * filed, so two reports racing at the limit cannot both pass. Within this process they are filed one at a time;
     * across processes (PostgreSQL) count and insert are one transaction that first updates the reporter's row in
     * dedup_windows, whose row lock lets one commit and makes the other fail and retry, counting the winner.
     * (DuckDB has one writing process, and its MVCC does not flag two transactions updating a row an upsert just
     * created, so the in-process order is what holds there.)
     */
    insertReportWithinLimit(r: NewFeedbackReport, limit: number, sinceIso: string): Promise<{ inserted: boolean; recent: number }> {
      const run = reportChain.then(() => insertWithinLimit(r, limit, sinceIso))
      reportChain = run.catch(() => {})
      return run
    },

    /** Records that the report's notifications are in the outbox (or that there was no one to notify). */
    async markNotified(id: string, at: string): Promise<void> {
      await db.run(`UPDATE feedback_reports SET notified_at = $2 WHERE id = $1 AND notified_at IS NULL`, [id, at])
    },

    /** Reports filed before `beforeIso` whose notifications were never queued (a crash or a store error between the two), oldest first. */
    async awaitingNotification(beforeIso: string, limit: number): Promise<FeedbackReportRecord[]> {
      const rows = await db.all(
        `SELECT ${REPORT_COLS}, u.email AS reporter_email FROM feedback_reports f LEFT JOIN users u ON u.id = f.reporter_user
         WHERE f.notified_at IS NULL AND f.created_at < $1 ORDER BY f.created_at, f.id LIMIT ${Math.max(1, Math.floor(limit))}`,
        [beforeIso],
      )
      return rows.map(toReport)
    },

    async byId(id: string): Promise<FeedbackReportRecord | undefined> {
      const r = await db.one(`SELECT ${REPORT_COLS}, u.email AS reporter_email FROM feedback_reports f LEFT JOIN users u ON u.id = f.reporter_user WHERE f.id = $1`, [id])
      return r ? toReport(r) : undefined
    },

    async byIds(ids: string[]): Promise<FeedbackReportRecord[]> {
      if (ids.length === 0) return []
      const marks = ids.map((_, i) => `$${i + 1}`).join(', ')
      const rows = await db.all(
        `SELECT ${REPORT_COLS}, u.email AS reporter_email FROM feedback_reports f LEFT JOIN users u ON u.id = f.reporter_user
         WHERE f.id IN (${marks}) ORDER BY f.created_at, f.id`,
        ids,
      )
      return rows.map(toReport)
    },

    /** How many reports this user filed at or after `sinceIso` (the per-user rate limit, shared by every worker). */
    countByReporterSince: (userId: string, sinceIso: string) => countByReporterSinceOn(db, userId, sinceIso),

    /** The earliest open or triaged report with this fingerprint, if any. */
    async firstActiveWithFingerprint(fingerprint: string): Promise<string | null> {
      const r = await db.one<{ id: string }>(
        `SELECT id FROM feedback_reports WHERE fingerprint = $1 AND status IN ('open', 'triaged') ORDER BY created_at, id LIMIT 1`,
        [fingerprint],
      )
      return r?.id ?? null
    },

    /** How many reports carry this fingerprint (the report itself included). */
    async countWithFingerprint(fingerprint: string): Promise<number> {
      const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM feedback_reports WHERE fingerprint = $1`, [fingerprint])
      return Number(r?.n ?? 0)
    },

    /** Reports matching the filters, active ones first, then newest first; `limit` rows after the keyset position. */
    async list(f: FeedbackFilters, limit: number, after: FeedbackKeyset | null = null): Promise<Array<FeedbackListRecord & { rank: number }>> {
      const params: unknown[] = []
      const w = where(f, params)
      if (after) {
        params.push(after.rank, after.created_at, after.id)
        const [r, t, i] = [params.length - 2, params.length - 1, params.length].map((n) => `$${n}`)
        w.push(`(${RANK} > ${r} OR (${RANK} = ${r} AND (f.created_at < ${t} OR (f.created_at = ${t} AND f.id < ${i}))))`)
      }
      params.push(limit)
      const rows = await db.all(
        `SELECT ${LIST_COLS}, u.email AS reporter_email, ${RANK} AS rank,
                coalesce(length(f.session_excerpt), 0) AS excerpt_chars,
                (SELECT count(*) FROM feedback_reports d WHERE d.fingerprint = f.fingerprint AND d.id <> f.id) AS duplicate_count
         FROM feedback_reports f LEFT JOIN users u ON u.id = f.reporter_user
         ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
         ORDER BY ${RANK}, f.created_at DESC, f.id DESC LIMIT $${params.length}`,
        params,
      )
      return rows.map((r) => ({ ...toListRow(r), rank: Number(r.rank) }))
    },

    /** Changes the given fields (undefined ones stay) and stamps updated_at. */
    async update(
      id: string,
      patch: Partial<Pick<FeedbackReportRecord, 'status' | 'assignee' | 'tags' | 'resolution' | 'resolved_at' | 'resolved_by'>>,
      now: string,
    ): Promise<void> {
      const sets: string[] = []
      const params: unknown[] = []
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue
        params.push(k === 'tags' ? toJsonColumn(v) : v)
        sets.push(`${k} = ${k === 'tags' ? j(`$${params.length}`) : `$${params.length}`}`)
      }
      params.push(now)
      sets.push(`updated_at = $${params.length}`)
      params.push(id)
      await db.run(`UPDATE feedback_reports SET ${sets.join(', ')} WHERE id = $${params.length}`, params)
    },

    // --- Telegram links -------------------------------------------------------------------------------------

    telegramLink: (userId: string) => db.one<TelegramLinkRecord>(`SELECT user_id, chat_id, linked_at FROM telegram_links WHERE user_id = $1`, [userId]),

    async setTelegramLink(userId: string, chatId: string | null, now: string): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run(`DELETE FROM telegram_links WHERE user_id = $1`, [userId])
        if (chatId !== null) await tx.run(`INSERT INTO telegram_links (user_id, chat_id, linked_at) VALUES ($1, $2, $3)`, [userId, chatId, now])
      })
    },

    /** The chats of every admin who linked one (links of users who are no longer admins are ignored). */
    adminTelegramLinks: () =>
      db.all<TelegramLinkRecord & { email: string }>(
        `SELECT t.user_id, t.chat_id, t.linked_at, u.email FROM telegram_links t JOIN users u ON u.id = t.user_id WHERE u.is_admin ORDER BY t.linked_at, t.user_id`,
      ),

    // --- Notification outbox ------------------------------------------------------------------------------------

    async insertNotification(n: NotificationRecord): Promise<void> {
      await db.run(
        `INSERT INTO notifications (${NOTIFICATION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, ${j('$7')}, $8, $9, $10, $11, $12, $13)`,
        [n.id, n.channel, n.user_id, n.chat_id, n.kind, n.text, toJsonColumn(n.report_ids), n.status, n.attempts, n.next_attempt_at, n.last_error, n.created_at, n.sent_at],
      )
    },

    async notification(id: string): Promise<NotificationRecord | undefined> {
      const r = await db.one(`SELECT ${NOTIFICATION_COLS} FROM notifications WHERE id = $1`, [id])
      return r ? toNotification(r) : undefined
    },

    async notificationsFor(userId: string): Promise<NotificationRecord[]> {
      const rows = await db.all(`SELECT ${NOTIFICATION_COLS} FROM notifications WHERE user_id = $1 ORDER BY created_at, id`, [userId])
      return rows.map(toNotification)
    },

    /** The admin's digest still collecting reports, if any. */
    async pendingDigest(userId: string, channel: string): Promise<NotificationRecord | undefined> {
      const r = await db.one(
        `SELECT ${NOTIFICATION_COLS} FROM notifications WHERE user_id = $1 AND channel = $2 AND kind = 'digest' AND status = 'pending' ORDER BY created_at LIMIT 1`,
        [userId, channel],
      )
      return r ? toNotification(r) : undefined
    },

    /**
     * Adds a report to the admin's pending digest (moving its due time earlier when `dueAt` is earlier), or opens one due at `dueAt`. One transaction, retried when a
     * concurrent writer touched the same digest, so no report id is lost. Returns the digest's id.
     */
    async addToDigest(d: { id: string; channel: string; userId: string; chatId: string; reportId: string; dueAt: string; now: string }): Promise<string> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction(async (tx) => {
            const open = await tx.one(
              `SELECT ${NOTIFICATION_COLS} FROM notifications WHERE user_id = $1 AND channel = $2 AND kind = 'digest' AND status = 'pending' ORDER BY created_at LIMIT 1`,
              [d.userId, d.channel],
            )
            if (open) {
              const n = toNotification(open)
              if (!n.report_ids.includes(d.reportId)) n.report_ids.push(d.reportId)
              const due = d.dueAt < n.next_attempt_at ? d.dueAt : n.next_attempt_at
              await tx.run(`UPDATE notifications SET report_ids = ${j('$1')}, chat_id = $2, next_attempt_at = $3 WHERE id = $4`, [
                toJsonColumn(n.report_ids), d.chatId, due, n.id,
              ])
              return n.id
            }
            await tx.run(
              `INSERT INTO notifications (${NOTIFICATION_COLS}) VALUES ($1, $2, $3, $4, 'digest', '', ${j('$5')}, 'pending', 0, $6, NULL, $7, NULL)`,
              [d.id, d.channel, d.userId, d.chatId, toJsonColumn([d.reportId]), d.dueAt, d.now],
            )
            return d.id
          })
        } catch (e) {
          if (attempt < 5 && isConflictError(e)) continue
          throw e
        }
      }
    },

    /** Ids of notifications whose time has come (pending ones, and sends whose lease ran out), oldest first. */
    async dueNotifications(nowIso: string, limit: number): Promise<string[]> {
      const rows = await db.all<{ id: string }>(
        `SELECT id FROM notifications WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`,
        [nowIso, limit],
      )
      return rows.map((r) => r.id)
    },

    /**
     * Claims a due notification for one send: true for exactly one claimant. While it is being sent it is
     * 'sending' until `leaseUntil`, after which another worker may take it over.
     */
    async claimNotification(id: string, nowIso: string, leaseUntil: string): Promise<NotificationRecord | null> {
      try {
        const changed = await db.run(
          `UPDATE notifications SET status = 'sending', next_attempt_at = $1 WHERE id = $2 AND status IN ('pending', 'sending') AND next_attempt_at <= $3`,
          [leaseUntil, id, nowIso],
        )
        if (changed === 0) return null
      } catch (e) {
        if (isConflictError(e)) return null
        throw e
      }
      const r = await db.one(`SELECT ${NOTIFICATION_COLS} FROM notifications WHERE id = $1`, [id])
      return r ? toNotification(r) : null
    },

    /** Puts a claimed notification back to wait until `at` without counting an attempt (e.g. a digest held by the throttle). */
    async postponeNotification(id: string, at: string): Promise<void> {
      await db.run(`UPDATE notifications SET status = 'pending', next_attempt_at = $1 WHERE id = $2 AND status = 'sending'`, [at, id])
    },

    async recordAttempt(
      id: string,
      outcome: { status: 'sent' | 'pending' | 'failed' | 'skipped'; attempts: number; text: string; nextAttemptAt: string; error: string | null; sentAt: string | null },
    ): Promise<void> {
      await db.run(
        `UPDATE notifications SET status = $1, attempts = $2, text = $3, next_attempt_at = $4, last_error = $5, sent_at = $6 WHERE id = $7`,
        [outcome.status, outcome.attempts, outcome.text, outcome.nextAttemptAt, outcome.error, outcome.sentAt, id],
      )
    },
  }
}
