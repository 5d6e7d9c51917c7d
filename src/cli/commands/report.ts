import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { arch, release, type as osType } from 'node:os'
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { createInterface } from 'node:readline'
import { createInterface as createPromptInterface } from 'node:readline/promises'
import type { Readable, Writable } from 'node:stream'
import { VERSION } from '../../version.ts'
import { redactSecrets } from '../../redaction/index.ts'
import { TranscriptNormalizer } from '../../sessions/transcript.ts'
import { classifyToolResult } from '../../sessions/tool-outcome.ts'
import { isRecord } from '../../sessions/json-value.ts'
import { CliError, type ApiClient } from '../client.ts'
import { remoteFilename } from './sessions-push.ts'

/** How much of the session a report carries: its last 50 turns, at most 1 MB. */
export const EXCERPT_TURNS = 50
export const EXCERPT_MAX_BYTES = 1024 * 1024
/** The excerpt travels as a JSON string; escaping must not take the request past the server's body limit. */
const EXCERPT_MAX_JSON_BYTES = 2 * 1024 * 1024 - 64 * 1024
export const MESSAGE_MAX_CHARS = 10_000
/** Lines longer than this are left out of the excerpt (a base64 screenshot, a huge file read). */
const LINE_MAX_BYTES = 8 * 1024 * 1024

/** What one turn of the excerpt did, for the preview. */
export interface TurnSummary {
  /** 1-based turn number within the whole session. */
  turn: number
  started_at: string | null
  prompt: string | null
  tool_calls: Record<string, number>
  tool_errors: number
}

export interface ExcerptInfo {
  path: string
  /** The name `agnes sessions push` stores this transcript under (so the admin can find its findings). */
  session_file: string
  claude_code_version: string | null
  turns: number
  total_turns: number
  lines: number
  bytes: number
  /** Turns that did not fit in 1 MB and were left out (oldest first). */
  left_out_turns: number
  summary: TurnSummary[]
  last_error: string | null
}

export interface ReportBundle {
  message: string
  session_excerpt: string | null
  session_file: string | null
  environment: Record<string, string | null>
  excerpt: ExcerptInfo | null
  /** Why there is no excerpt, when there is none. */
  no_excerpt_reason: string | null
  redactions: { count: number; kinds: Record<string, number> }
}

/** The folder names Claude Code may have given a working directory under ~/.claude/projects. */
export function projectFolderNames(cwd: string): string[] {
  return [...new Set([cwd.replace(/[/.]/g, '-'), cwd.replace(/[^A-Za-z0-9-]/g, '-')])]
}

/** The newest top-level `*.jsonl` (not a subagent's `agent-*.jsonl`) of the project folder for one of `cwds`. */
export async function findCurrentTranscript(projectsDir: string, cwds: string[]): Promise<{ path: string | null; looked: string[] }> {
  const looked: string[] = []
  for (const cwd of cwds) {
    for (const name of projectFolderNames(cwd)) {
      const dir = join(projectsDir, name)
      if (looked.includes(dir)) continue
      looked.push(dir)
      let entries: string[]
      try {
        entries = await readdir(dir)
      } catch {
        continue
      }
      let best: { path: string; mtime: number } | null = null
      for (const e of entries) {
        if (!e.endsWith('.jsonl') || e.startsWith('agent-')) continue
        const p = join(dir, e)
        const st = await stat(p).catch(() => null)
        if (st?.isFile() && (!best || st.mtimeMs > best.mtime)) best = { path: p, mtime: st.mtimeMs }
      }
      if (best) return { path: best.path, looked }
    }
  }
  return { path: null, looked }
}

interface Entry {
  text: string
  bytes: number
  turn: number
  kinds: Record<string, number>
  prompt: string | null
  timestamp: string | null
  calls: string[]
  errors: string[]
}

/**
 * Reads the last `turns` turns of a transcript, redacting every line before it is kept, with memory bounded by
 * the excerpt size: lines stream through a window that drops whole lines from the front.
 */
