import { createHash } from 'node:crypto'
import { parseTranscript } from '../../sessions/transcript.ts'
import { classifyToolResult } from '../../sessions/tool-outcome.ts'

/** How much of the last error takes part in the fingerprint (its start names the failure; the rest is output). */
export const ERROR_EXCERPT_CHARS = 2000

/**
 * Text as it takes part in a fingerprint: lower-case, with the parts that differ between two reports of the same
 * problem replaced by placeholders (URLs, UUIDs, paths, hex ids, numbers), and whitespace collapsed.
 */
export function normalizeForFingerprint(text: string): string {
  return text
    .toLowerCase()
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>()[\]{}]+/g, '<url>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>')
    // Windows paths (C:\x\y, \\server\share), then anything with a slash: /abs, ~/x, ./x, src/app.ts.
    .replace(/(?:\b[a-z]:\\|\\\\)[^\s'"<>|]*/g, '<path>')
    .replace(/(?:~|\.{1,2})?[\w.@%+~-]*(?:\/[\w.@%+~<>-]+)+\/?/g, '<path>')
    .replace(/\b0x[0-9a-f]+\b/g, '<hex>')
    // Hex ids (commit hashes, request ids): at least 7 hex characters with a digit and a letter among them.
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/g, '<hex>')
    .replace(/\d+(?:[.,]\d+)*/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
}

const ERROR_WORDS = /\b(error|errors|exception|traceback|failed|failure|fatal|panic|denied|refused|not found|cannot|can't|unable)\b|exit (code|status) [1-9]/i

/**
 * The last tool-error-looking block of a session excerpt. A Claude Code transcript excerpt (JSONL) gives its last
 * failed tool result (is_error, or a shell tool's non-zero exit); any other text gives its last paragraph that
 * reads like an error. '' when there is none.
 */
export function lastErrorExcerpt(excerpt: string | null | undefined): string {
  if (!excerpt) return ''
  const parsed = parseTranscript(excerpt)
  if (parsed.counts.parsed > 0 && parsed.counts.parsed >= parsed.counts.malformed) {
    let last = ''
    for (const e of parsed.events) {
      if (e.kind !== 'tool_result' || !e.result) continue
      if (classifyToolResult(e.result).kind === 'error') last = e.result.text
    }
    return last.slice(0, ERROR_EXCERPT_CHARS)
  }
  const blocks = excerpt.split(/\n[ \t]*\n/)
  for (let i = blocks.length - 1; i >= 0; i--) {
    if (ERROR_WORDS.test(blocks[i])) return blocks[i].trim().slice(0, ERROR_EXCERPT_CHARS)
  }
  return ''
}

/** sha256 over the normalized message and the normalized last error of the excerpt (hex). */
export function fingerprint(message: string, excerpt: string | null | undefined): string {
  const error = normalizeForFingerprint(lastErrorExcerpt(excerpt))
  return createHash('sha256').update(normalizeForFingerprint(message)).update('\n\u0000\n').update(error).digest('hex')
}
