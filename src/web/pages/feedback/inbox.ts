// What the feedback inbox's parts share: the page state, its URL, and the actions the list and the report panel call.
import type { Filters } from '../dom.ts'
import type { ReportDetail, ReportRow } from '../api.ts'

export const API = '/api/admin/feedback'
export const STATUS_LABEL: Record<string, string> = { open: 'Open', triaged: 'Triaged', resolved: 'Resolved', wontfix: "Won't fix" }
export const ACTIVE = ['open', 'triaged']

export interface InboxState {
  filters: Filters
  /** The open report. */
  id: string | null
  limit: number
  cursor: string | null
  /** id → the list row's data. */
  rows: Map<string, ReportRow>
  tags: Set<string>
  /** Bumps on every filter change, so late answers for an old filter are dropped. */
  gen: number
  detail: ReportDetail | null
  detailGen: number
  busy: boolean
  resolveMode: 'resolved' | 'wontfix' | null
  /** user id → e-mail (server-rendered into the assignee filter). */
  admins: Map<string, string>
  /** The reports ticked for a bulk action (kept across filter changes until cleared). */
  selected: Set<string>
}

export interface Inbox {
  state: InboxState
  /** Who a user id is: "you", an admin's e-mail, else the id itself. */
  who(id: string | null | undefined): string | null
  /** This page's URL with the current filters and report `id`. */
  pageHref(id: string | null): string
  setFilters(f: Record<string, unknown>): void
  openReport(id: string): void
  closeReport(): void
  /** Redraws one list row with new data. */
  replaceRow(r: ReportRow): void
  /** Loads the open report again (after a change made elsewhere, e.g. a bulk action). */
  reloadDetail(): void
}

/** The sorts of the list, as the API names them ('' is its default), with what the list head says of each. */
export const SORT_NOTE: Record<string, string> = {
  '': 'open and triaged first, newest first',
  newest: 'newest first',
  oldest_open: 'open and triaged first, the longest waiting first',
  duplicates: 'most duplicates first',
}
