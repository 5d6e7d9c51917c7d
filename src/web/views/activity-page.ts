import { html, type Raw } from './html.ts'
import { layout } from './layout.ts'
import { staticUrl } from '../routes/static.ts'
import type { Actor } from '../../services.ts'
import { usagePanel } from './activity-tabs/usage.ts'
import { queriesPanel } from './activity-tabs/queries.ts'
import { performancePanel } from './activity-tabs/performance.ts'
import { changesPanel } from './activity-tabs/changes.ts'
import { costsPanel } from './activity-tabs/costs.ts'

/**
 * The Activity Center's tabs, in order. Timeline and Sync have their panels below; every other tab's panel is its own
 * view module (the static part of the panel) and its own page module under src/web/pages/activity/tabs (what fills it).
 * `filters`: the tab follows the timeline's filter bar (shown above it).
 */
export const ACTIVITY_TABS: Array<{ id: string; label: string; title: string; panel?: () => Raw }> = [
  { id: 'timeline', label: 'Timeline', title: 'Every audited event, filtered' },
  { id: 'sync', label: 'Sync', title: 'Each registered table and its latest syncs' },
  { id: 'usage', label: 'Usage', title: 'Who uses Agnes and whether they come back', panel: usagePanel },
  { id: 'queries', label: 'Queries', title: 'Query shapes: the slowest, most frequent and most failing', panel: queriesPanel },
  { id: 'performance', label: 'Performance', title: 'Latency and errors per route, scheduler jobs, the audit writer', panel: performancePanel },
  { id: 'changes', label: 'Changes', title: 'Who changed what, field by field, and reverting a change', panel: changesPanel },
  { id: 'costs', label: 'Costs', title: 'What Claude Code costs, estimated from the uploaded transcripts', panel: costsPanel },
]

const RESULT_CLASSES = ['success', 'error', 'denied', 'other']
const CLIENT_KINDS = ['web', 'cli', 'api', 'agent', 'scheduler', 'system']

/** What the empty sync grid needs to say how to register a table. */
export interface RegisterTablesHelp {
  /** The tables registry page, when the server has one. */
  page: string | null
  /** This server as its callers reach it, for the curl line. */
  serverUrl: string
  /** AGNES_SOURCE_DIRS: the folders a table's file may be read from. */
  sourceDirs: string[]
}

/** The empty sync grid's way forward: the registry page when there is one, else the API and the command line. */
function registerTablesHelp(h: RegisterTablesHelp) {
  if (h.page) return html`<div class="ac-register" data-way="page"><p><strong>No tables are registered.</strong> <a href="${h.page}" id="ac-register-page">Register one on the Registry page</a>; its syncs show here.</p></div>`
  const dir = h.sourceDirs[0] ?? '/path/to/sources'
  const body = JSON.stringify({ id: 'orders', source: { kind: 'file', path: `${dir.replace(/\/+$/, '')}/orders.csv` }, sync_interval_minutes: 60 })
  return html`<div class="ac-register" data-way="api">
<p><strong>No tables are registered.</strong> A table is a file (CSV, Parquet, JSON or NDJSON) in a source folder, or SQL over other tables; an admin registers it, then it syncs on its interval and shows here.</p>
<p>With the API, <code>POST /api/admin/tables</code> (described at <a href="/api/docs">/api/docs</a>), from any shell with an admin token:</p>
<pre class="ac-register-cmd" id="ac-register-curl">curl -X POST ${h.serverUrl}/api/admin/tables -H "Authorization: Bearer $AGNES_TOKEN" -H 'Content-Type: application/json' -d '${body}'</pre>
<p>From the command line, sync it at once and check the result: <code>agnes sync orders</code> (the CLI has no command that registers tables yet). Source folders (<code>AGNES_SOURCE_DIRS</code>): ${h.sourceDirs.map((d, i) => html`${i ? ', ' : ''}<code>${d}</code>`)}.</p>
</div>`
}

/**
 * The Activity Center shell. Everything with data in it is filled in by /static/activity.js (bundled from
 * src/web/pages/activity) from the /api/admin/activity/* endpoints; the filter controls read their state from the URL
 * there too. Times are UTC on the whole page.
 */
