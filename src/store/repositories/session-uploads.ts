import type { Db } from '../db.ts'
import { parseJsonColumn, toJsonColumn } from './json.ts'

export interface SessionUploadRecord {
  session_file: string
  user_id: string
  username: string
  filename: string
  bytes: number
  sha256: string
  redactions: number
  redaction_kinds: Record<string, number> | null
  uploaded_at: string
  updated_at: string
}

const toUpload = (r: Record<string, unknown>): SessionUploadRecord => ({
  ...(r as unknown as SessionUploadRecord),
  redaction_kinds: parseJsonColumn<Record<string, number>>(r.redaction_kinds),
})

/** One row per stored transcript (`<username>/<filename>`); a re-upload with new content replaces it. */
export function sessionUploadsRepository(db: Db) {
  const j = db.dialect.json
  return {
    async byFile(sessionFile: string): Promise<SessionUploadRecord | undefined> {
      const r = await db.one(`SELECT * FROM session_uploads WHERE session_file = $1`, [sessionFile])
      return r ? toUpload(r) : undefined
    },
    async upsert(u: SessionUploadRecord): Promise<void> {
      await db.run(
        `INSERT INTO session_uploads (session_file, user_id, username, filename, bytes, sha256, redactions, redaction_kinds, uploaded_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, ${j('$8')}, $9, $10)
         ON CONFLICT (session_file) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256, redactions = excluded.redactions,
           redaction_kinds = excluded.redaction_kinds, updated_at = excluded.updated_at`,
        [u.session_file, u.user_id, u.username, u.filename, u.bytes, u.sha256, u.redactions, toJsonColumn(u.redaction_kinds ?? {}), u.uploaded_at, u.updated_at],
      )
    },
    async listForUser(username: string): Promise<SessionUploadRecord[]> {
      return (await db.all(`SELECT * FROM session_uploads WHERE username = $1 ORDER BY session_file`, [username])).map(toUpload)
    },
    async list(): Promise<SessionUploadRecord[]> {
      return (await db.all(`SELECT * FROM session_uploads ORDER BY updated_at DESC, session_file`)).map(toUpload)
    },
  }
}
