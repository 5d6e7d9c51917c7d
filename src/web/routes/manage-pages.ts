import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { sendPage } from '../views/page-security.ts'
import { renderRegistryPage } from '../views/registry-page.ts'
import { renderServerConfigPage } from '../views/server-config-page.ts'

export const managePageRoutes = [
  defineRoute({
    method: 'GET', url: '/admin/registry', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'Registry: register, reschedule, sync and unregister tables; create, reschedule and run scripts (data from /api/admin/tables, /api/admin/scripts, /api/admin/activity/sync).',
    // ?table=<id> and ?script=<id> are read by the page's script.
    query: z.object({}).passthrough(),
    handler: async ({ actor, req, reply, svc }) => sendPage(reply, renderRegistryPage({ actor, csrf: req.csrfToken, sourceDirs: svc.config.sourceDirs })),
  }),
  defineRoute({
    method: 'GET', url: '/admin/server-config', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'Server config: every instance setting with its help text, and the templates, each editable (data from /api/admin/config, /api/admin/templates).',
    // ?key=<key> and ?template=<name> are read by the page's script.
    query: z.object({}).passthrough(),
    handler: async ({ actor, req, reply }) => sendPage(reply, renderServerConfigPage({ actor, csrf: req.csrfToken })),
  }),
]
