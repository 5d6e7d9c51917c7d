import { html } from '../html.ts'

const PRESETS: Array<[string, string]> = [['7', '7d'], ['30', '30d'], ['90', '90d'], ['365', '12 months']]

/**
 * The Costs tab's panel (filled by src/web/pages/activity/tabs/costs.ts from GET /api/admin/costs and /budget): its own
 * range and grouping (the timeline's filters are about audit rows, not transcripts), spend over time stacked by model,
 * spend by person, project and session, and what caching saves. Every figure is an estimate; the note says so.
 */
export function costsPanel() {
  return html`<form class="card ac-filters co-controls" id="co-controls" autocomplete="off">
<div class="ac-f"><label for="co-since">From (UTC day)</label><input id="co-since" name="since" type="date"></div>
<div class="ac-f"><label for="co-until">To (UTC day)</label><input id="co-until" name="until" type="date"></div>
<div class="ac-f ac-f-presets"><span class="ac-flabel">Range</span><span class="ac-presets">${PRESETS.map(([d, label]) => html`<button type="button" class="ac-chip" data-days="${d}">${label}</button>`)}</span></div>
<div class="ac-f"><label for="co-group">Spend per</label><select id="co-group" name="group_by"><option value="day">day</option><option value="week">week</option><option value="month">month</option></select></div>
</form>
<p class="co-note" id="co-note" role="note"></p>
<div class="co-budget card" id="co-budget" hidden></div>
<div class="ac-kpis co-kpis" id="co-kpis" data-ready="false" aria-label="Spend in the range"></div>
<section class="card ac-chart-card" aria-label="Spend over time by model">
<div class="ac-chart-head"><strong>Spend over time</strong><span class="muted" id="co-chart-note"></span><span class="ac-legend" id="co-legend"></span></div>
<div class="ac-chart co-chart" id="co-chart" data-ready="false"></div>
<p class="ac-chart-readout muted" id="co-readout" aria-live="polite">Point at a bar for its spend per model.</p>
</section>
<div class="co-unpriced card" id="co-unpriced" hidden></div>
<div class="co-grid">
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>By person</strong></div>
<div class="ac-table-wrap"><table class="ac-table co-table cards" id="co-users"><thead><tr><th>Person</th><th class="num">Tokens</th><th class="num">Cost</th><th class="num">Share</th></tr></thead><tbody></tbody></table></div></section>
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>By project</strong></div>
<div class="ac-table-wrap"><table class="ac-table co-table cards" id="co-projects"><thead><tr><th>Project</th><th class="num">Tokens</th><th class="num">Cost</th><th class="num">Share</th></tr></thead><tbody></tbody></table></div></section>
</div>
<section class="card ac-timeline"><div class="ac-timeline-head"><strong>Most expensive sessions</strong><span class="muted">each links to its replay</span></div>
<div class="ac-table-wrap"><table class="ac-table co-table cards" id="co-sessions"><thead><tr><th>Session</th><th>Person</th><th>Started</th><th class="num">Files</th><th class="num">Tokens</th><th class="num">Cost</th></tr></thead><tbody></tbody></table></div></section>`
}
