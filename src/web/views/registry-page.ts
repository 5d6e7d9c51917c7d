import { html } from './html.ts'
import { layout } from './layout.ts'
import { staticUrl } from '../routes/static.ts'
import type { Actor } from '../../services.ts'

/**
 * The registry: tables (registered from a source file or SQL, their sync interval, syncing now, their last runs,
 * unregistering) and scripts (created with a cron schedule, rescheduled, run now). Lists and actions are done by
 * /static/registry.js (src/web/pages/registry) through /api/admin/tables, /api/sync/*, /api/admin/activity/sync and
 * /api/admin/scripts; ?table=<id> and ?script=<id> open that record (src/web/pages/resource-link.ts).
 */
export function renderRegistryPage(opts: { actor: Actor; csrf: string | null; sourceDirs: string[] }): string {
  const example = `${(opts.sourceDirs[0] ?? '/path/to/sources').replace(/\/+$/, '')}/orders.csv`
  const body = html`<div id="registry" class="mg">
<div class="mg-head"><h1>Registry</h1><span class="muted mg-sub">Tables synced from files or built with SQL, and scheduled scripts</span></div>
<div id="mg-banner" class="mg-banner" role="alert" hidden></div>
<p class="mg-missing" id="rg-missing" role="status" hidden></p>

<section class="card" id="rg-tables" aria-labelledby="rg-tables-title">
<div class="mg-card-head"><h2 id="rg-tables-title">Tables</h2><span class="muted" id="rg-tables-count"></span><span class="mg-done" id="rg-tables-status" role="status"></span></div>
<details class="mg-new" id="rg-register-box"><summary>Register a table</summary>
<form class="mg-form" id="rg-register" autocomplete="off" novalidate>
<div class="mg-f"><label for="rg-id">Id</label><input id="rg-id" name="id" class="mono" maxlength="63" placeholder="orders" spellcheck="false" required></div>
<fieldset class="mg-f mg-kind"><legend>Source</legend>
<label><input type="radio" name="kind" value="file" checked> A file</label>
<label><input type="radio" name="kind" value="sql"> SQL over other tables</label></fieldset>
<div class="mg-f mg-wide" data-kind="file"><label for="rg-path">File</label><input id="rg-path" name="path" class="mono" maxlength="1000" placeholder="${example}" spellcheck="false"></div>
<div class="mg-f" data-kind="file"><label for="rg-format">Format</label><select id="rg-format" name="format"><option value="">From the file name</option><option value="csv">CSV</option><option value="parquet">Parquet</option><option value="json">JSON / NDJSON</option></select></div>
<div class="mg-f mg-wide" data-kind="sql" hidden><label for="rg-sql">SQL</label><textarea id="rg-sql" name="sql" class="mono" rows="4" maxlength="100000" placeholder="SELECT customer, sum(amount) AS total FROM orders GROUP BY customer" spellcheck="false"></textarea></div>
<div class="mg-f"><label for="rg-interval">Sync every (minutes)</label><input id="rg-interval" name="sync_interval_minutes" type="number" min="1" step="1" placeholder="only when asked"></div>
<div class="mg-f mg-wide"><label for="rg-description">Description</label><input id="rg-description" name="description" maxlength="1000" placeholder="optional"></div>
<div class="mg-f mg-f-button"><button type="submit" id="rg-register-submit">Register</button></div>
</form>
<p class="mg-error" id="rg-register-error" role="alert" hidden></p>
<p class="muted mg-help">A file must be inside a source folder (<code>AGNES_SOURCE_DIRS</code>): ${opts.sourceDirs.map((d, i) => html`${i ? ', ' : ''}<code>${d}</code>`)}. A relative path is read from the first. SQL reads registered tables and scripts' tables. A table syncs on its interval, or when asked (<em>Sync now</em>, <code>agnes sync</code>).</p>
</details>
<div class="mg-table-wrap"><table class="mg-table cards" id="rg-table-list">
<thead><tr><th>Table</th><th>Source</th><th>Sync every</th><th>Last run</th><th>Runs</th><th><span class="mg-sr">Actions</span></th></tr></thead>
<tbody id="rg-table-rows"><tr class="mg-empty"><td colspan="6">Loading tables…</td></tr></tbody>
</table></div>
</section>

<section class="card" id="rg-scripts" aria-labelledby="rg-scripts-title">
<div class="mg-card-head"><h2 id="rg-scripts-title">Scripts</h2><span class="muted" id="rg-scripts-count"></span></div>
<details class="mg-new" id="rg-script-box"><summary>Create a script</summary>
<form class="mg-form" id="rg-script-form" autocomplete="off" novalidate>
<div class="mg-f"><label for="rg-script-id">Id (the table it builds)</label><input id="rg-script-id" name="id" class="mono" maxlength="63" placeholder="daily_totals" spellcheck="false" required></div>
<div class="mg-f"><label for="rg-script-schedule">Schedule (cron, UTC)</label><input id="rg-script-schedule" name="schedule" class="mono" maxlength="200" placeholder="0 6 * * *" spellcheck="false" required></div>
<div class="mg-f mg-wide"><label for="rg-script-sql">SQL</label><textarea id="rg-script-sql" name="sql" class="mono" rows="4" maxlength="100000" placeholder="SELECT customer, sum(amount) AS total FROM orders GROUP BY customer" spellcheck="false" required></textarea></div>
<div class="mg-f mg-f-button"><button type="submit" id="rg-script-submit">Create</button></div>
</form>
<p class="mg-error" id="rg-script-error" role="alert" hidden></p>
<p class="muted mg-help">A script (re)builds the table named by its id from its SQL, on its cron schedule (five fields, UTC: <code>0 6 * * *</code> is 06:00 every day), or when asked (<em>Run now</em>).</p>
</details>
<div class="mg-table-wrap"><table class="mg-table cards" id="rg-script-list">
<thead><tr><th>Script</th><th>SQL</th><th>Schedule</th><th>Last run</th><th>Next run</th><th><span class="mg-sr">Actions</span></th></tr></thead>
<tbody id="rg-script-rows"><tr class="mg-empty"><td colspan="6">Loading scripts…</td></tr></tbody>
</table></div>
</section>
</div>`
  return layout({
    title: 'Registry',
    actor: opts.actor,
    csrf: opts.csrf,
    active: '/admin/registry',
    head: html`<link rel="stylesheet" href="${staticUrl('registry.css')}"><script src="${staticUrl('registry.js')}" defer></script>`,
    body,
  })
}
