// A process killed right after it migrated the embedded store must leave a store that opens again. DuckDB could not
// replay "ALTER TABLE audit_log ADD COLUMN …" (audit_log has a nextval() default) from its write-ahead log, so a
// kill -9 soon after an upgrade made every later start fail; migrations are now checkpointed into the file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { rmSync, writeFileSync } from 'node:fs'
import { openStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers.ts'

test('kill -9 right after migrating a fresh embedded store: it opens again with its rows', async () => {
  const dir = tempDir()
  const stateDir = join(dir, 'state')
  // .mts: an ES module wherever the temp folder is (a .ts file there would follow whatever package.json is above it).
  const script = join(dir, 'crash.mts')
  writeFileSync(script, `
    import { openStore } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'store', 'index.ts'))}
    const store = await openStore({ stateDir: ${JSON.stringify(stateDir)}, databaseUrl: null })
    await store.audit.insertMany([{ timestamp: new Date().toISOString(), user_id: null, user_email: null, action: 'query.run', resource: null,
      params: null, params_before: null, result: 'success', duration_ms: 1, client_ip: null, client_kind: 'api', correlation_id: 'before-crash' }])
    process.kill(process.pid, 'SIGKILL')
  `)
  try {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' })
    assert.equal(child.signal, 'SIGKILL', child.stderr)
    const store = await openStore({ stateDir, databaseUrl: null })
    try {
      assert.equal((await store.audit.find({ correlationId: 'before-crash' })).length, 1)
    } finally {
      await store.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
