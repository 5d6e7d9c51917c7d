import { basename } from 'node:path'
import { emptyLineCounts, parseJsonLines, readJsonLines, type LineCounts } from '../jsonl-lines.ts'
import { asNumber, asString, isRecord, type JsonRecord } from '../json-value.ts'

/**
 * What one API response of a Claude Code transcript cost in tokens, as the accounting keeps it.
 *
 * Claude Code writes one line per content block of an assistant message, each carrying the message's `usage` as
 * it stood when the line was written: while a response streams, `output_tokens` grows (a thinking block's line
 * may say 8 where the final line says 780). The same response can also appear in several files: a resumed or
 * compacted session copies earlier lines into a new file, and a file uploaded twice repeats all of them. So a
 * response is identified by its message id and request id (`key`), and within one file the final snapshot is
 * kept: the line with the most output tokens, the later one on a tie. Across files the store keeps one copy.
 */
export interface ResponseUsage {
  /**
   * `<message id>:<request id>`; `msg:<id>` or `req:<id>` when one is missing; `line:<n>` when both are (unique in
   * its file only: the store scopes it to the file).
   */
  key: string
  messageId: string | null
  requestId: string | null
  /** The model as the transcript names it ("(unknown)" when the line names none). */
  model: string
  /** Time of the kept snapshot's line, else the nearest earlier timestamp of the file, else its first one. */
  timestamp: string | null
  /** The transcript's `sessionId` on the line (a subagent's lines carry their parent session's id). */
  sessionId: string | null
  /** The working directory on the line (the project), else the file's first one. */
  cwd: string | null
  /** A sidechain line: a subagent's work, inline in old files or in its own agent-*.jsonl file. */
  sidechain: boolean
  /** 1-based line of the kept snapshot. */
  line: number
  input: number
  output: number
  /** Every cache write (`cache_creation_input_tokens`). */
  cacheCreation: number
  /** The part written with the 1-hour TTL, when the transcript splits cache writes by TTL (else 0: all 5-minute). */
  cacheCreation1h: number
  cacheRead: number
  /** `usage.speed` ("fast" in fast mode), when given. */
  speed: string | null
  /** `usage.inference_geo`, when given ("us" is US-only inference). */
  inferenceGeo: string | null
  /** `costUSD` as older Claude Code versions wrote it beside the message, when present. */
  costUsd: number | null
}

/** Models Claude Code writes for messages it made up itself (API errors, interruptions): no API call, no cost. */
const NOT_A_RESPONSE = new Set(['<synthetic>'])
/** `agent-*.jsonl`, also as `agnes sessions push` names it: its path with `/` as `__` (`…__subagents__agent-a1b2.jsonl`). */
const SUBAGENT_FILE = /(?:^|__)agent-[A-Za-z0-9-]+\.jsonl$/

/** What reading one transcript for its costs gives. */
export interface FileResponses {
  responses: ResponseUsage[]
  counts: LineCounts
  /**
   * The earliest and latest timestamps of the file. Of several copies of a response the one in the file that
   * started first counts; a resumed session's file repeats the original's start, so then the one that ended first.
   */
  firstTimestamp: string | null
  lastTimestamp: string | null
  /** The file's own session id (its first line's), its first cwd. */
  sessionId: string | null
  cwd: string | null
  /** An agent-*.jsonl file, or one whose every message is a sidechain. */
  isSubagent: boolean
}

const int = (v: unknown) => {
  const n = asNumber(v)
  return n !== undefined && n > 0 ? Math.round(n) : 0
}

/**
 * Collects the responses of one transcript, one parsed line at a time (bounded memory: one entry per response).
 * Lines that are not assistant messages with a `usage`, or whose model is `<synthetic>`, are not responses.
 */
export class ResponseCollector {
  private readonly byKey = new Map<string, ResponseUsage>()
  private latestTimestamp: string | null = null
  private firstMs = Infinity
  private firstTimestamp: string | null = null
  private lastMs = -Infinity
  private lastTimestamp: string | null = null
  private sessionId: string | null = null
  private cwd: string | null = null
  private sawMain = false
  private sawSidechain = false

  constructor(private readonly fileName?: string) {}

