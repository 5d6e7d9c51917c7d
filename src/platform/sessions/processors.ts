import type { Store } from '../../store/index.ts'
import type { Config } from '../../config.ts'
import type { Services } from '../../services.ts'
import type { NewSessionFinding } from '../../store/repositories/sessions.ts'
import { FailureScanner } from '../../sessions/failure-scan.ts'
import { EXCERPT_MAX_CHARS } from '../../sessions/excerpt.ts'
import { visitTranscript } from '../../sessions/transcript.ts'
import { UsageAccumulator } from '../../sessions/usage.ts'
import { redactSecrets } from '../../redaction/index.ts'
import { isoOrNull } from './params.ts'
import { costsProcessor } from '../costs/processor.ts'
import { llmJudgeProcessor } from './llm-judge.ts'

/** What a processor is told about the run it is part of. */
export interface ProcessContext {
  /** When the run started (ISO); written as `detected_at` / `processed_at`, the same for every file of the run. */
  runAt: string
  /** The instance's services (the runner always passes them; processors that only write rows ignore them). */
  svc?: Services
  /** The SHA-256 of the stored file this run handles, as `session_uploads` recorded it. */
  fileSha256?: string
}

export interface ProcessResult {
  /** Rows the processor produced for the file (findings, or 1 usage row). */
  items: number
  /** Lines that could not be read: malformed JSON plus lines over the reader's size limit. */
  malformedLines: number
  /**
   * Why the file was left for a later run (an outside service unavailable, a budget reached, another processor not
   * done yet): the runner records no state for it, so the next run takes it up again, and the run does not fail.
   */
  deferred?: string
}

/**
 * A session processor: turns one stored transcript into rows of its own, replacing whatever it wrote for
 * that file before. It must be safe to run again on the same file (the runner reruns changed files and
 * files that failed). Throwing marks the file as failed for this processor only.
 */
export interface SessionProcessor {
  name: string
  /** How often the scheduler runs it (AGNES_SESSION_PROCESSORS_EVERY_SECONDS overrides). */
  cadenceMinutes: number
  /** Why the processor is off on this instance (a run then handles no file), or null; absent: always on. */
  offBecause?(config: Pick<Config, 'llm'>): string | null
  processSession(file: string, username: string, sessionKey: string, store: Store, ctx: ProcessContext): Promise<ProcessResult>
}

/** A run of token characters (what keys and passwords are made of) long enough to be part of a secret. */
const CUT_TOKEN = /[A-Za-z0-9_+/=.-]{12,}$/

/**
 * A finding's excerpt as stored: secrets redacted again (the upload redacted the JSON text; the excerpt is
 * decoded text, where an escaped secret can reappear), then capped. When the scanner cut the excerpt, the
 * token at the cut is dropped too, so half a secret that no pattern recognises any more is not kept.
 */
export function maskExcerpt(text: string, max = EXCERPT_MAX_CHARS): string {
  let out = redactSecrets(text).text
  if (out.endsWith('…')) out = `${out.slice(0, -1).replace(CUT_TOKEN, '').trimEnd()}…`
  if (out.length > max) out = `${out.slice(0, max - 1).replace(CUT_TOKEN, '').trimEnd()}…`
  return out
}

/** Per-session usage into `session_usage`: one row per transcript. */
export const usageProcessor: SessionProcessor = {
  name: 'usage',
  cadenceMinutes: 15,
  async processSession(file, username, sessionKey, store, ctx) {
    const acc = new UsageAccumulator()
    const { counts, metadata } = await visitTranscript(file, (event) => acc.push(event))
    const u = acc.result()
    const malformedLines = counts.malformed + counts.oversized
    await store.sessions.upsertUsage({
      session_file: sessionKey,
      username,
      started_at: isoOrNull(u.firstTimestamp),
      ended_at: isoOrNull(u.lastTimestamp),
      turns: u.turns,
      tool_calls: u.toolCallTotal,
      tool_errors: u.toolErrors,
      tools: u.toolCalls,
      tokens: { input: u.tokens.input, output: u.tokens.output, cache_creation: u.tokens.cacheCreation, cache_read: u.tokens.cacheRead },
      models: u.models,
      active_seconds: u.activeSeconds,
      claude_version: metadata.version,
      malformed_lines: malformedLines,
      processed_at: ctx.runAt,
    })
    return { items: 1, malformedLines }
  },
}

/** The deterministic failure signals into `session_findings`, replacing the file's earlier findings. */
export const failureScanProcessor: SessionProcessor = {
  name: 'failure_scan',
  cadenceMinutes: 15,
  async processSession(file, username, sessionKey, store, ctx) {
    const scanner = new FailureScanner()
    // Findings name their evidence by line; remember each line's timestamp to date them.
    const lineTimes = new Map<number, string>()
    const { counts } = await visitTranscript(file, (event) => {
      scanner.push(event)
      if (event.timestamp && !lineTimes.has(event.line)) lineTimes.set(event.line, event.timestamp)
    })
    const rows: NewSessionFinding[] = scanner.finish().map((f) => ({
      session_file: sessionKey,
      username,
      finding_type: f.findingType,
      turn_index: f.turnIndex,
      line: f.line,
      severity: f.severity,
      excerpt: maskExcerpt(f.excerpt),
      detected_at: ctx.runAt,
      occurred_at: isoOrNull(lineTimes.get(f.line)),
    }))
    await store.sessions.replaceFindings(sessionKey, rows)
    return { items: rows.length, malformedLines: counts.malformed + counts.oversized }
  },
}

/** The processors Agnes runs by default, in the order the scheduler starts them. */
export const DEFAULT_PROCESSORS: readonly SessionProcessor[] = [usageProcessor, failureScanProcessor, costsProcessor, llmJudgeProcessor]
