// A page's first request, started by a small script in the page's head while the browser is still parsing the page
// and its main bundle (tens of milliseconds on a busy machine), then handed to the bundle's first GET of the same URL.
// Its answer is read as soon as it arrives, so when the bundle asks for it, it is already there: the bundle's rows go
// into the page before its first frame is drawn, instead of a frame later.

/** What every GET of the page code sends (dom.ts request), so a prefetched answer is the same answer. */
export const GET_INIT: RequestInit = { method: 'GET', credentials: 'same-origin', headers: { accept: 'application/json' } }

/** A response's status and its body parsed as JSON (null when it is not JSON). */
export interface Answer {
  status: number
  ok: boolean
  body: unknown
}

/** Reads a whole response: what dom.ts's requests and the prefetch both do with one. */
export async function readAnswer(res: Response): Promise<Answer> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    body = null
  }
  return { status: res.status, ok: res.ok, body }
}

interface Prefetched {
  path: string
  answer: Promise<Answer>
}
type WithPrefetch = typeof globalThis & { agnesPrefetch?: Prefetched }

/** Starts a GET now, for the page bundle to take (takePrefetched) when it asks for the same path. */
export function prefetch(path: string): void {
  const answer = fetch(path, GET_INIT).then(readAnswer)
  // A network failure reaches the bundle when it takes the answer; until then it is not an unhandled rejection.
  answer.catch(() => {})
  ;(globalThis as WithPrefetch).agnesPrefetch = { path, answer }
}

/** The prefetched answer for `path`, once: a later GET of it (a reload, a poll) asks the server again. */
export function takePrefetched(path: string): Promise<Answer> | null {
  const g = globalThis as WithPrefetch
  const p = g.agnesPrefetch
  if (!p || p.path !== path) return null
  delete g.agnesPrefetch
  return p.answer
}
