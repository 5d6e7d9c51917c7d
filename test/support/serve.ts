import { spawn, type ChildProcess } from 'node:child_process'
import { AGNES_BIN as BIN } from './agnes-bin.ts'

/**
 * `agnes serve` as its own process (so it can be killed, or outlive a fault), scheduler off. Resolves once it
 * says it is listening; `env` adds to a minimal environment (AGNES_DATABASE_URL for PostgreSQL).
 */
export function serve(dataDir: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', AGNES_DATA_DIR: dataDir, AGNES_PORT: String(port), AGNES_LOG_LEVEL: 'warn', AGNES_SCHEDULER: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000)
    child.stdout!.on('data', (d) => {
      out += d
      if (out.includes('listening')) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.stderr!.on('data', (d) => (out += d))
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)))
  })
}

/** Sends `signal` and resolves once the process is gone. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill(signal)
  })
}
