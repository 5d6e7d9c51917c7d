import { createHash } from 'node:crypto'
import { chmod, mkdir, open, readdir, readFile, rename, stat, writeFile, type FileHandle } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { CliError, type ApiClient } from '../client.ts'

export interface SessionsPushOptions {
  /** The folder searched (recursively) for `*.jsonl` transcripts, normally ~/.claude/projects. */
  dir: string
  /** Where what was pushed is remembered (local path → size, mtime, SHA-256), normally ~/.config/agnes/pushed.json. */
  stateFile: string
  /** Called before and after each file; the CLI draws a progress bar with it on a terminal. */
  onProgress?: (p: PushProgress) => void
}

export interface PushProgress {
  done: number
  total: number
  bytesDone: number
  bytesTotal: number
  /** The file being handled, or null when all are done. */
  current: string | null
}

export interface PushedFile {
  path: string
  session_file: string
  /** Size and SHA-256 of the file as the server stored it (after secret redaction). */
  bytes: number
  sha256: string
  redactions: number
}

export interface PushResult {
  dir: string
  uploaded: PushedFile[]
  unchanged: Array<{ path: string; session_file: string }>
  failed: Array<{ path: string; error: string }>
  counts: { uploaded: number; unchanged: number; failed: number }
}

/** What the state file remembers about one local transcript after it reached the server. */
interface PushedState {
  /** The name it is stored under on the server. */
  filename: string
  size: number
  mtime_ms: number
  /** SHA-256 of the local content that was sent. */
  sha256: string
  /** SHA-256 the server reported for the stored (redacted) content. */
  stored_sha256: string
}

interface StateFile {
  version: 1
  files: Record<string, PushedState>
}

interface RemoteFile {
  session_file: string
  filename: string
  sha256: string
}

const MAX_NAME = 200
const SUFFIX = '.jsonl'

/**
 * The name a transcript is stored under: its path below the searched folder with `/` turned into `__`, so
 * `-home-ana-proj/5c03….jsonl` becomes `-home-ana-proj__5c03….jsonl` and subagent files (`agent-*.jsonl`), which
 * repeat across projects, stay apart. Characters the server refuses become `_`; when that loses information,
 * or the name is over 200 characters, a hash of the path keeps it unique (and the end, with the session id, is kept).
 */
export function remoteFilename(relPath: string): string {
  const segments = relPath.split(sep).filter(Boolean)
  const joined = segments.join('__')
  const clean = joined.replace(/[^A-Za-z0-9._-]/g, '_')
  const lossy = clean !== joined || segments.length > 1 && segments.some((s) => s.includes('__'))
  if (!lossy && clean.length <= MAX_NAME) return clean
  const stem = clean.slice(0, -SUFFIX.length)
  const tail = `.${createHash('sha256').update(relPath).digest('hex').slice(0, 12)}${SUFFIX}`
  const room = MAX_NAME - tail.length
  return (stem.length > room ? stem.slice(stem.length - room) : stem) + tail
}

/** Every regular `*.jsonl` file below `dir` (symbolic links are not followed), sorted. */
async function findTranscripts(dir: string): Promise<string[]> {
  const out: string[] = []
  async function walk(d: string) {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile() && e.name.endsWith(SUFFIX) && e.name.length > SUFFIX.length) out.push(p)
    }
  }
  await walk(dir)
  return out.sort()
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function readState(file: string): Promise<StateFile> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8'))
    if (data && data.version === 1 && data.files && typeof data.files === 'object') return data as StateFile
  } catch {
    // missing or unreadable: start afresh (the server's list still prevents needless re-uploads)
  }
  return { version: 1, files: {} }
}

/** Written whole and renamed into place, mode 0600: it names the user's transcripts. */
async function writeState(file: string, state: StateFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(state, null, 1) + '\n', { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, file)
}

function errorText(e: unknown): string {
  if (e instanceof CliError) return e.message
  const err = e as NodeJS.ErrnoException
  if (err?.code === 'ENOENT') return 'the file disappeared before it could be read'
  return err?.message ?? String(e)
}

/**
 * Uploads the Claude Code transcripts under `opts.dir` that the server does not have yet, one request per file.
 * A file is skipped without being read when its size and mtime match what was pushed last time and the server
 * still holds what it stored then; otherwise its SHA-256 is compared with the server's. Each upload sends the
 * file as read in one go, so a transcript Claude Code is still appending to is sent as a consistent snapshot.
 */