export async function readExcerpt(path: string, opts: { turns?: number; maxBytes?: number; projectsDir?: string } = {}) {
  const maxTurns = opts.turns ?? EXCERPT_TURNS
  const maxBytes = opts.maxBytes ?? EXCERPT_MAX_BYTES
  const normalizer = new TranscriptNormalizer({ fileName: path })
  let window: Entry[] = []
  let head = 0
  let total = 0
  let lineNo = 0
  let turn = 0
  const turnsSeen = new Set<number>()
  const drop = () => {
    total -= window[head].bytes + 1
    head++
    if (head > 1024 && head * 2 > window.length) {
      window = window.slice(head)
      head = 0
    }
  }
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
  for await (const raw of lines) {
    lineNo++
    if (!raw.trim() || Buffer.byteLength(raw) > LINE_MAX_BYTES) continue
    const red = redactSecrets(raw)
    const entry: Entry = { text: red.text, bytes: Buffer.byteLength(red.text), turn, kinds: red.kinds, prompt: null, timestamp: null, calls: [], errors: [] }
    let value: unknown = null
    try {
      value = JSON.parse(red.text)
    } catch {
      value = null
    }
    if (isRecord(value)) {
      const events = normalizer.push(value, lineNo)
      for (const e of events) {
        if (e.turnIndex > turn) turn = e.turnIndex
        entry.timestamp ??= e.timestamp
        if (e.kind === 'human_prompt' && !e.sidechain) entry.prompt ??= e.text
        if (e.kind === 'tool_use' && e.call) entry.calls.push(e.call.name)
        if (e.kind === 'tool_result' && e.result && classifyToolResult(e.result).kind === 'error') entry.errors.push(e.result.text)
      }
      entry.turn = turn
    }
    turnsSeen.add(entry.turn)
    window.push(entry)
    total += entry.bytes + 1
    while (head < window.length && window[head].turn <= turn - maxTurns) drop()
    while (total > maxBytes && window.length - head > 1) drop()
  }
  const kept = window.slice(head)
  const jsonBytes = () => kept.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e.text)), 0)
  while (kept.length && (total > maxBytes || jsonBytes() > EXCERPT_MAX_JSON_BYTES)) total -= kept.shift()!.bytes + 1
  const keptTurns = new Set(kept.map((e) => e.turn))
  const firstKept = kept.length ? kept[0].turn : turn + 1
  const summary = new Map<number, TurnSummary>()
  let lastError: string | null = null
  const kinds: Record<string, number> = {}
  for (const e of kept) {
    let s = summary.get(e.turn)
    if (!s) summary.set(e.turn, (s = { turn: e.turn + 1, started_at: e.timestamp, prompt: null, tool_calls: {}, tool_errors: 0 }))
    s.started_at ??= e.timestamp
    s.prompt ??= e.prompt
    for (const c of e.calls) s.tool_calls[c] = (s.tool_calls[c] ?? 0) + 1
    s.tool_errors += e.errors.length
    if (e.errors.length) lastError = e.errors[e.errors.length - 1]
    for (const [k, n] of Object.entries(e.kinds)) kinds[k] = (kinds[k] ?? 0) + n
  }
  const inTurns = (t: number) => t >= turn - maxTurns + 1
  const meta = normalizer.metadata
  const projectsDir = opts.projectsDir ? resolve(opts.projectsDir) : null
  const abs = resolve(path)
  const rel = projectsDir && abs.startsWith(projectsDir + sep) ? relative(projectsDir, abs) : basename(abs)
  const info: ExcerptInfo = {
    path: abs,
    session_file: remoteFilename(rel),
    claude_code_version: meta.version,
    turns: keptTurns.size,
    total_turns: turnsSeen.size,
    lines: kept.length,
    bytes: kept.length ? Math.max(0, total - 1) : 0,
    left_out_turns: [...turnsSeen].filter((t) => inTurns(t) && t < firstKept).length,
    summary: [...summary.values()],
    last_error: lastError,
  }
  return { text: kept.map((e) => e.text).join('\n'), info, kinds }
}

/** Counts of two redaction results added up. */
function addKinds(into: Record<string, number>, more: Record<string, number>): Record<string, number> {
  for (const [k, n] of Object.entries(more)) into[k] = (into[k] ?? 0) + n
  return into
}

/**
 * Everything a report sends, secrets already redacted: the message, the last turns of the session (the newest
 * transcript of the current folder, or `session`), and the environment.
 */
export async function buildReportBundle(opts: { message: string; session?: string; home: string; cwd: string; pwd?: string }): Promise<ReportBundle> {
  const trimmed = opts.message.trim()
  if (!trimmed) throw new CliError('--message must not be empty', 2)
  if (trimmed.length > MESSAGE_MAX_CHARS) throw new CliError(`--message is ${trimmed.length} characters; at most ${MESSAGE_MAX_CHARS}`, 2)
  const projectsDir = join(opts.home, '.claude', 'projects')
  let path: string | null = null
  let reason: string | null = null
  if (opts.session) {
    path = isAbsolute(opts.session) ? opts.session : resolve(opts.cwd, opts.session)
    const st = await stat(path).catch(() => null)
    if (!st?.isFile()) throw new CliError(`--session: no such file: ${path}`, 2)
  } else {
    const cwds = [opts.cwd, ...(opts.pwd && opts.pwd !== opts.cwd ? [opts.pwd] : [])]
    const found = await findCurrentTranscript(projectsDir, cwds)
    path = found.path
    if (!path) reason = `no Claude Code transcript found for ${opts.cwd} (looked in ${found.looked.join(', ')})`
  }
  const message = redactSecrets(trimmed)
  const kinds = addKinds({}, message.kinds)
  let excerpt: Awaited<ReturnType<typeof readExcerpt>> | null = null
  if (path) {
    excerpt = await readExcerpt(path, { projectsDir })
    addKinds(kinds, excerpt.kinds)
    if (!excerpt.text) reason = `the last turns of ${path} are too large to send (more than 1 MB in one line)`
  }
  const envRaw: Record<string, string | null> = {
    agnes_cli_version: VERSION,
    os: `${osType()} ${release()} ${arch()}`,
    node_version: process.version,
    claude_code_version: excerpt?.info.claude_code_version ?? null,
  }
  const env = redactSecrets(JSON.stringify(envRaw))
  addKinds(kinds, env.kinds)
  const hasExcerpt = Boolean(excerpt?.text)
  return {
    message: message.text,
    session_excerpt: hasExcerpt ? excerpt!.text : null,
    session_file: hasExcerpt ? excerpt!.info.session_file : null,
    environment: JSON.parse(env.text),
    excerpt: hasExcerpt ? excerpt!.info : null,
    no_excerpt_reason: hasExcerpt ? null : reason,
    redactions: { count: Object.values(kinds).reduce((a, b) => a + b, 0), kinds },
  }
}

