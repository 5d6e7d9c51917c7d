import { randomUUID } from 'node:crypto'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { Services } from '../../services.ts'
import type { ProcessorJob } from '../../scheduler/index.ts'
import { sessionFilePath, userSessionsDir } from '../uploads/names.ts'
import { DEFAULT_PROCESSORS, type SessionProcessor } from './processors.ts'

/** Most transcripts one run handles; the rest wait for the next run. */
export const MAX_FILES_PER_RUN = 200
/** Most per-file errors listed in a run's report (the count is always complete). */
const MAX_ERRORS_LISTED = 20

/** What one run did; the scheduler writes it as the params of the run's `run_session_processor:<name>` row. */
export type ProcessorRunReport = {
  processor: string
  /** Transcripts processed successfully in this run. */
  sessions_processed: number
  /** Transcripts whose current content this processor had already handled. */
  skipped_unchanged: number
  /** Transcripts the processor failed on in this run; they are tried again next run. */
  failed: number
  /** Rows written: findings for failure_scan, usage rows for usage. */
  items: number
  malformed_lines: number
  /** Transcripts still waiting after this run (the per-run cap, the time budget, or failures to retry). */
  pending: number
  /** When the run started: the `detected_at` of every finding and the `processed_at` of every state row it wrote. */
  run_at: string
  errors: Array<{ session_file: string; error: string }>
  /** True when another run of this processor was going, so this one did nothing. */
  busy?: boolean
  /** Transcripts the processor left for a later run (see ProcessResult.deferred); only when there were some. */
  deferred?: number
  /** The first reasons given for deferring, with their transcripts. */
  deferred_reasons?: Array<{ session_file: string; reason: string }>
  /** Why the processor is off on this instance: the run handled no file. */
  off?: string
}

// Each run's start is unique per processor, so findings can be traced to the run that wrote them (see related.ts).
const lastRunAt = new Map<string, number>()
function runStart(processor: string, nowMs: number): string {
  const ms = Math.max(nowMs, (lastRunAt.get(processor) ?? 0) + 1)
  lastRunAt.set(processor, ms)
  return new Date(ms).toISOString()
}

function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  if (err?.code === 'ENOENT') return 'the stored file is missing on disk'
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return 'the stored file cannot be read (permission denied)'
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 500)
}

/**
 * Runs one processor over the stored transcripts it has not yet handled in their current content. Idempotent
 * per (processor, file, SHA-256): an unchanged file is skipped; a changed file is processed again and the
 * processor replaces its earlier output; a file the processor throws on gets an `error` state row with the
 * message and is tried again next run, without stopping the other files. At most `maxFiles` files per run,
 * and no new file is started after `deadline`. Writes no audit row: the caller's row carries the report.
 *
 * The hash compared is the one `session_uploads` recorded for the stored file, the same value the upload
 * wrote when it renamed the file into place; a file replaced mid-run is seen as changed on the next run.
 */
export async function runSessionProcessor(
  svc: Services,
  processor: SessionProcessor,
  opts: { deadline?: number; maxFiles?: number } = {},
): Promise<ProcessorRunReport> {
  const maxFiles = opts.maxFiles ?? MAX_FILES_PER_RUN
  const lock = `session_processor:${processor.name}`
  const holder = randomUUID()
  const ttlMs = Math.max((opts.deadline ?? Date.now()) - Date.now(), 0) + 10 * 60_000
  const report: ProcessorRunReport = {
    processor: processor.name, sessions_processed: 0, skipped_unchanged: 0, failed: 0, items: 0, malformed_lines: 0, pending: 0,
    run_at: '', errors: [],
  }
  const off = processor.offBecause?.(svc.config) ?? null
  if (off) {
    report.off = off
    report.run_at = svc.clock.now().toISOString()
    return report
  }
  if (!(await svc.store.locks.acquire(lock, holder, ttlMs))) {
    report.busy = true
    report.run_at = svc.clock.now().toISOString()
    return report
  }
  try {
    report.run_at = runStart(processor.name, svc.clock.now().getTime())
    const todo = await svc.store.sessions.pending(processor.name, maxFiles)
    report.skipped_unchanged = await svc.store.sessions.countUpToDate(processor.name)
    for (const f of todo) {
      if (opts.deadline !== undefined && Date.now() > opts.deadline) break // the rest waits for the next run
      let items = 0
      let error: string | null = null
      try {
        const path = sessionFilePath(userSessionsDir(svc.config.dataDir, f.username), f.filename)
        const out = await processor.processSession(path, f.username, f.session_file, svc.store, { runAt: report.run_at, svc, fileSha256: f.sha256 })
        if (out.deferred !== undefined) {
          report.deferred = (report.deferred ?? 0) + 1
          report.deferred_reasons ??= []
          if (report.deferred_reasons.length < MAX_ERRORS_LISTED) report.deferred_reasons.push({ session_file: f.session_file, reason: out.deferred.slice(0, 500) })
          await yieldToEventLoop()
          continue
        }
        items = out.items
        report.malformed_lines += out.malformedLines
      } catch (e) {
        error = describeError(e)
        svc.log.warn({ processor: processor.name, session_file: f.session_file, err: e }, 'session processor failed on a file')
      }
      await svc.store.sessions.recordState({
        processor: processor.name, session_file: f.session_file, file_sha256: f.sha256, file_bytes: Number(f.bytes),
        status: error ? 'error' : 'ok', items, error, processed_at: report.run_at,
      })
      if (error) {
        report.failed += 1
        if (report.errors.length < MAX_ERRORS_LISTED) report.errors.push({ session_file: f.session_file, error })
      } else {
        report.sessions_processed += 1
        report.items += items
      }
      // Let queued HTTP requests run between files.
      await yieldToEventLoop()
    }
    report.pending = await svc.store.sessions.countPending(processor.name)
    return report
  } finally {
    await svc.store.locks.release(lock, holder).catch(() => {})
  }
}

/** The processors as scheduler jobs (one `run_session_processor:<name>` row per tick, written by the scheduler). */
export function sessionProcessorJobs(processors: readonly SessionProcessor[] = DEFAULT_PROCESSORS): ProcessorJob[] {
  return processors.map((p) => ({
    name: p.name,
    cadenceMinutes: p.cadenceMinutes,
    run: async (svc, { deadline }) => ({ ...(await runSessionProcessor(svc, p, { deadline })) }),
  }))
}

/** A default processor by name, or undefined. */
export function findProcessor(name: string): SessionProcessor | undefined {
  return DEFAULT_PROCESSORS.find((p) => p.name === name)
}
