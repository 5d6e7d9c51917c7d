import { basename, dirname, join, resolve } from 'node:path'
import { badRequest } from '../../errors.ts'

/** What a stored transcript may be called: plain ASCII, no folders, at most 200 characters, ending in `.jsonl`. */
export const SESSION_FILENAME = /^[A-Za-z0-9._-]{1,200}$/
const SUFFIX = '.jsonl'

/** Why `name` cannot be a stored transcript's name, or null when it can. */
export function sessionFilenameProblem(name: string | undefined): string | null {
  if (name === undefined || name === '') return 'a file name is required'
  if (!SESSION_FILENAME.test(name)) {
    return 'a file name is 1 to 200 characters of A-Z a-z 0-9 . _ - (no folders, spaces or other characters)'
  }
  if (!name.endsWith(SUFFIX) || name.length === SUFFIX.length) return 'a file name ends in .jsonl, with at least one character before it'
  return null
}

/** The name as given, or a 400 naming `field`. */
export function checkSessionFilename(name: string | undefined, field: string): string {
  const problem = sessionFilenameProblem(name)
  if (problem) throw badRequest(`${problem}; got ${describeName(name)}`, field, 'invalid_filename')
  return name as string
}

/** A refused name, made printable for messages and audit params: control and non-ASCII characters escaped, cut at 120. */
export function printableName(name: string): string {
  const shown = name.length > 120 ? `${name.slice(0, 120)}…` : name
  return shown.replace(/[^\x20-\x7e…]|\\/g, (c) => (c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
}

/** The name quoted for a message. */
export function describeName(name: string | undefined): string {
  return name === undefined ? 'none' : `"${printableName(name)}"`
}

/** The folder of one user's transcripts. Usernames are made filesystem-safe at creation; this re-checks. */
export function userSessionsDir(dataDir: string, username: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(username)) throw new Error(`unsafe username for a folder: ${describeName(username)}`)
  return join(resolve(dataDir), 'user_sessions', username)
}

/** The stored file's path; a last guard that a checked name cannot leave the user's folder. */
export function sessionFilePath(userDir: string, filename: string): string {
  const p = join(userDir, filename)
  if (dirname(p) !== userDir || basename(p) !== filename) throw new Error(`file name escapes its folder: ${describeName(filename)}`)
  return p
}
