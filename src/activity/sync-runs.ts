import type { Services } from '../services.ts'
import { syncGrid } from './index.ts'

/** How many of each table's latest runs the sync grid shows as a strip of marks. */
export const RECENT_RUNS = 20

/**
 * The sync grid with each table's latest runs (oldest first, so the newest is last), for a strip of ok / failed marks
 * whose hover names the time and the error.
 */
export async function syncGridWithRuns(svc: Services, now = new Date()) {
  const [grid, runs] = await Promise.all([syncGrid(svc, now), svc.store.activity.recentSyncRuns(RECENT_RUNS)])
  const byTable = new Map<string, Array<{ at: string; status: string; error: string | null; duration_ms: number | null; rows: number | null }>>()
  for (const r of runs) {
    const list = byTable.get(r.table_id) ?? []
    list.push({ at: r.synced_at, status: r.status, error: r.error, duration_ms: r.duration_ms, rows: r.rows })
    byTable.set(r.table_id, list)
  }
  return { tables: grid.tables.map((t) => ({ ...t, recent_runs: byTable.get(t.table_id) ?? [] })) }
}
