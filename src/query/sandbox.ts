// Defense in depth behind the SQL guard: even a query the guard wrongly lets through cannot read files, reach the
// network, attach databases, install extensions or change settings.
//
// enable_external_access and lock_configuration are GLOBAL settings in DuckDB (duckdb_settings() lists their scope
// as GLOBAL; verified in sandbox.test.ts): setting them through one connection changes every connection of the
// same DuckDBInstance, and once the configuration is locked neither can be turned back. So the hardened instance
// must be a dedicated one that only serves analyst queries. The instance that syncs tables needs file access and
// must never be passed here.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'

/**
 * Disables external access (files, URLs, ATTACH, COPY, INSTALL/LOAD) and then locks the configuration, for the
 * whole instance `conn` belongs to. Safe to call again on an already hardened instance; throws if the configuration
 * was locked by someone else with external access still enabled.
 */
export async function hardenConnection(conn: DuckDBConnection): Promise<void> {
  const reader = await conn.runAndReadAll(
    "SELECT current_setting('lock_configuration') AS locked, current_setting('enable_external_access') AS external",
  )
  const row = reader.getRowObjectsJson()[0] ?? {}
  if (row.locked === true) {
    if (row.external === false) return
    throw new Error('DuckDB configuration is already locked with external access enabled; cannot harden it')
  }
  // Order matters: once locked, enable_external_access could no longer be changed.
  await conn.run('SET enable_external_access = false')
  await conn.run('SET lock_configuration = true')
}

/**
 * Opens a connection for analyst queries on `instance` after hardening it (see {@link hardenConnection}). The
 * instance must be dedicated to analyst queries, because the hardening applies to all of its connections.
 */
export async function openSandboxedQueryConnection(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const conn = await instance.connect()
  try {
    await hardenConnection(conn)
  } catch (err) {
    conn.closeSync()
    throw err
  }
  return conn
}
