import { html, type Raw } from './html.ts'
import { staticUrl } from '../routes/static.ts'

/**
 * The health strip at the top of every admin page (the spec's "top-of-page health micro-summary that links to the
 * Activity Center health pulse"): the pulse's colour and sentence, and a link to its first card of that colour on
 * /admin/activity. layout.ts puts it on every page under /admin; /static/health-strip.js (src/web/pages/health-strip)
 * fills it from GET /api/admin/activity/health and keeps it current.
 */
export function healthStrip(): Raw {
  return html`<div class="hs" id="hs" data-status="loading" role="status" aria-label="Instance health">
<span class="hs-dot" id="hs-dot" aria-hidden="true"></span>
<span class="hs-sentence" id="hs-sentence">Loading health…</span>
<a class="hs-link" id="hs-link" href="/admin/activity#ac-pulse">Health pulse</a>
</div>`
}

/** The strip's stylesheet and script, for the page head. */
export function healthStripHead(): Raw {
  return html`<link rel="stylesheet" href="${staticUrl('health-strip.css')}"><script src="${staticUrl('health-strip.js')}" defer></script>`
}
