import type { Db } from './db.ts'

export interface Migration {
  version: number
  name: string
  /** Run by both engines, verbatim. */
  statements: string[]
  /** Run by one engine only, after `statements`: for the few types one engine has and the other lacks (JSONB). */
  only?: Partial<Record<Db['dialect']['name'], string[]>>
}

/**
 * Applies every migration newer than the recorded schema_version, each in its own transaction together
 * with its schema_version row, so a crash mid-way leaves the store at a clean version and a re-run is a no-op.
 * `upTo` stops early (used by the upgrade test to build an older database).
 */
export async function migrate(db: Db, migrations: Migration[], upTo = Infinity): Promise<number> {
  await db.run(
    `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
  )
  const row = await db.one<{ v: number | null }>(`SELECT max(version) AS v FROM schema_version`)
  let current = row?.v ?? 0
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current || m.version > upTo) continue
    await db.transaction(async (tx) => {
      for (const s of [...m.statements, ...(m.only?.[db.dialect.name] ?? [])]) await tx.run(s)
      await tx.run(`INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        new Date().toISOString(),
      ])
    })
    current = m.version
  }
  return current
}

export async function schemaVersion(db: Db): Promise<number> {
  const row = await db.one<{ v: number | null }>(`SELECT max(version) AS v FROM schema_version`)
  return row?.v ?? 0
}
