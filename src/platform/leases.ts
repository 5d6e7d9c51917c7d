import { randomUUID } from 'node:crypto'
import type { Store } from '../store/index.ts'
import { AppError } from '../errors.ts'

/**
 * Runs fn while holding the store lease `name`, waiting (with a short backoff) while someone else holds
 * it. The lease lives in the store, so it serialises work across every worker, and it expires on its
 * own if its holder dies.
 */
export async function withLease<T>(store: Store, name: string, fn: () => Promise<T>, opts: { ttlMs?: number; waitMs?: number } = {}): Promise<T> {
  const holder = randomUUID()
  const deadline = Date.now() + (opts.waitMs ?? 30_000)
  let pause = 5
  while (!(await store.locks.acquire(name, holder, opts.ttlMs ?? 60_000))) {
    if (Date.now() > deadline) throw new AppError(409, 'busy', `${name} is busy; try again in a moment`, { auditResult: 'error.in_progress' })
    await new Promise((r) => setTimeout(r, pause))
    pause = Math.min(pause * 2, 200)
  }
  try {
    return await fn()
  } finally {
    await store.locks.release(name, holder).catch(() => {})
  }
}
