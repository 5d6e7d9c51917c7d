import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './free-port.ts'

/**
 * A real, throw-away PostgreSQL server for tests: `initdb` into a temp folder, `postgres` on a free port bound to
 * 127.0.0.1 with its socket in that folder, a database per caller, and everything removed at stop().
 * Debian's `postgresql` package provides the binaries (scripts/ci-deps.sh installs it). PostgreSQL refuses to run
 * as root, so under root the server runs as the `postgres` system user (the package creates it; created here when missing).
 */
export interface PgServer {
  readonly port: number
  /** A new empty database; resolves to its postgres:// URL. */
  createDatabase(prefix?: string): Promise<string>
  /** Stops the server as an outage would (fast shutdown, clients cut off), keeping its data; resume() brings it back. */
  halt(): Promise<void>
  /** Starts the halted server again on the same port with the same data. */
  resume(): Promise<void>
  stop(): Promise<void>
}

const USER = 'agnes'

/** The bin folder of the newest installed PostgreSQL (PG_BIN wins), or null when none is installed. */
export function postgresBinDir(): string | null {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null
  const root = '/usr/lib/postgresql'
  let versions: string[] = []
  try {
    versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
  } catch {
    return null
  }
  versions.sort((a, b) => Number(b) - Number(a))
  return versions.length ? join(root, versions[0], 'bin') : null
}

/** The uid/gid to run PostgreSQL as: ourselves, or the `postgres` system user when we are root. */
function serverIdentity(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null
  const find = () => readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === 'postgres')
  let entry = find()
  if (!entry) {
    const r = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`cannot create the postgres system user: ${r.stderr}`)
    entry = find()
  }
  if (!entry) throw new Error('no postgres system user')
  return { uid: Number(entry[2]), gid: Number(entry[3]) }
}

function run(cmd: string, args: string[], who: { uid: number; gid: number } | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(who ?? {}) })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${out}`))))
  })
}

async function waitReady(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${log()}`)
    const c = new pg.Client({ host: '127.0.0.1', port, user: USER, database: 'postgres' })
    try {
      await c.connect()
      await c.end()
      return
    } catch (e) {
      await c.end().catch(() => {})
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${String(e)}\n${log()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

let dbCounter = 0

export async function startPostgres(): Promise<PgServer> {
  const bin = postgresBinDir()
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/ci-deps.sh')
  const who = serverIdentity()
  const dir = mkdtempSync(join(tmpdir(), 'agnes-pg-'))
  const data = join(dir, 'data')
  const sockets = join(dir, 'sock')
  mkdirSync(sockets)
  if (who) for (const p of [dir, sockets]) chownSync(p, who.uid, who.gid)
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  try {
    // C.UTF-8: code-point ordering like DuckDB's, and Unicode case folding for ILIKE like DuckDB's (plain C folds ASCII only).
    await run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', USER, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], who)
  } catch (e) {
    cleanup()
    throw e
  }

  // One run of the server on `port`; halt() ends a run and resume() starts another on the same port and data.
  let child: ChildProcess
  let log = ''
  const onExit = () => {
    try {
      child.kill('SIGQUIT')
    } catch {
      // already gone
    }
    cleanup()
  }
  const launch = async (port: number): Promise<void> => {
    log = ''
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', sockets,
        // A test server: durability off for speed, enough connections for several pools.
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(who ?? {}) },
    )
    child.stdout!.on('data', (d) => (log += d))
    child.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)))
    try {
      await waitReady(port, child, () => log)
    } catch (e) {
      child.kill('SIGKILL')
      throw e
    }
    // The server must not keep a test process alive on its own: callers without an after() hook (the end-to-end
    // tests under AGNES_TEST_E2E_STORE=postgres) rely on the exit handler to take it down.
    child.unref()
    ;(child.stdout as unknown as { unref(): void }).unref()
    ;(child.stderr as unknown as { unref(): void }).unref()
  }
  const halt = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.once('exit', () => {
        clearTimeout(force)
        resolve()
      })
      child.kill('SIGINT') // fast shutdown: disconnects clients, no checkpoint wait
    })

  // If the test process exits without stop() (a failure, a timeout), take the server down with it.
  process.once('exit', onExit)
  // A free port can be taken by someone else between the probe and the bind: try a few.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    try {
      await launch(port)
    } catch (e) {
      if (attempt < 3 && /could not bind|already in use/i.test(log)) continue
      process.removeListener('exit', onExit)
      cleanup()
      throw e
    }
    let stopped: Promise<void> | null = null
    return {
      port,
      async createDatabase(prefix = 'agnes') {
        const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${++dbCounter}`
        const c = new pg.Client({ host: '127.0.0.1', port, user: USER, database: 'postgres' })
        await c.connect()
        try {
          await c.query(`CREATE DATABASE "${name}"`)
        } finally {
          await c.end()
        }
        return `postgres://${USER}@127.0.0.1:${port}/${name}`
      },
      halt,
      resume: () => launch(port),
      stop() {
        stopped ??= halt().then(() => {
          process.removeListener('exit', onExit)
          cleanup()
        })
        return stopped
      },
    }
  }
}
