import { redactSecrets } from '../../redaction/index.ts'

/** The label every issue Agnes opens carries (with the report's own tags): how a just-created issue is found again. */
export const ISSUE_LABEL = 'agnes-report'
/** GitHub refuses issue bodies and comments longer than this. */
export const BODY_MAX_CHARS = 65_536
/** Longest new-issue URL we hand out: GitHub answers 414 a little past 8 KB. */
export const NEW_ISSUE_URL_MAX = 8000
const TITLE_MAX = 120
const EXCERPT_MAX_CHARS = 40_000

/** The hidden line every issue and "+1" comment body carries: the problem's fingerprint. */
export const fingerprintMarker = (fp: string) => `<!-- agnes-fingerprint: ${fp} -->`
/** The hidden line naming the report an issue or comment was written for (so a retry does not write it twice). */
export const reportMarker = (id: string) => `<!-- agnes-report: ${id} -->`

export interface IssueSource {
  report: {
    id: string
    created_at: string
    message: string
    environment: Record<string, unknown> | null
    fingerprint: string
    tags: string[]
    session_file: string | null
    session_excerpt: string | null
  }
  /** Who filed it, as the issue names them (a username, never an e-mail). */
  reporter: string
  /** Its page in Agnes. */
  link: string
  /** Other reports sharing the fingerprint. */
  duplicates: number
  findings: Array<{ finding_type: string; severity: string | null; line: number; turn_index: number | null; excerpt: string | null }>
  /** The admin ticked "include the session excerpt". */
  includeExcerpt: boolean
}

export interface IssueContent {
  title: string
  body: string
  labels: string[]
  /** The "+1" comment written instead when an issue with the marker exists. */
  comment: string
  /** Secrets found and redacted in what would be sent, by kind. */
  redactions: Record<string, number>
}

