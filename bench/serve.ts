// An Agnes build served from its own process (bin/agnes serve) for a benchmark, with a bootstrapped admin's token and,
// when asked, `rows` audit rows seeded while no server holds the file. The load generator then runs in the bench
// process, so the server's figures (throughput, RSS) are its own.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../test/support/free-port.ts'
import { pathWithThisNode } from '../test/support/agnes-bin.ts'
import { seedAuditRows } from './activity.ts'

export interface Served {
  name: string
  url: string
  token: string
  /** The server process's id, to read its memory from /proc. */
  pid(): number
  stop(): Promise<void>
}

export async function serveBuild(name: string, repo: string, rows = 0, extraEnv: Record<string, string> = {}): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), `agnes-bench-${name}-`))
  const port = await freePort()
  const env = { ...process.env, AGNES_DATA_DIR: dataDir, AGNES_PORT: String(port), AGNES_SCHEDULER: 'off', AGNES_LOG_LEVEL: 'silent', ...extraEnv }
  const url = `http://127.0.0.1:${port}`
  const start = async () => {
    // As a user runs it (`agnes serve`): bin/agnes's first line sets the server's memory settings.
    const child = spawn(join(repo, 'bin', 'agnes'), ['serve'], { env: { ...env, PATH: pathWithThisNode() }, stdio: 'ignore' })
    for (let i = 0; i < 600; i++) {
      if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) return child
      await new Promise((r) => setTimeout(r, 100))
    }
    child.kill('SIGKILL')
    throw new Error(`${name}: the server did not start`)
  }
  const stop = (child: ChildProcess) => new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
  // First start creates the schema and the bootstrap secret; the rows go in while no server holds the file.
  let child = await start()
  const secret = readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim()
  const boot = await fetch(`${url}/api/auth/bootstrap`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: secret, email: 'bench@example.com' }) })
  const token = ((await boot.json()) as { token: string }).token
  if (rows > 0) {
    await stop(child)
    await seedAuditRows(join(dataDir, 'state', 'system.duckdb'), rows)
    child = await start()
  }
  return {
    name, url, token,
    pid: () => child.pid!,
    async stop() {
      await stop(child)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A process's resident memory now and at its peak (VmRSS, VmHWM), in MB. */
export function processMemoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}
