import type { FastifyInstance } from 'fastify'
import { defineRoute, registerRoute } from '../route.ts'
import { noQuery } from './schemas.ts'
import type { Services } from '../../services.ts'
import { handleGithubWebhook } from '../../platform/feedback/index.ts'

/** GitHub's deliveries are at most 25 MB; issue events are a few KB. */
const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024

export const githubWebhookRoutes = [
  defineRoute({
    method: 'POST', url: '/api/integrations/github/webhook', auth: 'public', action: 'github.webhook', tag: 'feedback',
    summary:
      'GitHub webhook (content type application/json, secret GITHUB_WEBHOOK_SECRET, event "Issues"). The body must be signed: ' +
      'X-Hub-Signature-256 is checked against the exact bytes received, else 401 (audited). issues closed resolves every report linked ' +
      'to the issue (won\'t fix when closed as not planned) and tells its reporter; reopened reopens the reports its close resolved.',
    query: noQuery,
    rawBody: true,
    bodyLimit: WEBHOOK_BODY_LIMIT,
    handler: async ({ svc, note, req }) => handleGithubWebhook(svc, note, {
      raw: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      signature: req.headers['x-hub-signature-256'] as string | undefined,
      event: req.headers['x-github-event'] as string | undefined,
      delivery: req.headers['x-github-delivery'] as string | undefined,
      contentType: req.headers['content-type'],
      correlationId: req.correlationId,
    }),
  }),
]

/**
 * The webhook's own scope: its body stays the bytes GitHub signed (any JSON parser would lose them), whatever the
 * content type it was sent with.
 */
export function githubWebhookScope(svc: Services) {
  return async function githubWebhook(scope: FastifyInstance) {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body))
    for (const spec of githubWebhookRoutes) registerRoute(scope, svc, spec)
  }
}
