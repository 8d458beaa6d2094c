// A small time-bounded cache for the admission webhook's workload-label lookups: a burst of
// policies for the same workload (or a retrying kubectl) costs one API call, and a workload
// that does not exist yet is remembered as such for the same time.

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; at: number; pending?: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.pending ?? hit.value;
    const pending = load();
    this.entries.set(key, { value: undefined as V, at: t, pending });
    try {
      const value = await pending;
      this.entries.set(key, { value, at: this.now() });
      if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
      return value;
    } catch (err) {
      this.entries.delete(key);
      throw err;
    }
  }
}
