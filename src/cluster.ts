import cluster, { type Worker } from 'node:cluster'
import { join } from 'node:path'
import type { Config } from './config.ts'
import { createLogger } from './logger.ts'
import { startServer } from './main.ts'
import { openStore } from './store/index.ts'
import { openAnalytics } from './store/analytics/index.ts'
import { prepareBootstrap, bootstrapTokenPath } from './platform/auth/bootstrap.ts'

/**
 * `agnes serve`: one process, or with AGNES_WORKERS=N (N > 1, PostgreSQL only) a primary and N HTTP workers
 * (Node's cluster, sharing one port).
 *
 * - The primary migrates the store and prepares the bootstrap secret once, then forks the workers and forks a new
 *   one when one dies. Each worker syncs and queries the analytics table files itself (store/analytics): they are
 *   plain Parquet files replaced by rename, so no process needs to own them, and store leases keep two workers from
 *   syncing one table at once.
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
  // Opened once before the workers, so that a data dir from before table files is upgraded by one process only.
  await (await openAnalytics({ dataDir: config.dataDir, sourceDirs: config.sourceDirs, queryConcurrency: 1 })).close()

  let stopping = false
  let announced = false
  let restarts = 0
  const fork = () => {
    const w = cluster.fork({ AGNES_CLUSTER_PRIMARY: String(process.pid) })
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
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  await new Promise(() => {})
}

async function runWorker(config: Config): Promise<void> {
  const server = await startServer(config, { worker: true, announce: () => {} })
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
