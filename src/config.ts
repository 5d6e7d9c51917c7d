import { resolve, join } from 'node:path'
import { homedir } from 'node:os'
import { z } from 'zod'

/**
 * The only module that reads process.env. Everything else receives a Config.
 * Invalid settings are collected and reported together, so an operator fixes them in one pass.
 */
export interface Config {
  dataDir: string
  stateDir: string
  host: string
  port: number
  databaseUrl: string | null
  workers: number
  scheduler: boolean
  bootstrapToken: string | null
  sourceDirs: string[]
  telegram: { botToken: string | null; apiBase: string }
  /** GitHub issues for feedback reports; off without a token (the inbox then offers a pre-filled new-issue link). */
  github: { token: string | null; repo: string | null; apiBase: string; webhookSecret: string | null }
  posthog: { apiKey: string | null; host: string | null }
  logLevel: string
  /** Largest JSON body accepted, in bytes. */
  bodyLimitBytes: number
  /** Largest session transcript accepted per file by POST /api/upload/sessions, in bytes (before redaction). */
  sessionUploadMaxBytes: number
  /** How often the scheduler runs each job, in seconds (env-overridable for tests and small instances). */
  schedule: { syncDueSeconds: number; scriptsDueSeconds: number; sessionProcessorsSeconds: number | null; jobBudgetSeconds: number }
  /** How long to keep things, in days; null keeps them forever (the default). */
  retention: { auditDays: number | null; findingsDays: number | null; feedbackExcerptDays: number | null }
  /**
   * Limits on analysts' SQL, so that no query can exhaust the server's memory or starve other requests. Queries run
   * in a worker thread of their own, on a DuckDB instance that holds only the caller's granted tables.
   */
  query: {
    /** Largest result body one query may produce, in bytes (the JSON sent to the caller). */
    maxResultBytes: number
    /** DuckDB memory_limit of each query's instance, in bytes. */
    memoryLimitBytes: number
    /** Queries one user may have running at once; past it, 429 too_many_queries. */
    perUserConcurrency: number
    /** Queries the whole instance (each worker process) runs at once; past it, 429 too_many_queries. */
    instanceConcurrency: number
    /** Longest SQL text accepted, in bytes. */
    maxSqlBytes: number
  }
  /** Behind a TLS-terminating proxy: honour X-Forwarded-Proto / X-Forwarded-For and mark cookies Secure. */
  trustProxy: boolean
  /**
   * How long a verified personal access token (and its user) is taken as verified without asking the store again.
   * A revocation, or a change to the user, made on this worker takes effect at once; on another worker within this
   * time. 0: every request asks the store.
   */
  tokenCacheMs: number
  /**
   * The memory DuckDB may keep for the store (the system database, not the analysts' tables, whose query host has
   * its own limit): pages past it are read from disk again. Unused with PostgreSQL.
   */
  storeMemoryMb: number
  /** A bearer secret that may read GET /metrics (a Prometheus scraper) without being a user; null: admins only. */
  metricsToken: string | null
  /**
   * The opt-in LLM judge of session findings (src/platform/sessions/llm-judge.ts), null when off: an endpoint speaking
   * the Anthropic Messages API (POST {apiBase}/v1/messages). On only when base, key and model are all set.
   */
  llm: LlmConfig | null
}

export interface LlmConfig {
  apiBase: string
  apiKey: string
  model: string
  /** How long one attempt may take before it is abandoned (and retried). */
  timeoutMs: number
  /** Attempts per request, the first included: 429, 5xx, timeouts and network errors are retried up to this. */
  maxAttempts: number
  /** The first retry's wait; each further one doubles it (a Retry-After header wins, up to 30 s). */
  retryBaseMs: number
}

