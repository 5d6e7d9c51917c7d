/**
 * The one clock every recorded time comes from: audit rows, sync runs, uploads, findings, reports, tokens. Durations,
 * deadlines and leases keep using the machine's own time, since they measure how long something really took.
 *
 * Production runs on the system clock. Tests and `npm run demo` use an AdjustableClock: frozen at a moment to test a
 * figure against a known time, or moved through simulated days so that a demo instance has a month of history
 * written by its own API.
 */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock that runs with real time from a moment of your choosing, or stands still while frozen. */
export class AdjustableClock implements Clock {
  private offsetMs = 0
  private frozenAt: number | null = null

  now(): Date {
    return new Date(this.frozenAt ?? Date.now() + this.offsetMs)
  }

  /** From now on the clock reads `at`, and runs on from there (unless frozen). */
  set(at: Date): void {
    if (this.frozenAt !== null) this.frozenAt = at.getTime()
    else this.offsetMs = at.getTime() - Date.now()
  }

  /** Stops the clock at `at` (or where it is). */
  freeze(at: Date = this.now()): void {
    this.frozenAt = at.getTime()
  }

  advance(ms: number): void {
    this.set(new Date(this.now().getTime() + ms))
  }

  /** Back to the machine's time, running. */
  reset(): void {
    this.frozenAt = null
    this.offsetMs = 0
  }
}
