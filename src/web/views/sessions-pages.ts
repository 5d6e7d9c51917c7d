import { html } from './html.ts'
import { layout } from './layout.ts'
import { staticUrl } from '../routes/static.ts'
import { FINDING_TYPES } from '../../sessions/failure-scan.ts'
import type { Actor } from '../../services.ts'

const TYPE_LABELS: Record<string, string> = {
  tool_error: 'Tool error', permission_denied: 'Permission denied', user_rejection: 'User rejection', loop: 'Loop', abrupt_end: 'Abrupt end',
}

// One bundle per page (src/web/pages/sessions, with the replay renderer it shares with the feedback inbox).
const head = () => html`<link rel="stylesheet" href="${staticUrl('sessions.css')}"><script src="${staticUrl('sessions.js')}" defer></script>`

/**
 * The sessions list. Everything with data in it is filled in by /static/sessions.js (src/web/pages/sessions) from /api/admin/sessions*;
 * the filter controls read their state from the URL there too.
 */
export function renderSessionsListPage(opts: { actor: Actor; csrf: string | null }): string {
  const body = html`<div id="sessions" class="sx" data-page="list">
<div class="sx-head"><h1>Sessions</h1><span class="muted sx-sub">Where Claude got stuck in uploaded transcripts</span>
<span class="sx-head-right"><span class="muted sx-scan-note" id="sx-scan-note" role="status"></span>
<button type="button" id="sx-scan" title="Scan every transcript not scanned since its last upload">Run failure scan now</button></span></div>
<div id="sx-banner" class="sx-banner" role="alert" hidden></div>

<form class="card sx-filters" id="sx-filters" autocomplete="off">
<div class="sx-f"><label for="f-username">User</label><input id="f-username" name="username" list="sx-user-list" placeholder="anyone" maxlength="200"><datalist id="sx-user-list"></datalist></div>
<div class="sx-f"><label for="f-since">From (UTC day)</label><input id="f-since" name="since" type="date"></div>
<div class="sx-f"><label for="f-until">To (UTC day)</label><input id="f-until" name="until" type="date"></div>
<div class="sx-f"><label for="f-type">Finding type</label><select id="f-type" name="finding_type"><option value="">Any session</option>${FINDING_TYPES.map((t) => html`<option value="${t}">${TYPE_LABELS[t] ?? t}</option>`)}</select></div>
<div class="sx-f"><label for="f-sort">Sort by</label><select id="f-sort" name="sort"><option value="recent">Most recent</option><option value="findings">Most findings</option><option value="user">User</option></select></div>
<div class="sx-f sx-f-check"><label title="Findings an admin dismissed are left out of the counts, the heatmap and the findings list"><input id="f-dismissed" name="include_dismissed" type="checkbox"> Show dismissed findings</label></div>
<div class="sx-f sx-f-actions"><button type="button" class="sx-secondary" id="sx-clear">Clear filters</button></div>
</form>

<div class="sx-kpis" id="sx-kpis" aria-label="Figures for the current filter"></div>

<section class="card sx-quality" aria-label="Precision on this instance">
<div class="sx-card-head"><strong>Precision on this instance</strong><span class="muted">confirmed ÷ (confirmed + dismissed), from your verdicts on the current findings</span></div>
<div id="sx-quality"><p class="muted">Loading…</p></div>
</section>

<section class="card sx-heat" aria-label="Findings per type and week">
<div class="sx-card-head"><strong>Findings per week</strong><span class="muted" id="sx-heat-note">every session, by the time of the evidence; weeks start Monday (UTC) · click a cell to list those sessions</span>
<label class="sx-weeks">Weeks <select id="f-weeks"><option value="8">8</option><option value="12">12</option><option value="26">26</option><option value="52">52</option></select></label></div>
<div class="sx-heatmap" id="sx-heatmap"><p class="muted">Loading…</p></div>
</section>

<div class="card sx-list">
<div class="sx-card-head"><strong>Transcripts</strong><span class="muted" id="sx-count"></span></div>
<div class="sx-table-wrap"><table class="sx-table cards" id="sx-table">
<thead><tr><th>Session</th><th>User</th><th>Started</th><th class="num">Duration</th><th class="num">Turns</th><th class="num">Tool calls</th><th class="num">Tool errors</th><th class="num" title="Tokens of every kind, as the Costs tab counts them">Tokens</th><th class="num" title="Estimated at list prices; a subagent's transcript is counted with its session">Cost</th><th>Findings</th><th>Uploaded</th></tr></thead>
<tbody id="sx-rows"><tr class="sx-empty"><td colspan="9">Loading sessions…</td></tr></tbody>
</table></div>
<div class="sx-more"><button type="button" class="sx-secondary" id="sx-more" hidden>Load more</button></div>
</div>

<div class="card sx-list sx-flist" aria-label="Findings">
<div class="sx-card-head"><strong>Findings</strong><span class="muted" id="sx-fcount"></span><span class="muted">newest first · confirm or dismiss each, with a note</span></div>
<div class="sx-table-wrap"><table class="sx-table sx-ftable cards" id="sx-ftable">
<thead><tr><th>When</th><th>Session</th><th>Type</th><th class="num">Line</th><th>Excerpt</th><th>Review</th></tr></thead>
<tbody id="sx-frows"><tr class="sx-empty"><td colspan="6">Loading findings…</td></tr></tbody>
</table></div>
<div class="sx-more"><button type="button" class="sx-secondary" id="sx-fmore" hidden>Load more findings</button></div>
</div>
</div>`
  return layout({ title: 'Sessions', actor: opts.actor, csrf: opts.csrf, active: '/admin/sessions', head: head(), body })
}

