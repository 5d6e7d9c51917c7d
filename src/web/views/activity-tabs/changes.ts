import { html } from '../html.ts'

/**
 * The Changes tab's panel (filled by src/web/pages/activity/tabs/changes.ts from GET /api/admin/activity/changes):
 * the successful mutations among the timeline's filtered rows, each with its field diff and its rollback.
 */
export function changesPanel() {
  return html`<div class="card ac-timeline ch-card">
<div class="ac-timeline-head"><strong>Changes</strong><span class="muted" id="ch-count"></span>
<span class="ch-help muted">Who changed what, field by field. Reverting a change makes a new, audited change.</span></div>
<ol class="ch-list" id="ch-list" data-ready="false"><li class="ch-empty muted">Loading changes…</li></ol>
<div class="ac-more"><button type="button" class="ac-secondary" id="ch-more" hidden>Load more</button></div>
</div>`
}
