// The server's side of the query host (query-host.ts): starts it on first use, sends it queries, and starts a new one
// when it dies or stops answering. Nothing here holds data between queries.
import { fork, type ChildProcess } from 'node:child_process'
import { setPriority } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { QueryReply, QueryRequest } from './query-protocol.ts'

/** How much longer than a query's own limit the host may take to answer before it is presumed stuck and replaced. */
const WATCHDOG_GRACE_MS = 5_000
/** Analyst queries yield the CPU to the server's own requests (nice 10 on Linux). */
const HOST_NICENESS = 10

interface Pending {
  resolve(reply: QueryReply): void
  timer: NodeJS.Timeout
}

export interface QueryHostOptions {
  /** Queries this process may send at once; the host's own thread pool is sized for it. */
  concurrency: number
  onRestart?: (reason: string) => void
}

export class QueryHostClient {
  private child: ChildProcess | null = null
  private next = 0
  private readonly pending = new Map<number, Pending>()
  private closed = false

  constructor(private readonly opts: QueryHostOptions) {}

  /** Runs one query in the host; always resolves, a failure being a reply with ok: false. */
  run(request: Omit<QueryRequest, 'id'>): Promise<QueryReply> {
    if (this.closed) return Promise.resolve({ id: 0, ok: false, kind: 'engine_restarted', message: 'the server is shutting down' })
    const child = this.ensureChild()
    const id = ++this.next
    return new Promise<QueryReply>((resolve) => {
      const timer = setTimeout(() => {
        // The host did not answer well after the query's limit: a stuck parse or an engine that ignores interrupts.
        this.replace(`a query did not answer within ${request.timeoutMs + WATCHDOG_GRACE_MS} ms`, id)
      }, request.timeoutMs + WATCHDOG_GRACE_MS)
      this.pending.set(id, { resolve, timer })
      this.holdOpen(true)
      child.send({ ...request, id } satisfies QueryRequest, (err) => {
        if (err) this.settle({ id, ok: false, kind: 'engine_restarted', message: 'the query engine could not be reached; try again' })
      })
    })
  }

  /** Stops the host; queries still running are answered as interrupted. */
  async close(): Promise<void> {
    this.closed = true
    const child = this.child
    this.child = null
    this.failAll('the server is shutting down')
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.ref()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 2_000).unref()
      })
    }
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child
    const here = fileURLToPath(import.meta.url)
    const typescript = here.endsWith('.ts')
    const child = fork(here.replace(/query-client\.(ts|js)$/, `query-host.${typescript ? 'ts' : 'js'}`), [], {
      // Under tsx (tests, the demo) the host is TypeScript too; in production it is the compiled file.
      execArgv: typescript ? ['--import', 'tsx'] : [],
      env: { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(4, this.opts.concurrency + 2)) },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    try {
      if (child.pid) setPriority(child.pid, HOST_NICENESS)
    } catch {
      // Not permitted here (some containers): the host then runs at the server's priority.
    }
    child.on('message', (reply: QueryReply) => this.settle(reply))
    child.on('exit', (code, signal) => {
      if (this.child !== child) return
      this.child = null
      this.failAll(`the query engine stopped (${signal ?? `exit ${code}`}) while running this query, probably out of memory; it has been restarted`)
      if (!this.closed) this.opts.onRestart?.(`exit ${signal ?? code}`)
    })
    child.on('error', () => {})
    this.child = child
    this.holdOpen(false)
    return child
  }

  private settle(reply: QueryReply): void {
    const p = this.pending.get(reply.id)
    if (!p) return
    this.pending.delete(reply.id)
    clearTimeout(p.timer)
    if (this.pending.size === 0) this.holdOpen(false)
    p.resolve(reply)
  }

  /** An idle host must not keep the server's process alive on its own; one with a query in flight must. */
  private holdOpen(busy: boolean): void {
    const child = this.child
    if (!child) return
    if (busy) {
      child.ref()
      child.channel?.ref()
    } else {
      child.unref()
      child.channel?.unref()
    }
  }

  private failAll(message: string): void {
    for (const id of [...this.pending.keys()]) this.settle({ id, ok: false, kind: 'engine_restarted', message })
  }

  private replace(reason: string, stuckId: number): void {
    const child = this.child
    this.settle({ id: stuckId, ok: false, kind: 'timeout', message: 'the query ran past its time limit and the query engine was restarted' })
    this.child = null
    this.failAll('the query engine was restarted while running this query; try again')
    child?.kill('SIGKILL')
    this.opts.onRestart?.(reason)
  }
}
