import { rename, rm, stat } from 'node:fs/promises'
import { withLease } from '../leases.ts'
import type { Readable } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import type { Multipart } from '@fastify/multipart'
import type { Actor, AuditNote, Services } from '../../services.ts'
import { AppError, badRequest } from '../../errors.ts'
import type { SessionUploadRecord } from '../../store/repositories/session-uploads.ts'
import { checkSessionFilename, printableName, sessionFilePath, userSessionsDir } from './names.ts'
import { fileTooLarge, stageRedacted, syncDir, type StagedFile } from './stage.ts'

export { SESSION_FILENAME, sessionFilenameProblem } from './names.ts'

/** Most files one multipart request may carry. */
export const MAX_FILES_PER_UPLOAD = 100
/** Content types accepted for a raw-body upload (one file, named by `?filename=`). */
export const RAW_UPLOAD_TYPES = ['application/octet-stream', 'application/x-ndjson', 'application/jsonl']

/** One file of an upload answer. `bytes` and `sha256` describe the stored, redacted file. */
export interface StoredSessionFile {
  session_file: string
  filename: string
  bytes: number
  sha256: string
  redactions: number
  redaction_kinds: Record<string, number>
  /** True when the server already held exactly this content: nothing was rewritten. */
  unchanged: boolean
}

export interface UploadQuery {
  filename?: string
}

const isStream = (v: unknown): v is Readable => Boolean(v) && typeof (v as Readable).pipe === 'function' && typeof (v as Readable).on === 'function'

/** Errors raised by the multipart parser (limits, malformed bodies) in our error vocabulary. */
function multipartError(e: unknown): unknown {
  if (e instanceof AppError) return e
  const err = e as { code?: string; message?: string; syscall?: string }
  if (err?.syscall) return e
  switch (err?.code) {
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new AppError(413, 'too_many_files', `at most ${MAX_FILES_PER_UPLOAD} files per upload; send the rest in another request`)
    case 'FST_FIELDS_LIMIT':
      return badRequest('too many form fields: send only file fields named \'file\'', 'file', 'invalid_multipart')
    case 'FST_MP_PREMATURE_CLOSE':
      return new AppError(400, 'upload_interrupted', 'the upload ended before the file was complete')
  }
  return badRequest(`the multipart body could not be read${err?.message ? ` (${err.message})` : ''}`, 'file', 'invalid_multipart')
}

/**
 * Receives one or more Claude Code transcripts (multipart field `file`, or a raw body named by `?filename=`),
 * redacts secrets while streaming each to a temp file in the user's folder, and only when every file of the
 * request was received whole commits them: unchanged content is left alone, changed content replaces the old
 * file by an atomic rename, and the `session_uploads` row follows. A refused request leaves nothing behind.
 */
