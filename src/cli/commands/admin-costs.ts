import type { ApiClient } from '../client.ts'
import { CliError } from '../client.ts'

/** What `agnes admin costs --by` accepts (the API's group_by). */
export const COST_GROUPS = ['day', 'week', 'month', 'user', 'model', 'project', 'session'] as const

/** A row (or the totals) of `GET /api/admin/costs`. */
export interface CostRow {
  key?: string | null
  responses: number
  input_tokens: number
  output_tokens: number
  cache_creation_tokens: number
  cache_creation_5m_tokens: number
  cache_creation_1h_tokens: number
  cache_read_tokens: number
  cost_usd: number | null
  cost_complete: boolean
  unpriced: { models: string[] } | null
  transcript_cost: { transcript_usd: number; estimate_usd: number | null; difference_usd: number | null } | null
  email?: string | null
  session_file?: string
}

export interface CostsAnswer {
  group_by: string
  since: string
  until: string | null
  rows: CostRow[]
  next_cursor: string | null
  totals: CostRow
  prices_as_of: string
  prices_version: number
  price_overrides: string[]
  estimate_note: string
}

export interface CostsOptions {
  by?: string
  since?: string
  until?: string
  userId?: string
  model?: string
  /** Rows wanted in all (default 100); pages are followed. */
  limit?: number
}

const PAGE_MAX = 500

/** `agnes admin costs`: estimated Claude Code spend grouped by day, week, month, person, model, project or session. */
export async function adminCosts(client: ApiClient, opts: CostsOptions = {}): Promise<CostsAnswer> {
  const by = opts.by ?? 'day'
  if (!(COST_GROUPS as readonly string[]).includes(by)) throw new CliError(`--by takes one of ${COST_GROUPS.join(', ')}; got "${by}"`, 2)
  const limit = opts.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive whole number', 2)
  const filters: Record<string, string | undefined> = { group_by: by, since: opts.since, until: opts.until, user_id: opts.userId, model: opts.model }
  let first: CostsAnswer | null = null
  const rows: CostRow[] = []
  let cursor: string | undefined
  for (;;) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries({ ...filters, limit: String(Math.min(PAGE_MAX, limit - rows.length)), cursor })) if (v) q.set(k, v)
    const page = await client.request<CostsAnswer>('GET', `/api/admin/costs?${q}`)
    first ??= page
    rows.push(...page.rows)
    if (!page.next_cursor || rows.length >= limit) return { ...first, rows, next_cursor: page.next_cursor }
    cursor = page.next_cursor
  }
}

const usd = (v: number | null) => (v === null ? 'unpriced' : v.toFixed(v !== 0 && Math.abs(v) < 0.01 ? 6 : 2))

/** Rows for the terminal table, the totals last; an incomplete cost is marked with "+". */
export function costTableRows(out: CostsAnswer): Array<Record<string, unknown>> {
  const show = (r: CostRow, key: string) => ({
    [out.group_by]: key,
    input: r.input_tokens,
    output: r.output_tokens,
    cache_write: r.cache_creation_tokens,
    cache_read: r.cache_read_tokens,
    cost_usd: `${usd(r.cost_usd)}${r.cost_complete || r.cost_usd === null ? '' : '+'}`,
    unpriced: r.unpriced ? r.unpriced.models.join(' ') : '',
  })
  return [...out.rows.map((r) => show(r, r.key ?? '(none)')), show(out.totals, 'total')]
}

export const COST_TABLE_COLUMNS = (by: string) => [by, 'input', 'output', 'cache_write', 'cache_read', 'cost_usd', 'unpriced']

const CSV_COLUMNS = [
  'key', 'responses', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_creation_5m_tokens', 'cache_creation_1h_tokens',
  'cache_read_tokens', 'cost_usd', 'cost_complete', 'unpriced_models', 'transcript_cost_usd',
] as const

/** RFC 4180 CSV of the rows (no totals line: a spreadsheet sums them). */
export function costsCsv(out: CostsAnswer): string {
  const field = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const line = (r: CostRow) =>
    CSV_COLUMNS.map((c) =>
      field(c === 'unpriced_models' ? r.unpriced?.models.join(' ') : c === 'transcript_cost_usd' ? r.transcript_cost?.transcript_usd : r[c as keyof CostRow]),
    ).join(',')
  return [CSV_COLUMNS.join(','), ...out.rows.map(line)].join('\n') + '\n'
}

/** The line under the table: what the figures are. */
export function costsFootnote(out: CostsAnswer): string {
  const more = out.next_cursor ? ' More rows: raise --limit.' : ''
  const unpriced = out.totals.unpriced ? ` Models without a price (their tokens are counted, their cost is not): ${out.totals.unpriced.models.join(', ')}.` : ''
  return `${out.estimate_note}${unpriced}${more}`
}
