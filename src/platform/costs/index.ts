/**
 * Costs: what Claude Code costs the team. The `costs` processor keeps every API response of the uploaded
 * transcripts (counted once however often it is repeated); reads price them at the repository's price table and
 * the admin's overrides, group them, and check the monthly budget.
 */
export { costsProcessor } from './processor.ts'
export { COST_GROUPS, DEFAULT_DAYS, costReport, estimateNote, sessionCosts, type CostGroup, type CostQuery, type SessionCost } from './report.ts'
export { BUDGET_SETTING, BUDGET_THRESHOLDS, budgetStatus, checkBudget, healthBudget, type BudgetStatus } from './budget.ts'
export { priceList, setPriceOverride } from './overrides.ts'
export { canonicalModel, modelName, priceOverrideSchema, type PriceOverride } from './prices.ts'
export { PRICE_TABLE } from './price-table.ts'
