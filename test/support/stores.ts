import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { openStore, type Store } from '../../src/store/index.ts'
import { tempDir } from '../helpers.ts'
import { postgresBinDir, startPostgres, type PgServer } from './postgres.ts'

/**
 * One contract suite, every engine (kysely's pattern): `describeStores('users', (h) => { test(…) })` runs the
 * same cases once per engine in AGNES_TEST_STORES (comma-separated: duckdb, postgres). Unset, it is both when
 * PostgreSQL is installed, else DuckDB alone with a skipped marker saying why. Naming postgres when it is not
 * installed fails rather than silently testing less.
 */
export type Engine = 'duckdb' | 'postgres'

export function testEngines(): Engine[] {
  const raw = process.env.AGNES_TEST_STORES
  if (raw) {
    const names = raw.split(',').map((s) => s.trim()).filter(Boolean)
    for (const n of names) if (n !== 'duckdb' && n !== 'postgres') throw new Error(`AGNES_TEST_STORES: unknown store ${n}`)
    return names as Engine[]
  }
  return postgresBinDir() ? ['duckdb', 'postgres'] : ['duckdb']
}

export interface StoreConfig {
  stateDir: string
  databaseUrl: string | null
}

export interface StoreHarness {
  readonly engine: Engine
  /** A config for a new, empty store (a temp folder; for PostgreSQL also a new database). */
  freshConfig(): Promise<StoreConfig>
  /** A new, migrated, empty store; closed when the suite ends (closing it earlier is fine). */
  store(opts?: { upTo?: number }): Promise<Store>
  /** The PostgreSQL server of this file (postgres only). */
  readonly pg: PgServer | null
  /** Records what this engine answered under `key` (and returns it), for {@link testEnginesAgree}. */
  answer<T>(key: string, value: T): T
}

const answers = new Map<Engine, Map<string, unknown>>()

/**
 * A test, to declare after the describeStores suites of a file, that every answer recorded with `h.answer` is the
 * same in every engine that ran: the same filters over the same rows give the same result, whatever the store.
 */
export function testEnginesAgree(title = 'every engine gave the same answers'): void {
  test(title, async (t) => {
    const [first, ...rest] = [...answers.entries()]
    if (!first || rest.length === 0) return t.skip('needs two engines')
    for (const [engine, got] of rest) {
      assert.deepEqual([...got.keys()].sort(), [...first[1].keys()].sort(), `${engine} answered the same questions as ${first[0]}`)
      for (const [key, value] of got) assert.deepEqual(value, first[1].get(key), `${key}: ${engine} differs from ${first[0]}`)
    }
  })
}

let server: Promise<PgServer> | null = null
/**
 * One PostgreSQL server per test file (process), started on first use and stopped when the file's suites end
 * (or, for callers outside describeStores, when the process exits).
 */
export function sharedServer(): Promise<PgServer> {
  server ??= startPostgres()
  return server
}

export function describeStores(title: string, fn: (h: StoreHarness) => void): void {
  const engines = testEngines()
  if (!engines.includes('postgres') && !process.env.AGNES_TEST_STORES) {
    test(`${title} (postgres)`, { skip: 'PostgreSQL is not installed: scripts/ci-deps.sh installs it' }, () => {})
  }
  for (const engine of engines) {
    describe(`${title} (${engine})`, () => {
      const dirs: string[] = []
      const stores: Store[] = []
      let pgServer: PgServer | null = null
      const h: StoreHarness = {
        engine,
        get pg() {
          return pgServer
        },
        answer(key, value) {
          if (!answers.has(engine)) answers.set(engine, new Map())
          answers.get(engine)!.set(key, structuredClone(value))
          return value
        },
        async freshConfig() {
          const dir = tempDir()
          dirs.push(dir)
          return { stateDir: join(dir, 'state'), databaseUrl: pgServer ? await pgServer.createDatabase(title) : null }
        },
        async store(opts = {}) {
          const s = await openStore(await h.freshConfig(), opts)
          const close = s.close.bind(s)
          let closed = false
          const once = async () => {
            if (closed) return
            closed = true
            await close()
          }
          const tracked: Store = { ...s, close: once }
          stores.push(tracked)
          return tracked
        },
      }
      before(async () => {
        if (engine === 'postgres') pgServer = await sharedServer()
      })
      after(async () => {
        await Promise.allSettled(stores.map((s) => s.close()))
        for (const d of dirs) rmSync(d, { recursive: true, force: true })
      })
      fn(h)
    })
  }
  // Stops the file's server after the last suite of the file: node:test runs top-level after() hooks at the end.
  if (engines.includes('postgres')) registerServerStop()
}

let stopRegistered = false
function registerServerStop() {
  if (stopRegistered) return
  stopRegistered = true
  after(async () => {
    if (server) await (await server).stop()
  })
}