const envSchema = z.object({
  AGNES_DATA_DIR: z.string().min(1).default('./data'),
  AGNES_HOST: z.string().min(1).default('127.0.0.1'),
  AGNES_PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  AGNES_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').optional(),
  AGNES_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  AGNES_SCHEDULER: z.enum(['on', 'off']).default('on'),
  AGNES_BOOTSTRAP_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  AGNES_SOURCE_DIRS: z.string().optional(),
  TELEGRAM_BOT_TOKEN: z.string().min(1).optional(),
  TELEGRAM_API_BASE: z.string().url().default('https://api.telegram.org'),
  GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_REPO: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name').optional(),
  GITHUB_API_BASE: z.string().url().default('https://api.github.com'),
  GITHUB_WEBHOOK_SECRET: z.string().min(1).optional(),
  POSTHOG_API_KEY: z.string().min(1).optional(),
  POSTHOG_HOST: z.string().url().optional(),
  AGNES_SYNC_DUE_EVERY_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
  AGNES_SCRIPTS_DUE_EVERY_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
  AGNES_SESSION_PROCESSORS_EVERY_SECONDS: z.coerce.number().min(1).max(86_400).optional(),
  AGNES_JOB_BUDGET_SECONDS: z.coerce.number().min(1).max(3600).default(300),
  AGNES_SESSION_UPLOAD_MAX_MB: z.coerce.number().min(1).max(100_000).default(200),
  AGNES_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  AGNES_FINDINGS_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  AGNES_FEEDBACK_EXCERPT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  AGNES_QUERY_MAX_RESULT_MB: z.coerce.number().min(0.01).max(4096).default(32),
  AGNES_QUERY_MEMORY_MB: z.coerce.number().int().min(16).max(1_048_576).default(512),
  AGNES_QUERY_CONCURRENCY_PER_USER: z.coerce.number().int().min(1).max(64).default(2),
  AGNES_QUERY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  AGNES_QUERY_MAX_SQL_KB: z.coerce.number().int().min(1).max(10_240).default(64),
  AGNES_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  AGNES_TRUST_PROXY: z.enum(['on', 'off', 'true', 'false', '1', '0']).default('off'),
  AGNES_STORE_MEMORY_MB: z.coerce.number().int().min(16, 'must be at least 16').default(64),
  AGNES_TOKEN_CACHE_SECONDS: z.coerce.number().min(0, 'must be 0 (off) or more').max(60, 'must be at most 60').default(5),
  AGNES_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AGNES_LLM_API_BASE: z.string().url().optional(),
  AGNES_LLM_API_KEY: z.string().min(1).optional(),
  AGNES_LLM_MODEL: z.string().min(1).max(200).optional(),
  AGNES_LLM_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(60),
})

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

