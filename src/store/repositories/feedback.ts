import type { Db } from '../db.ts'
import { isConflictError, parseJsonColumn, retryOnConflict, toJsonColumn } from './json.ts'

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
  /** The GitHub issue this report went to (owner/name, number, html URL), when it did. */
  github_repo: string | null
  github_issue_number: number | null
  github_issue_url: string | null
  github_linked_at: string | null
  /** 'github' when the report was closed because its GitHub issue was. */
  resolved_via: string | null
  /** The last change the reporter should hear of (a reply, a resolution), and when they last looked at their reports. */
  reporter_update_at: string | null
  reporter_seen_at: string | null
}

export type FeedbackStatus = 'open' | 'triaged' | 'resolved' | 'wontfix'

/** What a new report is stored with; the GitHub link and the reporter's news come later. */
export type NewFeedbackReport = Omit<FeedbackReportRecord, 'reporter_email' | keyof FeedbackLaterFields> & Partial<FeedbackLaterFields>
type FeedbackLaterFields = Pick<
  FeedbackReportRecord,
  'github_repo' | 'github_issue_number' | 'github_issue_url' | 'github_linked_at' | 'resolved_via' | 'reporter_update_at' | 'reporter_seen_at'
>

/** An internal note (admins only) or a reply to the reporter (`feedback_comments`). */
export interface FeedbackCommentRecord {
  id: string
  report_id: string
  kind: 'note' | 'reply'
  author_user: string | null
  /** Joined from users (null when the author was removed). */
  author_email: string | null
  body: string
  created_at: string
}

/** A GitHub issue reports are linked to, with its last known state (`github_issues`). */
export interface GithubIssueRecord {
  repo: string
  number: number
  url: string
  fingerprint: string
  state: 'open' | 'closed'
  state_reason: string | null
  linked_at: string
  state_changed_at: string | null
  checked_at: string | null
}

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

/**
 * How a list is ordered: `active` (open and triaged first, then newest first; the default), `newest`, `oldest_open`
 * (open and triaged first, the longest waiting first) and `duplicates` (most other reports sharing the fingerprint first).
 */
export const FEEDBACK_SORTS = ['active', 'newest', 'oldest_open', 'duplicates'] as const
export type FeedbackSort = (typeof FEEDBACK_SORTS)[number]

