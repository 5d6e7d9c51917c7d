import cluster, { type Worker } from 'node:cluster'
import { join } from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import type { Config } from './config.ts'
import { createLogger } from './logger.ts'
import { startServer } from './main.ts'
import { openStore } from './store/index.ts'
import { openAnalytics, QueryTimeoutError, type Analytics } from './store/analytics/index.ts'
import { prepareBootstrap, bootstrapTokenPath } from './platform/auth/bootstrap.ts'

/**
 * `agnes serve`: one process, or with AGNES_WORKERS=N (N > 1, PostgreSQL only) a primary and N HTTP workers
 * (Node's cluster, sharing one port).
 *
 * - The primary migrates the store and prepares the bootstrap secret once, then forks the workers and forks a new
 *   one when one dies. It owns the analytics DuckDB file, which only one process may open, and answers the
 *   workers' analytics calls over the cluster channel; each worker parses SQL for the read-only guard on its own
 *   in-memory DuckDB.
 * - Every worker serves HTTP and competes for the store lease `scheduler`: exactly one runs the scheduled jobs, and
 *   another takes over within the lease time when it dies (src/scheduler/election.ts).
 * - Responses from a worker carry `X-Agnes-Worker: <pid>`, so an operator can tell which worker answered.
 */
export async function serve(config: Config): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config)
  if (cluster.isWorker) return runWorker(config)
  const server = await startServer(config)
  const stop = async (signal: string) => {
    server.svc.log.info({ signal }, 'shutting down')
    await server.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
  await new Promise(() => {}) // serve until a signal arrives
}

// --- analytics over the cluster channel ---------------------------------------------------------------------

const REMOTE = ['materializeFile', 'materializeSql', 'query', 'exportTable', 'tableExists', 'dropTable'] as const
type RemoteMethod = (typeof REMOTE)[number]

interface AnalyticsCall {
  agnes: 'analytics'
  id: number
  method: RemoteMethod
  args: unknown[]
}

interface AnalyticsReply {
  agnes: 'analytics-reply'
  id: number
  ok: boolean
  value?: unknown
  error?: { message: string; timeout: boolean }
}

/** The primary's side: runs a worker's analytics call on the one analytics database and sends the answer back. */
function answerAnalytics(analytics: Analytics, worker: Worker, msg: unknown): void {
  const call = msg as AnalyticsCall
  if (!call || call.agnes !== 'analytics' || !REMOTE.includes(call.method)) return
  const reply = (r: Omit<AnalyticsReply, 'agnes' | 'id'>) => {
    if (worker.isConnected()) worker.send({ agnes: 'analytics-reply', id: call.id, ...r } satisfies AnalyticsReply)
  }
  const fn = analytics[call.method] as (...args: unknown[]) => Promise<unknown>
  fn(...call.args).then(
    (value) => reply({ ok: true, value: value === undefined ? null : value }),
    (e: unknown) => reply({ ok: false, error: { message: e instanceof Error ? e.message : String(e), timeout: e instanceof QueryTimeoutError } }),
  )
}

/** A worker's Analytics: data calls go to the primary; the SQL guard's parser runs on a local in-memory DuckDB. */
async function remoteAnalytics(config: Pick<Config, 'dataDir'>): Promise<Analytics> {
  let next = 0
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  process.on('message', (msg: unknown) => {
    const r = msg as AnalyticsReply
    if (!r || r.agnes !== 'analytics-reply') return
    const p = pending.get(r.id)
    if (!p) return
    pending.delete(r.id)
    if (r.ok) p.resolve(r.value)
    else p.reject(r.error?.timeout ? new QueryTimeoutError(r.error.message) : new Error(r.error?.message ?? 'analytics call failed'))
  })
  process.on('disconnect', () => {
    for (const p of pending.values()) p.reject(new Error('the primary process is gone'))
    pending.clear()
  })
  const call = (method: RemoteMethod, ...args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++next
      if (!process.send || !process.connected) return reject(new Error('the primary process is gone'))
      pending.set(id, { resolve, reject })
      process.send({ agnes: 'analytics', id, method, args } satisfies AnalyticsCall, undefined, undefined, (err) => {
        if (err && pending.delete(id)) reject(err)
      })
    })

  // The parser needs no data and no files: an in-memory instance with external access off, locked.
  const parser = await DuckDBInstance.create(':memory:')
  const setup = await parser.connect()
  await setup.run(`SET enable_external_access = false`)
  await setup.run(`SET lock_configuration = true`)
  setup.closeSync()

  const dir = join(config.dataDir, 'analytics')
  return {
    path: join(dir, 'analytics.duckdb'),
    exportDir: join(dir, 'exports'),
    materializeFile: (id, path, format) => call('materializeFile', id, path, format) as Promise<number>,
    materializeSql: (id, sql) => call('materializeSql', id, sql) as Promise<number>,
    query: (sql, opts) => call('query', sql, opts) as Promise<Awaited<ReturnType<Analytics['query']>>>,
    exportTable: (id, format, fileName) => call('exportTable', id, format, fileName) as Promise<string>,
    tableExists: (id) => call('tableExists', id) as Promise<boolean>,
    dropTable: async (id) => {
      await call('dropTable', id)
    },
    async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
      const c = await parser.connect()
      try {
        return await fn(c)
      } finally {
        c.closeSync()
      }
    },
    close: async () => {
      parser.closeSync()
    },
  }
}

