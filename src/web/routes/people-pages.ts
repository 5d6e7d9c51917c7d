import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { sendPage } from '../views/page-security.ts'
import { renderUsersPage } from '../views/users-page.ts'
import { renderAccessPage } from '../views/access-page.ts'

// The record to open (?user=, ?token=, ?group=: src/web/pages/resource-link.ts) is read by the page's script.
const deepLink = z.object({}).passthrough()

export const peoplePageRoutes = [
  defineRoute({
    method: 'GET', url: '/admin/users', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'Users: the list with last active, admin and token count; create, rename, make or remove admin, delete; tokens per user (data from /api/admin/users*).',
    query: deepLink,
    handler: async ({ actor, req, reply }) => sendPage(reply, renderUsersPage({ actor, csrf: req.csrfToken, serverUrl: `${req.protocol}://${req.host}` })),
  }),
  defineRoute({
    method: 'GET', url: '/admin/access', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'Access: groups, their members and the tables each group may read (data from /api/admin/groups*, /api/admin/grants*).',
    query: deepLink,
    handler: async ({ actor, req, reply }) => sendPage(reply, renderAccessPage({ actor, csrf: req.csrfToken })),
  }),
]
