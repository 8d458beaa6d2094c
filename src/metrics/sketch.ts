// Memory-bounded percentiles: a log-bucketed histogram (the DDSketch idea). Bucket i holds
// values in (GAMMA^(i-1), GAMMA^i]; a quantile answers the bucket's midpoint, so the answer is
// within RELATIVE_ACCURACY of the exact nearest-rank value. Memory grows with the spread of the
// values (log_GAMMA(max/min) buckets: about 230 for a 10x range), never with their number.
// Both usage sources put identical values through the same buckets and the same quantile(), so
// they agree exactly on identical data; merging two sketches is exact, which lets the sources
// keep one sketch per pod and container and pool them per workload at the end.

const GAMMA = 1.01;
const LOG_GAMMA = Math.log(GAMMA);
/** Worst-case relative error of a quantile against the exact nearest-rank value (0.5%). */
export const RELATIVE_ACCURACY = (GAMMA - 1) / (GAMMA + 1);
/** Values at or below this count as zero (an idle container's CPU rate is often exactly 0). */
const ZERO = 1e-9;

export class Sketch {
  // A plain array, not a Float64Array: thousands of small sketches are made per pass, and typed
  // arrays of this size live off the V8 heap, whose allocation and sweeping dominated a pass.
  private counts: number[] = [];
  private offset = 0;
  private zeros = 0;
  count = 0;
  max = Number.NEGATIVE_INFINITY;

  add(value: number): void {
    this.count++;
    if (value > this.max) this.max = value;
    if (value <= ZERO) {
      this.zeros++;
      return;
    }
    const i = Math.ceil(Math.log(value) / LOG_GAMMA);
    this.grow(i, i);
    (this.counts[i - this.offset] as number)++;
  }

  merge(other: Sketch): void {
    this.count += other.count;
    this.zeros += other.zeros;
    if (other.max > this.max) this.max = other.max;
    if (other.counts.length === 0) return;
    this.grow(other.offset, other.offset + other.counts.length - 1);
    const shift = other.offset - this.offset;
    for (let j = 0; j < other.counts.length; j++) {
      (this.counts[j + shift] as number) += other.counts[j] as number;
    }
  }

