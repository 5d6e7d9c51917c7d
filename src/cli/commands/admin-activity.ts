import type { ApiClient } from '../client.ts'

/** The timeline filters the CLI passes through unchanged (the server validates them). */
export const TIMELINE_FILTERS = [
  'since', 'until', 'user_id', 'action_prefix', 'action_in', 'resource', 'resource_prefix', 'result_pattern',
  'result_class', 'client_kind', 'correlation_id', 'q', 'include_self_reads',
] as const

export type TimelineFilterOptions = Partial<Record<(typeof TIMELINE_FILTERS)[number], string>>

export async function activityHealth(client: ApiClient) {
  return client.request<{ status: string; sentence: string; fields: Array<{ key: string; label: string; value: string; color: string }> }>('GET', '/api/admin/activity/health')
}

/**
 * Reads the timeline, following next_cursor until `max` rows (or the end). Each page is one request;
 * the server de-duplicates the activity.read rows those requests write.
 */
export async function activityTimeline(client: ApiClient, filters: TimelineFilterOptions, opts: { max?: number; pageSize?: number } = {}) {
  const max = opts.max ?? 100
  const rows: Array<Record<string, unknown>> = []
  let cursor: string | null = null
  do {
    const qs = new URLSearchParams()
    for (const k of TIMELINE_FILTERS) if (filters[k] !== undefined) qs.set(k, String(filters[k]))
    qs.set('limit', String(Math.min(opts.pageSize ?? 100, max - rows.length)))
    if (cursor) qs.set('cursor', cursor)
    const page: { rows: Array<Record<string, unknown>>; next_cursor: string | null } = await client.request('GET', `/api/admin/activity/timeline?${qs}`)
    rows.push(...page.rows)
    cursor = page.next_cursor
  } while (cursor && rows.length < max)
  return { rows, next_cursor: cursor }
}

export async function activitySync(client: ApiClient) {
  return client.request<{ tables: Array<Record<string, unknown>> }>('GET', '/api/admin/activity/sync')
}
