// Entry of the Access page's bundle (dist/web/static/access.js, /admin/access): groups (create, rename, delete),
// their members (add, remove) and the tables each may read (grant, remove), one group opened beside the list
// (?group=<id>, src/web/pages/resource-link.ts), and every table with the groups that read it. Every action calls the
// same /api/admin routes as the API and the command line, so the audit rows are theirs; a refusal shows in place.
import { byId, button, el, errorMessage, getJson, input, onReady, select, sendJson, ApiError, plural } from '../dom.ts'
import { startClock, timeEl } from '../time.ts'
import type { Grant, GrantableScript, GrantableTable, GroupCreated, GroupDetail, GroupRow, UserList, UserRow } from '../api.ts'
import { changer, createForm, say } from '../record-page.ts'
import '../page.css'
import '../people.css'

const GROUPS = '/api/admin/groups'
const GRANTS = '/api/admin/grants'
type Rows<T> = { rows: T[] }

/** What a grant reads, as a person says it: `orders` for table:orders, anything else as the API names it. */
const tableOf = (resource: string) => (resource.startsWith('table:') ? resource.slice('table:'.length) : null)

function start() {
  const root = byId('access')
  const detailBox = byId('ax-detail')
  let groups: GroupRow[] = []
  let grants: Grant[] = []
  let users: UserRow[] = []
  /** The tables a group can be granted: registered ones and those scripts build. */
  let tables: string[] = []
  let open: GroupDetail | null = null
  let confirmingDelete = false

  const banner = (msg: string | null) => say(byId('ax-banner'), msg)
  const detailError = (msg: string | null, near?: Element | null) => say(byId('ax-d-error'), msg, near)
  const grantsOf = (groupId: string) => grants.filter((g) => g.group_id === groupId)

  function renderList(): void {
    byId('ax-rows').replaceChildren(...(groups.length
      ? groups.map((g) => el('tr', {
        class: `pa-pickable${open?.id === g.id ? ' open' : ''}`, 'data-group-id': g.id, tabindex: '0',
        onclick: () => void openGroup(g.id),
        onkeydown: (e: KeyboardEvent) => { if (e.key === 'Enter') void openGroup(g.id) },
      },
      el('td', { class: 'c-who', 'data-label': 'Group' }, g.name, g.description ? el('small', null, g.description) : null),
      el('td', { 'data-label': 'Members' }, String(g.member_count)),
      el('td', { 'data-label': 'Tables' }, String(grantsOf(g.id).length))))
      : [el('tr', { class: 'pa-empty' }, el('td', { colspan: '3' }, 'No groups yet. A group gives its members read access to the tables granted to it.'))]))

    const byTable = new Map(tables.map((t) => [t, [] as GroupRow[]]))
    for (const gr of grants) {
      const t = tableOf(gr.resource)
      const g = groups.find((x) => x.id === gr.group_id)
      if (t && g) byTable.set(t, [...(byTable.get(t) ?? []), g])
    }
    byId('ax-by-table-rows').replaceChildren(...(byTable.size
      ? [...byTable].sort(([a], [b]) => a.localeCompare(b)).map(([t, gs]) => el('tr', { 'data-table': t },
        el('td', { class: 'c-who', 'data-label': 'Table' }, el('code', null, t)),
        el('td', { 'data-label': 'Groups that read it' }, gs.length
          ? gs.map((g, i) => [i ? ', ' : '', el('a', { href: `?group=${encodeURIComponent(g.id)}`, onclick: (e: Event) => { e.preventDefault(); void openGroup(g.id) } }, g.name), ` (${plural(g.member_count, 'member')})`])
          : el('span', { class: 'muted' }, 'admins only'))))
      : [el('tr', { class: 'pa-empty' }, el('td', { colspan: '2' }, 'No tables are registered yet.'))]))
  }

  async function loadAll(): Promise<void> {
    try {
      const [g, gr, u, t, s] = await Promise.all([
        getJson<Rows<GroupRow>>(GROUPS), getJson<Rows<Grant>>(GRANTS), getJson<UserList>('/api/admin/users'),
        getJson<Rows<GrantableTable>>('/api/admin/tables'), getJson<Rows<GrantableScript>>('/api/admin/scripts'),
      ])
      groups = g.rows
      grants = gr.rows
      users = u.rows
      tables = [...new Set([...t.rows.map((x) => x.id), ...s.rows.map((x) => x.id)])].sort()
      renderList()
      root.setAttribute('data-ready', 'true')
    } catch (e) {
      banner(`Could not load groups and tables: ${errorMessage(e)}`)
    }
  }

  function renderDetail(): void {
    const g = open
    byId('ax-pick').hidden = Boolean(g)
    byId('ax-open').hidden = !g
    if (!g) return
    byId('ax-d-title').textContent = g.name
    byId('ax-d-meta').replaceChildren(el('span', null, 'created ', timeEl(g.created_at), g.updated_at !== g.created_at ? [' · changed ', timeEl(g.updated_at)] : null))
    byId('ax-d-delete-row').replaceChildren(...(confirmingDelete
      ? [el('span', { class: 'pa-confirm' }, `Delete ${g.name}? Its members lose the tables it gives them; the people stay.`),
        el('button', { type: 'button', class: 'pa-danger', id: 'ax-d-delete-confirm', onclick: () => void remove() }, 'Delete'),
        el('button', { type: 'button', class: 'pa-secondary', onclick: () => { confirmingDelete = false; renderDetail() } }, 'Cancel')]
      : [el('button', { type: 'button', class: 'pa-secondary pa-danger-text', id: 'ax-d-delete', onclick: () => { confirmingDelete = true; renderDetail() } }, 'Delete group…')]))

    const memberIds = new Set(g.members.map((m) => m.user_id))
    byId('ax-m-list').replaceChildren(...(g.members.length
      ? g.members.map((m) => el('li', { 'data-user-id': m.user_id },
        el('span', null, m.email, ' ', el('span', { class: 'muted' }, 'added '), timeEl(m.added_at)),
        el('button', { type: 'button', class: 'pa-secondary ax-m-remove', onclick: () => void change(byId('ax-m-list'), () => sendJson('DELETE', `${GROUPS}/${encodeURIComponent(g.id)}/members/${encodeURIComponent(m.user_id)}`)) }, 'Remove')))
      : [el('li', { class: 'pa-none' }, 'No members yet.')]))
    const candidates = users.filter((u) => !memberIds.has(u.id))
    select('ax-m-user').replaceChildren(...(candidates.length
      ? candidates.map((u) => el('option', { value: u.id }, u.email, u.name ? ` (${u.name})` : '', u.is_admin ? ' · admin, reads every table' : ''))
      : [el('option', { value: '' }, 'everyone is a member')]))
    button('ax-m-add').disabled = candidates.length === 0

    const mine = grantsOf(g.id)
    byId('ax-g-list').replaceChildren(...(mine.length
      ? mine.map((gr) => el('li', { 'data-grant-id': gr.id, 'data-resource': gr.resource },
        el('span', null, tableOf(gr.resource) !== null ? el('code', null, tableOf(gr.resource)) : gr.resource, ' ',
          el('span', { class: 'muted' }, tableOf(gr.resource) !== null && !tables.includes(tableOf(gr.resource)!) ? `${gr.permission} · not registered now` : gr.permission)),
        el('button', { type: 'button', class: 'pa-secondary ax-g-remove', onclick: () => void change(byId('ax-g-list'), () => sendJson('DELETE', `${GRANTS}/${encodeURIComponent(gr.id)}`)) }, 'Remove')))
      : [el('li', { class: 'pa-none' }, 'Reads no tables yet.')]))
    const granted = new Set(mine.map((gr) => gr.resource))
    const grantable = tables.filter((t) => !granted.has(`table:${t}`))
    select('ax-g-table').replaceChildren(...(grantable.length
      ? grantable.map((t) => el('option', { value: `table:${t}` }, t))
      : [el('option', { value: '' }, tables.length ? 'it reads every table' : 'no tables registered')]))
    button('ax-g-add').disabled = grantable.length === 0
  }

  /** Opens a group beside the list (and in the URL, so the page can be shared or reloaded as it is). */
  async function openGroup(id: string): Promise<void> {
    detailBox.setAttribute('data-ready', 'false')
    if (open?.id !== id) {
      confirmingDelete = false
      detailError(null)
    }
    try {
      open = await getJson<GroupDetail>(`${GROUPS}/${encodeURIComponent(id)}`)
    } catch (e) {
      open = null
      renderDetail()
      banner(e instanceof ApiError && e.status === 404 ? 'That group no longer exists: deleted, perhaps. Choose another from the list.' : `Could not open the group: ${errorMessage(e)}`)
      return
    }
    banner(null)
    input('ax-d-name').value = open.name
    input('ax-d-description').value = open.description ?? ''
    history.replaceState(null, '', `${location.pathname}?group=${encodeURIComponent(id)}`)
    renderList()
    renderDetail()
    detailBox.setAttribute('data-ready', 'true')
  }

  const change = changer(detailBox, byId('ax-d-error'), async () => {
    await loadAll()
    if (open) await openGroup(open.id)
  })

  async function remove(): Promise<void> {
    const g = open!
    detailError(null)
    confirmingDelete = false
    try {
      await sendJson('DELETE', `${GROUPS}/${encodeURIComponent(g.id)}`)
    } catch (e) {
      renderDetail()
      detailError(errorMessage(e), byId('ax-d-delete-row'))
      return
    }
    open = null
    history.replaceState(null, '', location.pathname)
    renderDetail()
    await loadAll()
    byId('ax-pick').textContent = `Deleted ${g.name}. Choose a group to rename it, change its members or the tables it reads.`
  }

  createForm('ax', 'group', () => {
    const body: Record<string, unknown> = { name: input('ax-new-name').value.trim() }
    const description = input('ax-new-description').value.trim()
    if (description) body.description = description
    return sendJson<GroupCreated>('POST', GROUPS, body)
  }, async (g) => {
    await loadAll()
    await openGroup(g.id)
  })
  byId<HTMLFormElement>('ax-d-form').addEventListener('submit', (e) => {
    e.preventDefault()
    void change(byId('ax-d-form'), () => sendJson('PATCH', `${GROUPS}/${encodeURIComponent(open!.id)}`, {
      name: input('ax-d-name').value.trim(), description: input('ax-d-description').value.trim() || null,
    }))
  })
  byId<HTMLFormElement>('ax-m-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const userId = select('ax-m-user').value
    if (userId) void change(byId('ax-m-form'), () => sendJson('POST', `${GROUPS}/${encodeURIComponent(open!.id)}/members`, { user_id: userId }))
  })
  byId<HTMLFormElement>('ax-g-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const resource = select('ax-g-table').value
    if (resource) void change(byId('ax-g-form'), () => sendJson('POST', GRANTS, { group_id: open!.id, resource, permission: 'read' }))
  })

  const linked = new URLSearchParams(location.search).get('group')
  void loadAll().then(() => (linked ? openGroup(linked) : undefined))
}

onReady(() => {
  startClock()
  start()
})