  /**
   * The values of all these sketches in one, its buckets allocated once, for the range they
   * occupy (not the room each has grown: a pass pools thousands of sketches of a few values).
   */
  static pooled(list: readonly Sketch[]): Sketch {
    const s = new Sketch();
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const x of list) {
      const c = x.counts;
      let a = 0;
      while (a < c.length && c[a] === 0) a++;
      if (a === c.length) continue;
      let b = c.length - 1;
      while (c[b] === 0) b--;
      lo = Math.min(lo, x.offset + a);
      hi = Math.max(hi, x.offset + b);
    }
    if (lo <= hi) {
      s.counts = new Array<number>(hi - lo + 1).fill(0);
      s.offset = lo;
    }
    for (const x of list) {
      s.count += x.count;
      s.zeros += x.zeros;
      if (x.max > s.max) s.max = x.max;
      for (let j = 0; j < x.counts.length; j++) {
        const n = x.counts[j] as number;
        if (n > 0) (s.counts[j + x.offset - s.offset] as number) += n;
      }
    }
    return s;
  }

  /**
   * Removes the values of `other` (a sketch of values this one holds, e.g. samples leaving a
   * sliding window). The maximum cannot be taken back: the caller sets it from what it keeps
   * (setMax). False, and this sketch left unusable, when other holds values this one does not.
   */
  subtract(other: Sketch): boolean {
    this.count -= other.count;
    this.zeros -= other.zeros;
    if (this.count < 0 || this.zeros < 0) return false;
    if (other.counts.length === 0) return true;
    this.grow(other.offset, other.offset + other.counts.length - 1);
    const shift = other.offset - this.offset;
    for (let j = 0; j < other.counts.length; j++) {
      const left = (this.counts[j + shift] as number) - (other.counts[j] as number);
      if (left < 0) return false;
      this.counts[j + shift] = left;
    }
    return true;
  }

  setMax(max: number): void {
    this.max = this.count > 0 ? max : Number.NEGATIVE_INFINITY;
  }

  /** The non-empty buckets: [zeros, index, count, index, count, ...] with indices ascending. */
  toBuckets(): number[] {
    const out = [this.zeros];
    for (let j = 0; j < this.counts.length; j++) {
      const c = this.counts[j] as number;
      if (c > 0) out.push(j + this.offset, c);
    }
    return out;
  }

  get zeroCount(): number {
    return this.zeros;
  }

  /**
   * Each run of consecutive non-empty buckets, oldest index first: its first bucket index and
   * its counts as counts[from..to). Lets an encoder walk the buckets without copying them.
   */
  forEachRun(run: (first: number, counts: readonly number[], from: number, to: number) => void): void {
    const c = this.counts;
    for (let j = 0; j < c.length; j++) {
      if ((c[j] as number) <= 0) continue;
      let end = j + 1;
      while (end < c.length && (c[end] as number) > 0) end++;
      run(j + this.offset, c, j, end);
      j = end;
    }
  }

  /** The inverse of toBuckets(); max as kept by the caller. */
  static fromBuckets(buckets: readonly number[], max: number): Sketch {
    const s = new Sketch();
    s.zeros = buckets[0] ?? 0;
    s.count = s.zeros;
    // Indices ascend: one allocation for the whole range.
    if (buckets.length >= 3) s.grow(buckets[1] as number, buckets[buckets.length - 2] as number);
    for (let k = 1; k + 1 < buckets.length; k += 2) {
      const i = buckets[k] as number;
      const c = buckets[k + 1] as number;
      s.grow(i, i);
      (s.counts[i - s.offset] as number) += c;
      s.count += c;
    }
    s.setMax(max);
    return s;
  }

  /** Nearest-rank quantile (q in 0..1), never above the exact maximum; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    if (q >= 1) return this.max;
    let rank = Math.max(1, Math.ceil(q * this.count)) - this.zeros;
    if (rank <= 0) return 0;
    for (let j = 0; j < this.counts.length; j++) {
      rank -= this.counts[j] as number;
      if (rank <= 0) return Math.min(this.max, (2 * GAMMA ** (j + this.offset)) / (GAMMA + 1));
    }
    return this.max;
  }

  /**
   * Quantiles (qs ascending) of a's and b's values together, exactly as quantile() of their
   * merge with maximum `max` answers each, in one sweep over the buckets and without making the
   * merge (a pass answers thousands of these).
   */
  static quantilesOf(a: Sketch, b: Sketch | undefined, qs: readonly number[], max: number): number[] {
    const out = new Array<number>(qs.length).fill(max);
    const count = a.count + (b?.count ?? 0);
    const zeros = a.zeros + (b?.zeros ?? 0);
    if (count === 0) return out.fill(0);
    const bc = b?.counts ?? [];
    const bo = b?.offset ?? 0;
    const ac = a.counts;
    const ao = a.offset;
    const lo = Math.min(
      ac.length > 0 ? ao : Number.POSITIVE_INFINITY,
      bc.length > 0 ? bo : Number.POSITIVE_INFINITY,
    );
    const hi = Math.max(ac.length > 0 ? ao + ac.length : 0, bc.length > 0 ? bo + bc.length : 0) - 1;
    let k = 0;
    // Ranks as quantile() takes them: nearest rank, minus the zeros.
    const rankOf = (q: number) => Math.max(1, Math.ceil(q * count)) - zeros;
    while (k < qs.length && ((qs[k] as number) >= 1 || rankOf(qs[k] as number) <= 0)) {
      out[k] = (qs[k] as number) >= 1 ? max : 0;
      k++;
    }
    let seen = 0;
    for (let i = lo; i <= hi && k < qs.length; i++) {
      const j = i - ao;
      const l = i - bo;
      seen +=
        (j >= 0 && j < ac.length ? (ac[j] as number) : 0) + (l >= 0 && l < bc.length ? (bc[l] as number) : 0);
      while (k < qs.length && (qs[k] as number) < 1 && seen >= rankOf(qs[k] as number)) {
        out[k] = Math.min(max, (2 * GAMMA ** i) / (GAMMA + 1));
        k++;
      }
    }
    return out;
  }

  /** Makes bucket indices lo..hi addressable, doubling so that adds stay amortised O(1). */
  private grow(lo: number, hi: number): void {
    const len = this.counts.length;
    if (len > 0 && lo >= this.offset && hi < this.offset + len) return;
    const curLo = len > 0 ? Math.min(lo, this.offset) : lo;
    const curHi = len > 0 ? Math.max(hi, this.offset + len - 1) : hi;
    const pad = Math.max(8, len >> 1);
    const newLo = curLo < this.offset || len === 0 ? curLo - pad : this.offset;
    const newHi = len === 0 || curHi >= this.offset + len ? curHi + pad : this.offset + len - 1;
    const next = new Array<number>(newHi - newLo + 1).fill(0);
    const shift = this.offset - newLo;
    for (let j = 0; j < len; j++) next[j + shift] = this.counts[j] as number;
    this.counts = next;
    this.offset = newLo;
  }
}