export function renderActivityPage(opts: { actor: Actor; csrf: string | null; registerTables: RegisterTablesHelp }): string {
  const body = html`<div id="activity" class="ac" data-defers-strip>
<div class="ac-head"><h1>Activity</h1>
<nav class="ac-tabs" role="tablist">
${ACTIVITY_TABS.map((t, i) => html`<button type="button" role="tab" class="ac-tab" data-tab="${t.id}" aria-selected="${i === 0 ? 'true' : 'false'}" title="${t.title}">${t.label}</button>`)}
</nav>
<span class="ac-updated muted" id="ac-updated"></span></div>
<div id="ac-banner" class="ac-banner" role="alert" hidden></div>

<section class="card ac-pulse" id="ac-pulse" aria-label="Health pulse">
<div class="ac-pulse-head"><span class="ac-dot ac-dot-grey" id="ac-pulse-status" aria-hidden="true"></span>
<p class="ac-sentence" id="ac-sentence">Loading health…</p></div>
<div class="ac-fields" id="ac-fields"></div>
<div class="ac-explain" id="ac-pulse-explain" role="region" aria-label="Evidence of the card" hidden></div>
<button type="button" class="ac-pulse-more ac-link" id="ac-pulse-more" aria-controls="ac-fields" aria-expanded="false" hidden></button>
</section>

<div id="ac-filter-area">
<form class="card ac-filters" id="ac-filters" autocomplete="off">
<div class="ac-f"><label for="f-since">From (UTC)</label><input id="f-since" name="since" type="datetime-local" step="1"></div>
<div class="ac-f"><label for="f-until">To (UTC)</label><input id="f-until" name="until" type="datetime-local" step="1"></div>
<div class="ac-f ac-f-presets"><span class="ac-flabel">Range</span><span class="ac-presets">
<button type="button" class="ac-chip" data-range="1">1h</button><button type="button" class="ac-chip" data-range="24">24h</button><button type="button" class="ac-chip" data-range="168">7d</button><button type="button" class="ac-chip" data-range="720">30d</button><button type="button" class="ac-chip" data-range="2160">90d</button></span><span class="ac-window muted" id="ac-window"></span></div>
<div class="ac-f"><label for="f-user">User</label><select id="f-user" name="user_id"><option value="">Anyone</option></select></div>
<div class="ac-f"><label for="f-action">Action prefix</label><input id="f-action" name="action_prefix" class="mono" placeholder="sync. or run_" list="ac-action-list" maxlength="200"><datalist id="ac-action-list"></datalist></div>
<div class="ac-f"><label for="f-result">Result</label><select id="f-result" name="result_class"><option value="">Any</option>${RESULT_CLASSES.map((c) => html`<option value="${c}">${c}</option>`)}</select></div>
<div class="ac-f"><label for="f-client">Client</label><select id="f-client" name="client_kind"><option value="">Any</option>${CLIENT_KINDS.map((c) => html`<option value="${c}">${c}</option>`)}</select></div>
<div class="ac-f ac-f-q"><label for="f-q">Search</label><input id="f-q" name="q" type="search" placeholder="text in params, e.g. orders" title="Finds events whose params contain this text (case and spaces ignored)" maxlength="200"></div>
<div class="ac-f ac-f-check"><label><input id="f-self" name="include_self_reads" type="checkbox"> Include my own reads</label></div>
<div class="ac-f ac-f-actions"><button type="button" class="ac-secondary" id="ac-clear">Clear filters</button></div>
<div class="ac-extra" id="ac-extra" hidden></div>
</form>
</div>

<section id="ac-panel-timeline" class="ac-panel" role="tabpanel">

<section class="card ac-views" id="ac-views" aria-labelledby="ac-views-label">
<span class="ac-flabel" id="ac-views-label">Saved views</span>
<ul class="ac-view-list" id="ac-view-list"><li class="ac-view-none muted">Loading…</li></ul>
<form class="ac-view-form" id="ac-view-form" autocomplete="off">
<input id="ac-view-name" maxlength="100" placeholder="Name the current filters" aria-label="A name for the current filters" spellcheck="false">
<label class="ac-view-shared"><input type="checkbox" id="ac-view-shared"> Share with admins</label>
<button type="submit" class="ac-secondary" id="ac-view-save">Save view</button>
</form>
<p class="ac-view-error" id="ac-view-error" role="alert" hidden></p>
</section>

<div class="ac-kpis" id="ac-kpis" aria-label="Figures for the current filter, with their change against the previous period of the same length"></div>

<section class="card ac-chart-card" aria-label="Events over time">
<div class="ac-chart-head"><strong>Events over time</strong><span class="muted" id="ac-chart-note"></span><span class="ac-legend" id="ac-chart-legend"></span></div>
<div class="ac-chart" id="ac-chart" data-ready="false"></div>
<p class="ac-chart-readout muted" id="ac-chart-readout" aria-live="polite">Drag across the chart to show that time range.</p>
</section>

<div class="ac-main">
<div class="ac-timeline card">
<div class="ac-timeline-head"><strong>Events</strong><span class="muted" id="ac-count"></span>
<span class="ac-export">Export <a id="ac-export-csv" href="/api/admin/activity/export?format=csv" download>CSV</a> · <a id="ac-export-ndjson" href="/api/admin/activity/export?format=ndjson" download>NDJSON</a></span></div>
<button type="button" class="ac-new" id="ac-new" hidden></button>
<div class="ac-table-wrap"><table class="ac-table ac-events cards" id="ac-table">
<colgroup><col class="w-time"><col class="w-user"><col class="w-action"><col class="w-resource"><col class="w-result"><col class="w-duration"><col class="w-client"></colgroup>
<thead><tr><th class="c-time">Time</th><th>User</th><th>Action</th><th>Resource</th><th>Result</th><th class="num">Duration</th><th>Client</th></tr></thead>
<tbody id="ac-rows"><tr class="ac-empty"><td colspan="7">Loading events…</td></tr></tbody>
</table></div>
<div class="ac-more"><button type="button" class="ac-secondary" id="ac-more" hidden>Load more</button></div>
</div>
<aside class="ac-facets card" id="ac-facets" aria-label="Counts for the current filter"></aside>
</div>
</section>

<section id="ac-panel-sync" class="ac-panel" role="tabpanel" hidden>
<div class="card ac-timeline"><div class="ac-timeline-head"><strong>Tables</strong><span class="muted" id="ac-sync-summary"></span></div>
<div class="ac-table-wrap"><table class="ac-table ac-sync cards" id="ac-sync">
<thead><tr><th>Table</th><th>Status</th><th>Last run</th><th title="The latest runs, newest last: hover a mark for its time and error">Recent runs</th><th class="num">Rows</th><th class="num">Duration</th><th class="num">Runs 24h</th><th class="num">Failures 24h</th><th>Next expected</th><th>Error</th></tr></thead>
<tbody id="ac-sync-rows"><tr class="ac-empty"><td colspan="10">Loading tables…</td></tr></tbody>
</table></div></div>
<template id="ac-sync-empty">${registerTablesHelp(opts.registerTables)}</template>
</section>

${ACTIVITY_TABS.filter((t) => t.panel).map((t) => html`<section id="ac-panel-${t.id}" class="ac-panel" role="tabpanel" aria-label="${t.label}" hidden>${t.panel!()}</section>
`)}
<aside class="ac-drawer" id="ac-drawer" aria-label="Event details" hidden>
<div class="ac-drawer-head"><strong id="ac-drawer-title">Event</strong><button type="button" class="ac-close" id="ac-drawer-close" aria-label="Close">×</button></div>
<div class="ac-drawer-body" id="ac-drawer-body"></div>
</aside>
</div>`
  return layout({
    title: 'Activity',
    actor: opts.actor,
    csrf: opts.csrf,
    active: '/admin/activity',
    prefetch: 'activity-prefetch.js',
    head: html`<link rel="stylesheet" href="${staticUrl('activity.css')}"><script src="${staticUrl('activity.js')}" defer></script>`,
    body,
  })
}