/** Reads and validates the server configuration from an environment (process.env by default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset" for every variable, as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(cleaned)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`))
  }
  const e = parsed.data
  const dataDir = resolve(e.AGNES_DATA_DIR)
  const problems: string[] = []
  if (e.AGNES_WORKERS > 1 && !e.AGNES_DATABASE_URL) {
    problems.push('AGNES_WORKERS: more than one worker needs AGNES_DATABASE_URL (the embedded DuckDB store allows one writing process)')
  }
  if (e.GITHUB_TOKEN && !e.GITHUB_REPO) problems.push('GITHUB_REPO: GITHUB_TOKEN is set, so the repository issues go to is needed (owner/name)')
  const llmVars = [e.AGNES_LLM_API_BASE, e.AGNES_LLM_API_KEY, e.AGNES_LLM_MODEL]
  if (llmVars.some(Boolean) && !llmVars.every(Boolean)) {
    problems.push('AGNES_LLM_API_BASE, AGNES_LLM_API_KEY, AGNES_LLM_MODEL: the LLM judge needs all three (or none, to leave it off)')
  }
  if (problems.length) throw new ConfigError(problems)
  return {
    dataDir,
    stateDir: join(dataDir, 'state'),
    host: e.AGNES_HOST,
    port: e.AGNES_PORT,
    databaseUrl: e.AGNES_DATABASE_URL ?? null,
    workers: e.AGNES_WORKERS,
    scheduler: e.AGNES_SCHEDULER === 'on',
    bootstrapToken: e.AGNES_BOOTSTRAP_TOKEN ?? null,
    sourceDirs: (e.AGNES_SOURCE_DIRS ?? join(dataDir, 'sources')).split(':').filter(Boolean).map((d) => resolve(d)),
    telegram: { botToken: e.TELEGRAM_BOT_TOKEN ?? null, apiBase: e.TELEGRAM_API_BASE.replace(/\/+$/, '') },
    github: {
      token: e.GITHUB_TOKEN ?? null, repo: e.GITHUB_REPO ?? null, apiBase: e.GITHUB_API_BASE.replace(/\/+$/, ''), webhookSecret: e.GITHUB_WEBHOOK_SECRET ?? null,
    },
    posthog: { apiKey: e.POSTHOG_API_KEY ?? null, host: e.POSTHOG_HOST ?? null },
    logLevel: e.AGNES_LOG_LEVEL,
    bodyLimitBytes: 1024 * 1024,
    sessionUploadMaxBytes: Math.floor(e.AGNES_SESSION_UPLOAD_MAX_MB * 1024 * 1024),
    schedule: {
      syncDueSeconds: e.AGNES_SYNC_DUE_EVERY_SECONDS,
      scriptsDueSeconds: e.AGNES_SCRIPTS_DUE_EVERY_SECONDS,
      sessionProcessorsSeconds: e.AGNES_SESSION_PROCESSORS_EVERY_SECONDS ?? null,
      jobBudgetSeconds: e.AGNES_JOB_BUDGET_SECONDS,
    },
    retention: {
      auditDays: e.AGNES_AUDIT_RETENTION_DAYS ?? null,
      findingsDays: e.AGNES_FINDINGS_RETENTION_DAYS ?? null,
      feedbackExcerptDays: e.AGNES_FEEDBACK_EXCERPT_RETENTION_DAYS ?? null,
    },
    query: {
      maxResultBytes: Math.floor(e.AGNES_QUERY_MAX_RESULT_MB * 1024 * 1024),
      memoryLimitBytes: e.AGNES_QUERY_MEMORY_MB * 1024 * 1024,
      perUserConcurrency: e.AGNES_QUERY_CONCURRENCY_PER_USER,
      instanceConcurrency: e.AGNES_QUERY_CONCURRENCY,
      maxSqlBytes: e.AGNES_QUERY_MAX_SQL_KB * 1024,
    },
    trustProxy: ['on', 'true', '1'].includes(e.AGNES_TRUST_PROXY),
    tokenCacheMs: e.AGNES_TOKEN_CACHE_SECONDS * 1000,
    storeMemoryMb: e.AGNES_STORE_MEMORY_MB,
    metricsToken: e.AGNES_METRICS_TOKEN ?? null,
    llm:
      e.AGNES_LLM_API_BASE && e.AGNES_LLM_API_KEY && e.AGNES_LLM_MODEL
        ? {
          apiBase: e.AGNES_LLM_API_BASE.replace(/\/+$/, ''), apiKey: e.AGNES_LLM_API_KEY, model: e.AGNES_LLM_MODEL,
          timeoutMs: e.AGNES_LLM_TIMEOUT_SECONDS * 1000, maxAttempts: 3, retryBaseMs: 1000,
        }
        : null,
  }
}

/** Test and tooling helper: a full Config for a data dir, with overrides. */
export function configForDataDir(dataDir: string, overrides: Partial<Config> = {}): Config {
  const base = loadConfig({ AGNES_DATA_DIR: dataDir, AGNES_LOG_LEVEL: 'silent', AGNES_SCHEDULER: 'off' })
  return { ...base, ...overrides }
}

/** Where the command line finds its server and token: AGNES_URL/AGNES_TOKEN win over the saved login file. */
export interface CliEnv {
  url: string | null
  token: string | null
  configFile: string
  /** The user's home folder (HOME), where `agnes sessions push` finds ~/.claude/projects. */
  home: string
  isCi: boolean
}

export function loadCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return {
    url: env.AGNES_URL || null,
    token: env.AGNES_TOKEN || null,
    configFile: join(configHome, 'agnes', 'config.json'),
    home: env.HOME || homedir(),
    isCi: Boolean(env.CI),
  }
}