/** One transcript's replay; the events and findings are fetched by /static/sessions.js. */
export function renderSessionReplayPage(opts: { actor: Actor; csrf: string | null; username: string; filename: string }): string {
  const api = `/api/admin/sessions/${encodeURIComponent(opts.username)}/${encodeURIComponent(opts.filename)}`
  const body = html`<div id="replay" class="sx sx-replay" data-page="replay" data-api="${api}">
<div class="sx-head"><a class="sx-back" href="/admin/sessions">← Sessions</a><h1 class="sx-title"><span class="muted">${opts.username}/</span>${opts.filename}</h1>
<span class="sx-head-right"><a class="sx-button-link" id="sx-raw" href="${api}/raw" download="${opts.filename}">Download raw</a></span></div>
<div id="sx-banner" class="sx-banner" role="alert" hidden></div>

<section class="card sx-summary" id="sx-summary" aria-label="Session summary"><p class="muted">Loading…</p></section>

<section class="card sx-findings" aria-label="Findings">
<div class="sx-card-head"><strong id="sx-findings-title">Findings</strong><span class="muted">n / p jump to the next / previous finding</span></div>
<ol class="sx-findings-list" id="sx-findings-list"><li class="muted">Loading…</li></ol>
</section>

<div class="sx-nav" id="sx-nav" role="toolbar" aria-label="Finding navigation">
<button type="button" class="sx-secondary" id="sx-prev" title="Previous finding (p)" disabled>↑ Previous finding</button>
<button type="button" class="sx-secondary" id="sx-next" title="Next finding (n)" disabled>↓ Next finding</button>
<span class="sx-nav-pos" id="sx-nav-pos"></span>
<label class="sx-toggle sx-toggle-dismissed" title="Findings an admin dismissed are hidden from the transcript and the navigation"><input type="checkbox" id="sx-show-dismissed"><span>Show dismissed (<span id="sx-dismissed-count">0</span>)</span></label>
<label class="sx-toggle" title="Progress ticks, file snapshots and other bookkeeping lines"><input type="checkbox" id="sx-housekeeping"><span>Show housekeeping lines (<span id="sx-hk-count">0</span>)</span></label>
<span class="muted sx-nav-count"><span id="sx-event-count"></span> · times UTC</span>
</div>

<section class="sx-transcript" id="sx-events" aria-label="Transcript"><p class="muted">Loading transcript…</p></section>
<div class="sx-more"><button type="button" class="sx-secondary" id="sx-more-events" hidden>Load more events</button></div>
</div>`
  return layout({ title: `Session ${opts.username}/${opts.filename}`, actor: opts.actor, csrf: opts.csrf, active: '/admin/sessions', head: head(), body })
}
