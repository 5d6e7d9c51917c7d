import type { Db } from '../db.ts'
import { parseJsonColumn, toJsonColumn } from './json.ts'

export interface SavedViewRecord {
  id: string
  owner_id: string
  name: string
  filters: Record<string, string>
  shared: boolean
  created_at: string
  updated_at: string
}

interface Row extends Omit<SavedViewRecord, 'filters'> {
  filters: unknown
}

const present = (r: Row): SavedViewRecord => ({ ...r, shared: Boolean(r.shared), filters: parseJsonColumn<Record<string, string>>(r.filters) ?? {} })

/** Named Activity Center filter sets: an admin's own, and those other admins shared. */
export function savedViewsRepository(db: Db) {
  return {
    async insert(v: SavedViewRecord): Promise<void> {
      await db.run(
        `INSERT INTO saved_views (id, owner_id, name, filters, shared, created_at, updated_at) VALUES ($1, $2, $3, ${db.dialect.json('$4')}, $5, $6, $7)`,
        [v.id, v.owner_id, v.name, toJsonColumn(v.filters), v.shared, v.created_at, v.updated_at],
      )
    },
    async byId(id: string): Promise<SavedViewRecord | undefined> {
      const r = await db.one<Row>(`SELECT * FROM saved_views WHERE id = $1`, [id])
      return r ? present(r) : undefined
    },
    async byOwnerAndName(ownerId: string, name: string): Promise<SavedViewRecord | undefined> {
      const r = await db.one<Row>(`SELECT * FROM saved_views WHERE owner_id = $1 AND name = $2`, [ownerId, name])
      return r ? present(r) : undefined
    },
    /** The views `viewerId` may open: their own and every shared one, by name. */
    async visibleTo(viewerId: string): Promise<SavedViewRecord[]> {
      const rows = await db.all<Row>(`SELECT * FROM saved_views WHERE owner_id = $1 OR shared ORDER BY lower(name), created_at`, [viewerId])
      return rows.map(present)
    },
    async update(id: string, patch: { name?: string; filters?: Record<string, string>; shared?: boolean }, now: string): Promise<void> {
      await db.run(
        `UPDATE saved_views SET name = coalesce($1, name), filters = CASE WHEN $2 THEN ${db.dialect.json('$3')} ELSE filters END,
           shared = coalesce($4, shared), updated_at = $5 WHERE id = $6`,
        [patch.name ?? null, patch.filters !== undefined, toJsonColumn(patch.filters ?? {}), patch.shared ?? null, now, id],
      )
    },
    async delete(id: string): Promise<void> {
      await db.run(`DELETE FROM saved_views WHERE id = $1`, [id])
    },
  }
}
