// The Activity Center's state and the actions its parts call on one another (built in main.ts).
import { toQuery, type Filters } from '../dom.ts'
import type { AuditRow } from '../api.ts'
import type { ExtraTab } from './tabs/index.ts'

export const API = '/api/admin/activity'
/** The timeline filters the API accepts; they live in the page's query string. */
export const FILTER_KEYS = ['since', 'until', 'user_id', 'action_prefix', 'action_in', 'resource', 'resource_prefix', 'result_pattern', 'result_class', 'client_kind', 'correlation_id', 'q', 'include_self_reads']
export type Tab = 'timeline' | 'sync' | ExtraTab

export interface State {
  filters: Filters
  tab: Tab
  /** The drawer's event id. */
  event: string | null
  rows: AuditRow[]
  ids: Set<string>
  cursor: string | null
  /** Newer rows found by polling, shown when the user asks. */
  pending: AuditRow[]
  /** More new rows than one page: showing them means reloading. */
  overflow: boolean
  /** Bumps on every filter change, so late answers for an old filter are dropped. */
  gen: number
  loaded: boolean
  /** user id → e-mail, for the user select. */
  users: Map<string, string>
  lastPoll: number
}

export interface ActivityPage {
  state: State
  setFilters(f: Record<string, unknown>, opts?: { tab?: Tab; force?: boolean }): void
  /** Shows a tab (and loads it), keeping the filters. */
  showTab(tab: Tab): void
  setError(source: string, err: unknown): void
  /** Bumps when the filters change or a tab opens: a tab's late answer for an older state is dropped. */
  readonly gen: number
  /** An /api/admin/activity/{path} URL with the current filters and `extra`. */
  apiUrl(path: string, extra?: Record<string, string | number | null>): string
  openEvent(id: string): void
}

/** Rows per timeline page. */
export const TIMELINE_PAGE = 50

/** An /api/admin/activity/{path} URL for these filters and `extra`. */
export function apiPath(filters: Partial<Filters>, path: string, extra?: Record<string, string | number | null>): string {
  const q = query(filters, extra)
  return `${API}/${path}${q ? `?${q}` : ''}`
}

export const query = (filters: Partial<Filters>, extra?: Record<string, string | number | null>) => toQuery(FILTER_KEYS, filters, extra)
