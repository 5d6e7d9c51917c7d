import type { Logger } from 'pino'
import { systemClock, type Clock } from '../clock.ts'
import type { NewAuditRow, Store } from '../store/index.ts'
import type { AuditWriteTally } from '../store/repositories/audit.ts'
import { capParams, redactAuditString } from './caps.ts'
import { AuditFailureLog } from './failure-log.ts'
import { AuditSpool } from './spool.ts'
import { isAuditAction, isAuditResult, isClientKind } from './vocabulary.ts'

export interface AuditEntry {
  action: string
  result: string
  user_id?: string | null
  user_email?: string | null
  resource?: string | null
  params?: Record<string, unknown> | null
  params_before?: Record<string, unknown> | null
  duration_ms?: number | null
  client_ip?: string | null
  client_kind: string
  correlation_id: string
  timestamp?: string
}

const MAX_BATCH = 500
/**
 * How often a worker adds its commits to the store's per-minute counts (audit_writes). An upsert with every batch
 * cost as much as the batch's own insert; now one batch a second carries the counts of those before it, and a timer
 * adds what is left when no batch follows. A crash loses at most this long of counts, never a row.
 */
export const COUNT_EVERY_MS = 1000
/** Refused writes held for the store's counts while it keeps refusing: one entry a minute, the oldest dropped first. */
const MAX_UNCOUNTED_MINUTES = 10_000
/**
 * A resource naming a record by its generated id (`token:<uuid>`, `feedback:<uuid>`, `event:42`) holds no secret, but
 * `token:<uuid>` reads like "token: <value>" to the redaction rules, which hid which token was created or revoked.
 */
const RECORD_ID = /^[a-z_]+:(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{1,20})$/

interface Pending {
  row: NewAuditRow
  done: () => void
}

/**
 * The one audit writer. record() resolves once the row is durable (committed to the store, or fsync'd to
 * the spool when the store refuses it), so callers can await it before answering a request.
 *
 * Group commit: while one batch is being committed, new rows queue up and go together in the next
 * transaction, so under load the store sees one commit per batch instead of one per request. The queue
 * only ever holds rows whose callers are still waiting; it is not a cache.
 */
export class AuditWriter {
  private queue: Pending[] = []
  /** A batch is being committed (or spooled). */
  private writing = false
  /** This process spooled rows the store refused: the next successful write replays them without waiting for the timer. */
  private spooledHere = false
  /**
   * Writes the store refused, per minute, not yet added to its counts (audit_writes): the store was what failed, so
   * they go with the next batch it commits. The failure log beside the store has them at once.
   */
  private uncounted = new Map<string, { at: string; batches: number; rows: number }>()
  /** Commits not yet added to the store's counts, per minute (see COUNT_EVERY_MS). */
  private committedUncounted = new Map<string, { at: string; batches: number; rows: number }>()
  private lastCounted = 0
  private countTimer: NodeJS.Timeout | null = null
  readonly failures: AuditFailureLog
  readonly spool: AuditSpool

  constructor(
    private store: Store,
    stateDir: string,
    private log: Logger,
    /** Stamps each row: the server's one clock (src/clock.ts). */
    private clock: Clock = systemClock,
  ) {
    this.failures = new AuditFailureLog(`${stateDir}/audit-failures.ndjson`)
    this.spool = new AuditSpool(`${stateDir}/audit-spool.ndjson`)
  }

  /** Validates and queues one row; resolves when it is durable. Never rejects for store trouble. */
  record(entry: AuditEntry): Promise<void> {
    if (!isAuditAction(entry.action)) throw new Error(`audit: action outside the vocabulary: ${entry.action}`)
    if (!isAuditResult(entry.result)) throw new Error(`audit: result outside the vocabulary: ${entry.result}`)
    if (!isClientKind(entry.client_kind)) throw new Error(`audit: unknown client_kind: ${entry.client_kind}`)
    // The one place every audit row is built: strings that callers fill in are redacted and capped here, so no
    // route or job can store a secret by forgetting to (user_email and client_ip are validated upstream).
    const row: NewAuditRow = {
      timestamp: entry.timestamp ?? this.clock.now().toISOString(),
      user_id: entry.user_id ?? null,
      user_email: entry.user_email ?? null,
      action: entry.action,
      resource: entry.resource ? (RECORD_ID.test(entry.resource) ? entry.resource : (capParams(entry.resource) as string)) : null,
      params: entry.params ? (capParams(entry.params) as Record<string, unknown>) : null,
      params_before: entry.params_before ? (capParams(entry.params_before) as Record<string, unknown>) : null,
      result: entry.result,
      duration_ms: entry.duration_ms === undefined || entry.duration_ms === null ? null : Math.round(entry.duration_ms * 1000) / 1000,
      client_ip: entry.client_ip ?? null,
      client_kind: entry.client_kind,
      correlation_id: redactAuditString(entry.correlation_id),
    }
    return new Promise((done) => {
      this.queue.push({ row, done })
      this.pump()
    })
  }

