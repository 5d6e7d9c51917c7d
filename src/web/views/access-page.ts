import { html } from './html.ts'
import { layout } from './layout.ts'
import { staticUrl } from '../routes/static.ts'
import type { Actor } from '../../services.ts'

/**
 * The Access page: groups, their members, and the tables each group may read; one group opened beside the list
 * (?group=<id>), and every table with the groups that read it. Filled in by /static/access.js (src/web/pages/access)
 * through /api/admin/groups*, /api/admin/grants*, the routes the API and the command line use.
 */
export function renderAccessPage(opts: { actor: Actor; csrf: string | null }): string {
  const body = html`<div id="access" class="pa">
<div class="pa-head"><h1>Access</h1><span class="muted pa-sub">Groups of people and the tables each group may read. Admins read every table.</span></div>
<p class="pa-error" id="ax-banner" role="alert" hidden></p>
<div class="pa-main">
<section class="card pa-list" aria-labelledby="ax-list-title">
<h2 class="pa-h2" id="ax-list-title">Groups</h2>
<form class="pa-form" id="ax-create" autocomplete="off">
<div class="pa-f pa-f-wide"><label for="ax-new-name">Name</label><input id="ax-new-name" name="name" required maxlength="256" placeholder="e.g. finance" spellcheck="false"></div>
<div class="pa-f pa-f-wide"><label for="ax-new-description">Description</label><input id="ax-new-description" name="description" maxlength="1000" placeholder="optional"></div>
<div class="pa-f pa-f-button"><button type="submit" id="ax-create-button">Create group</button></div>
</form>
<p class="pa-error" id="ax-create-error" role="alert" hidden></p>
<div class="pa-table-wrap"><table class="pa-table cards" id="ax-table">
<thead><tr><th>Group</th><th>Members</th><th>Tables</th></tr></thead>
<tbody id="ax-rows"><tr class="pa-empty"><td colspan="3">Loading groups…</td></tr></tbody>
</table></div>
</section>

<section class="card pa-detail" id="ax-detail" aria-live="polite">
<p class="muted pa-pick" id="ax-pick">Choose a group to rename it, change its members or the tables it reads.</p>
<div id="ax-open" hidden>
<div class="pa-detail-head"><h2 class="pa-h2" id="ax-d-title"></h2><span class="muted" id="ax-d-meta"></span></div>
<p class="pa-error" id="ax-d-error" role="alert" hidden></p>
<form class="pa-form" id="ax-d-form" autocomplete="off">
<div class="pa-f pa-f-wide"><label for="ax-d-name">Name</label><input id="ax-d-name" name="name" required maxlength="256" spellcheck="false"></div>
<div class="pa-f pa-f-wide"><label for="ax-d-description">Description</label><input id="ax-d-description" name="description" maxlength="1000" placeholder="none"></div>
<div class="pa-f pa-f-button"><button type="submit" class="pa-secondary" id="ax-d-save">Save</button></div>
</form>
<div class="pa-row" id="ax-d-delete-row"><button type="button" class="pa-secondary pa-danger-text" id="ax-d-delete">Delete group…</button></div>

<h3 class="pa-h3">Members</h3>
<form class="pa-form" id="ax-m-form" autocomplete="off">
<div class="pa-f pa-f-wide"><label for="ax-m-user">Add a person</label><select id="ax-m-user" name="user_id"></select></div>
<div class="pa-f pa-f-button"><button type="submit" id="ax-m-add">Add member</button></div>
</form>
<ul class="pa-items" id="ax-m-list"></ul>

<h3 class="pa-h3">Tables this group reads</h3>
<form class="pa-form" id="ax-g-form" autocomplete="off">
<div class="pa-f pa-f-wide"><label for="ax-g-table">Let it read</label><select id="ax-g-table" name="resource"></select></div>
<div class="pa-f pa-f-button"><button type="submit" id="ax-g-add">Grant</button></div>
</form>
<ul class="pa-items" id="ax-g-list"></ul>
</div>
</section>
</div>

<section class="card" aria-labelledby="ax-tables-title">
<h2 class="pa-h2" id="ax-tables-title">Who reads each table</h2>
<div class="pa-table-wrap"><table class="pa-table cards" id="ax-by-table">
<thead><tr><th>Table</th><th>Groups that read it</th></tr></thead>
<tbody id="ax-by-table-rows"><tr class="pa-empty"><td colspan="2">Loading tables…</td></tr></tbody>
</table></div>
</section>
</div>`
  return layout({
    title: 'Access',
    actor: opts.actor,
    csrf: opts.csrf,
    active: '/admin/access',
    head: html`<link rel="stylesheet" href="${staticUrl('access.css')}"><script src="${staticUrl('access.js')}" defer></script>`,
    body,
  })
}
