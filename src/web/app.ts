import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import type { Services } from '../services.ts'
import { registerRoute, type RouteSpec } from './route.ts'
import { requestContext } from './plugins/request-context.ts'
import { auditHook } from './plugins/audit-hook.ts'
import { requestMetrics } from './plugins/request-metrics.ts'
import { errorHandling } from './plugins/errors.ts'
import { loginCsrfCookies } from './plugins/login-csrf.ts'
import { pageSecurityHeaders } from './views/page-security.ts'
import { healthRoutes } from './routes/health.ts'
import { authRoutes } from './routes/auth.ts'
import { userRoutes } from './routes/users.ts'
import { groupRoutes } from './routes/groups.ts'
import { instanceRoutes } from './routes/instance.ts'
import { pageRoutes } from './routes/pages.ts'
import { activityPageRoutes } from './routes/activity-page.ts'
import { sessionsPageRoutes } from './routes/sessions-pages.ts'
import { feedbackPageRoutes } from './routes/feedback-page.ts'
import { managePageRoutes } from './routes/manage-pages.ts'
import { peoplePageRoutes } from './routes/people-pages.ts'
import { staticRoutes } from './routes/static.ts'
import { docsRoutes } from './routes/docs.ts'
import { dataRoutes } from './routes/data.ts'
import { activityRoutes } from './routes/activity.ts'
import { changeRoutes } from './routes/changes.ts'
import { uploadRoutes, uploadScope } from './routes/uploads.ts'
import { sessionRoutes } from './routes/sessions.ts'
import { feedbackRoutes } from './routes/feedback.ts'
import { savedViewRoutes } from './routes/saved-views.ts'
import { costRoutes } from './routes/costs.ts'
import { auditRoutes } from './routes/audit.ts'
import { githubWebhookRoutes, githubWebhookScope } from './routes/github-webhook.ts'
import { insightRoutes } from './routes/insights.ts'
import { metricsRoutes } from './routes/metrics.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route spec registered, for the OpenAPI description and the route-enumerating tests. */
    agnesRoutes: RouteSpec[]
  }
}

/** Builds the HTTP app (without listening), so tests can use inject() or listen on a free port. */
export async function buildApp(svc: Services): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: svc.log as unknown as FastifyBaseLogger,
    bodyLimit: svc.config.bodyLimitBytes,
    // Per-request log lines only when debugging: the audit log already records every request.
    logController: new LogController({ disableRequestLogging: svc.config.logLevel !== 'debug' && svc.config.logLevel !== 'trace' }),
    genReqId: () => '', // correlation ids are ours (X-Correlation-Id), set in requestContext
    routerOptions: { ignoreTrailingSlash: true },
    // Behind a TLS-terminating proxy (AGNES_TRUST_PROXY): the one hop in front of us tells the scheme and the client
    // address (X-Forwarded-Proto / -For), so req.protocol marks cookies Secure and req.ip is the client's, for the
    // audit log and the sign-in limits. One hop only: addresses a client wrote into X-Forwarded-For itself are ignored.
    trustProxy: svc.config.trustProxy ? (_address: string, hop: number) => hop < 1 : false,
  })
  await app.register(formbody, { bodyLimit: svc.config.bodyLimitBytes })
  requestContext(app, svc)
  requestMetrics(app, svc)
  auditHook(app, svc)
  errorHandling(app)
  loginCsrfCookies(app)
  pageSecurityHeaders(app)

  const specs: RouteSpec[] = [
    ...healthRoutes, ...authRoutes, ...userRoutes, ...groupRoutes, ...instanceRoutes, ...dataRoutes, ...activityRoutes, ...savedViewRoutes, ...auditRoutes, ...uploadRoutes, ...sessionRoutes, ...feedbackRoutes, ...costRoutes, ...pageRoutes, ...activityPageRoutes, ...sessionsPageRoutes, ...feedbackPageRoutes, ...peoplePageRoutes, ...managePageRoutes, ...staticRoutes,
    ...changeRoutes, ...githubWebhookRoutes,
    ...insightRoutes, ...metricsRoutes,
  ]
  specs.push(...docsRoutes(() => specs))
  app.decorate('agnesRoutes', specs)
  for (const s of specs) if (!uploadRoutes.includes(s) && !githubWebhookRoutes.includes(s)) registerRoute(app, svc, s)
  // Uploads get their own scope: their multipart and raw-stream body parsers must not apply to other routes.
  await app.register(uploadScope(svc))
  // The GitHub webhook too: its signature is over the raw body.
  await app.register(githubWebhookScope(svc))
  app.get('/activity-center', { config: {} }, async (_req, reply) => reply.redirect('/admin/activity', 308))
  return app
}
