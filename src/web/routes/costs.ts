import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { noQuery } from './schemas.ts'
import { DATE_FILTER_MESSAGE, dateRangeProblem, isDateFilter } from '../../platform/sessions/index.ts'
import {
  BUDGET_SETTING, COST_GROUPS, DEFAULT_DAYS, budgetStatus, costReport, modelName, priceList, priceOverrideSchema, setPriceOverride,
} from '../../platform/costs/index.ts'

const dateFilter = z.string().max(40).refine(isDateFilter, DATE_FILTER_MESSAGE)

const costsQuery = z
  .strictObject({
    since: dateFilter.optional(),
    until: dateFilter.optional(),
    group_by: z.enum(COST_GROUPS).default('day'),
    user_id: z.string().min(1).max(100).optional(),
    model: modelName.optional(),
    cursor: z.string().min(1).max(1000).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .superRefine((q, ctx) => {
    const problem = dateRangeProblem(q.since, q.until)
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['until'] })
  })

const modelParam = z.strictObject({ model: modelName })

export const costRoutes = [
  defineRoute({
    method: 'GET', url: '/api/admin/costs', auth: 'admin', action: 'costs.read', tag: 'costs',
    summary:
      `Claude Code spend, estimated from the uploaded transcripts (each API response counted once, the final usage of a streamed one, ` +
      `subagent transcripts included): rows of input, output, cache creation (5-minute and 1-hour) and cache read tokens, cost_usd ` +
      `(null when no model of the row has a price; unpriced lists the models and tokens without one), transcript_cost (where transcripts ` +
      `carry costUSD: their figure, ours and the difference), plus totals, prices_as_of and estimate_note. group_by=day|week|month|user|` +
      `model|project|session (session rows carry session_file; subagent transcripts join their parent session). Filters: since, until ` +
      `(default: the ${DEFAULT_DAYS} days before until or now), user_id, model; opaque cursor, limit (default 100, at most 500).`,
    query: costsQuery,
    handler: async ({ svc, note, query }) => costReport(svc, note, query, svc.clock.now()),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/costs/budget', auth: 'admin', action: 'costs.read', tag: 'costs',
    summary: `This UTC month's estimated spend against the monthly budget (instance setting ${BUDGET_SETTING}; null when unset).`,
    query: noQuery,
    handler: async ({ svc, note }) => {
      note.resource = 'costs:budget'
      return budgetStatus(svc.store, svc.clock.now())
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/costs/prices', auth: 'admin', action: 'costs.read', tag: 'costs',
    summary: 'The price table in force (USD per million tokens, with the date it was read from Anthropic\'s prices), the admin\'s overrides and the monthly budget.',
    query: noQuery,
    handler: async ({ svc, note }) => {
      note.resource = 'costs:prices'
      return priceList(svc)
    },
  }),
  defineRoute({
    method: 'PUT', url: '/api/admin/costs/prices/:model', auth: 'admin', action: 'instance_config.update', tag: 'costs',
    summary:
      'Price one model yourself (contract discount, Bedrock or Vertex rates): {"input", "output", "cache_write_5m", "cache_write_1h", "cache_read"} ' +
      'in USD per million tokens, optional "long_context": {"above_prompt_tokens", "rates"}, "fast_multiplier", "note". The model is the name ' +
      'transcripts write or its id without date. Kept as the instance setting cost_price:<model>; audited with the previous value.',
    params: modelParam, query: noQuery, body: priceOverrideSchema,
    handler: async ({ svc, note, actor, params, body }) => setPriceOverride(svc, note, actor, params.model, body),
  }),
  defineRoute({
    method: 'DELETE', url: '/api/admin/costs/prices/:model', auth: 'admin', action: 'instance_config.update', tag: 'costs',
    summary: 'Remove your price for a model: the price table applies again. Audited with the removed value.',
    params: modelParam, query: noQuery,
    handler: async ({ svc, note, actor, params }) => setPriceOverride(svc, note, actor, params.model, null),
  }),
]
