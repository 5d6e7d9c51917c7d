/** Minimal cookie parsing and writing: Agnes sets one session cookie and reads it back, nothing more. */
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

export function sessionCookie(name: string, value: string, expires: Date | null, secure: boolean): string {
  const attrs = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax']
  if (expires) attrs.push(`Expires=${expires.toUTCString()}`)
  else attrs.push('Max-Age=0')
  if (secure) attrs.push('Secure')
  return attrs.join('; ')
}