/** A fenced block that no backtick run inside `text` can close. */
function fenced(text: string, lang = 'text'): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${lang}\n${text.replace(/\n+$/, '')}\n${fence}`
}

const oneLine = (s: string, max: number) => {
  const t = s.replace(/\s+/g, ' ').trim()
  return t.length > max ? `${t.slice(0, max - 1)}…` : t
}

/** A table cell: one line, pipes escaped, no HTML. */
const cell = (v: unknown) => oneLine(v === null || v === undefined || v === '' ? 'unknown' : typeof v === 'object' ? JSON.stringify(v) : String(v), 300)
  .replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;')

const ENV_LABEL: Array<[string, string]> = [['agnes_cli_version', 'Agnes CLI'], ['os', 'OS'], ['node_version', 'Node'], ['claude_code_version', 'Claude Code']]

function environmentTable(env: Record<string, unknown> | null): string {
  if (!env || Object.keys(env).length === 0) return '_The report sent no environment._'
  const rows: string[] = ['| | |', '| --- | --- |']
  const shown = new Set<string>()
  for (const [k, label] of ENV_LABEL) {
    if (!(k in env)) continue
    shown.add(k)
    rows.push(`| ${label} | ${cell(env[k])} |`)
  }
  for (const [k, v] of Object.entries(env)) if (!shown.has(k)) rows.push(`| ${cell(k)} | ${cell(v)} |`)
  return rows.join('\n')
}

function findingsBlock(src: IssueSource): string {
  if (!src.report.session_file) return '_The report names no stored transcript._'
  if (src.findings.length === 0) return `_No failure_scan findings for the session (not pushed, not scanned yet, or nothing went wrong in it)._`
  const lines = src.findings.slice(0, 30).map((f) =>
    `${f.finding_type}${f.severity ? ` (${f.severity})` : ''} at line ${f.line}${f.turn_index !== null ? `, turn ${f.turn_index + 1}` : ''}: ${oneLine(f.excerpt ?? '', 200)}`)
  if (src.findings.length > 30) lines.push(`…and ${src.findings.length - 30} more`)
  return fenced(lines.join('\n'))
}

/** The first line of the message, as the issue's title. */
export function issueTitle(message: string): string {
  const first = message.split('\n').map((l) => l.trim()).find(Boolean) ?? 'Problem report'
  return `Agnes report: ${oneLine(first, TITLE_MAX)}`
}

/**
 * What sending a report to GitHub writes: the issue (title, body, labels) or, when an issue with its fingerprint
 * exists, the "+1" comment. The body holds the message, the environment, the findings of the session and a link back
 * to the report; the session excerpt only when the admin asked for it. Everything is redacted as the report preview is,
 * once more, on the exact text that leaves.
 */
export function issueContent(src: IssueSource): IssueContent {
  const r = src.report
  const footer = [
    '---',
    `Filed through Agnes by ${src.reporter} on ${r.created_at.slice(0, 10)}: ${src.link}`,
    // In full and visible too: GitHub's search finds it in the text even if it skips the hidden marker.
    `Fingerprint \`${r.fingerprint}\`${src.duplicates ? `; ${src.duplicates} other report(s) share it` : ''}.`,
    fingerprintMarker(r.fingerprint),
    reportMarker(r.id),
  ].join('\n')
  const parts = [
    '### What happened',
    fenced(r.message),
    '### Environment',
    environmentTable(r.environment),
    '### Findings of the session',
    r.session_file ? `Transcript \`${r.session_file.replace(/`/g, '')}\`` : '',
    findingsBlock(src),
  ].filter(Boolean)
  if (src.includeExcerpt && r.session_excerpt) {
    const cut = r.session_excerpt.length > EXCERPT_MAX_CHARS
    const text = cut ? r.session_excerpt.slice(-EXCERPT_MAX_CHARS) : r.session_excerpt
    parts.push('### Session excerpt', `<details><summary>The last turns of the session (${r.session_excerpt.length} characters${cut ? `, the last ${EXCERPT_MAX_CHARS} shown` : ''})</summary>\n\n${fenced(text, 'jsonl')}\n\n</details>`)
  }
  let body = `${parts.join('\n\n')}\n\n${footer}\n`
  if (body.length > BODY_MAX_CHARS) body = `${body.slice(0, BODY_MAX_CHARS - footer.length - 40)}\n\n…(cut)\n\n${footer}\n`
  const comment = [`+1 report from ${src.reporter}, ${src.link}`, '', fenced(oneLine(r.message, 500)), '', fingerprintMarker(r.fingerprint), reportMarker(r.id)].join('\n') + '\n'
  const title = redactSecrets(issueTitle(r.message))
  const redBody = redactSecrets(body)
  const redComment = redactSecrets(comment)
  const redactions: Record<string, number> = {}
  for (const k of [title.kinds, redBody.kinds]) for (const [kind, n] of Object.entries(k)) redactions[kind] = (redactions[kind] ?? 0) + n
  return { title: title.text, body: redBody.text, labels: [...new Set([ISSUE_LABEL, ...r.tags])], comment: redComment.text, redactions }
}

/**
 * The "new issue" page of the repository with title, body and labels filled in, for an instance without a token: the
 * body is cut (keeping its head and its footer with the link back and the marker) so the URL stays under GitHub's limit.
 */
export function newIssueUrl(webBase: string, repo: string, c: Pick<IssueContent, 'title' | 'body' | 'labels'>): string {
  const base = `${webBase.replace(/\/+$/, '')}/${repo}/issues/new`
  const url = (body: string) => `${base}?${new URLSearchParams({ title: c.title, labels: c.labels.join(','), body })}`
  if (url(c.body).length <= NEW_ISSUE_URL_MAX) return url(c.body)
  const at = c.body.lastIndexOf('\n---\n')
  const head = at >= 0 ? c.body.slice(0, at) : c.body
  const foot = at >= 0 ? c.body.slice(at) : ''
  const cutBody = (n: number) => {
    // Cut inside a fenced block: close it, so the footer (and its hidden marker) stays outside.
    const kept = head.slice(0, n).replace(/[\uD800-\uDBFF]$/, '')
    const fences = [...kept.matchAll(/^(`{3,})/gm)]
    const open = fences.length % 2 === 1 ? `\n${fences[fences.length - 1][1]}` : ''
    return `${kept}${open}\n\n…(cut to fit a link; the full report is in Agnes)\n${foot}`
  }
  // Binary search on how much of the head fits: encoding makes the length of the URL non-linear in the text.
  let lo = 0
  let hi = head.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (url(cutBody(mid)).length <= NEW_ISSUE_URL_MAX) lo = mid
    else hi = mid - 1
  }
  const cut = url(cutBody(lo))
  return cut.length <= NEW_ISSUE_URL_MAX ? cut : url('')
}
