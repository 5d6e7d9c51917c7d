import { html } from '../html.ts'

const DAYS: Array<[string, string]> = [['7', '7 days'], ['30', '30 days'], ['90', '90 days']]

/** A table head whose columns sort the rows (src/web/pages/activity/tabs/sortable.ts): [key, label, numeric]. */
export function sortableHead(cols: Array<[string, string, boolean]>) {
  return html`<thead><tr>${cols.map(([key, label, num]) => html`<th${num ? html` class="num"` : ''} data-sort="${key}" aria-sort="none"><button type="button" class="ac-sort">${label}</button></th>`)}</tr></thead>`
}

/**
 * The Usage tab's panel (filled by src/web/pages/activity/tabs/usage.ts from GET /api/admin/activity/usage): its own
 * range in whole UTC days (the API's `days`), what "active" means as the API words it, DAU with WAU and MAU, stickiness
 * and its trend, the lifecycle per week, the people table, and the tools Claude used with their error rates.
 */
export function usagePanel() {
  return html`<form class="card ac-filters us-controls" id="us-controls" autocomplete="off">
<div class="ac-f ac-f-presets"><span class="ac-flabel">Window (UTC days, today included)</span><span class="ac-presets">${DAYS.map(([d, label]) => html`<button type="button" class="ac-chip" data-days="${d}">${label}</button>`)}</span></div>
</form>
<p class="us-definition card" id="us-definition" role="note">Loading…</p>
<div class="ac-kpis us-kpis" id="us-kpis" data-ready="false" aria-label="Daily, weekly and monthly active people of the last complete day"></div>
<section class="card ac-chart-card" aria-label="Active people per day">
<div class="ac-chart-head"><strong>Active people per day</strong><span class="muted" id="us-chart-note"></span><span class="ac-legend" id="us-legend"></span></div>
<div class="ac-chart" id="us-chart" data-ready="false"></div>
<p class="ac-chart-readout muted" id="us-readout" aria-live="polite">Point at a day for its figures.</p>
</section>
<section class="card us-lifecycle" aria-labelledby="us-lifecycle-title">
<div class="ac-timeline-head"><strong id="us-lifecycle-title">Lifecycle</strong><span class="muted" id="us-lifecycle-note"></span>
<span class="ac-legend"><span class="ac-legend-item"><i class="ac-swatch us-new"></i>new</span><span class="ac-legend-item"><i class="ac-swatch us-returning"></i>returning</span><span class="ac-legend-item"><i class="ac-swatch us-resurrecting"></i>resurrecting</span><span class="ac-legend-item"><i class="ac-swatch us-dormant"></i>dormant</span></span></div>
<ol class="us-bars" id="us-lifecycle"></ol>
</section>
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>People</strong><span class="muted" id="us-people-note"></span></div>
<div class="ac-table-wrap"><table class="ac-table us-table cards" id="us-people">
${sortableHead([['person', 'Person', false], ['active_days', 'Active days', true], ['queries', 'Queries', true], ['downloads', 'Downloads', true], ['uploads', 'Uploads', true], ['syncs', 'Syncs', true], ['reports', 'Reports', true], ['sessions', 'Sessions', true], ['last_active', 'Last active', false]])}
<tbody><tr class="ac-empty"><td colspan="9">Loading…</td></tr></tbody></table></div></section>
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>Tools Claude used</strong><span class="muted" id="us-tools-note"></span></div>
<div class="ac-table-wrap"><table class="ac-table us-table cards" id="us-tools">
<thead><tr><th>Tool</th><th class="num">Calls</th><th class="num">Sessions</th><th class="num">Errors</th><th class="num">Error rate</th><th>Sessions where it failed</th></tr></thead>
<tbody><tr class="ac-empty"><td colspan="6">Loading…</td></tr></tbody></table></div></section>`
}
