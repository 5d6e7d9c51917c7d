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
}

/** The caller's reports with their status and resolution, newest first. */
export async function myReports(client: ApiClient): Promise<MyReport[]> {
  const out = await client.request<{ rows: MyReport[] }>('GET', '/api/feedback/mine')
  return out.rows
}

const clip = (s: string | null, n: number) => {
  if (!s) return ''
  const t = s.replace(/\s+/g, ' ').trim()
  return t.length > n ? `${t.slice(0, n - 1)}…` : t
}

/** Rows for the table `agnes reports` prints. */
export function myReportRows(rows: MyReport[]) {
  return rows.map((r) => ({ id: r.id, created_at: r.created_at.slice(0, 16).replace('T', ' '), status: r.status, message: clip(r.message, 50), resolution: clip(r.resolution, 50) }))
}
