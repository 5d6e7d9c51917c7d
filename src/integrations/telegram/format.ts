import type { FeedbackReportRecord } from '../../store/index.ts'
import { lastErrorExcerpt } from '../../platform/feedback/fingerprint.ts'

/** Telegram refuses messages longer than this (characters after entity parsing; we count before, to be safe). */
export const TELEGRAM_TEXT_MAX = 4096
const DIGEST_LINES_MAX = 20

/** Escapes text for parse_mode HTML: only &, < and > are special (plus " inside attributes, which we never write). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** At most `max` characters of one line of plain text, with an ellipsis when cut. */
function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim()
  return t.length > max ? `${t.slice(0, max - 1)}…` : t
}

const shortId = (id: string) => id.slice(0, 8)

/** The message every linked admin gets for a report sent at once. */
export function reportMessage(r: FeedbackReportRecord, duplicates: number): string {
  const lines = [`<b>New Agnes report</b> from ${escapeHtml(r.reporter_email ?? r.reporter_user)}`, `<blockquote>${escapeHtml(clip(r.message, 700))}</blockquote>`]
  const err = lastErrorExcerpt(r.session_excerpt)
  if (err) lines.push(`Last error: <code>${escapeHtml(clip(err, 300))}</code>`)
  lines.push(
    r.duplicate_of
      ? `Same fingerprint as <code>${escapeHtml(shortId(r.duplicate_of))}</code> (${duplicates} report(s) in all)`
      : `First report with fingerprint <code>${escapeHtml(r.fingerprint.slice(0, 12))}</code>`,
  )
  if (r.tags.length) lines.push(`Tags: ${escapeHtml(r.tags.join(', '))}`)
  if (r.session_file) lines.push(`Session: <code>${escapeHtml(r.session_file)}</code>`)
  lines.push(`<code>agnes admin feedback show ${escapeHtml(r.id)}</code>`)
  return fit(lines)
}

/** What a reporter is told about their own report: an admin's reply, or that it was resolved or will not be fixed. */
export function reporterMessage(r: Pick<FeedbackReportRecord, 'id' | 'message'>, news: { kind: 'reply' | 'resolved' | 'wontfix'; text: string | null }): string {
  const head = news.kind === 'reply' ? '<b>Agnes: a reply to your report</b>' : news.kind === 'resolved' ? '<b>Agnes: your report was resolved</b>' : "<b>Agnes: your report won't be fixed</b>"
  const lines = [head, `<blockquote>${escapeHtml(clip(r.message, 300))}</blockquote>`]
  if (news.text) lines.push(`${news.kind === 'reply' ? 'Reply' : news.kind === 'resolved' ? 'Resolution' : 'Why'}: ${escapeHtml(clip(news.text, 2000))}`)
  lines.push(`<code>agnes reports</code> (report <code>${escapeHtml(shortId(r.id))}</code>)`)
  return fit(lines)
}

/** One message for the reports the 5-minute throttle held back. */
export function digestMessage(reports: FeedbackReportRecord[]): string {
  const lines = [`<b>Agnes: ${reports.length} more report(s)</b> since the last message`]
  for (const r of reports.slice(0, DIGEST_LINES_MAX)) {
    const dup = r.duplicate_of ? ` (same as <code>${escapeHtml(shortId(r.duplicate_of))}</code>)` : ''
    lines.push(`• <code>${escapeHtml(shortId(r.id))}</code> ${escapeHtml(r.reporter_email ?? r.reporter_user)}: ${escapeHtml(clip(r.message, 160))}${dup}`)
  }
  if (reports.length > DIGEST_LINES_MAX) lines.push(`…and ${reports.length - DIGEST_LINES_MAX} more`)
  lines.push('<code>agnes admin feedback list</code>')
  return fit(lines)
}

/** Joins lines, dropping whole lines from the middle when the message would be too long for Telegram. */
function fit(lines: string[]): string {
  let text = lines.join('\n')
  while (text.length > TELEGRAM_TEXT_MAX && lines.length > 2) {
    lines.splice(lines.length - 2, 1)
    text = lines.join('\n')
  }
  return text.length > TELEGRAM_TEXT_MAX ? lines[0] : text
}