// --- primary and workers -------------------------------------------------------------------------------------

const STOP_GRACE_MS = 30_000

async function runPrimary(config: Config): Promise<void> {
  const log = createLogger(config)
  const announce = (line: string) => process.stdout.write(line + '\n')
  // Once, before any worker: the schema, the bootstrap secret (so every worker checks the same one), and the sync
  // jobs a previous run left unfinished (a worker starting later must not fail the jobs of the others).
  const store = await openStore(config)
  let bootstrap: string | null
  try {
    bootstrap = await prepareBootstrap(config, store)
    await store.tables.failUnfinishedJobs(new Date().toISOString())
  } finally {
    await store.close()
  }
  const analytics = await openAnalytics(config)

  let stopping = false
  let announced = false
  let restarts = 0
  const fork = () => {
    const w = cluster.fork({ AGNES_CLUSTER_PRIMARY: String(process.pid) })
    w.on('message', (msg) => answerAnalytics(analytics, w, msg))
  }
  cluster.on('listening', (w, address) => {
    log.info({ worker: w.process.pid }, 'worker listening')
    if (announced) return
    announced = true
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`
    announce(`Agnes is listening on ${url} with ${config.workers} workers (data in ${config.dataDir})`)
    if (bootstrap) {
      announce(`No admin yet. Create the first one with the bootstrap token in ${bootstrapTokenPath(config)}:`)
      announce(`  curl -X POST ${url}/api/auth/bootstrap -H 'Content-Type: application/json' \\`)
      announce(`    -d "{\\"token\\": \\"$(cat ${bootstrapTokenPath(config)})\\", \\"email\\": \\"you@example.com\\", \\"password\\": \\"choose-a-password\\"}"`)
    }
  })
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return
    restarts++
    log.error({ worker: w.process.pid, code, signal }, 'worker died; starting another')
    // Back off when workers keep dying (a bad config, the store unreachable), so the log stays readable.
    setTimeout(fork, Math.min(30_000, 250 * 2 ** Math.min(restarts, 7)))
  })
  for (let i = 0; i < config.workers; i++) fork()

  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down the workers')
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w && !w.isDead()))
    await Promise.all(
      live.map(
        (w) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS)
            w.once('exit', () => {
              clearTimeout(force)
              resolve()
            })
            w.process.kill('SIGTERM')
          }),
      ),
    )
    await analytics.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  await new Promise(() => {})
}

async function runWorker(config: Config): Promise<void> {
  const analytics = await remoteAnalytics(config)
  const server = await startServer(config, { analytics, worker: true, announce: () => {} })
  // Before Fastify's own handler, so every response carries it; Fastify's writeHead keeps headers already set.
  const pid = String(process.pid)
  server.app.server.prependListener('request', (_req, res) => res.setHeader('X-Agnes-Worker', pid))
  let stopping = false
  const stop = async (why: string) => {
    if (stopping) return
    stopping = true
    server.svc.log.info({ why }, 'worker shutting down')
    await server.stop().catch((e) => server.svc.log.error({ err: e }, 'worker stop failed'))
    process.exit(0)
  }
  // SIGINT reaches every process of a terminal's group; SIGTERM comes from the primary.
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  // A primary that died cannot answer analytics calls or restart us: stop rather than linger.
  process.on('disconnect', () => void stop('the primary process is gone'))
  await new Promise(() => {})
}
