import { html } from './html.ts'
import { layout } from './layout.ts'
import { staticUrl } from '../routes/static.ts'
import type { Actor } from '../../services.ts'

/** The status choices of the filter: one status, or the two active / the two closed ones together. */
const STATUS_CHOICES: Array<[string, string]> = [
  ['', 'Any status'],
  ['open,triaged', 'Open or triaged'],
  ['open', 'Open'],
  ['triaged', 'Triaged'],
  ['resolved,wontfix', 'Closed'],
  ['resolved', 'Resolved'],
  ['wontfix', "Won't fix"],
]

/** The list's orders: the API's sort values ('' its default). */
const SORT_CHOICES: Array<[string, string]> = [
  ['', 'Open first, newest'],
  ['newest', 'Newest'],
  ['oldest_open', 'Oldest open'],
  ['duplicates', 'Most duplicates'],
]

export interface FeedbackPageOpts {
  actor: Actor
  csrf: string | null
  /** Who reports can be assigned to (the admins), for the assignee filter and names. */
  admins: Array<{ id: string; email: string }>
  /** The signed-in admin's Telegram link, and whether the bot token is set. */
  telegram: { configured: boolean; chat_id: string | null; linked_at: string | null }
}

/**
 * The feedback inbox. Everything with data in it is filled in by /static/feedback.js (src/web/pages/feedback) from
 * /api/admin/feedback*; the filters and the open report (?id=) live in the URL and are read there too. The session
 * excerpt is replayed by the renderer shared with the session replay (src/web/pages/transcript).
 */
export function renderFeedbackPage(opts: FeedbackPageOpts): string {
  const me = opts.actor.user
  const tg = opts.telegram
  const body = html`<div id="feedback" class="fb" data-me="${me?.id ?? ''}" data-me-email="${me?.email ?? ''}">
<div class="fb-head"><h1>Feedback</h1><span class="muted fb-sub">Problem reports sent with <code>agnes report</code></span>
<span class="fb-head-right muted" id="fb-count" role="status"></span></div>
<div id="fb-banner" class="fb-banner" role="alert" hidden></div>

<form class="card fb-filters" id="fb-filters" autocomplete="off">
<div class="fb-f"><label for="f-status">Status</label><select id="f-status" name="status">${STATUS_CHOICES.map(([v, l]) => html`<option value="${v}">${l}</option>`)}</select></div>
<div class="fb-f"><label for="f-tag">Tag</label><input id="f-tag" name="tag" list="fb-tag-list" placeholder="any tag" maxlength="40" spellcheck="false"><datalist id="fb-tag-list"></datalist></div>
<div class="fb-f"><label for="f-assignee">Assignee</label><select id="f-assignee" name="assignee">
<option value="">Anyone</option><option value="me">Assigned to me</option><option value="none">Unassigned</option>
${opts.admins.map((a) => html`<option value="${a.id}" data-email="${a.email}">${a.email}</option>`)}</select></div>
<div class="fb-f"><label for="f-sort">Sort</label><select id="f-sort" name="sort">${SORT_CHOICES.map(([v, l]) => html`<option value="${v}">${l}</option>`)}</select></div>
<div class="fb-f fb-f-actions"><button type="button" class="fb-secondary" id="fb-clear">Clear filters</button></div>
<div class="fb-extra" id="fb-extra" hidden></div>
</form>

<div class="fb-main" id="fb-main">
<div class="fb-side">
<section class="card fb-list" aria-label="Reports">
<div class="fb-card-head"><label class="fb-check fb-check-all" title="Select every report shown"><input type="checkbox" id="fb-select-all" aria-label="Select every report shown"></label><strong>Reports</strong><span class="muted" id="fb-list-note">open and triaged first, newest first</span>
<span class="muted fb-keys" title="Keyboard">j/k move · a assign to me · r resolve · x select</span></div>
<div class="fb-bulk" id="fb-bulk" role="toolbar" aria-label="Bulk actions" hidden>
<strong id="fb-bulk-count"></strong>
<form class="fb-bulk-tag" id="fb-bulk-tag-form" autocomplete="off"><input id="fb-bulk-tag" aria-label="Tag to add" placeholder="tag" maxlength="40" list="fb-tag-list" spellcheck="false"><button type="submit" class="fb-secondary" id="fb-bulk-tag-add">Add tag</button></form>
<select id="fb-bulk-assignee" aria-label="Assign the selected reports"><option value="">Assign to…</option><option value="me">Me</option><option value="none">Nobody</option>
${opts.admins.map((a) => html`<option value="${a.id}">${a.email}</option>`)}</select>
<span class="fb-bulk-resolve"><input id="fb-bulk-resolution" aria-label="Resolution for the selected reports" placeholder="resolution (the reporters see it)" maxlength="10000"><button type="button" id="fb-bulk-resolve">Resolve</button></span>
<button type="button" class="fb-secondary" id="fb-bulk-clear">Clear selection</button>
<p class="fb-bulk-status" id="fb-bulk-status" role="status"></p>
</div>
<ol class="fb-rows" id="fb-rows"><li class="fb-empty">Loading reports…</li></ol>
<div class="fb-more"><button type="button" class="fb-secondary" id="fb-more" hidden>Load more</button></div>
</section>

<section class="card fb-telegram" id="fb-telegram" aria-labelledby="fb-tg-title"
 data-configured="${tg.configured ? 'true' : 'false'}" data-chat-id="${tg.chat_id ?? ''}" data-linked-at="${tg.linked_at ?? ''}">
<div class="fb-card-head"><strong id="fb-tg-title">Telegram notifications</strong><span class="fb-tg-bot" id="fb-tg-bot"></span></div>
<p class="fb-tg-state" id="fb-tg-state"></p>
<form class="fb-tg-form" id="fb-tg-form" autocomplete="off">
<label for="fb-tg-chat">Your chat id</label>
<input id="fb-tg-chat" name="chat_id" class="mono" placeholder="123456789 or @channel" maxlength="40" spellcheck="false">
<button type="submit" id="fb-tg-link">Link</button>
<button type="button" class="fb-secondary" id="fb-tg-unlink" hidden>Unlink</button>
</form>
<p class="fb-inline-error" id="fb-tg-error" role="alert" hidden></p>
<p class="muted fb-tg-help">Message the bot once, then enter your chat id: linked admins get a message for each new report.</p>
</section>
</div>

<section class="card fb-detail" id="fb-detail" aria-label="Report" hidden></section>
</div>
</div>`
  return layout({
    title: 'Feedback',
    actor: opts.actor,
    csrf: opts.csrf,
    active: '/admin/feedback',
    head: html`<link rel="stylesheet" href="${staticUrl('feedback.css')}"><script src="${staticUrl('feedback.js')}" defer></script>`,
    body,
  })
}