  /**
   * Starts a batch of everything queued when none is being written. The next one starts only after the callers of
   * the last have resumed: those that record again at once (a loop, a request's next audit row) join it instead
   * of filling a batch of their own, so 64 waiting callers commit as one batch, not as two alternating halves.
   */
  private pump(): void {
    if (this.writing || !this.queue.length) return
    this.writing = true
    void this.write(this.queue.splice(0, MAX_BATCH)).finally(() => {
      this.writing = false
      this.pump()
    })
  }

  /** Commits one batch, or spools it when the store refuses; resolves its callers either way. */
  private async write(batch: Pending[]): Promise<void> {
    const rows = batch.map((p) => p.row)
    try {
      await this.commit(rows)
      if (this.spooledHere) {
        this.spooledHere = false
        void this.replaySpool()
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      this.log.error({ err: message, rows: rows.length }, 'audit write failed; rows spooled for retry')
      const at = this.clock.now()
      this.failures.record(at, rows.length, message)
      this.countFailure(at.toISOString(), 1, rows.length)
      try {
        this.spool.append(rows)
        this.spooledHere = true
      } catch (spoolErr) {
        this.log.fatal({ err: String(spoolErr), rows }, 'audit rows could neither be stored nor spooled')
      }
    }
    for (const p of batch) p.done()
  }

  /** Moves spooled rows back into the store; called at start and periodically. */
  async replaySpool(): Promise<number> {
    try {
      const n = await this.spool.replay((rows) => this.commit(rows))
      if (n) this.log.info({ rows: n }, 'replayed spooled audit rows')
      return n
    } catch (e) {
      this.log.warn({ err: String(e) }, 'audit spool replay failed; will retry')
      this.spooledHere = true
      return 0
    }
  }

  /**
   * Commits rows with the counts of this batch and of the refused writes not yet counted. Those are taken out while
   * the commit runs (a replay may commit alongside a flush) and put back if it fails.
   */
  private async commit(rows: NewAuditRow[]): Promise<void> {
    const now = this.clock.now()
    const due = now.getTime() - this.lastCounted >= COUNT_EVERY_MS || now.getTime() < this.lastCounted
    const tally = due ? this.takeTally(now) : undefined
    try {
      await this.store.audit.insertMany(rows, tally)
    } catch (e) {
      if (tally) this.putBack(tally)
      throw e
    }
    if (due) this.lastCounted = now.getTime()
    else {
      addTo(this.committedUncounted, now.toISOString(), 1, rows.length)
      this.scheduleCount()
    }
  }

  /** The counts waiting for the store: this worker's commits and refused writes since the last count. */
  private takeTally(now: Date): AuditWriteTally {
    const tally: AuditWriteTally = { at: now.toISOString(), committed: [...this.committedUncounted.values()], failed: [...this.uncounted.values()] }
    this.committedUncounted.clear()
    this.uncounted.clear()
    return tally
  }

  private putBack(tally: AuditWriteTally): void {
    for (const c of tally.committed ?? []) addTo(this.committedUncounted, c.at, c.batches, c.rows)
    for (const f of tally.failed) this.countFailure(f.at, f.batches, f.rows)
  }

  private scheduleCount(): void {
    if (this.countTimer) return
    this.countTimer = setTimeout(() => {
      this.countTimer = null
      void this.flushCounts()
    }, COUNT_EVERY_MS)
    this.countTimer.unref()
  }

  /**
   * Adds this worker's commits not yet counted to the store now (the Performance view calls it before reading, so
   * its own worker's figures are exact; another worker's are at most COUNT_EVERY_MS behind).
   */
  async flushCounts(): Promise<void> {
    if (this.committedUncounted.size === 0) return
    const now = this.clock.now()
    const tally = this.takeTally(now)
    try {
      await this.store.audit.addWriteCounts(tally)
      this.lastCounted = now.getTime()
    } catch {
      // The store refuses: the counts wait for the next batch it commits.
      this.putBack(tally)
    }
  }

  private countFailure(at: string, batches: number, rows: number): void {
    addTo(this.uncounted, at, batches, rows)
  }

  /** Resolves when everything queued so far is durable, and counted. */
  async drain(): Promise<void> {
    while (this.writing || this.queue.length) await new Promise((r) => setTimeout(r, 5))
    await this.flushCounts()
  }
}

/** Adds a count to its minute's entry; past MAX_UNCOUNTED_MINUTES minutes the oldest goes. */
function addTo(counts: Map<string, { at: string; batches: number; rows: number }>, at: string, batches: number, rows: number): void {
  const minute = new Date(Math.floor(Date.parse(at) / 60_000) * 60_000).toISOString()
  const cur = counts.get(minute)
  if (cur) {
    cur.batches += batches
    cur.rows += rows
  } else counts.set(minute, { at: minute, batches, rows })
  if (counts.size > MAX_UNCOUNTED_MINUTES) counts.delete(counts.keys().next().value!)
}
