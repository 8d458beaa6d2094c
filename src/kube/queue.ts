// A work queue keyed by policy (namespace/name), after client-go's workqueue: a key is
// processed by at most one worker at a time; adds while it is processing mark it dirty and it
// runs once more afterwards; duplicates collapse; failures retry with exponential backoff.

export interface WorkQueueOptions {
  worker: (key: string) => Promise<void>;
  concurrency?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  onDepth?: (depth: number) => void;
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly base: number;
  private readonly max: number;

  constructor(private readonly o: WorkQueueOptions) {
    this.concurrency = o.concurrency ?? 4;
    this.base = o.baseBackoffMs ?? 1000;
    this.max = o.maxBackoffMs ?? 5 * 60_000;
  }

  /** Policies waiting (queued or delayed), not counting the ones being processed. */
  get depth(): number {
    return this.queue.length + this.delayed.size;
  }

  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const at = Date.now() + delayMs;
      const existing = this.delayed.get(key);
      if (existing && existing.at <= at) return;
      if (existing) clearTimeout(existing.timer);
      const timer = setTimeout(() => {
        this.delayed.delete(key);
        this.add(key);
      }, delayMs);
      timer.unref?.();
      this.delayed.set(key, { at, timer });
      this.report();
      return;
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const d = this.delayed.get(key);
    if (d) {
      clearTimeout(d.timer);
      this.delayed.delete(key);
    }
    this.queued.add(key);
    this.queue.push(key);
    this.report();
    this.pump();
  }

  /** Drops a key's pending work and backoff (the policy is gone). */
  forget(key: string): void {
    const d = this.delayed.get(key);
    if (d) clearTimeout(d.timer);
    this.delayed.delete(key);
    this.failures.delete(key);
    this.dirty.delete(key);
    if (this.queued.delete(key)) this.queue.splice(this.queue.indexOf(key), 1);
    this.report();
  }

  /** Resolves when nothing is queued or running (delayed retries do not count). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.report();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      this.report();
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.o.worker(key);
      this.failures.delete(key);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const retryIn = Math.min(this.max, this.base * 2 ** (n - 1));
      this.o.onError?.(key, err, retryIn);
      this.processing.delete(key);
      // A change that arrived meanwhile is retried with the backoff too: the error is likely to repeat.
      this.dirty.delete(key);
      this.add(key, retryIn);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.active === 0 && this.queue.length === 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const f of w) f();
      }
    }
  }

  private report(): void {
    this.o.onDepth?.(this.depth);
  }
}
