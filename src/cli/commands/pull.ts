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
    if (res.status === 404) throw new CliError(`no table called ${table}${await suggestion(client, table)}`)
    throw new CliError(`${table}: ${message}`)
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

/** " (did you mean orders?)" when a table you may read is a near miss of what was typed; "" otherwise. */
async function suggestion(client: ApiClient, typed: string): Promise<string> {
  let ids: string[] = []
  try {
    ids = (await client.request<{ rows: Array<{ id: string }> }>('GET', '/api/tables')).rows.map((r) => r.id)
  } catch {
    return ''
  }
  const close = ids
    .map((id) => ({ id, d: editDistance(typed.toLowerCase(), id) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.id.length / 3)))
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, 3)
    .map((x) => x.id)
  if (close.length) return ` (did you mean ${close.join(', ')}?)`
  return ids.length ? `; the tables you may read: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}` : '; you may not read any table yet'
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]
}
