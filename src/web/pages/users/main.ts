// Entry of the Users page's bundle (dist/web/static/users.js, /admin/users): the list of users (last active, admin,
// working tokens), creating one, and one user opened beside the list: name, admin rights, deleting, their tokens
// (a new one's secret shown once; revoking asks first). ?user=<id> opens a user; ?token=<id> opens the user holding
// that token with its row marked (src/web/pages/resource-link.ts). Every action calls the same /api/admin routes as
// the API and the command line, so the audit rows are theirs; a refusal (a lockout among them) shows where it was asked.
import { byId, button, el, errorMessage, getJson, input, onReady, select, sendJson, ApiError } from '../dom.ts'
import { startClock, timeEl } from '../time.ts'
import type { NewToken, TokenDetail, UserAfterChange, UserDetail, UserList, UserRow, UserToken } from '../api.ts'
import { changer, createForm, say } from '../record-page.ts'
import { tokenInactive as inactive } from '../token-state.ts'
import '../page.css'
import '../people.css'

const API = '/api/admin/users'

function start() {
  const root = byId('users')
  const serverUrl = root.getAttribute('data-server-url') ?? location.origin
  const detailBox = byId('us-detail')
  let open: UserDetail | null = null
  /** The token a ?token= link pointed at: its row is marked. */
  let marked: string | null = null
  /** The token just created, marked until the user is closed. */
  let fresh: string | null = null
  /** What asks once more before it is done: 'delete', or 'revoke:<token id>'. */
  let confirming: string | null = null

  const banner = (msg: string | null) => say(byId('us-banner'), msg)
  const detailError = (msg: string | null, near?: Element | null) => say(byId('us-d-error'), msg, near)

  function userRow(u: UserRow): HTMLElement {
    return el('tr', {
      class: `pa-pickable${open?.id === u.id ? ' open' : ''}`, 'data-user-id': u.id, tabindex: '0',
      onclick: () => void openUser(u.id),
      onkeydown: (e: KeyboardEvent) => { if (e.key === 'Enter') void openUser(u.id) },
    },
    el('td', { class: 'c-who', 'data-label': 'User' }, u.email, u.name ? el('small', null, u.name) : null),
    el('td', { class: 'c-active', 'data-label': 'Last active' }, timeEl(u.last_active, { empty: 'never', coarse: true })),
    el('td', { class: 'c-admin', 'data-label': 'Admin' }, u.is_admin ? el('span', { class: 'pa-badge' }, 'admin') : el('span', { class: 'muted' }, 'no')),
    el('td', { class: 'c-tokens', 'data-label': 'Tokens' }, String(u.token_count)))
  }

  async function loadList(): Promise<void> {
    try {
      const { rows } = await getJson<UserList>(API)
      byId('us-rows').replaceChildren(...rows.map(userRow))
      root.setAttribute('data-ready', 'true')
    } catch (e) {
      banner(`Could not load the users: ${errorMessage(e)}`)
    }
  }

  function tokenRow(t: UserToken): HTMLElement {
    const gone = inactive(t)
    const asking = confirming === `revoke:${t.id}`
    const actions = gone
      ? [el('span', { class: 'muted' }, gone, ' ', timeEl(t.revoked_at ?? t.expires_at))]
      : asking
        ? [el('span', { class: 'pa-confirm' }, 'Revoke? What uses it gets 401.'),
          el('button', { type: 'button', class: 'pa-danger us-revoke-confirm', onclick: () => void revoke(t) }, 'Revoke'),
          el('button', { type: 'button', class: 'pa-secondary', onclick: () => { confirming = null; renderDetail() } }, 'Cancel')]
        : [el('button', { type: 'button', class: 'pa-secondary us-revoke', onclick: () => { confirming = `revoke:${t.id}`; renderDetail() } }, 'Revoke')]
    const cls = [t.id === marked ? 'marked' : '', t.id === fresh ? 'fresh' : ''].filter(Boolean).join(' ')
    return el('tr', { 'data-token-id': t.id, class: cls || null, 'data-state': gone ?? 'active' },
      el('td', { class: 'c-name', 'data-label': 'Name' }, t.name ? t.name : el('span', { class: 'muted' }, 'unnamed'), el('small', null, 'created ', timeEl(t.created_at))),
      el('td', { class: 'c-prefix', 'data-label': 'Token' }, el('code', { title: 'The start of the token; the rest is never shown again' }, `${t.prefix}…`)),
      el('td', { 'data-label': 'Last used' }, timeEl(t.last_used_at, { empty: 'never', coarse: true })),
      el('td', { 'data-label': 'Expires' }, timeEl(t.expires_at, { empty: 'never' })),
      el('td', { class: 'c-actions' }, actions))
  }

  function renderDetail(): void {
    const u = open
    byId('us-pick').hidden = Boolean(u)
    byId('us-open').hidden = !u
    if (!u) return
    byId('us-d-email').textContent = u.email
    byId('us-d-meta').replaceChildren(`${u.username} · created `, timeEl(u.created_at), u.has_password ? ' · signs in with a password or a token' : ' · no password: signs in with a token')
    byId('us-d-admin-state').replaceChildren(u.is_admin ? el('span', { class: 'pa-badge' }, 'admin') : el('span', { class: 'muted' }, 'Not an admin'))
    button('us-d-admin').textContent = u.is_admin ? 'Remove admin' : 'Make admin'
    byId('us-d-delete-row').replaceChildren(...(confirming === 'delete'
      ? [el('span', { class: 'pa-confirm' }, `Delete ${u.email}? Their tokens, sessions and group memberships go; their audit rows stay.`),
        el('button', { type: 'button', class: 'pa-danger', id: 'us-d-delete-confirm', onclick: () => void remove() }, 'Delete'),
        el('button', { type: 'button', class: 'pa-secondary', onclick: () => { confirming = null; renderDetail() } }, 'Cancel')]
      : [el('button', { type: 'button', class: 'pa-secondary pa-danger-text', id: 'us-d-delete', onclick: () => { confirming = 'delete'; renderDetail() } }, 'Delete user…')]))
    // Newest first, the ones that no longer work after those that do.
    const now = Date.now()
    const tokens = [...u.tokens].reverse().sort((a, b) => Number(Boolean(inactive(a, now))) - Number(Boolean(inactive(b, now))))
    byId('us-t-rows').replaceChildren(...(tokens.length
      ? tokens.map(tokenRow)
      : [el('tr', { class: 'pa-empty' }, el('td', { colspan: '5' }, 'No tokens. Create one for the command line.'))]))
    for (const tr of byId('us-rows').querySelectorAll('tr[data-user-id]')) tr.classList.toggle('open', tr.getAttribute('data-user-id') === u.id)
  }

  /** Opens a user beside the list (and in the URL, so the page can be shared or reloaded as it is). */
  async function openUser(id: string, opts: { token?: string } = {}): Promise<void> {
    detailBox.setAttribute('data-ready', 'false')
    if (open?.id !== id) {
      confirming = null
      fresh = null
      hideNew()
      detailError(null)
      input('us-d-name').value = ''
    }
    marked = opts.token ?? (open?.id === id ? marked : null)
    try {
      open = await getJson<UserDetail>(`${API}/${encodeURIComponent(id)}`)
    } catch (e) {
      open = null
      renderDetail()
      banner(e instanceof ApiError && e.status === 404 ? 'That user no longer exists: deleted, perhaps. Choose another from the list.' : `Could not open the user: ${errorMessage(e)}`)
      return
    }
    banner(null)
    input('us-d-name').value = open.name ?? ''
    const url = new URL(location.href)
    url.search = marked ? `?token=${encodeURIComponent(marked)}` : `?user=${encodeURIComponent(id)}`
    history.replaceState(null, '', url)
    renderDetail()
    detailBox.setAttribute('data-ready', 'true')
    if (opts.token) byId('us-t-rows').querySelector('tr.marked')?.scrollIntoView({ block: 'nearest' })
  }

  // The list first: the opened user's data-ready then means both show the change.
  const change = changer(detailBox, byId('us-d-error'), async () => {
    await loadList()
    if (open) await openUser(open.id)
  })

  const patch = (body: Record<string, unknown>) => sendJson<UserAfterChange>('PATCH', `${API}/${encodeURIComponent(open!.id)}`, body)

  async function remove(): Promise<void> {
    const u = open!
    detailError(null)
    try {
      await sendJson('DELETE', `${API}/${encodeURIComponent(u.id)}`)
    } catch (e) {
      confirming = null
      renderDetail()
      detailError(errorMessage(e), byId('us-d-delete-row'))
      return
    }
    open = null
    confirming = null
    history.replaceState(null, '', location.pathname)
    renderDetail()
    await loadList()
    banner(null)
    say(byId('us-create-error'), null)
    byId('us-pick').textContent = `Deleted ${u.email}. Choose a user to change their name, admin rights or tokens.`
  }

  async function revoke(t: UserToken): Promise<void> {
    confirming = null
    const ok = await change(byId('us-t-table'), () => sendJson('DELETE', `/api/admin/tokens/${encodeURIComponent(t.id)}`))
    // A revoked token's secret is of no use any more: do not leave it on screen.
    if (ok && fresh === t.id) hideNew()
    if (!ok) renderDetail()
  }

  function hideNew() {
    byId('us-t-new').hidden = true
    byId('us-t-secret').textContent = ''
    byId('us-t-login').textContent = ''
  }

  createForm('us', 'user', () => {
    const body: Record<string, unknown> = { email: input('us-new-email').value.trim(), is_admin: input('us-new-admin').checked }
    const name = input('us-new-name').value.trim()
    const password = input('us-new-password').value
    if (name) body.name = name
    if (password) body.password = password
    return sendJson<UserAfterChange>('POST', API, body)
  }, async (u) => {
    await loadList()
    await openUser(u.id)
  })

  byId<HTMLFormElement>('us-d-name-form').addEventListener('submit', (e) => {
    e.preventDefault()
    void change(byId('us-d-name-form'), () => patch({ name: input('us-d-name').value.trim() || null }))
  })
  button('us-d-admin').addEventListener('click', () => void change(button('us-d-admin'), () => patch({ is_admin: !open!.is_admin })))

  byId<HTMLFormElement>('us-t-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const body: { name?: string; expires_in_days?: number } = {}
    const name = input('us-t-name').value.trim()
    const days = select('us-t-expiry').value
    if (name) body.name = name
    if (days) body.expires_in_days = Number(days)
    let made: NewToken | null = null
    void change(byId('us-t-form'), async () => {
      made = await sendJson<NewToken>('POST', `${API}/${encodeURIComponent(open!.id)}/tokens`, body)
    }).then((ok) => {
      if (!ok || !made) return
      fresh = made.id
      input('us-t-name').value = ''
      byId('us-t-secret').textContent = made.token
      byId('us-t-login').textContent = `agnes login --url ${serverUrl} --token ${made.token}`
      byId('us-t-new').hidden = false
      renderDetail()
      byId('us-t-new').scrollIntoView({ block: 'nearest' })
    })
  })
  button('us-t-done').addEventListener('click', hideNew)

  // The record a link asked for (src/web/pages/resource-link.ts): a user, or the user holding a token.
  const sp = new URLSearchParams(location.search)
  const linked = async () => {
    const token = sp.get('token')
    if (token) {
      try {
        const t = await getJson<TokenDetail>(`/api/admin/tokens/${encodeURIComponent(token)}`)
        await openUser(t.user_id, { token })
      } catch (e) {
        banner(e instanceof ApiError && e.status === 404 ? 'That token no longer exists: its user was deleted, perhaps.' : `Could not open the token: ${errorMessage(e)}`)
      }
      return
    }
    const user = sp.get('user')
    if (user) await openUser(user)
  }
  void Promise.all([loadList(), linked()])
}

onReady(() => {
  startClock()
  start()
})
