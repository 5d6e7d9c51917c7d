import type { AuditNote, Services } from '../../services.ts'
import type { CostAggregateRow, CostDimension, CostFilters } from '../../store/repositories/costs.ts'
import { dateRange, decodeCursor, encodeCursor } from '../sessions/params.ts'
import { weekStart } from '../sessions/read.ts'
import { costOf, effectivePrices, priceFor, promptThresholds, type EffectivePrices } from './prices.ts'

/** What `GET /api/admin/costs` can group by. */
export const COST_GROUPS = ['day', 'week', 'month', 'user', 'model', 'project', 'session'] as const
export type CostGroup = (typeof COST_GROUPS)[number]

/** Without `since`, a read covers this many days before `until` (or now). */
export const DEFAULT_DAYS = 30

export interface CostQuery {
  since?: string
  until?: string
  group_by: CostGroup
  user_id?: string
  model?: string
  cursor?: string
  limit: number
}

const DIM: Record<CostGroup, CostDimension> = { day: 'none', week: 'none', month: 'none', user: 'user', model: 'model', project: 'project', session: 'session' }
const TIME_GROUPS = new Set<CostGroup>(['day', 'week', 'month'])

/** Token sums (as the store adds them up) and priced cost of one group of responses. */
export interface CostBucket
  extends Pick<CostAggregateRow, 'responses' | 'input_tokens' | 'output_tokens' | 'cache_creation_tokens' | 'cache_creation_1h_tokens' | 'cache_read_tokens'> {
  /** Cost of the responses that have a price, by kind. */
  priced: { input: number; output: number; cache_creation: number; cache_read: number }
  pricedResponses: number
  models: Set<string>
  unpriced: { models: Set<string>; responses: number; input_tokens: number; output_tokens: number; cache_creation_tokens: number; cache_read_tokens: number }
  /** Responses whose transcript wrote its own costUSD: that figure and our estimate of the same responses. */
  transcript: { responses: number; usd: number; estimate: number; unpriced: number }
}

function emptyBucket(): CostBucket {
  return {
    responses: 0, input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_creation_1h_tokens: 0, cache_read_tokens: 0,
    priced: { input: 0, output: 0, cache_creation: 0, cache_read: 0 }, pricedResponses: 0, models: new Set(),
    unpriced: { models: new Set(), responses: 0, input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_read_tokens: 0 },
    transcript: { responses: 0, usd: 0, estimate: 0, unpriced: 0 },
  }
}

/** A model as the unpriced list names it: fast-mode responses of a model without a fast price say so. */
const unpricedName = (row: CostAggregateRow) => (row.speed === 'fast' ? `${row.model} (fast)` : row.model)

/** Adds one aggregate row to a bucket, pricing it at the prices in force on its day. */
export function addToBucket(b: CostBucket, row: CostAggregateRow, prices: EffectivePrices, thresholds: number[]): void {
  b.responses += row.responses
  b.input_tokens += row.input_tokens
  b.output_tokens += row.output_tokens
  b.cache_creation_tokens += row.cache_creation_tokens
  b.cache_creation_1h_tokens += row.cache_creation_1h_tokens
  b.cache_read_tokens += row.cache_read_tokens
  b.models.add(row.model)
  const price = priceFor(prices, row.model, row.day)
  const cost = price
    ? costOf(
      {
        input: row.input_tokens, output: row.output_tokens, cacheWrite5m: row.cache_creation_tokens - row.cache_creation_1h_tokens,
        cacheWrite1h: row.cache_creation_1h_tokens, cacheRead: row.cache_read_tokens,
      },
      price,
      { band: row.band, thresholds, speed: row.speed, inferenceGeo: row.inference_geo, geoMultipliers: prices.table.inference_geo_multipliers },
    )
    : null
  if (cost) {
    b.priced.input += cost.input
    b.priced.output += cost.output
    b.priced.cache_creation += cost.cache_creation
    b.priced.cache_read += cost.cache_read
    b.pricedResponses += row.responses
  } else {
    const u = b.unpriced
    u.models.add(unpricedName(row))
    u.responses += row.responses
    u.input_tokens += row.input_tokens
    u.output_tokens += row.output_tokens
    u.cache_creation_tokens += row.cache_creation_tokens
    u.cache_read_tokens += row.cache_read_tokens
  }
  if (row.has_transcript_cost) {
    b.transcript.responses += row.responses
    b.transcript.usd += row.transcript_cost_usd
    if (cost) b.transcript.estimate += cost.total
    else b.transcript.unpriced += row.responses
  }
}

