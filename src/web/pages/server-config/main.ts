// Entry of the server config's bundle (dist/web/static/server-config.js, /admin/server-config): every instance
// setting with its help text and accepted values (both from the settings schema, through GET /api/admin/config), its
// value or default, saved or reset on its own; and the templates, each opened to edit its text, or a new one. Every
// save goes through the same JSON API as the command line (audited with the value it replaced); a refusal shows the
// API's message beside the field. ?key=<key> and ?template=<name> (src/web/pages/resource-link.ts) open that record.
import { byId, el, errorBanner, errorMessage, fmtInt, getJson, input, onReady, plural, sendJson } from '../dom.ts'
import { startClock, timeEl } from '../time.ts'
import type { ConfigView, Setting, Template, TemplateList } from '../api.ts'
import '../page.css'
import '../manage.css'

const want = (() => {
  const sp = new URLSearchParams(location.search)
  return { key: sp.get('key'), template: sp.get('template') }
})()

let setError: ReturnType<typeof errorBanner>
/** Keyed `key:<key>` / `template:<name>`: how the last save of that record went. */
const notes = new Map<string, string>()
let scrolled = false

const noteEl = (k: string) => (notes.has(k) ? el('span', { class: 'mg-done', role: 'status' }, notes.get(k)!) : null)

/** What a setting accepts, in words: "a whole number from 1 to 1,000,000". */
function accepts(s: Setting): string {
  if (s.type === 'string') return s.max_length ? `text, at most ${fmtInt(s.max_length)} characters` : 'text'
  const what = s.type === 'integer' ? 'a whole number' : 'a number'
  const from = s.minimum === null ? '' : s.exclusive_minimum ? ` above ${fmtInt(s.minimum)}` : ` from ${fmtInt(s.minimum)}`
  const to = s.maximum === null ? '' : `${from ? ' to' : ' up to'} ${fmtInt(s.maximum)}`
  return `${what}${from}${to}`
}

/** The value to send: a number for a numeric setting, unless what was typed is not one (then the API says why). */
function parse(s: Setting, text: string): unknown {
  if (s.type === 'string') return text
  const n = Number(text)
  return text !== '' && Number.isFinite(n) ? n : text
}

async function saveSetting(key: string, value: unknown) {
  await sendJson<{ config: ConfigView['config'] }>('PATCH', '/api/admin/config', { [key]: value })
  notes.set(`key:${key}`, value === null ? 'Reset to its default' : 'Saved')
  await load()
}

function settingRow(s: Setting, value: unknown): HTMLElement {
  const set = value !== null && value !== undefined
  const id = `sc-input-${s.key}`
  const field = el('input', {
    id, name: s.key, value: set ? String(value) : '', placeholder: 'default',
    class: s.type === 'string' ? null : 'mono', inputmode: s.type === 'string' ? null : s.type === 'integer' ? 'numeric' : 'decimal',
    'aria-describedby': `sc-help-${s.key}`,
  })
  const error = el('p', { class: 'mg-error', id: `sc-error-${s.key}`, role: 'alert', hidden: true })
  const save = el('button', { type: 'submit' }, 'Save')
  const reset = el('button', { type: 'button', class: 'mg-secondary', disabled: !set }, 'Reset to default')
  const form = el('form', { class: `sc-setting${want.key === s.key ? ' marked' : ''}`, id: `sc-setting-${s.key}`, 'data-key': s.key, novalidate: true },
    el('div', { class: 'sc-setting-head' }, el('label', { for: id }, el('code', null, s.key)),
      el('span', { class: 'sc-state' }, set ? 'set' : 'unset'), noteEl(`key:${s.key}`)),
    el('p', { class: 'sc-help', id: `sc-help-${s.key}` }, s.description, el('span', { class: 'muted' }, ` Accepts ${accepts(s)}.`)),
    el('div', { class: 'mg-inline' }, field, save, reset),
    error)
  const run = (value: unknown) => {
    save.disabled = reset.disabled = true
    error.hidden = true
    saveSetting(s.key, value).catch((e: unknown) => {
      error.textContent = errorMessage(e)
      error.hidden = false
      save.disabled = false
      reset.disabled = !set
    })
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    // An empty field is not "reset": that is its own button, so clearing by accident changes nothing.
    if (field.value.trim() === '') {
      error.textContent = 'Enter a value, or use Reset to default.'
      error.hidden = false
      return
    }
    run(parse(s, field.value.trim()))
  })
  reset.addEventListener('click', () => run(null))
  return form
}

