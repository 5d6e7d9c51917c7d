// Transcripts arrive as JSONL, so a secret usually sits inside a JSON string where newlines and quotes are written
// as \n and \". Replacing a span is harmless to the JSON as long as the span neither starts on the character right
// after an escaping backslash nor ends inside an escape sequence, and contains no bare quote (which would be a
// string boundary). Every replacement is checked here, whatever the pattern that produced it, so a pattern bug
// can at worst miss a secret, never corrupt a line.

/** True when `text.slice(start, end)` can be replaced by escape-free text without changing the JSON structure. */
export function isJsonSafeSpan(text: string, start: number, end: number): boolean {
  let backslashes = 0
  for (let i = start - 1; i >= 0 && text.charCodeAt(i) === 0x5c; i--) backslashes++
  if (backslashes % 2 === 1) return false

  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) return false // a bare " ends or starts a JSON string
    if (c === 0x5c) {
      const escapeLength = text.charCodeAt(i + 1) === 0x75 ? 6 : 2 // \uXXXX or \n, \", \\ ...
      if (i + escapeLength > end) return false
      i += escapeLength - 1
    }
  }
  return true
}