/** Dollars to the micro-dollar: sums of many small products carry float noise below that. */
const usd = (v: number) => Math.round(v * 1e6) / 1e6

/** A bucket as the API shows it. */
export function presentBucket(b: CostBucket) {
  const cost = b.priced.input + b.priced.output + b.priced.cache_creation + b.priced.cache_read
  const u = b.unpriced
  const t = b.transcript
  return {
    responses: b.responses,
    input_tokens: b.input_tokens,
    output_tokens: b.output_tokens,
    cache_creation_tokens: b.cache_creation_tokens,
    cache_creation_5m_tokens: b.cache_creation_tokens - b.cache_creation_1h_tokens,
    cache_creation_1h_tokens: b.cache_creation_1h_tokens,
    cache_read_tokens: b.cache_read_tokens,
    /** Estimate of the priced responses; null when none has a price. See cost_complete and unpriced. */
    cost_usd: b.pricedResponses > 0 ? usd(cost) : null,
    cost_complete: u.responses === 0,
    cost_breakdown_usd: {
      input: usd(b.priced.input), output: usd(b.priced.output), cache_creation: usd(b.priced.cache_creation), cache_read: usd(b.priced.cache_read),
    },
    models: [...b.models].sort(),
    unpriced: u.responses === 0 ? null : {
      models: [...u.models].sort(), responses: u.responses, input_tokens: u.input_tokens, output_tokens: u.output_tokens,
      cache_creation_tokens: u.cache_creation_tokens, cache_read_tokens: u.cache_read_tokens,
    },
    transcript_cost: t.responses === 0 ? null : {
      responses: t.responses,
      transcript_usd: usd(t.usd),
      estimate_usd: t.unpriced === 0 ? usd(t.estimate) : null,
      difference_usd: t.unpriced === 0 ? usd(t.estimate - t.usd) : null,
    },
  }
}

/** A row of a costs answer: the bucket's figures and, per grouping, what names the group. */
export type CostRow = ReturnType<typeof presentBucket> & {
  key: string | null
  /** session rows */
  session_file?: string
  session_id?: string | null
  username?: string | null
  project?: string | null
  started_at?: string | null
  ended_at?: string | null
  files?: number
  /** user rows (null for a deleted person) */
  user_id?: string | null
  email?: string | null
  /** model rows: the id it is priced under and where the price comes from (null: unpriced) */
  model?: string | null
  priced_as?: string | null
  price_from?: string | null
  /** day, week and month rows: the same figures per model (most expensive first), for a chart stacked by model */
  by_model?: Array<{ model: string; responses: number; tokens: number; cost_usd: number | null }>
}

function bucketKey(group: CostGroup, row: CostAggregateRow): string | null {
  if (!TIME_GROUPS.has(group)) return row.dim
  if (row.day === null) return null
  if (group === 'day') return row.day
  if (group === 'month') return row.day.slice(0, 7)
  return weekStart(new Date(`${row.day}T00:00:00Z`)).toISOString().slice(0, 10)
}

/** The instant range of a query: since/until as given, else the DEFAULT_DAYS before until (or now). */
export function costRange(q: { since?: string; until?: string }, now: Date): { sinceIso: string; untilIso?: string } {
  const r = dateRange(q.since, q.until)
  const end = r.untilIso ? Date.parse(r.untilIso) : now.getTime()
  return { sinceIso: r.sinceIso ?? new Date(end - DEFAULT_DAYS * 86_400_000).toISOString(), untilIso: r.untilIso }
}

