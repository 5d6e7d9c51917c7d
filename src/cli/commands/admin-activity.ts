import type { ApiClient } from '../client.ts'

/** The timeline filters the CLI passes through unchanged (the server validates them). */
export const TIMELINE_FILTERS = [
  'since', 'until', 'user_id', 'action_prefix', 'action_in', 'resource', 'resource_prefix', 'result_pattern',
  'result_class', 'client_kind', 'correlation_id', 'q', 'include_self_reads',
] as const

/** What each filter takes, for --help (the API's own words: docs at /api/docs). */
export const TIMELINE_FILTER_HELP: Record<(typeof TIMELINE_FILTERS)[number], string> = {
  since: 'events at or after this time: ISO 8601 (2026-11-24T09:00:00Z) or a date (2026-11-24, UTC midnight)',
  until: 'events before this time: ISO 8601 or a date (UTC)',
  user_id: "only this person's events (a user id, as in `agnes admin users list`)",
  action_prefix: 'actions starting with this, e.g. sync. or run_',
  action_in: 'exactly these actions, comma-separated, e.g. query.run,data.download',
  resource: 'exactly this resource, e.g. table:orders',
  resource_prefix: 'resources starting with this, e.g. session:ana/',
  result_pattern: "results matching this LIKE pattern, e.g. 'error.%' or error.invalid_sql",
  result_class: 'success, error, denied or other',
  client_kind: 'web, cli, api, agent, scheduler or system',
  correlation_id: 'the rows of one operation (X-Correlation-Id)',
  q: 'text searched for in params',
  include_self_reads: '',
}

export type TimelineFilterOptions = Partial<Record<(typeof TIMELINE_FILTERS)[number], string>>

export async function activityHealth(client: ApiClient) {
  return client.request<{ status: string; sentence: string; fields: Array<{ key: string; label: string; value: string; color: string }> }>('GET', '/api/admin/activity/health')
}

/**
 * Reads a listing that takes the timeline's filters (the timeline itself, the changes), following next_cursor until
 * `max` rows (or the end). Each page is one request; the server de-duplicates the activity.read rows they write.
 */
export async function readFiltered<Row>(client: ApiClient, path: string, filters: TimelineFilterOptions, opts: { max?: number; pageSize?: number } = {}) {
  const max = opts.max ?? 100
  const rows: Row[] = []
  let cursor: string | null = null
  do {
    const qs = new URLSearchParams()
    for (const k of TIMELINE_FILTERS) if (filters[k] !== undefined) qs.set(k, String(filters[k]))
    // A bare date means its UTC midnight; the API takes full ISO 8601 times.
    for (const k of ['since', 'until'] as const) if (/^\d{4}-\d{2}-\d{2}$/.test(filters[k] ?? '')) qs.set(k, `${filters[k]}T00:00:00Z`)
    qs.set('limit', String(Math.min(opts.pageSize ?? 100, max - rows.length)))
    if (cursor) qs.set('cursor', cursor)
    const page: { rows: Row[]; next_cursor: string | null } = await client.request('GET', `${path}?${qs}`)
    rows.push(...page.rows)
    cursor = page.next_cursor
  } while (cursor && rows.length < max)
  return { rows, next_cursor: cursor }
}

/** The timeline's rows under the filters (see readFiltered). */
export function activityTimeline(client: ApiClient, filters: TimelineFilterOptions, opts: { max?: number; pageSize?: number } = {}) {
  return readFiltered<Record<string, unknown>>(client, '/api/admin/activity/timeline', filters, opts)
}

export async function activitySync(client: ApiClient) {
  return client.request<{ tables: Array<Record<string, unknown>> }>('GET', '/api/admin/activity/sync')
}
