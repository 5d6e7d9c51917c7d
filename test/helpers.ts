import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { configForDataDir, type Config } from '../src/config.ts'
import { startServer, type RunningServer } from '../src/main.ts'
import { createLogger } from '../src/logger.ts'
import { AGNES_BIN, pathWithThisNode } from './support/agnes-bin.ts'

export function tempDir(prefix = 'agnes-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export interface ApiResponse<T = any> {
  status: number
  body: T
  text: string
  headers: Headers
}

/** fetch with JSON in and out; never throws on HTTP errors. */
export async function call<T = any>(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: BodyInit | Uint8Array; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  // A Buffer is a fine body for fetch; the DOM typings only refuse it for its possibly shared ArrayBuffer.
  let body = opts.rawBody as BodyInit | undefined
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(opts.body)
  }
  const res = await fetch(url + path, { method, headers, body, redirect: 'manual' })
  const text = await res.text()
  let parsed: any = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = null
  }
  return { status: res.status, body: parsed, text, headers: res.headers }
}

export interface TestServer extends RunningServer {
  dataDir: string
  config: Config
  /** Bootstraps the first admin and returns their token and id. */
  bootstrap(email?: string): Promise<{ token: string; userId: string }>
  /** Creates a user (through the API, as the given admin) with a token. */
  addUser(adminToken: string, email: string, opts?: { is_admin?: boolean; password?: string }): Promise<{ token: string; userId: string }>
  close(): Promise<void>
}

export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = tempDir()
  // AGNES_TEST_E2E_STORE=postgres runs the end-to-end tests on a throw-away PostgreSQL database instead of DuckDB.
  if (process.env.AGNES_TEST_E2E_STORE === 'postgres' && overrides.databaseUrl === undefined) {
    const { sharedServer } = await import('./support/stores.ts')
    overrides = { ...overrides, databaseUrl: await (await sharedServer()).createDatabase('e2e') }
  }
  const config = configForDataDir(dataDir, { port: 0, ...overrides })
  const server = await startServer(config, { log: createLogger({ logLevel: 'silent' }), announce: () => {} })
  const url = server.url
  return {
    ...server,
    dataDir,
    config,
    async bootstrap(email = 'admin@example.com') {
      const token = readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim()
      const r = await call(url, 'POST', '/api/auth/bootstrap', { body: { token, email, password: 'admin-password' } })
      if (r.status !== 201) throw new Error(`bootstrap failed: ${r.status} ${r.text}`)
      return { token: r.body.token, userId: r.body.user.id }
    },
    async addUser(adminToken, email, opts = {}) {
      const u = await call(url, 'POST', '/api/admin/users', { token: adminToken, body: { email, ...opts } })
      if (u.status !== 201) throw new Error(`create user failed: ${u.status} ${u.text}`)
      const t = await call(url, 'POST', `/api/admin/users/${u.body.id}/tokens`, { token: adminToken, body: {} })
      if (t.status !== 201) throw new Error(`create token failed: ${t.status} ${t.text}`)
      return { token: t.body.token, userId: u.body.id }
    },
    async close() {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}


/**
 * Runs the real command line as a user does, `agnes …` (bin/agnes → dist/, so `npm run build` first; its first line
 * finds this Node.js first on PATH), with a clean environment.
 */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(AGNES_BIN, args, { cwd, env: { PATH: pathWithThisNode(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** Polls a sync job until it is done or failed and returns its body; throws when it does not finish in ~5 s. */
export async function waitForSyncJob(url: string, token: string, jobId: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const r = await call(url, 'GET', `/api/sync/jobs/${jobId}`, { token })
    if (r.body.status === 'done' || r.body.status === 'failed') return r.body
    await new Promise((res) => setTimeout(res, 25))
  }
  throw new Error('sync job did not finish')
}