export async function receiveSessionUploads(
  svc: Services,
  note: AuditNote,
  actor: Actor,
  req: FastifyRequest,
  query: UploadQuery,
): Promise<{ stored: StoredSessionFile[] }> {
  const user = actor.user
  if (!user) throw new AppError(401, 'unauthorized', 'authentication required')
  const userDir = userSessionsDir(svc.config.dataDir, user.username)
  const maxBytes = svc.config.sessionUploadMaxBytes
  const staged: StagedFile[] = []
  const multipart = req.isMultipart()
  note.resource = `session:${user.username}`
  note.params = { mode: multipart ? 'multipart' : 'raw', limit_bytes: maxBytes }
  const named = (filename: string, field: string) => {
    try {
      return checkSessionFilename(filename, field)
    } catch (e) {
      note.params = { ...note.params, refused_filename: printableName(filename) }
      throw e
    }
  }
  try {
    if (multipart) {
      if (query.filename !== undefined) throw badRequest('?filename= names a raw-body upload; a multipart upload names each file in its part', 'filename')
      const parts = req.parts({
        preservePath: true, // keep '../x.jsonl' as sent, so it is refused rather than silently cut to 'x.jsonl'
        limits: { fileSize: maxBytes + 1, files: MAX_FILES_PER_UPLOAD, fields: 10, parts: MAX_FILES_PER_UPLOAD + 10, fieldSize: 1024, headerPairs: 20 },
      })[Symbol.asyncIterator]()
      for (;;) {
        let next: IteratorResult<Multipart>
        try {
          next = await parts.next()
        } catch (e) {
          throw multipartError(e)
        }
        if (next.done) break
        const part = next.value
        if (part.type !== 'file') {
          throw badRequest(`unexpected form field '${part.fieldname}': send each transcript as a file in field 'file'`, part.fieldname === 'file' ? 'file' : part.fieldname, 'invalid_multipart')
        }
        if (part.fieldname !== 'file') {
          part.file.resume()
          throw badRequest(`unexpected file field '${part.fieldname}': send each transcript in field 'file'`, part.fieldname, 'invalid_multipart')
        }
        const filename = named(part.filename, 'file')
        if (staged.some((s) => s.filename === filename)) throw badRequest(`${filename} appears twice in this upload`, 'file', 'duplicate_filename')
        staged.push(await stageRedacted(part.file, userDir, filename, maxBytes))
      }
      if (staged.length === 0) throw badRequest("no file in the upload: send each transcript as a file in multipart field 'file'", 'file')
    } else if (isStream(req.body)) {
      if (query.filename === undefined) throw badRequest('a raw-body upload names its file with ?filename=NAME.jsonl', 'filename', 'invalid_filename')
      const filename = named(query.filename, 'filename')
      const declared = Number(req.headers['content-length'])
      if (Number.isFinite(declared) && declared > maxBytes) throw fileTooLarge(filename, maxBytes)
      staged.push(await stageRedacted(req.body, userDir, filename, maxBytes))
    } else {
      throw badRequest(
        `send the transcripts as multipart field 'file', or one as the raw body (Content-Type ${RAW_UPLOAD_TYPES.join(', ')}) with ?filename=NAME.jsonl`,
        'file',
      )
    }
  } catch (e) {
    await Promise.all(staged.map((s) => rm(s.tmpPath, { force: true })))
    throw e
  }

  note.resource = staged.length === 1 ? `session:${user.username}/${staged[0].filename}` : `session:${user.username}`
  const stored: StoredSessionFile[] = []
  // What each replaced transcript was, for params_before: a re-upload with new content replaces the stored one.
  const replaced: Array<{ filename: string; bytes: number; sha256: string }> = []
  try {
    for (const s of staged) stored.push(await commit(svc, user, userDir, s, (prev) => replaced.push({ filename: prev.filename, bytes: Number(prev.bytes), sha256: prev.sha256 })))
  } finally {
    await Promise.all(staged.map((s) => rm(s.tmpPath, { force: true })))
  }
  note.params = {
    mode: multipart ? 'multipart' : 'raw',
    count: stored.length,
    bytes: stored.reduce((n, f) => n + f.bytes, 0),
    redactions: stored.reduce((n, f) => n + f.redactions, 0),
    files: stored.map((f) => ({
      filename: f.filename, bytes: f.bytes, sha256: f.sha256, redactions: f.redactions, redaction_kinds: f.redaction_kinds, unchanged: f.unchanged,
    })),
  }
  note.params_before = replaced.length ? { files: replaced } : null
  return { stored }
}

type User = NonNullable<Actor['user']>

/** Moves one staged file into place (unless the same content is already there) and records it. */
async function commit(svc: Services, user: User, userDir: string, s: StagedFile, onReplace: (prev: SessionUploadRecord) => void): Promise<StoredSessionFile> {
  const sessionFile = `${user.username}/${s.filename}`
  const finalPath = sessionFilePath(userDir, s.filename)
  // Commits of one file are serialised across workers, so the file on disk and its row always agree.
  return withLease(svc.store, `upload:${sessionFile}`, async () => {
    const prev = await svc.store.sessionUploads.byFile(sessionFile)
    const onDisk = await stat(finalPath).catch(() => null)
    const answer = (unchanged: boolean): StoredSessionFile => ({
      session_file: sessionFile, filename: s.filename, bytes: s.bytes, sha256: s.sha256,
      redactions: s.redactions, redaction_kinds: s.redactionKinds, unchanged,
    })
    if (prev && prev.sha256 === s.sha256 && onDisk?.isFile() && onDisk.size === s.bytes) {
      await rm(s.tmpPath, { force: true })
      return answer(true)
    }
    if (prev) onReplace(prev)
    await rename(s.tmpPath, finalPath)
    await syncDir(userDir)
    const now = svc.clock.now().toISOString()
    await svc.store.sessionUploads.upsert({
      session_file: sessionFile, user_id: user.id, username: user.username, filename: s.filename,
      bytes: s.bytes, sha256: s.sha256, redactions: s.redactions, redaction_kinds: s.redactionKinds,
      uploaded_at: prev?.uploaded_at ?? now, updated_at: now,
    })
    return answer(false)
  })
}

/** A stored transcript as the API lists it. */
export function presentUpload(u: SessionUploadRecord) {
  return {
    session_file: u.session_file, filename: u.filename, bytes: Number(u.bytes), sha256: u.sha256,
    redactions: Number(u.redactions), redaction_kinds: u.redaction_kinds ?? {}, uploaded_at: u.uploaded_at, updated_at: u.updated_at,
  }
}

/** The caller's stored transcripts (what `agnes sessions push` compares against). */
export async function listMySessionUploads(svc: Services, note: AuditNote, actor: Actor) {
  const user = actor.user
  if (!user) throw new AppError(401, 'unauthorized', 'authentication required')
  const rows = (await svc.store.sessionUploads.listForUser(user.username)).map(presentUpload)
  note.resource = `session:${user.username}`
  note.params = { count: rows.length }
  return { rows, next_cursor: null }
}
