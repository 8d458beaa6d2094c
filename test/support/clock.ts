// Time for tests: a fixed instant nothing depends on the day or minute of, a clock that only
// the test moves, and a running clock that starts at the fixed instant (for a whole service,
// whose timers are real but whose notion of "now" must not depend on when the test runs).

/** Monday 2026-01-05 12:00:00 UTC: a whole hour, so also a whole multiple of every usage step. */
export const FIXED_INSTANT = Date.UTC(2026, 0, 5, 12, 0, 0);

/** A clock that stands still until the test advances it. */
export class ManualClock {
  constructor(private ms = FIXED_INSTANT) {}
  readonly now = (): number => this.ms;
  readonly date = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * A clock that reads `start` when created and then moves with real elapsed time (monotonic),
 * for a service whose timers are real: expected values depend on the seconds the test has run,
 * never on the time of day it runs at.
 */
export function runningClock(start = FIXED_INSTANT): () => Date {
  const t0 = performance.now();
  return () => new Date(start + Math.floor(performance.now() - t0));
}
