import { html, type Raw } from './html.ts'
import { layout, ADMIN_MENU } from './layout.ts'
import { staticUrl } from '../routes/static.ts'
import type { Actor } from '../../services.ts'

const DESCRIPTIONS: Record<string, string> = {
  '/admin/activity': 'Health pulse, every audited event, and the per-table sync grid.',
  '/admin/sessions': 'Where Claude got stuck in uploaded session transcripts.',
  '/admin/feedback': 'Problems users reported with agnes report.',
  '/admin/registry': 'Tables synced from files or SQL, and scheduled scripts.',
  '/admin/server-config': 'Instance settings and templates.',
  '/admin/users': 'Who can sign in, who is an admin, and their tokens.',
  '/admin/access': 'Groups, their members and the tables each group may read.',
}

/** How long a new token lives, as the form offers it ('' never expires). */
const EXPIRY_CHOICES: Array<[string, string]> = [['30', '30 days'], ['90', '90 days'], ['365', '1 year'], ['', 'Never']]
/** The options of a new token's expiry, 90 days chosen: the dashboard's form and the Users page's. */
export const tokenExpiryOptions = () => EXPIRY_CHOICES.map(([v, l]) => html`<option value="${v}"${v === '90' ? html` selected` : ''}>${l}</option>`)

/**
 * The dashboard: who you are, the admin pages for admins, and your personal access tokens. The token list, creating
 * (the secret shown once, with the `agnes login` line to paste) and revoking are done by /static/dashboard.js
 * (src/web/pages/dashboard) through /api/me/tokens.
 */
export function renderDashboardPage(opts: { actor: Actor; csrf: string | null; serverUrl: string; reports?: Raw }): string {
  const user = opts.actor.user!
  const body = html`<div id="dashboard" class="db">
<h1>Welcome, ${user.name ?? user.email}</h1>
${opts.reports ?? ''}
${user.is_admin
  ? html`<div class="card"><h2 class="db-h2">Admin</h2><ul class="db-admin">${ADMIN_MENU.slice(1).map((m) => html`<li><a href="${m.href}">${m.label}</a> <span class="muted">${DESCRIPTIONS[m.href] ?? ''}</span></li>`)}</ul></div>`
  : ''}
<section class="card db-tokens" id="db-tokens" aria-labelledby="db-tokens-title" data-server-url="${opts.serverUrl}">
<h2 class="db-h2" id="db-tokens-title">Personal access tokens</h2>
<p class="muted db-lead">A token lets the command line (and Claude Code through it) act as you. Make one per machine, and revoke it when the machine is gone.</p>
<form class="db-token-form" id="db-token-form" autocomplete="off">
<div class="db-f"><label for="db-token-name">Name</label><input id="db-token-name" name="name" maxlength="256" placeholder="e.g. work laptop" spellcheck="false"></div>
<div class="db-f"><label for="db-token-expiry">Expires after</label><select id="db-token-expiry" name="expires_in_days">${tokenExpiryOptions()}</select></div>
<div class="db-f db-f-button"><button type="submit" id="db-token-create">Create token</button></div>
</form>
<p class="db-error" id="db-token-error" role="alert" hidden></p>

<div class="db-new" id="db-token-new" role="status" hidden>
<p class="db-new-head"><strong>Copy your new token now: it is not shown again.</strong></p>
<div class="db-copy-row"><code class="db-secret" id="db-token-secret"></code><button type="button" class="db-secondary" id="db-copy-token">Copy</button></div>
<p class="db-new-step">Then sign in the command line on your machine:</p>
<div class="db-copy-row"><code class="db-secret" id="db-token-login"></code><button type="button" class="db-secondary" id="db-copy-login">Copy</button></div>
<button type="button" class="db-link" id="db-token-done">I have copied it</button>
</div>

<div class="db-table-wrap"><table class="db-table cards" id="db-token-table">
<thead><tr><th>Name</th><th>Token</th><th>Created</th><th>Last used</th><th>Expires</th><th><span class="db-sr">Actions</span></th></tr></thead>
<tbody id="db-token-rows"><tr class="db-empty"><td colspan="6">Loading your tokens…</td></tr></tbody>
</table></div>
<details class="db-old" id="db-token-old" hidden><summary class="muted" id="db-token-old-summary"></summary><ul id="db-token-old-list"></ul></details>
</section>

<div class="card"><h2 class="db-h2">Command line</h2>
<p>Install the CLI from this server's repository and sign in with a personal access token:</p>
<pre>agnes login --url ${opts.serverUrl} --token &lt;your token&gt;</pre>
<p class="muted">The API is described at <a href="/api/docs">/api/docs</a>.</p></div>
</div>`
  return layout({
    title: 'Dashboard',
    actor: opts.actor,
    csrf: opts.csrf,
    active: '/',
    head: html`<link rel="stylesheet" href="${staticUrl('dashboard.css')}"><script src="${staticUrl('dashboard.js')}" defer></script>`,
    body,
  })
}
