// The findings list on /admin/sessions: the findings of the page's filters, newest first, each with its review
// (confirm / dismiss with a note). Dismissed findings are hidden unless the "show dismissed" filter is on; one dismissed
// here stays in view, marked, until the list is loaded again.
import { button, byId, el, fmtInt, getJson, toQuery, type Filters } from '../dom.ts'
import { timeEl } from '../time.ts'
import { API, typeBadge } from './common.ts'
import type { FindingList, ReviewedFinding } from './types.ts'
import { reviewBox } from './verdict.ts'

const KEYS = ['username', 'finding_type', 'since', 'until', 'include_dismissed']
const PAGE = 25

export function findingsList(opts: { filters: () => Filters; setError: (what: string, e: unknown) => void; onVerdict: (f: ReviewedFinding) => void }) {
  const state = { cursor: null as string | null, gen: 0, shown: 0 }
  const url = (cursor?: string | null) => `${API}/findings?${toQuery(KEYS, opts.filters(), { limit: PAGE, cursor: cursor ?? null })}`

  function rowEl(f: ReviewedFinding): HTMLElement {
    const [user, ...rest] = f.session_file.split('/')
    const href = `/admin/sessions/${encodeURIComponent(f.username || user)}/${encodeURIComponent(rest.join('/'))}#finding-${f.id}`
    const tr = el('tr', { class: `sx-frow${f.verdict ? ` v-${f.verdict.verdict}` : ''}`, 'data-finding-id': String(f.id), 'data-verdict': f.verdict?.verdict ?? 'none' })
    const review = el('td', { class: 'c-review', 'data-label': 'Review' })
    const fill = (x: ReviewedFinding) => {
      review.replaceChildren(reviewBox(x, (saved) => {
        tr.className = `sx-frow${saved.verdict ? ` v-${saved.verdict.verdict}` : ''}`
        tr.setAttribute('data-verdict', saved.verdict?.verdict ?? 'none')
        fill(saved)
        opts.onVerdict(saved)
      }))
    }
    fill(f)
    tr.append(
      el('td', { class: 'c-time', 'data-label': 'When' }, timeEl(f.occurred_at ?? f.detected_at)),
      el('td', { class: 'c-session', 'data-label': 'Session' }, el('a', { href, title: `${f.session_file}, line ${f.line}` }, `${rest.join('/') || f.session_file}`), el('span', { class: 'muted' }, ` · ${f.username}`)),
      el('td', { class: 'c-type', 'data-label': 'Type' }, typeBadge(f.finding_type)),
      el('td', { class: 'num', 'data-label': 'Line' }, fmtInt(f.line)),
      el('td', { class: 'c-excerpt', 'data-label': 'Excerpt', title: f.excerpt ?? '' }, f.excerpt ?? ''),
      review)
    return tr
  }

  function show(rows: ReviewedFinding[], append: boolean) {
    const body = byId('sx-frows')
    if (!append) body.replaceChildren()
    body.append(...rows.map(rowEl))
    state.shown = (append ? state.shown : 0) + rows.length
    if (!state.shown) body.replaceChildren(el('tr', { class: 'sx-empty' }, el('td', { colspan: '6' }, 'No findings match these filters.')))
    byId('sx-fcount').textContent = `${fmtInt(state.shown)} shown${state.cursor ? ', more below' : ''}${opts.filters().include_dismissed ? ' (dismissed included)' : ' (dismissed hidden)'}`
    button('sx-fmore').hidden = !state.cursor
  }

  async function reload() {
    const gen = ++state.gen
    try {
      const page = await getJson<FindingList>(url())
      if (gen !== state.gen) return
      state.cursor = page.next_cursor ?? null
      show(page.rows ?? [], false)
      opts.setError('load the findings', null)
    } catch (e) {
      if (gen !== state.gen) return
      opts.setError('load the findings', e)
    }
  }
  async function more() {
    if (!state.cursor) return
    const gen = state.gen
    const btn = button('sx-fmore')
    btn.disabled = true
    try {
      const page = await getJson<FindingList>(url(state.cursor))
      if (gen !== state.gen) return
      state.cursor = page.next_cursor ?? null
      show(page.rows ?? [], true)
    } catch (e) {
      opts.setError('load more findings', e)
    } finally {
      btn.disabled = false
    }
  }
  byId('sx-fmore').addEventListener('click', () => void more())
  return { reload }
}
