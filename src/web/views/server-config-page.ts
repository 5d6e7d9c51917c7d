import { html } from './html.ts'
import { layout } from './layout.ts'
import { staticUrl } from '../routes/static.ts'
import { TEMPLATES_HELP } from '../../platform/instance/index.ts'
import type { Actor } from '../../services.ts'

/**
 * Server config: every instance setting with its help text (from the settings schema, through GET /api/admin/config)
 * and the templates, each editable. Filled in and saved by /static/server-config.js (src/web/pages/server-config)
 * through /api/admin/config and /api/admin/templates; ?key=<key> and ?template=<name> open that record.
 */
export function renderServerConfigPage(opts: { actor: Actor; csrf: string | null }): string {
  const body = html`<div id="server-config" class="mg">
<div class="mg-head"><h1>Server config</h1><span class="muted mg-sub">Each change is audited with the value it replaced, and can be rolled back from Activity</span></div>
<div id="mg-banner" class="mg-banner" role="alert" hidden></div>

<section class="card" id="sc-settings" aria-labelledby="sc-settings-title">
<div class="mg-card-head"><h2 id="sc-settings-title">Settings</h2><span class="muted">Unset, a setting has its default</span></div>
<div class="sc-settings" id="sc-setting-rows"><p class="muted">Loading settings…</p></div>
<div class="sc-other" id="sc-other" hidden>
<h3>Set elsewhere</h3>
<p class="muted mg-help">Model prices (<code>cost_price:&lt;model&gt;</code>) are set with <code>PUT /api/admin/costs/prices/{model}</code>.</p>
<ul class="sc-other-list" id="sc-other-list"></ul>
</div>
</section>

<section class="card" id="sc-templates" aria-labelledby="sc-templates-title">
<div class="mg-card-head"><h2 id="sc-templates-title">Templates</h2><span class="muted" id="sc-templates-count"></span></div>
<p class="muted mg-help">${TEMPLATES_HELP}</p>
<p class="mg-missing" id="sc-template-missing" role="status" hidden></p>
<div class="sc-templates" id="sc-template-rows"><p class="muted">Loading templates…</p></div>
<details class="mg-new" id="sc-template-box"><summary>New template</summary>
<form class="mg-form" id="sc-template-form" autocomplete="off" novalidate>
<div class="mg-f"><label for="sc-template-name">Name</label><input id="sc-template-name" name="name" class="mono" maxlength="100" placeholder="setup_prompt" spellcheck="false" required></div>
<div class="mg-f mg-wide"><label for="sc-template-content">Text</label><textarea id="sc-template-content" name="content" rows="6" maxlength="200000"></textarea></div>
<div class="mg-f mg-f-button"><button type="submit" id="sc-template-create">Save template</button></div>
</form>
<p class="mg-error" id="sc-template-error" role="alert" hidden></p>
</details>
</section>
</div>`
  return layout({
    title: 'Server config',
    actor: opts.actor,
    csrf: opts.csrf,
    active: '/admin/server-config',
    head: html`<link rel="stylesheet" href="${staticUrl('server-config.css')}"><script src="${staticUrl('server-config.js')}" defer></script>`,
    body,
  })
}
