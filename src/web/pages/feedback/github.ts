// The open report's GitHub part: its issue when it has one; otherwise "Send to GitHub…", which first shows the dry run
// (exactly the title, labels and body, or the "+1" comment when an issue already carries the problem's fingerprint)
// and sends only when the admin confirms. Without a token, a pre-filled new-issue link instead.
import { byId, el, errorMessage, sendJson } from '../dom.ts'
import { timeEl } from '../time.ts'
import type { GithubDone, GithubPreview, ReportDetail, ReportRow } from '../api.ts'
import { API, type Inbox } from './inbox.ts'

const url = (id: string) => `${API}/${encodeURIComponent(id)}/github`
/** A link only to a web address (what GitHub answers), never a javascript: one. */
const httpUrl = (u: string | null | undefined) => (u && /^https?:\/\//i.test(u) ? u : '#')

/** The section, filled in for the report's state. */
export function githubSection(inbox: Inbox, d: ReportDetail): HTMLElement {
  const box = el('section', { class: 'fb-d-section fb-gh', id: 'fb-d-github' })
  renderGithub(inbox, box, d)
  return box
}

function renderGithub(inbox: Inbox, box: HTMLElement, d: ReportDetail) {
  const head = el('h3', null, 'GitHub')
  const issue = d.github_issue
  if (issue) {
    const state = d.github_issue_state?.state ?? 'open'
    box.replaceChildren(head, el('p', { class: 'fb-gh-linked', id: 'fb-gh-linked' },
      'Issue ', el('a', { href: httpUrl(issue.url), target: '_blank', rel: 'noopener', id: 'fb-gh-link' }, `${issue.repo}#${issue.number}`), ' ',
      el('span', { class: `fb-gh-state st-${state}`, id: 'fb-gh-state' }, state === 'closed' ? `closed${d.github_issue_state?.state_reason === 'not_planned' ? ' as not planned' : ''}` : 'open'),
      issue.linked_at ? [el('span', { class: 'muted' }, ' · linked '), timeEl(issue.linked_at, { coarse: true })] : null),
    el('p', { class: 'muted fb-gh-help' }, 'Closing the issue on GitHub resolves this report and tells its reporter; reopening it reopens the report.'))
    return
  }
  const configured = d.github.configured
  box.replaceChildren(head,
    el('div', { class: 'fb-gh-start' },
      el('button', { type: 'button', class: 'fb-secondary', id: 'fb-gh-preview', onclick: () => void preview(inbox, box, d) }, 'Send to GitHub…'),
      el('span', { class: 'muted' }, configured
        ? `Shows what would be sent to ${d.github.repo} first.`
        : d.github.repo ? 'GITHUB_TOKEN is not set: you get a pre-filled new-issue link.' : 'GitHub is not configured (GITHUB_REPO, GITHUB_TOKEN).')),
    el('div', { class: 'fb-gh-panel', id: 'fb-gh-panel', hidden: true }),
    el('p', { class: 'fb-inline-error', id: 'fb-gh-error', role: 'alert', hidden: true }))
}

function showError(err: unknown) {
  const p = byId('fb-gh-error')
  p.hidden = !err
  p.textContent = err ? `Could not reach GitHub: ${errorMessage(err)}` : ''
}

/** Asks for the dry run with the panel's options and shows it. */
async function preview(inbox: Inbox, box: HTMLElement, d: ReportDetail) {
  const panel = byId('fb-gh-panel')
  const excerpt = (document.getElementById('fb-gh-excerpt') as HTMLInputElement | null)?.checked ?? false
  const reopen = (document.getElementById('fb-gh-reopen') as HTMLInputElement | null)?.checked ?? false
  const btn = document.getElementById('fb-gh-preview') as HTMLButtonElement | null
  if (btn) btn.disabled = true
  panel.setAttribute('data-state', 'loading')
  try {
    const p = await sendJson<GithubPreview>('POST', url(d.id), { dry_run: true, include_excerpt: excerpt, reopen })
    if (inbox.state.detail?.id !== d.id) return
    showError(null)
    if (p.action === 'linked') {
      // Linked meanwhile (another admin, the command line): show it.
      inbox.reloadDetail()
      return
    }
    renderPreview(inbox, box, d, p, { excerpt, reopen })
  } catch (e) {
    showError(e)
  } finally {
    if (btn) btn.disabled = false
  }
}

function renderPreview(inbox: Inbox, box: HTMLElement, d: ReportDetail, p: GithubPreview, opts: { excerpt: boolean; reopen: boolean }) {
  const panel = byId('fb-gh-panel')
  const comment = p.action === 'comment' && p.existing
  const options = el('div', { class: 'fb-gh-options' },
    d.excerpt_chars
      ? el('label', null, el('input', { type: 'checkbox', id: 'fb-gh-excerpt', checked: opts.excerpt, onchange: () => void preview(inbox, box, d) }),
        ' Include the session excerpt')
      : null,
    comment && p.existing?.state === 'closed'
      ? el('label', null, el('input', { type: 'checkbox', id: 'fb-gh-reopen', checked: opts.reopen, onchange: () => void preview(inbox, box, d) }), ' Reopen the closed issue')
      : null)
  const summary = !p.configured
    ? 'GITHUB_TOKEN is not set, so Agnes opens no issue itself: open this pre-filled one on GitHub.'
    : p.lookup_error
      ? `Could not look for an issue with this problem's fingerprint (${p.lookup_error}); sending will fail the same way until GitHub answers.`
      : comment
        ? [`Issue `, el('a', { href: httpUrl(p.existing!.url), target: '_blank', rel: 'noopener' }, `#${p.existing!.number}`), ` (${p.existing!.state}) already carries this problem's fingerprint: sending adds this comment instead of a new issue${p.existing!.state === 'closed' ? (p.would_reopen ? ' and reopens it' : '; the issue stays closed') : ''}.`]
        : `Sending opens this issue in ${p.repo}.`
  const redactions = Object.entries(p.redactions ?? {})
  panel.replaceChildren(
    options,
    el('p', { class: 'fb-gh-summary', id: 'fb-gh-summary' }, summary),
    el('div', { class: 'fb-gh-what' }, comment
      ? el('pre', { class: 'fb-gh-body', id: 'fb-gh-comment' }, p.comment)
      : [
        el('dl', { class: 'fb-gh-meta' },
          el('div', null, el('dt', null, 'Title'), el('dd', { id: 'fb-gh-title' }, p.title)),
          el('div', null, el('dt', null, 'Labels'), el('dd', { id: 'fb-gh-labels' }, p.labels.map((l) => el('span', { class: 'fb-tag' }, l))))),
        el('pre', { class: 'fb-gh-body', id: 'fb-gh-body' }, p.body),
      ]),
    el('p', { class: 'muted fb-gh-redactions', id: 'fb-gh-redactions' }, redactions.length
      ? `Secrets redacted: ${redactions.map(([k, n]) => `${k} ×${n}`).join(', ')}.`
      : 'Redacted like the report preview: nothing in it looks like a secret.'),
    el('div', { class: 'fb-gh-buttons' },
      !p.configured
        ? p.new_issue_url ? el('a', { class: 'fb-button', id: 'fb-gh-open', href: httpUrl(p.new_issue_url), target: '_blank', rel: 'noopener' }, 'Open a pre-filled issue on GitHub') : null
        : el('button', { type: 'button', id: 'fb-gh-confirm', disabled: Boolean(p.lookup_error), onclick: () => void confirmSend(inbox, d, opts) }, comment ? 'Add the comment' : 'Create the issue'),
      el('button', { type: 'button', class: 'fb-secondary', id: 'fb-gh-cancel', onclick: () => { panel.hidden = true; panel.replaceChildren() } }, 'Cancel')))
  panel.hidden = false
  panel.setAttribute('data-state', p.action)
}

/** Sends for real, then shows the linked issue in the panel and the list row. */
async function confirmSend(inbox: Inbox, d: ReportDetail, opts: { excerpt: boolean; reopen: boolean }) {
  const btn = byId<HTMLButtonElement>('fb-gh-confirm')
  btn.disabled = true
  btn.textContent = 'Sending…'
  try {
    const out = await sendJson<GithubDone>('POST', url(d.id), { include_excerpt: opts.excerpt, reopen: opts.reopen })
    const detail = inbox.state.detail
    if (!detail || detail.id !== d.id) return
    Object.assign(detail, { github_issue: out.report.github_issue, github_issue_state: { state: out.issue.state, state_reason: null, checked_at: null } })
    const row = inbox.state.rows.get(d.id)
    if (row) inbox.replaceRow({ ...row, github_issue: out.report.github_issue } as ReportRow)
    renderGithub(inbox, byId('fb-d-github'), detail)
    const did = { created: 'Opened', commented: 'Commented on', linked: 'Linked to', already_linked: 'Already linked to' }[out.action]
    byId('fb-d-saved').textContent = `${did} issue #${out.issue.number}${out.reopened ? ' (reopened)' : ''}.`
  } catch (e) {
    showError(e)
    btn.disabled = false
    btn.textContent = 'Try again'
  }
}
