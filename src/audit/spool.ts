import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { dirname, join, basename } from 'node:path'
import type { NewAuditRow } from '../store/index.ts'

/**
 * Rows the store refused are appended (and fsync'd) to an NDJSON spool, so a request can still be answered
 * with its audit row durable. replay() claims the spool by renaming it (atomic, so two workers never
 * replay the same rows twice) and hands the rows back to the store.
 */
export class AuditSpool {
  constructor(readonly path: string) {}

  append(rows: NewAuditRow[]): void {
    mkdirSync(dirname(this.path), { recursive: true })
    const fd = openSync(this.path, 'a', 0o600)
    try {
      writeSync(fd, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }

  pendingFiles(): string[] {
    const dir = dirname(this.path)
    if (!existsSync(dir)) return []
    const base = basename(this.path)
    return readdirSync(dir)
      .filter((f) => f === base || f.startsWith(`${base}.replaying.`))
      .map((f) => join(dir, f))
  }

  /**
   * A claimed file (`….replaying.<pid>.<time>`) is replayed by the process that claimed it, or by anyone
   * once that process is gone; two live workers never replay the same file, so no row is written twice.
   */
  private mayReplay(file: string): boolean {
    const pid = Number(/\.replaying\.(\d+)\./.exec(file)?.[1])
    if (!pid || pid === process.pid) return true
    try {
      process.kill(pid, 0) // signal 0: only asks whether the process exists
      return false
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH'
    }
  }

  /** Moves spooled rows into the store. Returns how many were replayed; rows stay spooled if the store still fails. */
  async replay(insert: (rows: NewAuditRow[]) => Promise<void>): Promise<number> {
    let replayed = 0
    if (existsSync(this.path)) {
      try {
        renameSync(this.path, `${this.path}.replaying.${process.pid}.${Date.now()}`)
      } catch {
        // another worker claimed it first
      }
    }
    for (const file of this.pendingFiles().filter((f) => f !== this.path && this.mayReplay(f))) {
      const rows: NewAuditRow[] = []
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue
        try {
          rows.push(JSON.parse(line))
        } catch {
          // a torn final line from a crash mid-append: the request it belonged to never got its response
        }
      }
      for (let i = 0; i < rows.length; i += 500) {
        try {
          await insert(rows.slice(i, i + 500))
        } catch (e) {
          // Keep exactly the rows not yet inserted, so the next replay neither loses nor duplicates any.
          const rest = rows.slice(i)
          const fd = openSync(file, 'w', 0o600)
          try {
            writeSync(fd, rest.map((r) => JSON.stringify(r)).join('\n') + '\n')
            fsyncSync(fd)
          } finally {
            closeSync(fd)
          }
          throw e
        }
      }
      unlinkSync(file)
      replayed += rows.length
    }
    return replayed
  }
}
