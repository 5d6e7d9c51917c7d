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
}
