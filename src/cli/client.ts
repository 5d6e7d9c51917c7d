import { VERSION } from '../version.ts'

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message)
  }
}

export interface ApiClient {
  request<T = any>(method: string, path: string, body?: unknown, opts?: { headers?: Record<string, string>; raw?: boolean }): Promise<T>
  /** A ReadableStream body is streamed (not buffered), so a large upload costs no more memory than a chunk. */
  fetchRaw(method: string, path: string, init?: { body?: BodyInit; headers?: Record<string, string> }): Promise<Response>
  baseUrl: string
}

/** HTTP client for the CLI: sends the token and `User-Agent: agnes-cli/<version>`, turns error bodies into one-line messages. */
export function apiClient(baseUrl: string, token: string | null): ApiClient {
  const base = baseUrl.replace(/\/+$/, '')
  const headers = (extra: Record<string, string> = {}) => ({
    'user-agent': `agnes-cli/${VERSION}`,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  })
  async function fetchRaw(method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string> } = {}) {
    try {
      // Node's fetch sends a stream body only when told the request is half-duplex (the DOM typings lack the field),
      // and keeps every chunk sent, to replay it on a redirect, unless redirects are refused: the server never
      // redirects an upload, and a 300 MB transcript must not sit in memory.
      const streamed = init.body instanceof ReadableStream ? { duplex: 'half', redirect: 'error' } : {}
      return await fetch(base + path, { method, body: init.body, headers: headers(init.headers), ...streamed } as RequestInit)
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code
      throw new CliError(`cannot reach Agnes at ${base}${cause ? ` (${cause})` : ''}`)
    }
  }
  return {
    baseUrl: base,
    fetchRaw,
    async request(method, path, body, opts = {}) {
      const res = await fetchRaw(method, path, {
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(opts.headers ?? {}) },
      })
      const text = await res.text()
      let data: any = null
      try {
        data = text ? JSON.parse(text) : null
      } catch {
        data = null
      }
      if (!res.ok) {
        const err = data?.error
        const msg = err ? `${err.message}${err.field ? ` (${err.field})` : ''}` : `HTTP ${res.status}`
        const hint = res.status === 401 ? ' — run `agnes login --url URL --token TOKEN` or set AGNES_TOKEN' : ''
        throw new CliError(`${msg}${hint}`)
      }
      return (opts.raw ? text : data) as never
    },
  }
}
