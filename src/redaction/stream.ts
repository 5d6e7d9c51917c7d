import { Transform, type TransformCallback } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { redactSecrets } from './redact.ts'

/**
 * A Transform that redacts UTF-8 text line by line (see {@link redactSecrets}), so an upload of any size is
 * processed while holding only one line at a time. Lines are never merged, split or dropped; a missing final
 * newline stays missing; `\r\n` endings are kept. `count` and `kinds` give the running totals.
 */
export class RedactingLineStream extends Transform {
  /** Secrets replaced so far. */
  count = 0
  /** Secrets replaced so far, per kind. */
  readonly kinds: Record<string, number> = {}

  private readonly decoder = new StringDecoder('utf8')
  // Text of the current, not yet complete line. Kept as a string: V8 concatenates strings lazily, so a long
  // line arriving in many chunks is not copied once per chunk.
  private partial = ''

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    const lastNewline = text.lastIndexOf('\n')
    if (lastNewline === -1) {
      this.partial += text
      callback()
      return
    }
    const complete = this.partial + text.slice(0, lastNewline)
    this.partial = text.slice(lastNewline + 1)
    callback(null, this.redactLines(complete) + '\n')
  }

  override _flush(callback: TransformCallback): void {
    const rest = this.partial + this.decoder.end()
    this.partial = ''
    callback(null, rest === '' ? undefined : this.redactLines(rest))
  }

  private redactLines(block: string): string {
    const lines = block.split('\n')
    for (let i = 0; i < lines.length; i++) {
      const result = redactSecrets(lines[i])
      if (result.count === 0) continue
      lines[i] = result.text
      this.count += result.count
      for (const [kind, n] of Object.entries(result.kinds)) this.kinds[kind] = (this.kinds[kind] ?? 0) + n
    }
    return lines.join('\n')
  }
}

/** Creates a {@link RedactingLineStream}: pipe an upload through it to store a redacted copy. */
export function createRedactingLineStream(): RedactingLineStream {
  return new RedactingLineStream()
}
