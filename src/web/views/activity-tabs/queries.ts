import { html } from '../html.ts'

export const QUERY_SORT_LABELS: Array<[string, string]> = [['total_time', 'Slowest in total'], ['p95', 'Slowest (p95)'], ['calls', 'Most frequent'], ['errors', 'Most failing']]

/**
 * The Queries tab's panel (filled by src/web/pages/activity/tabs/queries.ts from GET /api/admin/activity/queries with
 * the filter bar's time range, person and client): one row per query shape (fingerprint) in the chosen order, each
 * opening its calls in the timeline, and per table how often it is queried and by how many people.
 */
export function queriesPanel() {
  return html`<div class="card qs-head"><div class="ac-f"><label for="qs-sort">Order</label><select id="qs-sort">${QUERY_SORT_LABELS.map(([v, l]) => html`<option value="${v}">${l}</option>`)}</select></div>
<p class="muted qs-note" id="qs-note"></p></div>
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>Query shapes</strong><span class="muted" id="qs-count"></span></div>
<div class="ac-table-wrap"><table class="ac-table qs-table cards" id="qs-rows" data-ready="false">
<thead><tr><th>Query (newest call, literals as ?)</th><th class="num">Calls</th><th class="num">Errors</th><th class="num">p50</th><th class="num">p95</th><th class="num">Total time</th><th class="num">Rows</th><th class="num">People</th><th>Clients</th><th>Tables</th><th>Last seen</th></tr></thead>
<tbody><tr class="ac-empty"><td colspan="11">Loading…</td></tr></tbody></table></div></section>
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>Tables queried</strong><span class="muted">calls that read each table, and the people who ran them</span></div>
<div class="ac-table-wrap"><table class="ac-table qs-tables cards" id="qs-tables">
<thead><tr><th>Table</th><th class="num">Calls</th><th class="num">People</th></tr></thead>
<tbody><tr class="ac-empty"><td colspan="3">Loading…</td></tr></tbody></table></div></section>
<details class="card qs-definition" id="qs-definition"><summary>What each figure counts</summary><dl id="qs-definition-list"></dl></details>`
}