/** Keyset position in a sorted list: the sort's leading key (rank, duplicate count; 0 for newest), then time and id. */
export interface FeedbackKeyset {
  key: number
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
  'f.status, f.assignee, f.tags, f.resolution, f.resolved_at, f.resolved_by, f.correlation_id, f.updated_at, ' +
  'f.github_repo, f.github_issue_number, f.github_issue_url, f.github_linked_at, f.resolved_via, f.reporter_update_at, f.reporter_seen_at'
const LIST_COLS = REPORT_COLS.replace('f.session_excerpt, ', '')
const RANK = `CASE WHEN f.status IN ('open', 'triaged') THEN 0 ELSE 1 END`
const NOTIFICATION_COLS = 'id, channel, user_id, chat_id, kind, text, report_ids, status, attempts, next_attempt_at, last_error, created_at, sent_at'

const toReport = (r: Record<string, unknown>): FeedbackReportRecord => ({
  ...(r as unknown as FeedbackReportRecord),
  reporter_email: (r.reporter_email as string | null | undefined) ?? null,
  github_issue_number: r.github_issue_number === null || r.github_issue_number === undefined ? null : Number(r.github_issue_number),
  environment: parseJsonColumn<Record<string, unknown>>(r.environment),
  tags: parseJsonColumn<string[]>(r.tags) ?? [],
})

const toListRow = (r: Record<string, unknown>): FeedbackListRecord => {
  const { session_excerpt: _e, ...rest } = toReport(r)
  return { ...rest, excerpt_chars: Number(r.excerpt_chars ?? 0), duplicate_count: Number(r.duplicate_count ?? 0) }
}

const toIssue = (r: Record<string, unknown>): GithubIssueRecord => ({ ...(r as unknown as GithubIssueRecord), number: Number(r.number) })
const ISSUE_COLS = 'repo, number, url, fingerprint, state, state_reason, linked_at, state_changed_at, checked_at'

/** Per sort: the leading key's SQL (over the inner query's columns), its direction, and the time/id direction. */
const SORTS: Record<FeedbackSort, { key: string; keyDesc: boolean; timeDesc: boolean }> = {
  active: { key: 'x.rank', keyDesc: false, timeDesc: true },
  newest: { key: '0', keyDesc: false, timeDesc: true },
  oldest_open: { key: 'x.rank', keyDesc: false, timeDesc: false },
  duplicates: { key: 'x.duplicate_count', keyDesc: true, timeDesc: true },
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
    return retryOnConflict(async () => {
      await db.run(`INSERT INTO dedup_windows (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, keep])
      return db.transaction(async (tx) => {
        if ((await tx.run(`UPDATE dedup_windows SET expires_at = $2 WHERE key = $1`, [key, keep])) === 0) {
          throw new Error('Conflict: the rate row was purged meanwhile') // retried like any conflict
        }
        const recent = await countByReporterSinceOn(tx, r.reporter_user, sinceIso)
        if (recent >= limit) return { inserted: false, recent }
        await insertReportOn(tx, r)
        return { inserted: true, recent: recent + 1 }
      })
    }, 19)
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

    /** Reports matching the filters in the sort's order; `limit` rows after the keyset position. */
    async list(
      f: FeedbackFilters, limit: number, after: FeedbackKeyset | null = null, sort: FeedbackSort = 'active',
    ): Promise<Array<FeedbackListRecord & { rank: number; sort_key: number }>> {
      const params: unknown[] = []
      const w = where(f, params)
      const o = SORTS[sort]
      const outer: string[] = []
      if (after) {
        params.push(after.key, after.created_at, after.id)
        const [k, t, i] = [params.length - 2, params.length - 1, params.length].map((n) => `$${n}`)
        const kCmp = o.keyDesc ? '<' : '>'
        const tCmp = o.timeDesc ? '<' : '>'
        outer.push(`(${o.key} ${kCmp} ${k} OR (${o.key} = ${k} AND (x.created_at ${tCmp} ${t} OR (x.created_at = ${t} AND x.id ${tCmp} ${i}))))`)
      }
      params.push(limit)
      const dir = (desc: boolean) => (desc ? 'DESC' : 'ASC')
      const rows = await db.all(
        `SELECT x.*, ${o.key} AS sort_key FROM (
           SELECT ${LIST_COLS}, u.email AS reporter_email, ${RANK} AS rank,
                  coalesce(length(f.session_excerpt), 0) AS excerpt_chars,
                  (SELECT count(*) FROM feedback_reports d WHERE d.fingerprint = f.fingerprint AND d.id <> f.id) AS duplicate_count
           FROM feedback_reports f LEFT JOIN users u ON u.id = f.reporter_user
           ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
         ) x
         ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
         ORDER BY ${o.key === '0' ? '' : `${o.key} ${dir(o.keyDesc)}, `}x.created_at ${dir(o.timeDesc)}, x.id ${dir(o.timeDesc)} LIMIT $${params.length}`,
        params,
      )
      return rows.map((r) => ({ ...toListRow(r), rank: Number(r.rank), sort_key: Number(r.sort_key) }))
    },

    /** Changes the given fields (undefined ones stay) and stamps updated_at. */
    async update(
      id: string,
      patch: Partial<Pick<FeedbackReportRecord, 'status' | 'assignee' | 'tags' | 'resolution' | 'resolved_at' | 'resolved_by' | 'resolved_via' | 'reporter_update_at'>>,
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

    /** Records that the reporter has seen every change to their reports up to `at`. */
    async markSeenByReporter(userId: string, at: string): Promise<void> {
      await db.run(
        `UPDATE feedback_reports SET reporter_seen_at = $2 WHERE reporter_user = $1 AND reporter_update_at IS NOT NULL
           AND (reporter_seen_at IS NULL OR reporter_seen_at < reporter_update_at)`,
        [userId, at],
      )
    },

    // --- Notes and replies --------------------------------------------------------------------------------

    async addComment(c: Omit<FeedbackCommentRecord, 'author_email'>): Promise<void> {
      await db.run(`INSERT INTO feedback_comments (id, report_id, kind, author_user, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
        c.id, c.report_id, c.kind, c.author_user, c.body, c.created_at,
      ])
    },

    /** The notes and replies of some reports (of one kind, when given), oldest first. */
    async comments(reportIds: string[], kind?: FeedbackCommentRecord['kind']): Promise<FeedbackCommentRecord[]> {
      if (reportIds.length === 0) return []
      const params: unknown[] = [...reportIds]
      const marks = reportIds.map((_, i) => `$${i + 1}`).join(', ')
      if (kind) params.push(kind)
      return db.all<FeedbackCommentRecord>(
        `SELECT c.id, c.report_id, c.kind, c.author_user, u.email AS author_email, c.body, c.created_at
         FROM feedback_comments c LEFT JOIN users u ON u.id = c.author_user
         WHERE c.report_id IN (${marks})${kind ? ` AND c.kind = $${params.length}` : ''} ORDER BY c.created_at, c.id`,
        params,
      )
    },

    // --- GitHub issues --------------------------------------------------------------------------------------

    /**
     * Links a report to a GitHub issue, and records the issue (its state as GitHub just said) if it is new here.
     * One transaction: a report is never linked to an issue the store does not know.
     */
    async linkGithubIssue(reportId: string, issue: { repo: string; number: number; url: string; fingerprint: string; state: 'open' | 'closed'; state_reason: string | null }, at: string): Promise<void> {
      await db.transaction(async (tx) => {
        const known = await tx.one(`SELECT number FROM github_issues WHERE repo = $1 AND number = $2`, [issue.repo, issue.number])
        if (known) {
          await tx.run(`UPDATE github_issues SET url = $3, state = $4, state_reason = $5, checked_at = $6 WHERE repo = $1 AND number = $2`, [
            issue.repo, issue.number, issue.url, issue.state, issue.state_reason, at,
          ])
        } else {
          await tx.run(`INSERT INTO github_issues (${ISSUE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $7)`, [
            issue.repo, issue.number, issue.url, issue.fingerprint, issue.state, issue.state_reason, at,
          ])
        }
        await tx.run(
          `UPDATE feedback_reports SET github_repo = $2, github_issue_number = $3, github_issue_url = $4, github_linked_at = $5, updated_at = $5 WHERE id = $1`,
          [reportId, issue.repo, issue.number, issue.url, at],
        )
      })
    },

    async githubIssue(repo: string, number: number): Promise<GithubIssueRecord | undefined> {
      const r = await db.one(`SELECT ${ISSUE_COLS} FROM github_issues WHERE repo = $1 AND number = $2`, [repo, number])
      return r ? toIssue(r) : undefined
    },

    /**
     * Records an issue's state as GitHub reports it. Returns the state it had here before (undefined: not an issue
     * reports are linked to), so the caller acts on a change once, whoever saw it first (webhook or poll).
     */
    async setGithubIssueState(repo: string, number: number, state: 'open' | 'closed', stateReason: string | null, at: string): Promise<'open' | 'closed' | undefined> {
      return db.transaction(async (tx) => {
        const r = await tx.one<{ state: 'open' | 'closed' }>(`SELECT state FROM github_issues WHERE repo = $1 AND number = $2`, [repo, number])
        if (!r) return undefined
        const changed = r.state !== state
        await tx.run(
          `UPDATE github_issues SET state = $3, state_reason = $4, checked_at = $5${changed ? ', state_changed_at = $5' : ''} WHERE repo = $1 AND number = $2`,
          [repo, number, state, stateReason, at],
        )
        return r.state
      })
    },

    /**
     * Linked issues worth asking GitHub about, least recently checked first: the open ones (closed since?), and the
     * ones closed since `closedSince` (reopened since?).
     */
    async githubIssuesToCheck(repo: string, closedSince: string, limit: number): Promise<GithubIssueRecord[]> {
      const rows = await db.all(
        `SELECT ${ISSUE_COLS} FROM github_issues WHERE repo = $1 AND (state = 'open' OR coalesce(state_changed_at, linked_at) >= $2)
         ORDER BY checked_at NULLS FIRST, number LIMIT ${Math.max(1, Math.floor(limit))}`,
        [repo, closedSince],
      )
      return rows.map(toIssue)
    },

    async markGithubIssueChecked(repo: string, number: number, at: string): Promise<void> {
      await db.run(`UPDATE github_issues SET checked_at = $3 WHERE repo = $1 AND number = $2`, [repo, number, at])
    },

    /** Every report linked to this issue, oldest first. */
    async reportsForGithubIssue(repo: string, number: number): Promise<FeedbackReportRecord[]> {
      const rows = await db.all(
        `SELECT ${REPORT_COLS}, u.email AS reporter_email FROM feedback_reports f LEFT JOIN users u ON u.id = f.reporter_user
         WHERE f.github_repo = $1 AND f.github_issue_number = $2 ORDER BY f.created_at, f.id`,
        [repo, number],
      )
      return rows.map(toReport)
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
      // Racing writers to one open digest conflict on DuckDB: each tries again after a short random wait, so a burst
      // of reports cannot use up its tries in lockstep (six racers against five instant retries did).
      return retryOnConflict(
        () =>
          db.transaction(async (tx) => {
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
          }),
        50,
      )
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
