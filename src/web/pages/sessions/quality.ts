// "Precision on this instance" (/admin/sessions): per finding type, the admins' verdicts and the precision they give,
// the LLM judge's labels of the same findings, its status, and the failures it found that the scan missed.
import { el, fmtInt, getJson } from '../dom.ts'
import { API, typeBadge } from './common.ts'
import type { Quality } from './types.ts'

const pct = (p: number | null) => (p === null ? '—' : `${Math.round(p * 100)} %`)

function judgeLine(q: Quality): HTMLElement {
  const j = q.judge
  if (!j.enabled) return el('p', { class: 'muted sx-judge-status', 'data-judge': 'off' }, `${(j.off_reason ?? 'the LLM judge is off').replace(/^./, (c) => c.toUpperCase())}. docs/findings.md says what it would send, and where.`)
  const parts: Array<HTMLElement | string> = [
    el('b', null, 'LLM judge: '), `${j.model}, prompt ${j.prompt_version} · ${fmtInt(j.tokens_today)} of ${fmtInt(j.daily_token_budget)} tokens today`,
    ` · ${fmtInt(j.calls_today.flagged)} transcript(s) judged, ${fmtInt(j.calls_today.sample)} sampled today`,
    j.cost_today_usd ? ` · $${j.cost_today_usd.toFixed(4)}` : '',
  ]
  const state = j.budget_stop ? 'stopped' : j.last_error ? 'failing' : 'on'
  return el('div', { class: `sx-judge-status s-${state}`, 'data-judge': state },
    el('p', null, parts),
    j.budget_stop ? el('p', { class: 'sx-judge-warn' }, `Stopped by the daily token budget (${fmtInt(j.budget_stop.used_tokens)} of ${fmtInt(j.budget_stop.budget_tokens)} tokens): transcripts wait until 00:00 UTC, or a higher llm_judge_daily_tokens.`) : null,
    j.last_error ? el('p', { class: 'sx-judge-warn' }, `Last failed request: ${j.last_error.message}`) : null)
}

function missedList(q: Quality): HTMLElement | null {
  if (!q.judge.missed.length) return null
  return el('div', { class: 'sx-missed' }, el('p', null, el('b', null, 'Failures the judge found in sampled transcripts that the scan missed')),
    el('ul', null, q.judge.missed.map((m) => {
      const [user, ...rest] = m.session_file.split('/')
      const href = `/admin/sessions/${encodeURIComponent(user)}/${encodeURIComponent(rest.join('/'))}#line-${m.line}`
      return el('li', null, typeBadge(m.finding_type), el('a', { href }, `${m.session_file} line ${m.line}`), m.explanation ? ` — ${m.explanation}` : null)
    })))
}

/** Loads and draws the quality card into `box`; throws when it cannot be loaded. */
export async function loadQuality(box: HTMLElement): Promise<void> {
  const q = await getJson<Quality>(`${API}/findings/quality`)
  const judged = (r: Quality['types'][number]) => r.judge.real_failure + r.judge.false_alarm + r.judge.unsure
  const anyJudged = q.types.some((r) => judged(r) > 0)
  const missed = missedList(q)
  const row = (label: HTMLElement | string, r: Omit<Quality['types'][number], 'finding_type' | 'judge'>, type: string, judge: string | null) =>
    el('tr', { 'data-type': type },
      el('td', { 'data-label': 'Type' }, label),
      el('td', { class: 'num', 'data-label': 'Findings' }, fmtInt(r.findings)),
      el('td', { class: 'num c-confirmed', 'data-label': 'Confirmed' }, fmtInt(r.confirmed)),
      el('td', { class: 'num c-dismissed', 'data-label': 'Dismissed' }, fmtInt(r.dismissed)),
      el('td', { class: 'num', 'data-label': 'Not reviewed' }, fmtInt(r.unreviewed)),
      el('td', { class: 'num c-precision', 'data-label': 'Precision', title: 'confirmed / (confirmed + dismissed)' }, pct(r.precision)),
      anyJudged ? el('td', { class: 'c-judge', 'data-label': 'LLM judge' }, judge ?? '') : null)
  box.replaceChildren(
    el('div', { class: 'sx-table-wrap' }, el('table', { class: 'sx-table sx-quality-table cards', id: 'sx-quality-table' },
      el('thead', null, el('tr', null, ['Type', 'Findings', 'Confirmed', 'Dismissed', 'Not reviewed', 'Precision', ...(anyJudged ? ['LLM judge'] : [])]
        .map((h, i) => el('th', { class: i > 0 && i < 6 ? 'num' : null }, h)))),
      el('tbody', null,
        q.types.map((r) => row(typeBadge(r.finding_type), r, r.finding_type,
          judged(r) ? `${fmtInt(r.judge.real_failure)} real, ${fmtInt(r.judge.false_alarm)} false alarm${r.judge.unsure ? `, ${fmtInt(r.judge.unsure)} unsure` : ''}` : null)),
        row(el('b', null, 'All types'), q.total, 'total', null)))),
    judgeLine(q),
    ...(missed ? [missed] : []))
}
