import type { FastifyInstance } from 'fastify'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from './config.ts'
import type { Logger } from 'pino'
import { createLogger } from './logger.ts'
import { openStore } from './store/index.ts'
import { AuditWriter } from './audit/index.ts'
import { buildApp } from './web/app.ts'
import { prepareBootstrap, bootstrapTokenPath } from './platform/auth/bootstrap.ts'
import type { Services } from './services.ts'
import { systemClock, type Clock } from './clock.ts'
import { openAnalytics } from './store/analytics/index.ts'
import { createProductAnalytics } from './integrations/posthog/index.ts'
import { coreJobs, startScheduler, type ProcessorJob } from './scheduler/index.ts'
import { startElectedScheduler } from './scheduler/election.ts'
import { sessionProcessorJobs, relatedForProcessorEvent, relatedFindingsForCliEvent } from './platform/sessions/index.ts'
import { registerRelatedResolver } from './activity/index.ts'
import { relatedForFeedbackEvent } from './platform/feedback/index.ts'

export interface RunningServer {
  app: FastifyInstance
  svc: Services
  url: string
  stop(): Promise<void>
}

const SPOOL_REPLAY_MS = 15_000
/** How long a stopping server lets requests in flight finish before it closes the connections left open. */
export const SHUTDOWN_GRACE_MS = 5_000

/** Boot: config → store → audit writer → app → listen. Returns a handle that stops everything cleanly. */
export async function startServer(
  config: Config,
  opts: {
    log?: Logger
    announce?: (line: string) => void
    processors?: ProcessorJob[]
    /** One of several workers (src/cluster.ts): the primary already did the once-per-start work. */
    worker?: boolean
    /** Where recorded times come from (tests and the demo move it); the system clock by default. */
    clock?: Clock
  } = {},
): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config)
  const announce = opts.announce ?? ((line: string) => process.stdout.write(line + '\n'))
  const store = await openStore(config)
  const clock = opts.clock ?? systemClock
  const audit = new AuditWriter(store, config.stateDir, log, clock)
  // The default source folder is part of a fresh instance: without it a new install starts yellow with nowhere to
  // put files. A folder the operator named is left alone, so a typo shows in the health pulse instead.
  const defaultSources = join(config.dataDir, 'sources')
  if (config.sourceDirs.includes(defaultSources)) mkdirSync(defaultSources, { recursive: true })
  const analytics = await openAnalytics({
    dataDir: config.dataDir,
    sourceDirs: config.sourceDirs,
    queryConcurrency: config.query.instanceConcurrency,
    onQueryHostRestart: (reason) => log.warn({ reason }, 'query host restarted'),
  })
  const product = createProductAnalytics(config)
  const svc: Services = { config, store, audit, log, analytics, product, clock }
  registerRelatedResolver(relatedForProcessorEvent)
  registerRelatedResolver(relatedFindingsForCliEvent)
  registerRelatedResolver(relatedForFeedbackEvent)
  await audit.replaySpool()
  // Jobs a previous process left unfinished will never finish; say so instead of leaving them "running".
  if (!opts.worker) await store.tables.failUnfinishedJobs(new Date().toISOString())
  const spoolTimer = setInterval(() => void audit.replaySpool(), SPOOL_REPLAY_MS)
  spoolTimer.unref()

  // A store other processes may share (PostgreSQL): only the holder of the `scheduler` lease runs the jobs.
  const jobs = config.scheduler ? coreJobs(svc, opts.processors ?? sessionProcessorJobs()) : null
  const scheduler = jobs ? (config.databaseUrl ? startElectedScheduler(svc, jobs) : startScheduler(svc, jobs)) : null
  const bootstrap = await prepareBootstrap(config, store)
  const app = await buildApp(svc)
  await app.listen({ host: config.host, port: config.port })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  announce(`Agnes is listening on ${url} (data in ${config.dataDir})`)
  if (bootstrap) {
    announce(`No admin yet. Create the first one with the bootstrap token in ${bootstrapTokenPath(config)}:`)
    announce(`  curl -X POST ${url}/api/auth/bootstrap -H 'Content-Type: application/json' \\`)
    announce(`    -d "{\\"token\\": \\"$(cat ${bootstrapTokenPath(config)})\\", \\"email\\": \\"you@example.com\\", \\"password\\": \\"choose-a-password\\"}"`)
  }

  let stopped = false
  return {
    app,
    svc,
    url,
    async stop() {
      if (stopped) return
      stopped = true
      clearInterval(spoolTimer)
      await scheduler?.stop()
      // Requests in flight get SHUTDOWN_GRACE_MS to finish; then the connections still open go (a client that stopped
      // reading a large download held the demo's restart for the server's 72 s keep-alive timeout).
      const grace = setTimeout(() => {
        log.warn('connections still open after the shutdown grace period; closing them')
        app.server.closeAllConnections()
      }, SHUTDOWN_GRACE_MS)
      grace.unref()
      await app.close()
      clearTimeout(grace)
      await audit.drain()
      await analytics.close()
      await product.shutdown()
      await store.close()
    },
  }
}
