import { html } from '../html.ts'

/**
 * The Performance tab's panel (filled by src/web/pages/activity/tabs/performance.ts from
 * GET /api/admin/activity/performance with the filter bar's time range): every route's requests, errors and latency
 * against the previous window, a chosen route's p95 over time, slow examples leading to their audit rows, the
 * scheduler's jobs and the audit writer.
 */
export function performancePanel() {
  return html`<p class="muted pf-note card" id="pf-note"></p>
<section class="card ac-chart-card" aria-label="p95 latency over time of the chosen route">
<div class="ac-chart-head"><strong>p95 over time</strong><span class="muted mono" id="pf-chart-route">choose a route below</span><span class="muted" id="pf-chart-note"></span></div>
<div class="ac-chart" id="pf-chart" data-ready="false"></div>
<p class="ac-chart-readout muted" id="pf-readout" aria-live="polite"></p>
</section>
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>Routes</strong><span class="muted" id="pf-count"></span></div>
<div class="ac-table-wrap"><table class="ac-table pf-table cards" id="pf-routes" data-ready="false">
<thead><tr><th>Route</th><th class="num">Requests</th><th class="num">Errors (5xx)</th><th class="num">4xx</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">p95 vs previous</th><th>Slowest requests</th></tr></thead>
<tbody><tr class="ac-empty"><td colspan="9">Loading…</td></tr></tbody></table></div></section>
<div class="pf-grid">
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>Scheduler jobs</strong><span class="muted" id="pf-budget"></span></div>
<div class="ac-table-wrap"><table class="ac-table pf-table cards" id="pf-jobs">
<thead><tr><th>Job</th><th class="num">Runs</th><th class="num">p95</th><th class="num">Max</th><th class="num">Overruns</th><th class="num">Errors</th><th class="num">Skipped</th></tr></thead>
<tbody><tr class="ac-empty"><td colspan="7">Loading…</td></tr></tbody></table></div></section>
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>Audit writer</strong></div>
<dl class="pf-writer" id="pf-writer"></dl></section>
</div>
<details class="card qs-definition" id="pf-definition"><summary>What each figure counts</summary><dl id="pf-definition-list"></dl></details>`
}