  push(record: JsonRecord, line: number): void {
    const ts = asString(record.timestamp)
    const ms = ts ? Date.parse(ts) : NaN
    if (ts && !Number.isNaN(ms)) {
      this.latestTimestamp = ts
      if (ms < this.firstMs) {
        this.firstMs = ms
        this.firstTimestamp = ts
      }
      if (ms > this.lastMs) {
        this.lastMs = ms
        this.lastTimestamp = ts
      }
    }
    this.sessionId ??= asString(record.sessionId) ?? null
    this.cwd ??= asString(record.cwd) ?? null
    if (record.type !== 'assistant' || !isRecord(record.message)) return
    if (record.isSidechain === true) this.sawSidechain = true
    else this.sawMain = true
    const message = record.message
    const usage = message.usage
    if (!isRecord(usage)) return
    const model = asString(message.model) ?? '(unknown)'
    if (NOT_A_RESPONSE.has(model)) return
    const messageId = asString(message.id) ?? null
    const requestId = asString(record.requestId) ?? null
    const key = messageId && requestId ? `${messageId}:${requestId}` : messageId ? `msg:${messageId}` : requestId ? `req:${requestId}` : `line:${line}`
    const split = isRecord(usage.cache_creation) ? usage.cache_creation : null
    const cost = asNumber(record.costUSD)
    const snapshot: ResponseUsage = {
      key, messageId, requestId, model,
      timestamp: ts && !Number.isNaN(ms) ? ts : this.latestTimestamp,
      sessionId: asString(record.sessionId) ?? this.sessionId,
      cwd: asString(record.cwd) ?? this.cwd,
      sidechain: record.isSidechain === true,
      line,
      input: int(usage.input_tokens),
      output: int(usage.output_tokens),
      cacheCreation: int(usage.cache_creation_input_tokens),
      cacheCreation1h: split ? int(split.ephemeral_1h_input_tokens) : 0,
      cacheRead: int(usage.cache_read_input_tokens),
      speed: asString(usage.speed) ?? null,
      inferenceGeo: asString(usage.inference_geo) || null,
      costUsd: cost !== undefined ? cost : null,
    }
    const seen = this.byKey.get(key)
    if (seen) {
      // The final snapshot: the most output tokens; on a tie the later line. A costUSD once seen is kept.
      if (snapshot.output >= seen.output) {
        snapshot.costUsd ??= seen.costUsd
        snapshot.timestamp ??= seen.timestamp
        this.byKey.set(key, snapshot)
      } else if (seen.costUsd === null && snapshot.costUsd !== null) {
        seen.costUsd = snapshot.costUsd
      }
      return
    }
    this.byKey.set(key, snapshot)
  }

  result(counts: LineCounts): FileResponses {
    const responses = [...this.byKey.values()]
    for (const r of responses) {
      r.timestamp ??= this.firstTimestamp
      r.cwd ??= this.cwd
      r.sessionId ??= this.sessionId
    }
    const named = this.fileName !== undefined && SUBAGENT_FILE.test(basename(this.fileName))
    return {
      responses,
      counts,
      firstTimestamp: this.firstTimestamp,
      lastTimestamp: this.lastTimestamp,
      sessionId: this.sessionId,
      cwd: this.cwd,
      isSubagent: named || (this.sawSidechain && !this.sawMain),
    }
  }
}

/** The responses of a transcript file, read in one streaming pass. */
export async function readResponses(path: string): Promise<FileResponses> {
  const counts = emptyLineCounts()
  const collector = new ResponseCollector(path)
  for await (const { line, value } of readJsonLines(path, counts)) collector.push(value, line)
  return collector.result(counts)
}

/** The responses of a transcript held in memory (tests, small inputs). */
export function parseResponses(text: string, fileName?: string): FileResponses {
  const counts = emptyLineCounts()
  const collector = new ResponseCollector(fileName)
  for (const { line, value } of parseJsonLines(text, counts)) collector.push(value, line)
  return collector.result(counts)
}

/** Token totals of a set of responses, per kind. */
export interface TokenTotals {
  input: number
  output: number
  cacheCreation: number
  cacheCreation1h: number
  cacheRead: number
  responses: number
}

/** Sums responses, counting each key once (the first occurrence wins, as the store's earliest copy does). */
export function totalTokens(responses: Iterable<ResponseUsage>): TokenTotals {
  const out: TokenTotals = { input: 0, output: 0, cacheCreation: 0, cacheCreation1h: 0, cacheRead: 0, responses: 0 }
  const seen = new Set<string>()
  for (const r of responses) {
    if (seen.has(r.key)) continue
    seen.add(r.key)
    out.input += r.input
    out.output += r.output
    out.cacheCreation += r.cacheCreation
    out.cacheCreation1h += Math.min(r.cacheCreation1h, r.cacheCreation)
    out.cacheRead += r.cacheRead
    out.responses += 1
  }
  return out
}
