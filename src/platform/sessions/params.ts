import { badRequest } from '../../errors.ts'

/**
 * Request values shared by the session read models: opaque cursors and date filters.
 *
 * Cursor format: base64url of JSON `{"v": 1, "l": <listing>, "k": [<keys of the last row shown>]}`. The
 * listing name ties a cursor to the listing and sort it came from; the keys are the row's sort keys, so the
 * next page starts strictly after that row (keyset), and rows arriving meanwhile neither repeat nor shift
 * pages. A cursor that does not decode to exactly that shape, with keys of the right types, is a 400.
 */
export function encodeCursor(listing: string, keys: Array<string | number>): string {
  return Buffer.from(JSON.stringify({ v: 1, l: listing, k: keys })).toString('base64url')
}

type KeyKind = 'instant' | 'text' | 'count' | 'id'

/** The keys of a cursor issued for `listing`, checked against `kinds`; a 400 (field `cursor`) otherwise. */
export function decodeCursor(cursor: string, listing: string, kinds: KeyKind[]): Array<string | number> {
  const refuse = (why: string) => badRequest(`cursor: ${why}; pass back the next_cursor of the previous page unchanged, with the same sort`, 'cursor')
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw refuse('not a cursor this server issued')
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw refuse('not a cursor this server issued')
  }
  const c = value as { v?: unknown; l?: unknown; k?: unknown }
  if (!c || typeof c !== 'object' || c.v !== 1 || typeof c.l !== 'string' || !Array.isArray(c.k) || Object.keys(c).length !== 3) {
    throw refuse('not a cursor this server issued')
  }
  if (c.l !== listing) throw refuse(`issued for another listing or sort (${c.l.slice(0, 40)})`)
  if (c.k.length !== kinds.length) throw refuse('not a cursor this server issued')
  c.k.forEach((k, i) => {
    const ok =
      kinds[i] === 'instant' ? typeof k === 'string' && isIsoUtc(k)
      : kinds[i] === 'text' ? typeof k === 'string' && k.length <= 500
      : kinds[i] === 'count' ? Number.isSafeInteger(k) && (k as number) >= 0
      : Number.isSafeInteger(k) && (k as number) > 0
    if (!ok) throw refuse('not a cursor this server issued')
  })
  return c.k as Array<string | number>
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/
const isIsoUtc = (s: string) => ISO_UTC.test(s) && validDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s))

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/

function validDate(ymd: string): boolean {
  const m = DATE_ONLY.exec(ymd)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (mo < 1 || mo > 12 || d < 1) return false
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate()
}

/** What a `since`/`until` filter accepts: a date (YYYY-MM-DD, UTC) or an ISO 8601 time with a zone. */
export function isDateFilter(s: string): boolean {
  if (DATE_ONLY.test(s)) return validDate(s)
  const m = DATE_TIME.exec(s)
  return Boolean(m && validDate(m[1]) && !Number.isNaN(Date.parse(s)))
}

export const DATE_FILTER_MESSAGE = 'must be a date (YYYY-MM-DD, UTC) or an ISO 8601 time with a zone, e.g. 2026-01-31T12:00:00Z'

/**
 * A `since`/`until` pair as a half-open instant range [since, until). A date means its whole UTC day: `since`
 * from its midnight, `until` up to the end of that day; a time is taken as given (`until` inclusive).
 */
export function dateRange(since?: string, until?: string): { sinceIso?: string; untilIso?: string } {
  const out: { sinceIso?: string; untilIso?: string } = {}
  if (since !== undefined) out.sinceIso = new Date(Date.parse(DATE_ONLY.test(since) ? `${since}T00:00:00Z` : since)).toISOString()
  if (until !== undefined) {
    const ms = DATE_ONLY.test(until) ? Date.parse(`${until}T00:00:00Z`) + 86_400_000 : Date.parse(until) + 1
    out.untilIso = new Date(ms).toISOString()
  }
  return out
}

/** Why a since/until pair is refused (until before since), or null. */
export function dateRangeProblem(since?: string, until?: string): string | null {
  if (since === undefined || until === undefined || !isDateFilter(since) || !isDateFilter(until)) return null
  const r = dateRange(since, until)
  return r.untilIso! <= r.sinceIso! ? `until (${until}) is before since (${since})` : null
}

/** A transcript timestamp as a canonical ISO instant the store accepts, or null when it is not one. */
export function isoOrNull(ts: string | null | undefined): string | null {
  if (!ts) return null
  const ms = Date.parse(ts)
  if (Number.isNaN(ms)) return null
  const d = new Date(ms)
  return d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999 ? null : d.toISOString()
}
