import { createReadStream, unlink } from 'node:fs'
import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { noQuery } from './schemas.ts'
import { presentTable, readableTables, registerTable, TABLE_ID, unregisterTable, updateTable } from '../../platform/tables/index.ts'
import { getSyncJob, startSync } from '../../platform/sync/index.ts'
import { prepareDownload, runQuery } from '../../platform/query/index.ts'
import { createScript, runDueScripts, runScriptNow, updateScript } from '../../platform/scripts/index.ts'
import { forbidden } from '../../errors.ts'

const tableId = z.string().regex(TABLE_ID, 'table ids are lower-case letters, digits and _, starting with a letter (at most 63)')
const source = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1).max(1000), format: z.enum(['csv', 'parquet', 'json']).optional() }),
  z.strictObject({ kind: z.literal('sql'), sql: z.string().min(1).max(100_000) }),
])
const interval = z.number().int().min(1).max(525_600)
const tableParam = z.strictObject({ id: tableId })
const schedule = z.string().min(1).max(200)

export const dataRoutes = [
  defineRoute({
    method: 'POST', url: '/api/admin/tables', auth: 'admin', action: 'table.register', tag: 'tables', status: 201,
    summary: 'Register a table from a file under AGNES_SOURCE_DIRS (csv, parquet, json) or from SQL over other tables.',
    query: noQuery,
    body: z.strictObject({ id: tableId, source, sync_interval_minutes: interval.nullable().optional(), description: z.string().max(1000).nullable().optional() }),
    handler: async ({ svc, note, actor, body }) => registerTable(svc, note, actor, body),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/tables', auth: 'admin', action: 'table.list', tag: 'tables',
    summary: 'Every registered table.',
    query: noQuery,
    handler: async ({ svc }) => ({ rows: (await svc.store.tables.list()).map(presentTable), next_cursor: null }),
  }),
  defineRoute({
    method: 'PATCH', url: '/api/admin/tables/:id', auth: 'admin', action: 'table.update', tag: 'tables',
    summary: 'Change a table\'s source, sync interval or description.',
    params: tableParam, query: noQuery,
    body: z.strictObject({ source: source.optional(), sync_interval_minutes: interval.nullable().optional(), description: z.string().max(1000).nullable().optional() }),
    handler: async ({ svc, note, params, body }) => updateTable(svc, note, params.id, body),
  }),
  defineRoute({
    method: 'DELETE', url: '/api/admin/tables/:id', auth: 'admin', action: 'table.unregister', tag: 'tables',
    summary: 'Unregister a table and drop its synced data. Tables built from it must go first.',
    params: tableParam, query: noQuery,
    handler: async ({ svc, note, params }) => {
      await unregisterTable(svc, note, params.id)
      return { deleted: params.id }
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/tables', auth: 'user', action: 'table.list', tag: 'tables',
    summary: 'The tables you may read, with their last sync.',
    query: noQuery,
    handler: async ({ svc, actor }) => {
      const readable = await readableTables(svc, actor)
      const last = new Map((await svc.store.tables.lastRuns()).map((r) => [r.table_id, r]))
      const rows = (await svc.store.tables.list())
        .filter((t) => readable === 'all' || readable.has(t.id))
        .map((t) => ({ id: t.id, description: t.description, sync_interval_minutes: t.sync_interval_minutes, last_sync: last.get(t.id) ?? null }))
      return { rows, next_cursor: null }
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/sync/trigger', auth: 'user', action: 'sync.trigger', tag: 'sync', status: 202,
    summary: 'Start a background sync of the named tables (all you may read when omitted). 409 while one of them is syncing.',
    query: noQuery,
    body: z.strictObject({ tables: z.array(tableId).min(1).max(500).optional() }),
    handler: async ({ svc, note, actor, body, req }) => {
      let tables = body.tables
      const readable = await readableTables(svc, actor)
      if (readable !== 'all') {
        if (tables) {
          const refused = tables.filter((t) => !readable.has(t))
          if (refused.length) throw forbidden(`you may not sync: ${refused.join(', ')}`)
        } else {
          tables = [...readable]
          if (tables.length === 0) throw forbidden('you may not read any table')
        }
      }
      const { job } = await startSync(svc, note, actor, { tables, correlationId: req.correlationId })
      return { job_id: job.id, status: job.status, tables: job.tables }
    },
  }),
  defineRoute({
    method: 'GET', url: '/api/sync/jobs/:id', auth: 'user', action: 'sync.read', tag: 'sync',
    summary: 'A sync job\'s status and per-table results.',
    params: z.strictObject({ id: z.string().min(1).max(100) }), query: noQuery,
    handler: async ({ svc, note, actor, params }) => {
      note.resource = `sync_job:${params.id}`
      return getSyncJob(svc, actor, params.id)
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/query', auth: 'user', action: 'query.run', tag: 'query',
    summary: 'Run one read-only SELECT over synced tables you may read. Anything else is a 400 invalid_sql.',
    query: noQuery,
    // The SQL's size limit (AGNES_QUERY_MAX_SQL_KB) is checked by runQuery, so the refusal names the setting.
    body: z.strictObject({ sql: z.string().min(1).max(1_000_000), limit: z.number().int().min(1).max(1_000_000).optional() }),
    // The rows arrive serialized from the query host; they are sent as they are, never parsed again here.
    handler: async ({ svc, note, actor, body, reply }) => reply.type('application/json; charset=utf-8').send(await runQuery(svc, note, actor, body)),
  }),
  defineRoute({
    method: 'GET', url: '/api/data/:table_id/download', auth: 'user', action: 'data.download', tag: 'query',
    summary: 'Stream a synced table as Parquet (default) or CSV.',
    params: z.strictObject({ table_id: tableId }),
    query: z.strictObject({ format: z.enum(['parquet', 'csv']).default('parquet') }),
    handler: async ({ svc, note, actor, params, query, reply }) => {
      const file = await prepareDownload(svc, note, actor, params.table_id, query.format)
      const stream = createReadStream(file.path)
      stream.on('close', () => unlink(file.path, () => {}))
      return reply
        .header('content-type', file.contentType)
        .header('content-length', String(file.bytes))
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .send(stream)
    },
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/scripts', auth: 'admin', action: 'script.create', tag: 'scripts', status: 201,
    summary: 'A scheduled SQL script that (re)builds the table named by its id, on a cron schedule (UTC).',
    query: noQuery,
    body: z.strictObject({ id: tableId, sql: z.string().min(1).max(100_000), schedule }),
    handler: async ({ svc, note, actor, body }) => createScript(svc, note, actor, body),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/scripts', auth: 'admin', action: 'script.list', tag: 'scripts',
    summary: 'Every script with its last run and next run.',
    query: noQuery,
    handler: async ({ svc }) => ({ rows: await svc.store.scripts.list(), next_cursor: null }),
  }),
  defineRoute({
    method: 'PATCH', url: '/api/admin/scripts/:id', auth: 'admin', action: 'script.update', tag: 'scripts',
    summary: 'Change a script\'s cron schedule (UTC); its next run is counted from now.',
    params: tableParam, query: noQuery,
    body: z.strictObject({ schedule }),
    handler: async ({ svc, note, params, body }) => updateScript(svc, note, params.id, body),
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/scripts/:id/run', auth: 'admin', action: 'script.trigger', tag: 'scripts',
    summary: 'Run one script now, whatever its schedule: the script with its last run (last_status, last_error) and rows built. ' +
      'A failing script answers 200 with last_status "error"; 409 while it is running already. The run is audited as script.run.',
    params: tableParam, query: noQuery, body: z.strictObject({}),
    handler: async ({ svc, note, actor, params, req }) => runScriptNow(svc, note, actor, params.id, { correlationId: req.correlationId, clientIp: req.ip }),
  }),
  defineRoute({
    method: 'POST', url: '/api/scripts/run-due', auth: 'admin', action: 'script_runner.tick', tag: 'scripts',
    summary: 'Run every script whose time has come: {"ran": [ids], "failed": [{"id", "error"}]}.',
    query: noQuery, body: z.strictObject({}),
    handler: async ({ svc, note, actor, req }) => {
      const out = await runDueScripts(svc, actor, { correlationId: req.correlationId, clientIp: req.ip })
      note.params = { ran: out.ran, failed: out.failed.map((f) => f.id) }
      return out
    },
  }),
]
