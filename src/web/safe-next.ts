const BASE = 'http://x.invalid'

/**
 * Where to send the browser after sign-in: `next` when it is a path on this server, else '/'. The value is resolved
 * the way a browser resolves a Location header (WHATWG URL: `\` is `/`, tabs and newlines are dropped, `/./` and
 * `..` collapse), and accepted only when it stays on this origin; the normalised path is what we redirect to, so
 * the browser cannot read it differently. Control characters and anything that resolves to `//…` (another host,
 * however it was spelled) give '/'.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2000) return '/'
  if (/[\u0000-\u001f\u007f]/.test(next)) return '/'
  let url: URL
  try {
    url = new URL(next, BASE)
  } catch {
    return '/'
  }
  if (url.origin !== BASE) return '/'
  const path = url.pathname + url.search + url.hash
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/'
  return path
}
