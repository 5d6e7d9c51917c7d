import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createRedactingLineStream } from '../../redaction/index.ts'
import { AppError, tooLarge } from '../../errors.ts'

/** One received transcript, redacted and written to a temp file next to its final place, not yet committed. */
export interface StagedFile {
  filename: string
  tmpPath: string
  /** Bytes received from the client (what the size limit counts). */
  receivedBytes: number
  /** Size and SHA-256 of the redacted content, i.e. of the file as stored. */
  bytes: number
  sha256: string
  redactions: number
  redactionKinds: Record<string, number>
}

export const formatBytes = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB` : n >= 1024 ? `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KB` : `${n} bytes`

export const fileTooLarge = (filename: string, maxBytes: number) =>
  tooLarge(`${filename} is larger than the upload limit of ${formatBytes(maxBytes)} (${maxBytes} bytes)`)

/** Counts the bytes passing through and fails the stream with a 413 as soon as they exceed the limit. */
class ByteLimit extends Transform {
  seen = 0
  constructor(
    private readonly maxBytes: number,
    private readonly filename: string,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length
    if (this.seen > this.maxBytes) return cb(fileTooLarge(this.filename, this.maxBytes))
    cb(null, chunk)
  }
}

/** Hashes and counts what is written. */
class Digest extends Transform {
  readonly hash = createHash('sha256')
  bytes = 0
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    cb(null, chunk)
  }
}

/** fsync of a folder, so a rename in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/**
 * Streams `source` through the size limit and the line-by-line secret redaction into a new temp file (mode 0600)
 * in `dir`, hashing what is written, and fsyncs it. Memory stays bounded by one line of the transcript.
 * On any failure the temp file is removed and the error is rethrown; `source` is not destroyed (it may be the
 * HTTP request, which must stay open to carry the error response): it is unpiped and left to the caller.
 */
export async function stageRedacted(source: Readable, dir: string, filename: string, maxBytes: number): Promise<StagedFile> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const tmpPath = join(dir, `.${filename}.${randomBytes(6).toString('hex')}.tmp`)
  const limit = new ByteLimit(maxBytes, filename)
  const redact = createRedactingLineStream()
  const digest = new Digest()
  const out = createWriteStream(tmpPath, { flags: 'wx', mode: 0o600, flush: true })
  // The source is piped, not handed to pipeline(): pipeline would destroy it on error, and destroying the
  // request would reset the connection before the 413/400 reaches the client.
  let onError: (e: unknown) => void = () => {}
  let onClose: () => void = () => {}
  const sourceFailed = new Promise<never>((_resolve, reject) => {
    onError = reject
    onClose = () => {
      if (!source.readableEnded) reject(new AppError(400, 'upload_interrupted', 'the upload ended before the file was complete'))
    }
  })
  sourceFailed.catch(() => {})
  source.on('error', onError)
  source.on('close', onClose)
  source.pipe(limit)
  try {
    await Promise.race([pipeline(limit, redact, digest, out), sourceFailed])
    if (!out.closed) await new Promise<void>((r) => out.once('close', () => r()))
    // busboy stops a file part at its own size limit and marks it truncated rather than failing.
    if ((source as Readable & { truncated?: boolean }).truncated) throw fileTooLarge(filename, maxBytes)
  } catch (e) {
    source.unpipe(limit)
    if (!limit.destroyed) limit.destroy()
    if (!out.destroyed) out.destroy()
    await new Promise<void>((r) => (out.closed ? r() : out.once('close', () => r())))
    await rm(tmpPath, { force: true })
    throw asUploadError(e)
  } finally {
    source.off('error', onError)
    source.off('close', onClose)
  }
  return {
    filename,
    tmpPath,
    receivedBytes: limit.seen,
    bytes: digest.bytes,
    sha256: digest.hash.digest('hex'),
    redactions: redact.count,
    redactionKinds: { ...redact.kinds },
  }
}

/** Our errors as they are; a broken upload (client went away, malformed part) as a 400; disk trouble stays a 500. */
function asUploadError(e: unknown): unknown {
  if (e instanceof AppError) return e
  const err = e as NodeJS.ErrnoException
  if (err && typeof err === 'object' && err.syscall) return e
  return new AppError(400, 'upload_interrupted', `the upload ended before the file was complete${err?.message ? ` (${err.message})` : ''}`)
}