export async function sessionsPush(client: ApiClient, opts: SessionsPushOptions): Promise<PushResult> {
  const dir = resolve(opts.dir)
  const dirStat = await stat(dir).catch(() => null)
  if (!dirStat?.isDirectory()) throw new CliError(`no folder ${dir} (give the folder of Claude Code transcripts with --dir DIR)`)

  const files = await findTranscripts(dir)
  const listing = await client.request<{ rows: RemoteFile[] }>('GET', '/api/upload/sessions')
  const remote = new Map(listing.rows.map((r) => [r.filename, r]))
  const state = await readState(opts.stateFile)

  const result: PushResult = { dir, uploaded: [], unchanged: [], failed: [], counts: { uploaded: 0, unchanged: 0, failed: 0 } }
  const sizes = await Promise.all(files.map((f) => stat(f).then((s) => s.size, () => 0)))
  const progress: PushProgress = { done: 0, total: files.length, bytesDone: 0, bytesTotal: sizes.reduce((a, b) => a + b, 0), current: null }
  let savedAt = Date.now()
  let dirty = false

  try {
    for (let i = 0; i < files.length; i++) {
      const path = files[i]
      const filename = remoteFilename(relative(dir, path))
      progress.current = path
      opts.onProgress?.({ ...progress })
      try {
        const st = await stat(path)
        const prev = state.files[path]
        const there = remote.get(filename)
        const remember = (s: PushedState) => {
          state.files[path] = s
          dirty = true
        }
        let unchanged: RemoteFile | null = null
        if (prev && there && prev.filename === filename && prev.size === st.size && prev.mtime_ms === st.mtimeMs && prev.stored_sha256 === there.sha256) {
          unchanged = there
        } else if (there) {
          const sha = await sha256File(path)
          if (there.sha256 === sha || (prev?.filename === filename && prev.sha256 === sha && prev.stored_sha256 === there.sha256)) {
            remember({ filename, size: st.size, mtime_ms: st.mtimeMs, sha256: sha, stored_sha256: there.sha256 })
            unchanged = there
          }
        }
        if (unchanged) {
          result.unchanged.push({ path, session_file: unchanged.session_file })
        } else {
          const snapshot = snapshotOf(path, st.size)
          const res = await client.fetchRaw('POST', `/api/upload/sessions?filename=${encodeURIComponent(filename)}`, {
            body: snapshot.body,
            headers: { 'content-type': 'application/x-ndjson', 'content-length': String(st.size) },
          })
          const text = await res.text()
          let data: any = null
          try {
            data = JSON.parse(text)
          } catch {
            data = null
          }
          if (!res.ok) {
            const err = data?.error
            throw new CliError(err ? `${err.message} (HTTP ${res.status})` : `HTTP ${res.status}`)
          }
          const stored = data?.stored?.[0]
          if (!stored || typeof stored.sha256 !== 'string') throw new CliError('the server answered without the stored file')
          const sha = await snapshot.sha256()
          remember({ filename, size: st.size, mtime_ms: st.mtimeMs, sha256: sha, stored_sha256: stored.sha256 })
          if (stored.unchanged) result.unchanged.push({ path, session_file: stored.session_file })
          else result.uploaded.push({ path, session_file: stored.session_file, bytes: stored.bytes, sha256: stored.sha256, redactions: stored.redactions ?? 0 })
        }
      } catch (e) {
        result.failed.push({ path, error: errorText(e) })
      }
      progress.done++
      progress.bytesDone += sizes[i]
      if (dirty && Date.now() - savedAt > 2000) {
        await writeState(opts.stateFile, state)
        savedAt = Date.now()
        dirty = false
      }
    }
  } finally {
    if (dirty) await writeState(opts.stateFile, state)
  }
  progress.current = null
  opts.onProgress?.({ ...progress })
  result.counts = { uploaded: result.uploaded.length, unchanged: result.unchanged.length, failed: result.failed.length }
  return result
}

/** How much of a file is read at a time while it is sent. */
const UPLOAD_CHUNK = 256 * 1024

/**
 * The file's first `size` bytes (its size when stat'ed) as a stream, hashed on the way out: a consistent snapshot
 * even while Claude Code appends to the file, sent without holding the whole file in memory. Read on demand (pull),
 * so the file is read only as fast as the connection takes it.
 */
function snapshotOf(path: string, size: number): { body: ReadableStream<Uint8Array> | string; sha256(): Promise<string> } {
  const hash = createHash('sha256')
  if (size === 0) return { body: '', sha256: async () => hash.digest('hex') }
  let file: FileHandle | null = null
  let sent = 0
  let finished: () => void
  const done = new Promise<void>((resolve) => (finished = resolve))
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        file ??= await open(path, 'r')
        const want = Math.min(UPLOAD_CHUNK, size - sent)
        const { bytesRead, buffer } = await file.read(Buffer.allocUnsafe(want), 0, want, sent)
        if (bytesRead === 0) throw new Error(`${path} became shorter while it was being sent`)
        const chunk = buffer.subarray(0, bytesRead)
        hash.update(chunk)
        sent += bytesRead
        controller.enqueue(chunk)
        if (sent >= size) {
          await file.close()
          controller.close()
          finished()
        }
      },
      async cancel() {
        await file?.close()
      },
    },
    { highWaterMark: 0 },
  )
  return { body, sha256: async () => (await done, hash.digest('hex')) }
}

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`

/** A one-line progress bar redrawn with `\r` (for a terminal only; the caller checks isTTY). */
export function progressBar(out: NodeJS.WritableStream, width = 28): { update(p: PushProgress): void; clear(): void } {
  let last = 0
  const draw = (line: string) => {
    out.write(`\r${line}${' '.repeat(Math.max(0, last - line.length))}`)
    last = line.length
  }
  return {
    update(p) {
      const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.total > 0 ? p.done / p.total : 1
      const filled = Math.round(frac * width)
      draw(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total} files, ${mb(p.bytesDone)} of ${mb(p.bytesTotal)}`)
    },
    clear() {
      if (last > 0) out.write(`\r${' '.repeat(last)}\r`)
      last = 0
    },
  }
}
