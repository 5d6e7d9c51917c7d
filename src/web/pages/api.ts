// What the API answers, as types for the page code: taken from the route and capability modules themselves (type-only
// imports, which the bundle drops), so renaming a field there fails `npm run build` and `npm run typecheck` here.
import type {
  EventResponse, FacetsResponse, HealthResponse, HistogramResponse, KpisResponse, SyncGridResponse, TimelineResponse,
} from '../routes/activity.ts'
import type { findingHeatmap, listSessions, sessionDetail } from '../../platform/sessions/index.ts'
import type { addComment, bulkUpdate, linkTelegram, listReports, reportDetail, sendToGithub, updateReport } from '../../platform/feedback/index.ts'
import type { MyTokensResponse, NewTokenResponse } from '../routes/users.ts'
import type { listViews } from '../../activity/saved-views.ts'
import type { PerformanceResponse, QueriesResponse, UsageResponse } from '../routes/insights.ts'
import type { TokenDetailResponse, UserDetailResponse, UserListResponse, UserResponse } from '../routes/users.ts'
import type { createGroup, getGroup } from '../../platform/rbac/groups.ts'
import type { presentTable as grantableTable } from '../../platform/tables/index.ts'
import type { Store } from '../../store/index.ts'
import type { ChangesResponse, RollbackResponse } from '../routes/changes.ts'
import type { budgetStatus, costReport } from '../../platform/costs/index.ts'
import type { runScriptNow } from '../../platform/scripts/index.ts'
import type { configView, getTemplate } from '../../platform/instance/index.ts'
import type { getSyncJob } from '../../platform/sync/index.ts'

/** A value after JSON.stringify / JSON.parse: dates become strings, functions and undefined-only keys disappear. */
export type Json<T> = T extends Date
  ? string
  : T extends string | number | boolean | null
    ? T
    : T extends ReadonlyArray<infer U>
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T

export type Health = Json<HealthResponse>
export type HealthField = Health['fields'][number]
export type Timeline = Json<TimelineResponse>
export type AuditRow = Timeline['rows'][number]
export type Kpis = Json<KpisResponse>
export type Facets = Json<FacetsResponse>
export type Histogram = Json<HistogramResponse>
export type SyncGrid = Json<SyncGridResponse>
export type SyncTable = SyncGrid['tables'][number]
export type EventDetail = Json<EventResponse>

export type SessionList = Json<Awaited<ReturnType<typeof listSessions>>>
export type SessionRow = SessionList['rows'][number]
export type Heatmap = Json<Awaited<ReturnType<typeof findingHeatmap>>>
export type SessionDetail = Json<Awaited<ReturnType<typeof sessionDetail>>>
export type SessionFinding = SessionDetail['findings'][number]
/** POST /api/admin/run-session-processor: the route's own answer (src/web/routes/sessions.ts). */
export interface ProcessorRun {
  processor: string
  sessions_processed: number
  items: number
}

export type ReportList = Json<Awaited<ReturnType<typeof listReports>>>
export type ReportRow = ReportList['rows'][number]
export type ReportDetail = Json<Awaited<ReturnType<typeof reportDetail>>>
export type ReportAfterPatch = Json<Awaited<ReturnType<typeof updateReport>>>
export type TelegramLink = Json<Awaited<ReturnType<typeof linkTelegram>>>
/** POST /api/admin/feedback/{id}/github: a dry run's preview, or what was done. */
export type GithubSend = Json<Awaited<ReturnType<typeof sendToGithub>>>
export type GithubPreview = Extract<GithubSend, { dry_run: true }>
export type GithubDone = Extract<GithubSend, { dry_run: false }>
/** A note or a reply (POST /api/admin/feedback/{id}/notes, /replies; ReportDetail's notes and replies). */
export type FeedbackComment = Json<Awaited<ReturnType<typeof addComment>>>
export type BulkResult = Json<Awaited<ReturnType<typeof bulkUpdate>>>

export type MyTokens = Json<MyTokensResponse>
export type MyToken = MyTokens['rows'][number]
export type NewToken = Json<NewTokenResponse>

/** Saved Activity views (GET /api/admin/activity/views); POST and PATCH answer one view. */
export type SavedViewList = Json<Awaited<ReturnType<typeof listViews>>>
export type SavedView = SavedViewList['rows'][number]

/** The registry (/admin/registry): GET /api/admin/tables and /api/admin/scripts (rows as GrantableTable and GrantableScript below). */
export type TableList = { rows: GrantableTable[]; next_cursor: null }
export type ScriptList = { rows: GrantableScript[]; next_cursor: null }
/** POST /api/admin/scripts/{id}/run: the script after its run, and the rows it built. */
export type ScriptRun = Json<Awaited<ReturnType<typeof runScriptNow>>>
/** POST /api/sync/trigger answers the job's id; GET /api/sync/jobs/{id} its state. */
export type SyncStarted = { job_id: string; status: string; tables: string[] }
export type SyncJob = Json<Awaited<ReturnType<typeof getSyncJob>>>

/** Server config (/admin/server-config): GET /api/admin/config (PATCH answers `config`), the templates. */
export type ConfigView = Json<Awaited<ReturnType<typeof configView>>>
export type Setting = ConfigView['settings'][number]
export type Template = Json<Awaited<ReturnType<typeof getTemplate>>>
export type TemplateList = { rows: Template[]; next_cursor: null }

/** The Changes tab (GET /api/admin/activity/changes) and a rollback's answer (POST /api/admin/rollback, refusals too). */
export type Changes = Json<ChangesResponse>
export type ChangeRow = Changes['rows'][number]
export type FieldChange = ChangeRow['changes'][number]
export type Rollback = Json<RollbackResponse>

/** GET /api/admin/costs and /budget. */
export type CostReport = Json<Awaited<ReturnType<typeof costReport>>>
export type CostRow = CostReport['rows'][number]
export type CostBudget = Json<Awaited<ReturnType<typeof budgetStatus>>>
/** A session's tokens and cost in the sessions list and replay (null before the costs processor ran). */
export type SessionCost = NonNullable<SessionRow['cost']>

// The Users page (src/web/pages/users).
/** GET /api/admin/users. */
export type UserRow = Json<UserListResponse>[number]
export type UserList = { rows: UserRow[]; next_cursor: null }
export type UserDetail = Json<UserDetailResponse>
export type UserToken = UserDetail['tokens'][number]
export type UserAfterChange = Json<UserResponse>
export type TokenDetail = Json<TokenDetailResponse>

// The Access page (src/web/pages/access).
export type GroupRow = Json<Awaited<ReturnType<Store['groups']['list']>>>[number]
export type GroupDetail = Json<Awaited<ReturnType<typeof getGroup>>>
export type GroupCreated = Json<Awaited<ReturnType<typeof createGroup>>>
export type Grant = Json<Awaited<ReturnType<Store['groups']['listGrants']>>>[number]
/** GET /api/admin/tables and /api/admin/scripts rows: what a group can be granted to read. */
export type GrantableTable = Json<ReturnType<typeof grantableTable>>
export type GrantableScript = Json<Awaited<ReturnType<Store['scripts']['list']>>>[number]

/** The Activity Center's Usage, Queries and Performance tabs (GET /api/admin/activity/usage|queries|performance). */
export type Usage = Json<UsageResponse>
export type UsagePerson = Usage['people'][number]
export type UsageTool = Usage['tools'][number]
export type Queries = Json<QueriesResponse>
export type QueryShape = Queries['rows'][number]
export type Performance = Json<PerformanceResponse>
export type PerfRoute = Performance['routes'][number]
