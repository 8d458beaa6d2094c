// Per-policy timers for spec.schedule (cron, UTC). Each policy has at most one armed timer,
// re-armed after it fires and replaced when the schedule changes.

import { CronExpressionParser } from "cron-parser";

// setTimeout holds at most 2^31-1 ms (about 24.8 days); longer waits are re-armed in steps.
const MAX_TIMEOUT = 2 ** 31 - 1;

export class CronTriggers {
  private readonly timers = new Map<string, { expr: string; timer: NodeJS.Timeout }>();

  constructor(
    private readonly fire: (key: string) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Arms (or re-arms) the policy's timer; undefined or an invalid expression disarms it. */
  set(key: string, expr: string | undefined): void {
    const existing = this.timers.get(key);
    if (existing?.expr === expr) return;
    this.clear(key);
    if (!expr) return;
    this.arm(key, expr);
  }

  clear(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t.timer);
    this.timers.delete(key);
  }

  clearAll(): void {
    for (const key of [...this.timers.keys()]) this.clear(key);
  }

  get size(): number {
    return this.timers.size;
  }

  /** The next time the expression fires after now, or undefined when it never parses. */
  next(expr: string): Date | undefined {
    try {
      return CronExpressionParser.parse(expr, { currentDate: this.now(), tz: "UTC" }).next().toDate();
    } catch {
      return undefined;
    }
  }

  private arm(key: string, expr: string): void {
    const at = this.next(expr);
    if (!at) return;
    const wait = Math.max(0, at.getTime() - this.now().getTime());
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        if (wait <= MAX_TIMEOUT) this.fire(key);
        this.arm(key, expr);
      },
      Math.min(wait, MAX_TIMEOUT),
    );
    timer.unref?.();
    this.timers.set(key, { expr, timer });
  }
}
