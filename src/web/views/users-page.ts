import { html } from './html.ts'
import { layout } from './layout.ts'
import { staticUrl } from '../routes/static.ts'
import { tokenExpiryOptions } from './dashboard-page.ts'
import type { Actor } from '../../services.ts'

/**
 * The Users page: the list, creating a user, and one user opened beside it (?user=<id>, or ?token=<id> for the user
 * holding that token). Everything with data in it is filled in by /static/users.js (src/web/pages/users) through
 * /api/admin/users* and /api/admin/tokens*, the routes the API and the command line use, so the audit rows are theirs.
 */
export function renderUsersPage(opts: { actor: Actor; csrf: string | null; serverUrl: string }): string {
  const body = html`<div id="users" class="pa" data-me="${opts.actor.user?.id ?? ''}" data-server-url="${opts.serverUrl}">
<div class="pa-head"><h1>Users</h1><span class="muted pa-sub">Who can sign in, who is an admin, and their tokens</span></div>
<p class="pa-error" id="us-banner" role="alert" hidden></p>
<div class="pa-main">
<section class="card pa-list" aria-labelledby="us-list-title">
<h2 class="pa-h2" id="us-list-title">People</h2>
<form class="pa-form" id="us-create" autocomplete="off">
<div class="pa-f pa-f-wide"><label for="us-new-email">E-mail</label><input id="us-new-email" name="email" type="email" required maxlength="320" spellcheck="false" placeholder="name@example.com"></div>
<div class="pa-f"><label for="us-new-name">Name</label><input id="us-new-name" name="name" maxlength="256" placeholder="optional"></div>
<div class="pa-f"><label for="us-new-password">Password</label><input id="us-new-password" name="password" type="password" autocomplete="new-password" placeholder="optional"></div>
<label class="pa-check"><input type="checkbox" id="us-new-admin" name="is_admin"> Admin</label>
<div class="pa-f pa-f-button"><button type="submit" id="us-create-button">Create user</button></div>
</form>
<p class="pa-error" id="us-create-error" role="alert" hidden></p>
<div class="pa-table-wrap"><table class="pa-table cards" id="us-table">
<thead><tr><th>User</th><th>Last active</th><th>Admin</th><th>Tokens</th></tr></thead>
<tbody id="us-rows"><tr class="pa-empty"><td colspan="4">Loading users…</td></tr></tbody>
</table></div>
<p class="muted pa-note">Last active: the last successful query, download, upload, sync or report. Tokens: those neither revoked nor expired.</p>
</section>

<section class="card pa-detail" id="us-detail" aria-live="polite">
<p class="muted pa-pick" id="us-pick">Choose a user to change their name, admin rights or tokens.</p>
<div id="us-open" hidden>
<div class="pa-detail-head"><h2 class="pa-h2" id="us-d-email"></h2><span class="muted" id="us-d-meta"></span></div>
<p class="pa-error" id="us-d-error" role="alert" hidden></p>
<form class="pa-form" id="us-d-name-form" autocomplete="off">
<div class="pa-f pa-f-wide"><label for="us-d-name">Name</label><input id="us-d-name" name="name" maxlength="256" placeholder="no name"></div>
<div class="pa-f pa-f-button"><button type="submit" class="pa-secondary" id="us-d-name-save">Save name</button></div>
</form>
<div class="pa-row"><span id="us-d-admin-state"></span><button type="button" class="pa-secondary" id="us-d-admin"></button></div>
<div class="pa-row" id="us-d-delete-row"><button type="button" class="pa-secondary pa-danger-text" id="us-d-delete">Delete user…</button></div>

<h3 class="pa-h3">Tokens</h3>
<form class="pa-form" id="us-t-form" autocomplete="off">
<div class="pa-f pa-f-wide"><label for="us-t-name">Name</label><input id="us-t-name" name="name" maxlength="256" placeholder="e.g. work laptop" spellcheck="false"></div>
<div class="pa-f"><label for="us-t-expiry">Expires after</label><select id="us-t-expiry" name="expires_in_days">${tokenExpiryOptions()}</select></div>
<div class="pa-f pa-f-button"><button type="submit" id="us-t-create">Create token</button></div>
</form>
<div class="pa-new" id="us-t-new" role="status" hidden>
<p><strong>Copy the new token now: it is not shown again.</strong></p>
<code class="pa-secret" id="us-t-secret"></code>
<p class="pa-new-step">Its owner signs the command line in with:</p>
<code class="pa-secret" id="us-t-login"></code>
<button type="button" class="pa-link" id="us-t-done">I have copied it</button>
</div>
<div class="pa-table-wrap"><table class="pa-table cards" id="us-t-table">
<thead><tr><th>Name</th><th>Token</th><th>Last used</th><th>Expires</th><th><span class="pa-sr">Actions</span></th></tr></thead>
<tbody id="us-t-rows"></tbody>
</table></div>
</div>
</section>
</div>
</div>`
  return layout({
    title: 'Users',
    actor: opts.actor,
    csrf: opts.csrf,
    active: '/admin/users',
    head: html`<link rel="stylesheet" href="${staticUrl('users.css')}"><script src="${staticUrl('users.js')}" defer></script>`,
    body,
  })
}
