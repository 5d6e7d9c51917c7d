import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { sendPage } from '../views/page-security.ts'
import { renderDashboardPage } from '../views/dashboard-page.ts'
import { renderMyReports } from '../views/my-reports.ts'
import { listMyReports } from '../../platform/feedback/index.ts'

export const pageRoutes = [
  defineRoute({
    method: 'GET', url: '/', auth: 'user', action: null, tag: 'pages', kind: 'page',
    summary: 'Dashboard: who you are, what the admins did about your reports, your personal access tokens (from /api/me/tokens) and, for admins, the admin surfaces.',
    query: z.object({}).passthrough(),
    handler: async ({ actor, req, reply, svc }) => {
      // Your reports: what the admins did about them (src/web/views/my-reports.ts); reading them counts as looking.
      const reports = renderMyReports((await listMyReports(svc, {}, actor)).rows)
      return sendPage(reply, renderDashboardPage({ actor, csrf: req.csrfToken, serverUrl: `${req.protocol}://${req.host}`, reports }))
    },
  }),
]
