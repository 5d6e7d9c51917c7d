import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { sendPage } from '../views/page-security.ts'
import { renderActivityPage } from '../views/activity-page.ts'

/** The page where tables are registered; the empty sync grid links to it when the server has it. */
export const TABLES_PAGE = '/admin/registry'

export const activityPageRoutes = [
  defineRoute({
    method: 'GET', url: '/admin/activity', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'Activity Center: health pulse, the filtered audit timeline, and the sync grid (data fetched from /api/admin/activity/*).',
    // The filters live in the query string and are read by the page's script.
    query: z.object({}).passthrough(),
    handler: async ({ actor, req, reply, svc }) => {
      const registry = req.server.agnesRoutes.some((r) => r.kind === 'page' && r.method === 'GET' && r.url === TABLES_PAGE)
      return sendPage(reply, renderActivityPage({
        actor, csrf: req.csrfToken,
        registerTables: { page: registry ? TABLES_PAGE : null, serverUrl: `${req.protocol}://${req.host}`, sourceDirs: svc.config.sourceDirs },
      }))
    },
  }),
  defineRoute({
    method: 'GET', url: '/admin/scheduler-runs', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'Former scheduler-runs page: the Activity timeline filtered to scheduler runs.',
    query: z.object({}).passthrough(),
    handler: async ({ reply }) => reply.redirect('/admin/activity?action_prefix=run_', 302),
  }),
]
