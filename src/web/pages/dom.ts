// The helpers every page shares: building elements, the JSON requests, numbers and the URL-held filters. No framework.
// Values are inserted with textContent / createElement, never as HTML: there is no innerHTML anywhere in the page code.
import { GET_INIT, takePrefetched } from './prefetch.ts'

/** What el() and svg() accept as children: nodes, text, and nothing (null, undefined, false), nested in arrays. */
export type Child = Node | string | number | null | undefined | false | readonly Child[]
/**
 * Attributes and listeners: `class`, `on<event>` functions, other attributes as text (true is an empty attribute;
 * null, undefined and false are left out).
 */
export type Props = Record<string, unknown> | null

const SVG_NS = 'http://www.w3.org/2000/svg'

function fill<T extends Element>(n: T, props: Props, children: readonly Child[]): T {
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === null || v === undefined || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') n.addEventListener(k.slice(2), v as EventListener)
    else n.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of (children as Child[]).flat(Infinity as 1) as Child[]) {
    if (c === null || c === undefined || c === false) continue
    n.append(c instanceof Node ? c : String(c))
  }
  return n
}

/** createElement with props; string children become text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), props ?? null, children)
}

/** The same for an SVG element. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): SVGElementTagNameMap[K] {
  return fill(document.createElementNS(SVG_NS, tag), props ?? null, children)
}

/** The element with this id, which the page's HTML shell (src/web/views) guarantees; a missing one is a bug, said loudly. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const n = document.getElementById(id)
  if (!n) throw new Error(`page element #${id} is missing`)
  return n as T
}
export const input = (id: string) => byId<HTMLInputElement>(id)
export const select = (id: string) => byId<HTMLSelectElement>(id)
export const button = (id: string) => byId<HTMLButtonElement>(id)

/** A failed API request: the API's error message, and the HTTP status. */
export class ApiError extends Error {
  /** `body`: the answer as parsed, for a refusal that also says what it refused (a rollback's conflicts). */
  constructor(message: string, readonly status: number, readonly body: unknown = null) {
    super(message)
  }
}

/** The message of anything thrown. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * A same-origin JSON request. A 401 sends the browser to the sign-in page (back here afterwards); any other failure
 * throws an ApiError with the API's error.message. Anything but GET carries the page's CSRF token and `body` as JSON.
 */
async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { ...(GET_INIT.headers as Record<string, string>) }
  const init: RequestInit = { ...GET_INIT, method, headers }
  if (method !== 'GET') {
    const meta = document.querySelector('meta[name="csrf-token"]')
    if (meta) headers['x-csrf-token'] = meta.getAttribute('content') ?? ''
    headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body ?? {})
  }
  const res = await ((method === 'GET' && takePrefetched(path)) || fetch(path, init))
  if (res.status === 401) {
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search))
    throw new ApiError('signed out', 401)
  }
  let out: unknown = null
  try {
    out = await res.json()
  } catch {
    out = null
  }
  if (!res.ok) {
    const message = (out as { error?: { message?: string } } | null)?.error?.message
    throw new ApiError(message || `HTTP ${res.status}`, res.status, out)
  }
  return out as T
}

/** GET, typed by the caller with the route's response type (src/web/pages/api.ts). */
export const getJson = <T>(path: string) => request<T>('GET', path)
/** POST / PATCH / PUT / DELETE with the CSRF token; resolves to the parsed answer. */
export const sendJson = <T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown) => request<T>(method, path, body)

// ---- numbers ----
export const pad = (n: number) => String(n).padStart(2, '0')
export const fmtInt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en'))
/** "1 line", "1,204 lines". */
export const plural = (n: number, word: string) => `${fmtInt(n)} ${word}${Number(n) === 1 ? '' : 's'}`

// ---- URL-held filters ----
export type Filters = Record<string, string>

/** The non-empty values of `keys` in a URLSearchParams: a page's filters as its URL states them. */
export function readFilters(sp: URLSearchParams, keys: readonly string[]): Filters {
  const f: Filters = {}
  for (const k of keys) {
    const v = sp.get(k)
    if (v !== null && v !== '') f[k] = v
  }
  return f
}

/** A query string of the set filters among `keys`, then the extras that have a value. */
export function toQuery(keys: readonly string[], filters: Partial<Filters>, extra?: Record<string, string | number | null | undefined>): string {
  const sp = new URLSearchParams()
  for (const k of keys) if (filters[k]) sp.set(k, filters[k]!)
  for (const [k, v] of Object.entries(extra ?? {})) if (v !== null && v !== undefined && v !== '') sp.set(k, String(v))
  return sp.toString()
}

/** Only the keys with a value, as text: what a page keeps as its filters. */
export function cleanFilters(keys: readonly string[], f: Record<string, unknown>): Filters {
  const out: Filters = {}
  for (const k of keys) if (f[k] !== undefined && f[k] !== null && f[k] !== '') out[k] = String(f[k])
  return out
}

/** An error banner fed by several sources: each says what could not be done, and clears its line when it works again. */
export function errorBanner(box: HTMLElement, prefix: string) {
  const errors = new Map<string, string>()
  return (source: string, err: unknown) => {
    if (err) errors.set(source, errorMessage(err))
    else errors.delete(source)
    box.hidden = errors.size === 0
    box.replaceChildren(...[...errors].map(([s, m]) => el('div', null, `${prefix}${s}: ${m}`)))
  }
}

/** Runs `start` once the page's HTML is parsed. */
export function onReady(start: () => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
}
