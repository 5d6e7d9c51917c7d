import type { Store } from '../store/index.ts'

/** Reads of the admin surfaces are audited at most once per actor and subject in this window. */
export const READ_WINDOW_MS = 60_000

/**
 * True when this read opens a new window and so gets its audit row. The window lives in the store, so it holds
 * across workers. When the store cannot record the window (it is refusing writes), the read still counts as
 * first: a duplicate read row is better than a lost one, and the read itself is still served.
 */
export async function firstReadInWindow(store: Store, key: string): Promise<boolean> {
  try {
    return await store.shared.claimOnce(key, READ_WINDOW_MS)
  } catch {
    return true
  }
}

/**
 * Whether `key`'s window is already claimed, asked before the read it is about so the two run side by side; only
 * when it is not does the read, once it succeeded, go on to firstReadInWindow. False when the store cannot tell.
 */
export async function readWindowHeld(store: Store, key: string): Promise<boolean> {
  try {
    return await store.shared.isClaimed(key)
  } catch {
    return false
  }
}
