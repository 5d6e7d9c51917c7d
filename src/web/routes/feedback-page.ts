import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { sendPage } from '../views/page-security.ts'
import { renderFeedbackPage } from '../views/feedback-page.ts'

export const feedbackPageRoutes = [
  defineRoute({
    method: 'GET', url: '/admin/feedback', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'Feedback inbox: reports with filters, duplicate counts, one report in full and its triage actions (data fetched from /api/admin/feedback*).',
    // The filters and the open report (?id=) live in the query string and are read by the page's script.
    query: z.object({}).passthrough(),
    handler: async ({ actor, req, reply, svc }) => {
      const [users, link] = await Promise.all([
        svc.store.users.list(),
        actor.user ? svc.store.feedback.telegramLink(actor.user.id) : Promise.resolve(undefined),
      ])
      const admins = users.filter((u) => u.is_admin).map((u) => ({ id: u.id, email: u.email })).sort((a, b) => a.email.localeCompare(b.email))
      return sendPage(reply, renderFeedbackPage({
        actor, csrf: req.csrfToken, admins,
        telegram: { configured: Boolean(svc.config.telegram.botToken), chat_id: link?.chat_id ?? null, linked_at: link?.linked_at ?? null },
      }))
    },
  }),
  defineRoute({
    method: 'GET', url: '/admin/feedback/:id', auth: 'admin', action: null, tag: 'pages', kind: 'page',
    summary: 'One report: the inbox with that report open (/admin/feedback?id=…).',
    params: z.strictObject({ id: z.string().min(1).max(100) }),
    query: z.object({}).passthrough(),
    handler: async ({ params, reply }) => reply.redirect(`/admin/feedback?id=${encodeURIComponent(params.id)}`, 302),
  }),
]
