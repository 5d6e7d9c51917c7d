import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { sendPage } from '../views/page-security.ts'
import { notFound } from '../../errors.ts'
import { renderSessionsListPage, renderSessionReplayPage } from '../views/sessions-pages.ts'

export const sessionsPageRoutes = [
  defineRoute({
    method: 'GET', url: '/admin/sessions', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'Sessions: uploaded transcripts with their findings, KPIs and the finding heatmap (data fetched from /api/admin/sessions*).',
    // The filters live in the query string and are read by the page's script.
    query: z.object({}).passthrough(),
    handler: async ({ actor, req, reply }) =>
      sendPage(reply, renderSessionsListPage({ actor, csrf: req.csrfToken })),
  }),
  defineRoute({
    method: 'GET', url: '/admin/sessions/:username/:filename', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'One transcript replayed in order with its findings marked inline (data fetched from /api/admin/sessions/{username}/{filename}).',
    params: z.strictObject({ username: z.string().min(1).max(200), filename: z.string().min(1).max(200) }),
    query: z.object({}).passthrough(),
    handler: async ({ actor, params, req, reply, svc }) => {
      // A missing transcript is a 404 page rather than an empty viewer; the content itself is read (and audited) by the API.
      if (!(await svc.store.sessionUploads.byFile(`${params.username}/${params.filename}`))) throw notFound(`session ${params.username}/${params.filename}`)
      return sendPage(reply, renderSessionReplayPage({ actor, csrf: req.csrfToken, username: params.username, filename: params.filename }))
    },
  }),
]