function templateRow(t: Template): HTMLElement {
  const k = `template:${t.name}`
  const area = el('textarea', { id: `sc-content-${t.name}`, rows: '8', 'aria-label': `Text of ${t.name}`, maxlength: '200000' }, t.content)
  const error = el('p', { class: 'mg-error', role: 'alert', hidden: true })
  const save = el('button', { type: 'submit' }, 'Save')
  const form = el('form', { class: 'mg-edit', novalidate: true }, area, el('div', { class: 'mg-inline' }, save, noteEl(k)), error)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    save.disabled = true
    error.hidden = true
    saveTemplate(t.name, area.value).catch((err: unknown) => {
      error.textContent = errorMessage(err)
      error.hidden = false
      save.disabled = false
    })
  })
  return el('details', { class: `sc-template${want.template === t.name ? ' marked' : ''}`, 'data-template': t.name, open: want.template === t.name || notes.has(k) },
    el('summary', null, el('code', null, t.name), el('span', { class: 'muted' }, plural(new TextEncoder().encode(t.content).length, 'byte'), ' · changed ', timeEl(t.updated_at))),
    form)
}

async function saveTemplate(name: string, content: string, done = 'Saved') {
  await sendJson<Template>('PUT', `/api/admin/templates/${encodeURIComponent(name)}`, { content })
  notes.set(`template:${name}`, done)
  await load()
}

/** Keys set on the instance that no setting describes: the model prices, managed by their own API. */
function otherKeys(config: ConfigView['config'], settings: Setting[]) {
  const known = new Set(settings.map((s) => s.key))
  const rest = Object.keys(config).filter((k) => !known.has(k)).sort()
  byId('sc-other').hidden = rest.length === 0
  byId('sc-other-list').replaceChildren(...rest.map((k) => el('li', { class: want.key === k ? 'marked' : null, 'data-key': k },
    el('code', null, k), ' = ', el('code', null, JSON.stringify(config[k])))))
}

async function load(): Promise<void> {
  try {
    const [cfg, tpl] = await Promise.all([getJson<ConfigView>('/api/admin/config'), getJson<TemplateList>('/api/admin/templates')])
    byId('sc-setting-rows').replaceChildren(...cfg.settings.map((s) => settingRow(s, cfg.config[s.key])))
    otherKeys(cfg.config, cfg.settings)
    byId('sc-template-rows').replaceChildren(...(tpl.rows.length ? tpl.rows.map(templateRow) : [el('p', { class: 'muted' }, 'No templates yet.')]))
    byId('sc-templates-count').textContent = plural(tpl.rows.length, 'template')
    missingTemplate(tpl.rows)
    setError('the settings', null)
    if (!scrolled) {
      const target = document.querySelector(want.key ? `[data-key="${CSS.escape(want.key)}"]` : want.template ? `[data-template="${CSS.escape(want.template)}"]` : '#none')
      if (target) {
        target.scrollIntoView({ block: 'center' })
        if (want.key) document.getElementById(`sc-input-${want.key}`)?.focus({ preventScroll: true })
        scrolled = true
      }
    }
    byId('server-config').setAttribute('data-ready', 'true')
  } catch (e) {
    setError('the settings', e)
  }
}

/** A link to a template that does not exist (any more) offers to create it under that name. */
function missingTemplate(rows: Template[]) {
  const box = byId('sc-template-missing')
  const name = want.template
  box.hidden = !name || rows.some((t) => t.name === name)
  if (box.hidden || !name) return
  box.replaceChildren('There is no template called ', el('code', null, name), ' (it may have been removed): create it below.')
  if (!scrolled) {
    byId<HTMLDetailsElement>('sc-template-box').open = true
    if (!input('sc-template-name').value) input('sc-template-name').value = name
  }
}

function newTemplateForm() {
  const form = byId<HTMLFormElement>('sc-template-form')
  const error = byId('sc-template-error')
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const name = input('sc-template-name').value.trim()
    const b = byId<HTMLButtonElement>('sc-template-create')
    error.hidden = !!name
    error.textContent = 'Give the template a name.'
    if (!name) return
    b.disabled = true
    // PUT replaces a template of that name: say which it was.
    const exists = document.querySelector(`[data-template="${CSS.escape(name)}"]`) !== null
    saveTemplate(name, byId<HTMLTextAreaElement>('sc-template-content').value, exists ? 'Replaced' : 'Created')
      .then(() => form.reset())
      .catch((err: unknown) => {
        error.textContent = errorMessage(err)
        error.hidden = false
      })
      .finally(() => (b.disabled = false))
  })
}

onReady(() => {
  startClock()
  setError = errorBanner(byId('mg-banner'), 'Could not load ')
  newTemplateForm()
  void load()
})
