import { join } from 'node:path'
import type { Config } from '../config.ts'
import type { Db } from './db.ts'
import { openDuckDb } from './duckdb/driver.ts'
import { migrations } from './migrations.ts'
import { openPostgres } from './postgres/driver.ts'
import { migrate, schemaVersion } from './migrate.ts'
import { classifyingUnavailable } from './unavailable.ts'
import { usersRepository } from './repositories/users.ts'
import { tokensRepository } from './repositories/tokens.ts'
import { webSessionsRepository } from './repositories/web-sessions.ts'
import { groupsRepository } from './repositories/groups.ts'
import { instanceRepository } from './repositories/instance.ts'
import { auditRepository } from './repositories/audit.ts'
import { dataTablesRepository } from './repositories/data-tables.ts'
import { locksRepository } from './repositories/locks.ts'
import { sessionUploadsRepository } from './repositories/session-uploads.ts'
import { scriptsRepository } from './repositories/scripts.ts'
import { sharedStateRepository } from './repositories/shared-state.ts'
import { sessionsRepository } from './repositories/sessions.ts'
import { activityRepository } from './repositories/activity.ts'
import { feedbackRepository } from './repositories/feedback.ts'
import { loginThrottleRepository } from './repositories/login-throttle.ts'
import { changeStatesRepository } from './repositories/change-states.ts'
import { savedViewsRepository } from './repositories/saved-views.ts'
import { costsRepository } from './repositories/costs.ts'
import { verdictsRepository } from './repositories/verdicts.ts'
import { llmJudgeRepository } from './repositories/llm-judge.ts'
import { requestMetricsRepository } from './repositories/request-metrics.ts'
import { opsMetricsRepository } from './repositories/ops-metrics.ts'
import { usageRepository } from './repositories/usage.ts'
import { queryStatsRepository } from './repositories/query-stats.ts'

export { StoreUnavailableError } from './unavailable.ts'
export type { UserRecord } from './repositories/users.ts'
export type { TokenRecord } from './repositories/tokens.ts'
export type { GroupRecord, GrantRecord } from './repositories/groups.ts'
export type { AuditRow, NewAuditRow } from './repositories/audit.ts'
export type { WebSessionRecord } from './repositories/web-sessions.ts'
export type { DataTableRecord, TableSource, SyncJobRecord, SyncHistoryRecord } from './repositories/data-tables.ts'
export type { SessionUploadRecord } from './repositories/session-uploads.ts'
export type { ScriptRecord } from './repositories/scripts.ts'
export type { ProcessorStateRecord, SessionFindingRecord, SessionUsageRecord } from './repositories/sessions.ts'
export type { ActivityFilters, Keyset } from './repositories/activity.ts'
export type { ThrottlePolicy, ThrottleRecord } from './repositories/login-throttle.ts'
export type { SavedViewRecord } from './repositories/saved-views.ts'
export type { FeedbackReportRecord, FeedbackListRecord, FeedbackStatus, NotificationRecord, TelegramLinkRecord } from './repositories/feedback.ts'

/** Everything Agnes keeps, one repository per table family. Route and CLI code see only this. */
export interface Store {
  readonly engine: 'duckdb' | 'postgres'
  readonly users: ReturnType<typeof usersRepository>
  readonly tokens: ReturnType<typeof tokensRepository>
  readonly webSessions: ReturnType<typeof webSessionsRepository>
  readonly groups: ReturnType<typeof groupsRepository>
  readonly instance: ReturnType<typeof instanceRepository>
  readonly audit: ReturnType<typeof auditRepository>
  readonly tables: ReturnType<typeof dataTablesRepository>
  readonly locks: ReturnType<typeof locksRepository>
  readonly sessionUploads: ReturnType<typeof sessionUploadsRepository>
  readonly scripts: ReturnType<typeof scriptsRepository>
  readonly shared: ReturnType<typeof sharedStateRepository>
  readonly sessions: ReturnType<typeof sessionsRepository>
  readonly activity: ReturnType<typeof activityRepository>
  readonly feedback: ReturnType<typeof feedbackRepository>
  readonly loginThrottle: ReturnType<typeof loginThrottleRepository>
  readonly changeStates: ReturnType<typeof changeStatesRepository>
  readonly savedViews: ReturnType<typeof savedViewsRepository>
  readonly costs: ReturnType<typeof costsRepository>
  readonly verdicts: ReturnType<typeof verdictsRepository>
  readonly llmJudge: ReturnType<typeof llmJudgeRepository>
  readonly requestMetrics: ReturnType<typeof requestMetricsRepository>
  readonly opsMetrics: ReturnType<typeof opsMetricsRepository>
  readonly usage: ReturnType<typeof usageRepository>
  readonly queryStats: ReturnType<typeof queryStatsRepository>
  schemaVersion(): Promise<number>
  close(): Promise<void>
}

export function storeOver(db: Db): Store {
  return {
    engine: db.dialect.name,
    users: usersRepository(db),
    tokens: tokensRepository(db),
    webSessions: webSessionsRepository(db),
    groups: groupsRepository(db),
    instance: instanceRepository(db),
    audit: auditRepository(db),
    tables: dataTablesRepository(db),
    locks: locksRepository(db),
    sessionUploads: sessionUploadsRepository(db),
    scripts: scriptsRepository(db),
    shared: sharedStateRepository(db),
    sessions: sessionsRepository(db),
    activity: activityRepository(db),
    feedback: feedbackRepository(db),
    loginThrottle: loginThrottleRepository(db),
    changeStates: changeStatesRepository(db),
    savedViews: savedViewsRepository(db),
    costs: costsRepository(db),
    verdicts: verdictsRepository(db),
    llmJudge: llmJudgeRepository(db),
    requestMetrics: requestMetricsRepository(db),
    opsMetrics: opsMetricsRepository(db),
    usage: usageRepository(db),
    queryStats: queryStatsRepository(db),
    schemaVersion: () => schemaVersion(db),
    close: () => db.close(),
  }
}

export function systemDbPath(config: Pick<Config, 'stateDir'>): string {
  return join(config.stateDir, 'system.duckdb')
}

/** Opens the configured store and brings its schema up to date. */
export async function openStore(config: Pick<Config, 'stateDir' | 'databaseUrl'> & Partial<Pick<Config, 'storeMemoryMb'>>, opts: { upTo?: number } = {}): Promise<Store> {
  if (config.databaseUrl) {
    const pgDb = await openPostgres(config.databaseUrl)
    try {
      // Workers and hosts starting together take turns, so each migration is applied once.
      await pgDb.exclusively(() => migrate(pgDb, migrations, opts.upTo))
    } catch (e) {
      await pgDb.close()
      throw e
    }
    return storeOver(classifyingUnavailable(pgDb))
  }
  const db = await openDuckDb(systemDbPath(config), undefined, { memoryLimitMb: config.storeMemoryMb })
  try {
    const before = await schemaVersion(db).catch(() => 0)
    const after = await migrate(db, migrations, opts.upTo)
    // Write the migrations into the database file now. DuckDB cannot replay an ALTER TABLE … ADD COLUMN on a table
    // with a nextval() default (audit_log) from its write-ahead log: after a crash the store would not open again.
    if (after !== before) await db.run('CHECKPOINT')
  } catch (e) {
    await db.close()
    throw e
  }
  return storeOver(classifyingUnavailable(db))
}