/** Reads the prices in force from the instance settings. */
export async function loadPrices(store: Services['store']): Promise<EffectivePrices> {
  return effectivePrices(await store.instance.getConfig())
}

/** Every bucket of a grouping over the counted responses matching `filters`. */
export async function costBuckets(store: Services['store'], group: CostGroup, filters: CostFilters, prices: EffectivePrices) {
  const thresholds = promptThresholds(prices)
  const rows = await store.costs.aggregate(DIM[group], filters, thresholds)
  const buckets = new Map<string | null, CostBucket>()
  /** Each group's buckets per model: what a chart stacks. */
  const byModel = new Map<string | null, Map<string, CostBucket>>()
  const total = emptyBucket()
  for (const row of rows) {
    const key = bucketKey(group, row)
    let b = buckets.get(key)
    if (!b) buckets.set(key, (b = emptyBucket()))
    let models = byModel.get(key)
    if (!models) byModel.set(key, (models = new Map()))
    let m = models.get(row.model)
    if (!m) models.set(row.model, (m = emptyBucket()))
    addToBucket(b, row, prices, thresholds)
    addToBucket(m, row, prices, thresholds)
    addToBucket(total, row, prices, thresholds)
  }
  return { buckets, byModel, total }
}

/** What every costs answer says about the figures. */
export function estimateNote(prices: EffectivePrices): string {
  const o = prices.overrides.size ? `, with the admin's prices for ${[...prices.overrides.keys()].sort().join(', ')}` : ''
  return (
    `Estimates: token counts from the uploaded Claude Code transcripts (each API response counted once) priced at Anthropic's list prices ` +
    `as of ${prices.table.as_of} (price table v${prices.table.version})${o}. Not an invoice: discounts, taxes and usage outside uploaded transcripts are not in it.`
  )
}

/**
 * Claude Code spend grouped by day, week (Mondays, UTC), month, person, model, project or session, with totals.
 * Time groups come oldest first; the others most expensive first. Paginated (an opaque cursor over the sorted
 * groups; the totals always cover every group).
 */
