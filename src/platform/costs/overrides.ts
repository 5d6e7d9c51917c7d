import type { Actor, AuditNote, Services } from '../../services.ts'
import { notFound } from '../../errors.ts'
import { updateInstanceConfig } from '../instance/index.ts'
import { PRICE_TABLE } from './price-table.ts'
import { canonicalModel, effectivePrices, OVERRIDE_KEY_PREFIX, type PriceOverride } from './prices.ts'
import { BUDGET_SETTING, budgetOf } from './budget.ts'

type Svc = Pick<Services, 'store' | 'clock'>

/** The price table in force: the repository's table, the admin's overrides and the monthly budget. */
export async function priceList(svc: Svc) {
  const config = await svc.store.instance.getConfig()
  const prices = effectivePrices(config)
  return {
    version: PRICE_TABLE.version,
    as_of: PRICE_TABLE.as_of,
    source_url: PRICE_TABLE.source_url,
    unit: 'USD per million tokens',
    inference_geo_multipliers: PRICE_TABLE.inference_geo_multipliers,
    models: PRICE_TABLE.models,
    overrides: Object.fromEntries([...prices.overrides.entries()].sort(([a], [b]) => a.localeCompare(b))),
    ignored_overrides: prices.ignored,
    monthly_budget_usd: budgetOf(config),
    budget_setting: BUDGET_SETTING,
  }
}

/**
 * Sets (or, with null, removes) the admin's price for one model: the instance setting `cost_price:<model>`,
 * through the instance settings capability, so the change is audited as instance_config.update with the previous
 * value in params_before. `model` is the name as transcripts write it or its canonical id; the exact name wins.
 */
export async function setPriceOverride(svc: Svc, note: AuditNote, actor: Actor, model: string, override: PriceOverride | null) {
  const key = `${OVERRIDE_KEY_PREFIX}${model}`
  if (override === null && !(key in (await svc.store.instance.getConfig()))) throw notFound(`price override for ${model}`)
  await updateInstanceConfig(svc, note, actor, { [key]: override })
  note.resource = `instance_config:${key}`
  return { model, canonical_model: canonicalModel(model), override, prices: await priceList(svc) }
}
