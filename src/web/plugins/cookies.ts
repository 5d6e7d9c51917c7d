/**
 * Minimal cookie parsing and writing: Agnes sets its session cookie and the sign-in form's pre-session CSRF cookie,
 * and reads them back, nothing more.
 */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

/**
 * A Set-Cookie value: HttpOnly, SameSite=Lax, for the whole site. `expires` is a date, 'session' (until the browser
 * closes) or null (delete the cookie). `secure` (the request came over HTTPS, directly or through a trusted proxy)
 * adds Secure, so the browser never sends the cookie over plain HTTP.
 */
export function sessionCookie(name: string, value: string, expires: Date | 'session' | null, secure: boolean): string {
  const attrs = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax']
  if (expires instanceof Date) attrs.push(`Expires=${expires.toUTCString()}`)
  else if (expires === null) attrs.push('Max-Age=0')
  if (secure) attrs.push('Secure')
  return attrs.join('; ')
}
