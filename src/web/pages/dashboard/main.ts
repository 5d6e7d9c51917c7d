// Entry of the dashboard's bundle (dist/web/static/dashboard.js, /): the signed-in person's personal access tokens.
// Creating one shows the secret once, with the `agnes login` line to paste; the list shows name, created, last used
// and expires; revoking asks once more, then the token gets 401 from the server. Every value is inserted as text.
import { byId, button, el, errorMessage, getJson, input, onReady, select, sendJson } from '../dom.ts'
import { startClock, timeEl } from '../time.ts'
import type { MyToken, MyTokens, NewToken } from '../api.ts'
import { tokenInactive as inactive } from '../token-state.ts'
import '../page.css'
import './dashboard.css'

const API = '/api/me/tokens'

function start() {
  const section = byId('db-tokens')
  const serverUrl = section.getAttribute('data-server-url') ?? location.origin
  /** The id of the token just created: its row is marked until the list is next drawn without it. */
  let fresh: string | null = null
  let confirming: string | null = null

  const showError = (msg: string | null) => {
    const box = byId('db-token-error')
    box.hidden = !msg
    box.textContent = msg ?? ''
  }

  function tokenRow(t: MyToken): HTMLElement {
    const asking = confirming === t.id
    const actions = asking
      ? [el('span', { class: 'db-confirm-text' }, 'Revoke? The command line using it stops working.'),
        el('button', { type: 'button', class: 'db-danger db-revoke-confirm', onclick: () => void revoke(t) }, 'Revoke'),
        el('button', { type: 'button', class: 'db-secondary db-revoke-cancel', onclick: () => { confirming = null; void load() } }, 'Cancel')]
      : [el('button', {
        type: 'button', class: 'db-secondary db-revoke', title: t.current ? 'This request is signed with this token' : 'Revoke this token',
        onclick: () => { confirming = t.id; void load() },
      }, 'Revoke')]
    return el('tr', { 'data-token-id': t.id, class: t.id === fresh ? 'fresh' : null },
      el('td', { class: 'c-name', 'data-label': 'Name' }, t.name ? t.name : el('span', { class: 'muted' }, 'unnamed')),
      el('td', { class: 'c-prefix', 'data-label': 'Token' }, el('code', { title: 'The start of the token; the rest is never shown again' }, `${t.prefix}…`)),
      el('td', { class: 'c-created', 'data-label': 'Created' }, timeEl(t.created_at)),
      el('td', { class: 'c-used', 'data-label': 'Last used' }, timeEl(t.last_used_at, { empty: 'never', coarse: true })),
      el('td', { class: 'c-expires', 'data-label': 'Expires' }, timeEl(t.expires_at, { empty: 'never' })),
      el('td', { class: 'c-actions' }, actions))
  }

  async function load(): Promise<void> {
    try {
      const { rows } = await getJson<MyTokens>(API)
      const now = Date.now()
      const active = rows.filter((t) => !inactive(t, now))
      const old = rows.filter((t) => inactive(t, now))
      byId('db-token-rows').replaceChildren(...(active.length
        ? active.map(tokenRow)
        : [el('tr', { class: 'db-empty' }, el('td', { colspan: '6' }, 'You have no active tokens. Create one above to use the command line.'))]))
      const details = byId<HTMLDetailsElement>('db-token-old')
      details.hidden = old.length === 0
      byId('db-token-old-summary').textContent = `${old.length} revoked or expired`
      byId('db-token-old-list').replaceChildren(...old.map((t) => el('li', { 'data-token-id': t.id },
        t.name ? t.name : el('span', { class: 'muted' }, 'unnamed'), ' ', el('code', null, `${t.prefix}…`), ` · ${inactive(t, now)} `,
        timeEl(t.revoked_at ?? t.expires_at))))
      section.setAttribute('data-ready', 'true')
    } catch (e) {
      showError(`Could not load your tokens: ${errorMessage(e)}`)
    }
  }

  async function create(): Promise<void> {
    const name = input('db-token-name').value.trim()
    const days = select('db-token-expiry').value
    const body: { name?: string; expires_in_days?: number } = {}
    if (name) body.name = name
    if (days) body.expires_in_days = Number(days)
    button('db-token-create').disabled = true
    showError(null)
    try {
      const t = await sendJson<NewToken>('POST', API, body)
      fresh = t.id
      byId('db-token-secret').textContent = t.token
      byId('db-token-login').textContent = `agnes login --url ${serverUrl} --token ${t.token}`
      byId('db-token-new').hidden = false
      input('db-token-name').value = ''
      await load()
      byId('db-token-new').scrollIntoView({ block: 'nearest' })
    } catch (e) {
      showError(`Could not create the token: ${errorMessage(e)}`)
    } finally {
      button('db-token-create').disabled = false
    }
  }

  async function revoke(t: MyToken): Promise<void> {
    showError(null)
    try {
      await sendJson('DELETE', `${API}/${encodeURIComponent(t.id)}`)
      confirming = null
      // A revoked token's secret is of no use any more: do not leave it on screen.
      if (fresh === t.id) hideNew()
      await load()
    } catch (e) {
      showError(`Could not revoke ${t.name ?? t.prefix}: ${errorMessage(e)}`)
    }
  }

  function hideNew() {
    byId('db-token-new').hidden = true
    byId('db-token-secret').textContent = ''
    byId('db-token-login').textContent = ''
  }

  /** Copies the code's text; where the clipboard is not available (plain HTTP), selects it for Ctrl+C instead. */
  async function copy(codeId: string, btn: HTMLButtonElement) {
    const code = byId(codeId)
    try {
      await navigator.clipboard.writeText(code.textContent ?? '')
      btn.textContent = 'Copied'
    } catch {
      const range = document.createRange()
      range.selectNodeContents(code)
      const sel = getSelection()
      sel?.removeAllRanges()
      sel?.addRange(range)
      btn.textContent = 'Selected: press Ctrl+C'
    }
    setTimeout(() => (btn.textContent = 'Copy'), 2500)
  }

  byId<HTMLFormElement>('db-token-form').addEventListener('submit', (e) => {
    e.preventDefault()
    void create()
  })
  button('db-copy-token').addEventListener('click', () => void copy('db-token-secret', button('db-copy-token')))
  button('db-copy-login').addEventListener('click', () => void copy('db-token-login', button('db-copy-login')))
  button('db-token-done').addEventListener('click', hideNew)
  void load()
}

onReady(() => {
  startClock()
  start()
})
