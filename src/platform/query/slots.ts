import { randomUUID } from 'node:crypto'
import type { Services } from '../../services.ts'
import { tooManyRequests } from '../../errors.ts'

/**
 * Holds one of the caller's query slots and one of the instance's while fn runs. Slots are store leases, so the caps
 * hold across every worker; a slot whose holder died expires with its lease (the query's time limit plus a margin).
 * Past either cap the query is refused at once with 429 too_many_queries rather than queued, so a burst of slow
 * queries cannot pile up behind each other and hold requests open.
 */
export async function withQuerySlot<T>(svc: Pick<Services, 'store' | 'config'>, userKey: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const { perUserConcurrency, instanceConcurrency } = svc.config.query
  const holder = randomUUID()
  const ttlMs = timeoutMs + 30_000
  const take = async (prefix: string, count: number): Promise<string | null> => {
    for (let i = 0; i < count; i++) {
      const name = `${prefix}:${i}`
      if (await svc.store.locks.acquire(name, holder, ttlMs)) return name
    }
    return null
  }
  const mine = await take(`query:user:${userKey}`, perUserConcurrency)
  if (!mine) {
    throw tooManyRequests(`you already have ${perUserConcurrency} queries running (AGNES_QUERY_CONCURRENCY_PER_USER); wait for one to finish`, 1, 'too_many_queries')
  }
  try {
    const shared = await take('query:instance', instanceConcurrency)
    if (!shared) {
      throw tooManyRequests(`the server is running its maximum of ${instanceConcurrency} queries (AGNES_QUERY_CONCURRENCY); try again in a moment`, 1, 'too_many_queries')
    }
    return await fn()
  } finally {
    // Both slots at once: the holder id is this query's own.
    await svc.store.locks.releaseAll(holder).catch(() => {})
  }
}
