import type { ApiClient } from '../client.ts'

/** One of the caller's reports as `GET /api/feedback/mine` lists it. */
export interface MyReport {
  id: string
  created_at: string
  updated_at: string
  status: string
  message: string
  tags: string[]
  resolution: string | null
  resolved_at: string | null
  duplicate_of: string | null
  session_file: string | null
  /** The admins' replies, oldest first. */
  replies: Array<{ id: string; body: string; created_at: string; from: string | null }>
  /** The GitHub issue the report went to. */
  github_issue: { repo: string | null; number: number; url: string } | null
  /** When something the reporter should hear of last happened (a reply, a resolution). */
  updated_for_you_at: string | null
  /** Changed since the reporter last looked (this listing counts as looking). */
  news: boolean
}

/** The caller's reports with their status, resolution, replies and GitHub issue, newest first. */
export async function myReports(client: ApiClient): Promise<MyReport[]> {
  const out = await client.request<{ rows: MyReport[] }>('GET', '/api/feedback/mine')
  return out.rows
}

const clip = (s: string | null, n: number) => {
  if (!s) return ''
  const t = s.replace(/\s+/g, ' ').trim()
  return t.length > n ? `${t.slice(0, n - 1)}…` : t
}

/** Rows for the table `agnes reports` prints; a report with news is marked with a star. */
export function myReportRows(rows: MyReport[]) {
  return rows.map((r) => ({
    id: r.id, new: r.news ? '*' : '', created_at: r.created_at.slice(0, 16).replace('T', ' '), status: r.status, message: clip(r.message, 50),
    resolution: clip(r.resolution, 50), replies: r.replies.length || '', issue: r.github_issue ? `${r.github_issue.repo ?? ''}#${r.github_issue.number}` : '',
  }))
}

export const MY_REPORT_COLUMNS = ['id', 'new', 'created_at', 'status', 'message', 'resolution', 'replies', 'issue']

/** What is new on each report with news, in full: the resolution, the replies, the GitHub issue. */
export function myReportNews(rows: MyReport[]): string[] {
  const out: string[] = []
  for (const r of rows.filter((x) => x.news)) {
    out.push('', `* ${r.id.slice(0, 8)} "${clip(r.message, 60)}" is ${r.status === 'wontfix' ? "won't fix" : r.status}`)
    if (r.resolution && (r.status === 'resolved' || r.status === 'wontfix')) out.push(`  resolution: ${r.resolution}`)
    for (const c of r.replies) out.push(`  reply${c.from ? ` from ${c.from}` : ''} (${c.created_at.slice(0, 16).replace('T', ' ')}): ${c.body}`)
    if (r.github_issue) out.push(`  GitHub issue: ${r.github_issue.url}`)
  }
  return out
}
