// A page's first request, started by a small script in the page's head while the browser is still parsing the page
// and its main bundle (tens of milliseconds on a busy machine), then handed to the bundle's first GET of the same URL.

/** What every GET of the page code sends (dom.ts request), so a prefetched answer is the same answer. */
export const GET_INIT: RequestInit = { method: 'GET', credentials: 'same-origin', headers: { accept: 'application/json' } }

interface Prefetched {
  path: string
  response: Promise<Response>
}
type WithPrefetch = typeof globalThis & { agnesPrefetch?: Prefetched }

/** Starts a GET now, for the page bundle to take (takePrefetched) when it asks for the same path. */
export function prefetch(path: string): void {
  ;(globalThis as WithPrefetch).agnesPrefetch = { path, response: fetch(path, GET_INIT) }
}

/** The prefetched answer for `path`, once: a later GET of it (a reload, a poll) asks the server again. */
export function takePrefetched(path: string): Promise<Response> | null {
  const g = globalThis as WithPrefetch
  const p = g.agnesPrefetch
  if (!p || p.path !== path) return null
  delete g.agnesPrefetch
  return p.response
}
