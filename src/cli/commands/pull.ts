import { createWriteStream, renameSync, rmSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { ApiClient } from '../client.ts'
import { CliError } from '../client.ts'

/** Downloads a table to a file; written to a temporary name first so a broken download never looks complete. */
export async function pull(client: ApiClient, table: string, opts: { format?: 'parquet' | 'csv'; output?: string } = {}) {
  const format = opts.format ?? 'parquet'
  const output = opts.output ?? `${table}.${format}`
  const res = await client.fetchRaw('GET', `/api/data/${encodeURIComponent(table)}/download?format=${format}`)
  if (!res.ok || !res.body) {
    let message = `HTTP ${res.status}`
    try {
      message = (await res.json()).error.message
    } catch {
      // not our error shape
    }
    throw new CliError(message)
  }
  const tmp = `${output}.part`
  try {
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), createWriteStream(tmp))
    renameSync(tmp, output)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw new CliError(`download failed: ${(e as Error).message}`)
  }
  return { table, format, output, bytes: Number(res.headers.get('content-length') ?? 0) }
}
