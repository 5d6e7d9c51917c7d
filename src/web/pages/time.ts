// One time convention on every page: recent times relative ("3 min ago"), older ones absolute, every one absolute on
// hover (its title), and the zone always named: times are shown in UTC, the zone the API and the audit log use.
import { el, pad } from './dom.ts'

export const ZONE = 'UTC'
/** Younger than this is "recent": shown relative. */
export const RECENT_MS = 24 * 3600_000
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

const parse = (iso: string | null | undefined): Date | null => {
  if (!iso) return null
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? null : d
}

/** "2026-11-20 14:03 UTC" (with :SS when `seconds`); '—' when there is no time. */
export function fmtAbsolute(iso: string | null | undefined, opts: { seconds?: boolean } = {}): string {
  const d = parse(iso)
  if (!d) return iso ? String(iso) : '—'
  const secs = opts.seconds ? `:${pad(d.getUTCSeconds())}` : ''
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${secs} ${ZONE}`
}

/** "Nov 20, 14:03 UTC": a short absolute time, for chart axes and dense lists. */
export function fmtShort(iso: string | null | undefined): string {
  const d = parse(iso)
  if (!d) return '—'
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} ${ZONE}`
}

/** A time of day in UTC, HH:MM:SS (for the events of one transcript, whose day the page states). */
export function fmtClock(iso: string | null | undefined): string {
  const d = parse(iso)
  return d ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` : ''
}

/**
 * How long ago (or from now) a time is: "12 s ago", "3 min ago", "in 2 h", "5 d ago"; under 5 s "just now".
 * With `coarse` nothing finer than minutes is shown: under 45 s is "just now".
 */
export function fmtRelative(iso: string | null | undefined, now = Date.now(), opts: { coarse?: boolean } = {}): string {
  const d = parse(iso)
  if (!d) return '—'
  const s = Math.round((now - d.getTime()) / 1000)
  const a = Math.abs(s)
  if (a < (opts.coarse ? 45 : 5)) return 'just now'
  const v = a < 60 && !opts.coarse ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 86400 * 2 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`
  return s >= 0 ? `${v} ago` : `in ${v}`
}

/** The text the convention gives a time: relative when within RECENT_MS of now (either side), else absolute. */
export function fmtWhen(iso: string | null | undefined, now = Date.now(), opts: { coarse?: boolean } = {}): string {
  const d = parse(iso)
  if (!d) return '—'
  return Math.abs(now - d.getTime()) < RECENT_MS ? fmtRelative(iso, now, opts) : fmtAbsolute(iso)
}

/**
 * A <time> element following the convention: the text from fmtWhen, the absolute time to the second in its title.
 * Relative ones are kept current by startClock().
 */
export function timeEl(iso: string | null | undefined, opts: { coarse?: boolean; class?: string; empty?: string } = {}): HTMLElement {
  if (!parse(iso)) return el('span', { class: `muted ${opts.class ?? ''}`.trim() }, opts.empty ?? '—')
  return el('time', {
    class: `t ${opts.class ?? ''}`.trim(), datetime: iso, title: fmtAbsolute(iso, { seconds: true }), 'data-coarse': opts.coarse ? '1' : null,
  }, fmtWhen(iso, Date.now(), opts))
}

/** Re-writes every <time class="t"> under `root`: "2 min ago" becomes "3 min ago" as time passes. */
export function refreshTimes(root: ParentNode = document): void {
  const now = Date.now()
  for (const t of root.querySelectorAll<HTMLTimeElement>('time.t')) {
    const text = fmtWhen(t.dateTime, now, { coarse: t.getAttribute('data-coarse') === '1' })
    if (t.textContent !== text) t.textContent = text
  }
}

/** Refreshes the relative times of the page every 30 s while it is visible. */
export function startClock(): void {
  setInterval(() => {
    if (!document.hidden) refreshTimes()
  }, 30_000)
}

/** A UTC time as a datetime-local value ("2026-11-20T14:03:05"): the filter inputs are in UTC, as their labels say. */
export function isoToUtcInput(iso: string | null | undefined): string {
  const d = parse(iso)
  if (!d) return ''
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

/** A datetime-local value read as UTC, as an ISO time; '' when empty or invalid. */
export function utcInputToIso(v: string): string {
  if (!v) return ''
  const d = new Date(`${v.length === 16 ? `${v}:00` : v}Z`)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString()
}
