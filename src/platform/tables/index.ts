import { realpathSync } from 'node:fs'
import { extname, isAbsolute, resolve, sep } from 'node:path'
import type { Actor, AuditNote, Services } from '../../services.ts'
import type { DataTableRecord, TableSource } from '../../store/index.ts'
import { AppError, badRequest, conflict, notFound } from '../../errors.ts'
import { noteChange } from '../changes/record.ts'

export const TABLE_ID = /^[a-z][a-z0-9_]{0,62}$/

export type SourceInput =
  | { kind: 'file'; path: string; format?: 'csv' | 'parquet' | 'json' }
  | { kind: 'sql'; sql: string }

const FORMAT_BY_EXT: Record<string, 'csv' | 'parquet' | 'json'> = {
  '.csv': 'csv', '.tsv': 'csv', '.txt': 'csv', '.parquet': 'parquet', '.json': 'json', '.ndjson': 'json', '.jsonl': 'json',
}

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep)
}

/**
 * A file source must sit inside one of AGNES_SOURCE_DIRS, both as written and after following symlinks
 * (checked again at every sync, since links can change). Relative paths are read against the first folder.
 */
export function resolveSourcePath(sourceDirs: string[], path: string): string {
  if (path.includes('\0')) throw badRequest('the path contains a NUL byte', 'source.path')
  const abs = isAbsolute(path) ? resolve(path) : resolve(sourceDirs[0] ?? '.', path)
  if (!sourceDirs.some((d) => within(abs, d))) {
    throw badRequest(`the path must be inside one of the source folders (${sourceDirs.join(', ')})`, 'source.path', 'path_outside_sources')
  }
  return abs
}

/** The real location of a source file at sync time, or an error message a person can act on. */
export function realSourcePath(sourceDirs: string[], path: string): { ok: true; path: string } | { ok: false; error: string } {
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    return { ok: false, error: `source file not found: ${path}` }
  }
  const realDirs = sourceDirs.map((d) => {
    try {
      return realpathSync(d)
    } catch {
      return d
    }
  })
  if (!realDirs.some((d) => within(real, d))) return { ok: false, error: `source file resolves outside the source folders: ${path}` }
  return { ok: true, path: real }
}

async function normalizeSource(svc: Pick<Services, 'config' | 'store' | 'analytics'>, id: string, src: SourceInput): Promise<TableSource> {
  if (src.kind === 'file') {
    const path = resolveSourcePath(svc.config.sourceDirs, src.path)
    const format = src.format ?? FORMAT_BY_EXT[extname(path).toLowerCase()]
    if (!format) throw badRequest('cannot tell the format from the file name; give source.format (csv, parquet or json)', 'source.format')
    return { kind: 'file', path, format }
  }
  const sql = src.sql.trim().replace(/;\s*$/, '')
  const check = await svc.analytics.checkSql(sql)
  if (!check.ok) throw new AppError(400, 'invalid_sql', check.reason, { field: 'source.sql', auditResult: 'error.invalid_sql' })
  const known = new Set((await svc.store.tables.list()).map((t) => t.id))
  for (const s of await svc.store.scripts.list()) known.add(s.id)
  for (const t of check.tables) {
    if (t === id) throw badRequest('a SQL table cannot read itself', 'source.sql', 'invalid_sql')
    if (!known.has(t)) throw new AppError(400, 'invalid_sql', `unknown table in source.sql: ${t}`, { field: 'source.sql', auditResult: 'error.invalid_sql' })
  }
  return { kind: 'sql', sql }
}

export function presentTable(t: DataTableRecord) {
  return { id: t.id, source: t.source, sync_interval_minutes: t.sync_interval_minutes, description: t.description, created_at: t.created_at, updated_at: t.updated_at }
}

/** A table as its audit rows record it: what register, update and unregister change. */
export const tableState = (t: DataTableRecord) => ({ id: t.id, source: t.source, sync_interval_minutes: t.sync_interval_minutes, description: t.description })

export async function registerTable(
  svc: Pick<Services, 'config' | 'store' | 'analytics' | 'clock'>,
  note: AuditNote,
  actor: Actor,
  input: { id: string; source: SourceInput; sync_interval_minutes?: number | null; description?: string | null },
) {
  note.resource = `table:${input.id}`
  note.params = { id: input.id, source: input.source, sync_interval_minutes: input.sync_interval_minutes ?? null }
  if (await svc.store.tables.byId(input.id)) throw conflict(`a table with id ${input.id} already exists`, 'table_exists', 'id')
  if (await svc.store.scripts.byId(input.id)) throw conflict(`a script already builds a table called ${input.id}`, 'table_exists', 'id')
  const source = await normalizeSource(svc, input.id, input.source)
  const now = svc.clock.now().toISOString()
  const rec: DataTableRecord = {
    id: input.id, source, sync_interval_minutes: input.sync_interval_minutes ?? null, description: input.description ?? null,
    created_at: now, updated_at: now, created_by: actor.user?.id ?? null,
  }
  await svc.store.tables.insert(rec)
  await noteChange(svc, note, null, tableState(rec), { keep: true })
  return presentTable(rec)
}

export async function updateTable(
  svc: Pick<Services, 'config' | 'store' | 'analytics' | 'clock'>,
  note: AuditNote,
  id: string,
  patch: { source?: SourceInput; sync_interval_minutes?: number | null; description?: string | null },
) {
  note.resource = `table:${id}`
  const before = await svc.store.tables.byId(id)
  if (!before) throw notFound('table')
  note.params_before = tableState(before)
  note.params = { ...patch }
  const source = patch.source ? await normalizeSource(svc, id, patch.source) : undefined
  await svc.store.tables.update(id, { source, sync_interval_minutes: patch.sync_interval_minutes, description: patch.description }, svc.clock.now().toISOString())
  const after = (await svc.store.tables.byId(id))!
  await noteChange(svc, note, tableState(before), tableState(after), { keep: true })
  return presentTable(after)
}

export async function unregisterTable(svc: Pick<Services, 'store' | 'analytics'>, note: AuditNote, id: string) {
  note.resource = `table:${id}`
  const before = await svc.store.tables.byId(id)
  if (!before) throw notFound('table')
  note.params_before = tableState(before)
  const dependents: DataTableRecord[] = []
  for (const t of await svc.store.tables.list()) {
    if (t.source.kind === 'sql' && (await sqlDependencies(svc, t.source.sql)).includes(id)) dependents.push(t)
  }
  if (dependents.length) throw conflict(`tables built from ${id} must go first: ${dependents.map((d) => d.id).join(', ')}`, 'table_in_use')
  await svc.store.tables.delete(id)
  await svc.analytics.dropTable(id)
  await noteChange(svc, note, tableState(before), null, { keep: true })
}

/** The tables a stored SQL source reads, from DuckDB's own parser. */
export async function sqlDependencies(svc: Pick<Services, 'analytics'>, sql: string): Promise<string[]> {
  const check = await svc.analytics.checkSql(sql)
  return check.ok ? check.tables : []
}

/** Tables a user may read: all for admins, else those granted to one of their groups. */
export async function readableTables(svc: Pick<Services, 'store'>, actor: Actor): Promise<Set<string> | 'all'> {
  if (actor.user?.is_admin) return 'all'
  if (!actor.user) return new Set()
  const resources = await svc.store.groups.resourcesGranted(actor.user.id, 'read')
  return new Set(resources.filter((r) => r.startsWith('table:')).map((r) => r.slice('table:'.length)))
}
