import type { Db } from '../db.ts'
import { toJsonColumn } from './json.ts'

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null
  try {
    return JSON.parse(v)
  } catch {
    return v
  }
}

export interface TemplateRecord {
  name: string
  content: string
  updated_at: string
  updated_by: string | null
}

/** Instance-wide settings (key → JSON value) and named text templates. */
export function instanceRepository(db: Db) {
  return {
    async getConfig(): Promise<Record<string, unknown>> {
      const rows = await db.all<{ key: string; value: unknown }>(`SELECT key, value FROM instance_config ORDER BY key`)
      return Object.fromEntries(rows.map((r) => [r.key, parseJson(r.value)]))
    },
    /** Writes the given keys (null deletes one) in one transaction. */
    async setConfig(values: Record<string, unknown>, by: string | null, now: string): Promise<void> {
      await db.transaction(async (tx) => {
        for (const [key, value] of Object.entries(values)) {
          await tx.run(`DELETE FROM instance_config WHERE key = $1`, [key])
          if (value === null) continue
          await tx.run(`INSERT INTO instance_config (key, value, updated_at, updated_by) VALUES ($1, ${db.dialect.json('$2')}, $3, $4)`, [
            key, toJsonColumn(value), now, by,
          ])
        }
      })
    },
    listTemplates: () => db.all<TemplateRecord>(`SELECT name, content, updated_at, updated_by FROM instance_templates ORDER BY name`),
    template: (name: string) =>
      db.one<TemplateRecord>(`SELECT name, content, updated_at, updated_by FROM instance_templates WHERE name = $1`, [name]),
    async setTemplate(name: string, content: string, by: string | null, now: string): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run(`DELETE FROM instance_templates WHERE name = $1`, [name])
        await tx.run(`INSERT INTO instance_templates (name, content, updated_at, updated_by) VALUES ($1, $2, $3, $4)`, [name, content, now, by])
      })
    },
    async deleteTemplate(name: string): Promise<void> {
      await db.run(`DELETE FROM instance_templates WHERE name = $1`, [name])
    },
  }
}
