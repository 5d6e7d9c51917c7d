// The Activity Center's tabs beyond Timeline and Sync (those two are main.ts's own). Each is one module in this folder
// that fills its panel (rendered empty-but-for-its-static-part by src/web/views/activity-page.ts, ACTIVITY_TABS) from
// its own API; main.ts shows the panel and calls load() when the tab opens, again on every polling round while it is
// open, and, for a tab that follows the filter bar, whenever the filters change.
import type { ActivityPage } from '../page.ts'
import { usageTab } from './usage.ts'
import { queriesTab } from './queries.ts'
import { performanceTab } from './performance.ts'
import { changesTab } from './changes.ts'
import { costsTab } from './costs.ts'

export interface ActivityTab {
  /** Fills the panel. Called on opening the tab, on each poll while it is open, and on filter changes if `filters`. */
  load(page: ActivityPage): Promise<void>
  /** The tab reads the timeline's filter bar (state.filters), which is then shown above it. */
  filters?: boolean
  /** Called once at start, to attach the panel's own event handlers. */
  wire?(page: ActivityPage): void
}

export const EXTRA_TABS = {
  usage: usageTab,
  queries: queriesTab,
  performance: performanceTab,
  changes: changesTab,
  costs: costsTab,
} satisfies Record<string, ActivityTab>

export type ExtraTab = keyof typeof EXTRA_TABS
export const isExtraTab = (t: string): t is ExtraTab => Object.hasOwn(EXTRA_TABS, t)
export const extraTab = (t: ExtraTab): ActivityTab => (EXTRA_TABS as Record<string, ActivityTab>)[t]