export async function costReport(svc: Pick<Services, 'store'>, note: AuditNote | null, q: CostQuery, now = new Date()) {
  const range = costRange(q, now)
  const filters: CostFilters = { ...range, userId: q.user_id, model: q.model }
  const prices = await loadPrices(svc.store)
  const { buckets, byModel, total } = await costBuckets(svc.store, q.group_by, filters, prices)
  const listing = `costs:${q.group_by}`
  const offset = q.cursor === undefined ? 0 : (decodeCursor(q.cursor, listing, ['count'])[0] as number)

  const entries = [...buckets.entries()].map(([key, b]) => ({ key, row: presentBucket(b) }))
  if (TIME_GROUPS.has(q.group_by)) {
    entries.sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  } else {
    const spend = (r: ReturnType<typeof presentBucket>) => r.cost_usd ?? -1
    const tokens = (r: ReturnType<typeof presentBucket>) => r.input_tokens + r.output_tokens + r.cache_creation_tokens + r.cache_read_tokens
    entries.sort((a, b) => spend(b.row) - spend(a.row) || tokens(b.row) - tokens(a.row) || String(a.key ?? '').localeCompare(String(b.key ?? '')))
  }
  const page = entries.slice(offset, offset + q.limit)
  const next_cursor = offset + q.limit < entries.length ? encodeCursor(listing, [offset + q.limit]) : null

  const extras = new Map<string | null, Partial<CostRow>>()
  if (q.group_by === 'session') {
    const keys = page.map((e) => e.key).filter((k): k is string => k !== null)
    // Named by their main transcript even when a model filter leaves only a subagent's responses.
    for (const s of await svc.store.costs.sessionGroups(keys, { ...filters, model: undefined })) {
      extras.set(s.dim, {
        key: s.session_file, session_file: s.session_file, session_id: s.session_id, username: s.username, project: s.project,
        started_at: s.first_at, ended_at: s.last_at, files: s.files,
      })
    }
  } else if (q.group_by === 'user') {
    const people = new Map((await svc.store.costs.people(page.map((e) => e.key).filter((k): k is string => k !== null))).map((p) => [p.username, p]))
    for (const e of page) extras.set(e.key, { username: e.key, user_id: people.get(e.key ?? '')?.id ?? null, email: people.get(e.key ?? '')?.email ?? null })
  } else if (q.group_by === 'model') {
    for (const e of page) {
      const p = e.key === null ? null : priceFor(prices, e.key, range.untilIso?.slice(0, 10) ?? now.toISOString().slice(0, 10))
      extras.set(e.key, { model: e.key, priced_as: p ? p.model : null, price_from: p ? p.from : null })
    }
  } else if (q.group_by === 'project') {
    for (const e of page) extras.set(e.key, { project: e.key })
  } else {
    for (const e of page) {
      const models = [...(byModel.get(e.key) ?? new Map<string, CostBucket>())].map(([model, b]) => {
        const r = presentBucket(b)
        return { model, responses: r.responses, tokens: r.input_tokens + r.output_tokens + r.cache_creation_tokens + r.cache_read_tokens, cost_usd: r.cost_usd }
      })
      models.sort((a, b) => (b.cost_usd ?? -1) - (a.cost_usd ?? -1) || b.tokens - a.tokens || a.model.localeCompare(b.model))
      extras.set(e.key, { by_model: models })
    }
  }

  const rows: CostRow[] = page.map((e) => ({ key: e.key, ...e.row, ...(extras.get(e.key) ?? {}) }))
  if (note) {
    note.resource = 'costs'
    note.params = {
      group_by: q.group_by, since: range.sinceIso, ...(range.untilIso ? { until: range.untilIso } : {}),
      ...(q.user_id ? { user_id: q.user_id } : {}), ...(q.model ? { model: q.model } : {}), rows: rows.length,
    }
  }
  return {
    group_by: q.group_by,
    since: range.sinceIso,
    until: range.untilIso ?? null,
    rows,
    next_cursor,
    totals: presentBucket(total),
    prices_as_of: prices.table.as_of,
    prices_version: prices.table.version,
    price_overrides: [...prices.overrides.keys()].sort(),
    estimate_note: estimateNote(prices),
  }
}

/** One transcript's session cost, as the sessions list and replay show it. */
export type SessionCost = ReturnType<typeof presentBucket> & {
  /** The session's main transcript (the one the Costs tab links); its subagents' transcripts are counted with it. */
  session_file: string
  /** Transcripts whose responses the figures count: the main one and its subagents'. */
  files: number
  /** The date of the price table the estimate uses. */
  prices_as_of: string
}

/**
 * The cost of the sessions of these transcripts, as the Costs tab's session rows count it (the same buckets, all
 * time): for a session's main transcript, its figures; for a transcript counted in another session (a subagent's, or
 * a resumed file whose lines all belong to the original), `counted_in` names that session's main transcript.
 */
export async function sessionCosts(store: Services['store'], files: string[]): Promise<Map<string, { cost: SessionCost | null; counted_in: string | null }>> {
  const out = new Map<string, { cost: SessionCost | null; counted_in: string | null }>()
  const membership = await store.costs.sessionKeysOf(files)
  if (!membership.length) return out
  const keys = [...new Set(membership.map((m) => m.dim))]
  const prices = await loadPrices(store)
  const { buckets } = await costBuckets(store, 'session', { sessionKeys: keys }, prices)
  const mainOf = new Map((await store.costs.sessionGroups(keys, {})).map((g) => [g.dim, g]))
  for (const m of membership) {
    const group = mainOf.get(m.dim)
    const bucket = buckets.get(m.dim)
    if (!group || !bucket) continue
    const seen = out.get(m.session_file)
    if (group.session_file === m.session_file) out.set(m.session_file, { cost: { ...presentBucket(bucket), session_file: group.session_file, files: group.files, prices_as_of: prices.table.as_of }, counted_in: null })
    else if (!seen) out.set(m.session_file, { cost: null, counted_in: group.session_file })
  }
  return out
}
