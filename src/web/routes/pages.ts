import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { html } from '../views/html.ts'
import { layout, ADMIN_MENU } from '../views/layout.ts'

const DESCRIPTIONS: Record<string, string> = {
  '/admin/activity': 'Health pulse, every audited event, and the per-table sync grid.',
  '/admin/sessions': 'Where Claude got stuck in uploaded session transcripts.',
  '/admin/feedback': 'Problems users reported with agnes report.',
}

export const pageRoutes = [
  defineRoute({
    method: 'GET', url: '/', auth: 'user', action: null, tag: 'pages', kind: 'page',
    summary: 'Dashboard: who you are and, for admins, the admin surfaces.',
    query: z.object({}).passthrough(),
    handler: async ({ actor, req, reply }) => {
      const admin = actor.user!.is_admin
      const body = html`<h1>Welcome, ${actor.user!.name ?? actor.user!.email}</h1>
${admin
  ? html`<div class="card"><h2 style="margin-top:0;font-size:16px">Admin</h2><ul>${ADMIN_MENU.slice(1).map((m) => html`<li><a href="${m.href}">${m.label}</a> <span class="muted">${DESCRIPTIONS[m.href] ?? ''}</span></li>`)}</ul></div>`
  : ''}
<div class="card"><h2 style="margin-top:0;font-size:16px">Command line</h2>
<p>Install the CLI from this server's repository and sign in with a personal access token:</p>
<pre>agnes login --url ${req.protocol}://${req.host} --token &lt;your token&gt;</pre>
<p class="muted">The API is described at <a href="/api/docs">/api/docs</a>.</p></div>`
      return reply.type('text/html; charset=utf-8').send(layout({ title: 'Dashboard', actor, csrf: req.csrfToken, active: '/', body }))
    },
  }),
]
