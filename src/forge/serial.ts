// Writes to a Git host go one at a time and at least minIntervalMs apart: GitHub's secondary rate
// limits punish concurrent content-creating requests far more than slow ones.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private last = 0;

  constructor(
    private readonly minIntervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(async () => {
      const wait = this.last + this.minIntervalMs - this.now();
      if (this.last > 0 && wait > 0) await this.sleep(wait);
      try {
        return await task();
      } finally {
        this.last = this.now();
      }
    });
    // A failed write must not wedge the queue for the writes after it.
    this.tail = next.catch(() => undefined);
    return next;
  }
}
