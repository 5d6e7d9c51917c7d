import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { sendPage } from '../views/page-security.ts'
import { renderDashboardPage } from '../views/dashboard-page.ts'

export const pageRoutes = [
  defineRoute({
    method: 'GET', url: '/', auth: 'user', action: null, tag: 'pages', kind: 'page',
    summary: 'Dashboard: who you are, your personal access tokens (from /api/me/tokens) and, for admins, the admin surfaces.',
    query: z.object({}).passthrough(),
    handler: async ({ actor, req, reply }) =>
      sendPage(reply, renderDashboardPage({ actor, csrf: req.csrfToken, serverUrl: `${req.protocol}://${req.host}` })),
  }),
]
