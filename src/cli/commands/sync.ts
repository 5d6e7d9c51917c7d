import type { ApiClient } from '../client.ts'
import { CliError } from '../client.ts'

export interface SyncOptions {
  wait?: boolean
  /** Poll interval while waiting, in ms. */
  pollMs?: number
  timeoutMs?: number
}

export interface SyncResult {
  job_id: string
  status: string
  tables: Array<{ table_id: string; status: string; rows: number | null; duration_ms: number | null; error: string | null }>
}

/** Starts a sync and (by default) waits for it, so the exit code says whether every table synced. */
export async function sync(client: ApiClient, tables: string[], opts: SyncOptions = {}): Promise<SyncResult> {
  const started = await client.request<{ job_id: string; status: string; tables: string[] }>('POST', '/api/sync/trigger', tables.length ? { tables } : {})
  if (opts.wait === false) return { job_id: started.job_id, status: started.status, tables: started.tables.map((t) => ({ table_id: t, status: 'pending', rows: null, duration_ms: null, error: null })) }
  const deadline = Date.now() + (opts.timeoutMs ?? 60 * 60_000)
  for (;;) {
    const job = await client.request<SyncResult>('GET', `/api/sync/jobs/${encodeURIComponent(started.job_id)}`)
    if (job.status === 'done' || job.status === 'failed') return job
    if (Date.now() > deadline) throw new CliError(`sync job ${started.job_id} is still ${job.status}; check later with the job id`)
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500))
  }
}
