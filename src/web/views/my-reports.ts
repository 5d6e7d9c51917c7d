import { html, type Raw } from './html.ts'
import type { listMyReports } from '../../platform/feedback/index.ts'

/** One of the signed-in person's reports as GET /api/feedback/mine answers it. */
export type MyReportRow = Awaited<ReturnType<typeof listMyReports>>['rows'][number]

/** How many reports the dashboard card shows (the rest: `agnes reports`). */
const SHOWN = 8
/** Replies shown per report: the newest ones. */
const REPLIES_SHOWN = 3

const STATUS: Record<string, string> = { open: 'Open', triaged: 'Being looked at', resolved: 'Resolved', wontfix: "Won't fix" }

const firstLine = (s: string) => {
  const t = s.trim().split('\n')[0]
  return t.length > 140 ? `${t.slice(0, 139)}…` : t
}
const day = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '')

/**
 * "Your reports" on the dashboard, for the person who filed them: what the admins said (replies, the resolution, a
 * won't fix and why), the GitHub issue a report went to, and "New" on what changed since they last looked. Reports with
 * news first, then the most recently updated. Nothing when they filed none.
 */
export function renderMyReports(rows: MyReportRow[]): Raw {
  if (rows.length === 0) return html``
  const updated = (r: MyReportRow) => r.updated_for_you_at ?? r.created_at
  const shown = [...rows].sort((a, b) => Number(b.news) - Number(a.news) || (updated(a) < updated(b) ? 1 : updated(a) > updated(b) ? -1 : 0)).slice(0, SHOWN)
  const news = rows.filter((r) => r.news).length
  return html`<section class="card mr" id="my-reports" aria-labelledby="mr-title">
<style>
.mr h2{margin:0 0 4px;font-size:16px}.mr-lead{margin:0 0 10px;font-size:13px}
.mr-list{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}
.mr-item{border:1px solid var(--line);border-radius:8px;padding:8px 12px}.mr-item.news{border-color:#b9c9f3;background:#f5f8ff}
.mr-top{display:flex;align-items:center;gap:8px;flex-wrap:wrap}.mr-msg{font-weight:600;overflow-wrap:anywhere}
.mr-new{background:var(--accent);color:#fff;border-radius:10px;padding:0 7px;font-size:11px;font-weight:700}
.mr-status{border-radius:10px;padding:0 8px;font-size:11.5px;font-weight:600;background:#eef0f4;color:#4b5466}
.mr-status.s-open{background:#e8eefc;color:#1f45a8}.mr-status.s-triaged{background:#fff3d6;color:#855c00}.mr-status.s-resolved{background:#e3f4ea;color:#17693c}
.mr-when{font-size:12px}.mr-what{margin:4px 0 0;font-size:13.5px;white-space:pre-wrap;overflow-wrap:anywhere}.mr-what b{font-weight:600}
</style>
<h2 id="mr-title">Your reports</h2>
<p class="muted mr-lead">${news ? `${news} with news since you last looked. ` : ''}What the admins did about the problems you reported with <code>agnes report</code>; all of them: <code>agnes reports</code>.</p>
<ol class="mr-list">${shown.map((r) => html`<li class="mr-item${r.news ? ' news' : ''}" data-id="${r.id}" data-status="${r.status}">
<div class="mr-top">${r.news ? html`<span class="mr-new">New</span>` : ''}<span class="mr-status s-${r.status}">${STATUS[r.status] ?? r.status}</span><span class="mr-msg">${firstLine(r.message)}</span><span class="muted mr-when">filed ${day(r.created_at)}</span></div>
${r.resolution && (r.status === 'resolved' || r.status === 'wontfix')
  ? html`<p class="mr-what mr-resolution"><b>${r.status === 'wontfix' ? "Why it won't be fixed" : 'Resolution'}:</b> ${r.resolution}</p>`
  : ''}
${r.replies.slice(-REPLIES_SHOWN).map((c) => html`<p class="mr-what mr-reply"><b>Reply${c.from ? ` from ${c.from}` : ''}</b> <span class="muted mr-when">${day(c.created_at)}</span><br>${c.body}</p>`)}
${r.github_issue && /^https?:\/\//.test(r.github_issue.url) ? html`<p class="mr-what mr-issue"><b>GitHub issue:</b> <a href="${r.github_issue.url}" rel="noopener" target="_blank">${r.github_issue.repo ?? ''}#${r.github_issue.number}</a></p>` : ''}
</li>`)}</ol>
${rows.length > SHOWN ? html`<p class="muted mr-lead">${rows.length - SHOWN} more: <code>agnes reports</code></p>` : ''}
</section>`
}