const clip = (s: string, n: number) => {
  const t = s.replace(/\s+/g, ' ').trim()
  return t.length > n ? `${t.slice(0, n - 1)}…` : t
}
const num = (n: number) => n.toLocaleString('en-US')

/** The mandatory preview: what will be sent, how much of the session, and what was redacted. */
export function formatPreview(b: ReportBundle, target: string, opts: { showAll?: boolean } = {}): string {
  const out: string[] = [
    opts.showAll || !b.session_excerpt
      ? `This report goes to ${target}. Exactly this is sent (secrets already redacted):`
      : `This report goes to ${target}. What is sent, with the session excerpt summarised (secrets already redacted; --show-all prints every line of it):`,
    '',
    'Message:',
  ]
  for (const l of b.message.split('\n')) out.push(`  ${l}`)
  out.push('')
  if (b.excerpt) {
    const x = b.excerpt
    out.push(`Session excerpt from ${x.path}:`)
    out.push(
      `  ${x.turns} turn(s) (the last ${x.turns} of ${x.total_turns}${x.left_out_turns ? `; ${x.left_out_turns} older one(s) left out to stay under 1 MB` : ''}), ` +
        `${num(x.lines)} line(s), ${num(x.bytes)} bytes`,
    )
    for (const t of x.summary) {
      const when = t.started_at ? ` ${t.started_at.replace('T', ' ').slice(0, 16)}` : ''
      const calls = Object.entries(t.tool_calls).map(([name, n]) => (n > 1 ? `${name} ×${n}` : name))
      const ncalls = Object.values(t.tool_calls).reduce((a, n) => a + n, 0)
      out.push(`  turn ${t.turn}${when}: ${t.prompt ? `you: "${clip(t.prompt, 100)}"` : '(no prompt in the excerpt)'}`)
      if (ncalls || t.tool_errors) out.push(`      Claude: ${ncalls} tool call(s)${calls.length ? ` (${calls.join(', ')})` : ''}${t.tool_errors ? `, ${t.tool_errors} failed` : ''}`)
    }
    if (x.last_error) out.push(`  last tool error: "${clip(x.last_error, 200)}"`)
    if (opts.showAll && b.session_excerpt) {
      out.push('', `The excerpt, every line as sent (${num(x.lines)} JSONL line(s)):`)
      for (const line of b.session_excerpt.split('\n')) if (line) out.push(`  ${line}`)
    }
  } else {
    out.push(`Session excerpt: none. ${b.no_excerpt_reason ?? 'No transcript.'} The report is sent without one.`)
  }
  out.push('')
  const e = b.environment
  out.push(`Environment: Agnes CLI ${e.agnes_cli_version}, ${e.os}, Node ${e.node_version}, Claude Code ${e.claude_code_version ?? 'unknown'}`)
  const kinds = Object.entries(b.redactions.kinds)
  out.push(
    kinds.length
      ? `Redacted before showing or sending: ${b.redactions.count} secret(s): ${kinds.map(([k, n]) => `${k} ×${n}`).join(', ')}`
      : 'Redacted before showing or sending: nothing looked like a secret.',
  )
  return out.join('\n')
}

/** Asks a yes/no question on a terminal; only y or yes (any case) is a yes. */
export async function confirm(question: string, input: Readable = process.stdin, output: Writable = process.stdout): Promise<boolean> {
  const rl = createPromptInterface({ input, output })
  try {
    const answer = await rl.question(question)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

export interface ReportResult {
  id: string
  fingerprint: string
  duplicate_of: string | null
}

/** Sends a previewed bundle: POST /api/feedback with ack_preview true. */
export async function sendReport(client: ApiClient, b: ReportBundle): Promise<ReportResult> {
  return client.request<ReportResult>('POST', '/api/feedback', {
    message: b.message,
    ack_preview: true,
    ...(b.session_excerpt ? { session_excerpt: b.session_excerpt, session_file: b.session_file } : {}),
    environment: b.environment,
  })
}
