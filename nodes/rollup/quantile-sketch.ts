/**
 * A DDSketch-style quantile sketch (Masson, Rim & Lee, VLDB 2019) with relative accuracy 1%:
 * values fall into logarithmic buckets `(γ^(k-1), γ^k]` with γ = 1.01/0.99, and a bucket reports
 * `2γ^k/(γ+1)`, which is within 1% of every value in it. The quantile q reported is within 1% of
 * the exact lower quantile: the value at rank ⌊q·(n−1)⌋ (0-based) of the sorted values.
 * Sketches merge by adding bucket counts, with no loss, which is what hopping windows rely on.
 * Magnitudes below 1e-9 count as zero.
 */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const INV_LOG_GAMMA = 1 / Math.log(GAMMA);
const MIN_MAGNITUDE = 1e-9;

/** Counts per bucket key in a dense array that grows to cover the keys seen. */
class BucketStore {
  counts = new Float64Array(0);
  offset = 0;
  total = 0;

  add(key: number, count: number): void {
    let i = key - this.offset;
    if (i < 0 || i >= this.counts.length) {
      this.grow(key);
      i = key - this.offset;
    }
    this.counts[i]! += count;
    this.total += count;
  }

  private grow(key: number): void {
    if (this.counts.length === 0) {
      this.counts = new Float64Array(64);
      this.offset = key - 32;
      return;
    }
    const lo = Math.min(this.offset, key);
    const hi = Math.max(this.offset + this.counts.length, key + 1);
    // Room on the side that grew, so a drifting stream does not reallocate on every new bucket.
    const slack = Math.max(32, (hi - lo) >> 1);
    const newLo = key < this.offset ? lo - slack : lo;
    const next = new Float64Array(hi - lo + slack);
    next.set(this.counts, this.offset - newLo);
    this.counts = next;
    this.offset = newLo;
  }

  merge(other: BucketStore): void {
    const c = other.counts;
    for (let i = 0; i < c.length; i++) if (c[i] !== 0) this.add(other.offset + i, c[i]!);
  }

  /** `[firstKey, count, count, …]` over the non-empty range, for snapshots. */
  toJSON(): number[] {
    const c = this.counts;
    let lo = 0;
    let hi = c.length;
    while (lo < hi && c[lo] === 0) lo++;
    while (hi > lo && c[hi - 1] === 0) hi--;
    return lo === hi ? [] : [this.offset + lo, ...c.subarray(lo, hi)];
  }

  static fromJSON(saved: number[]): BucketStore {
    const store = new BucketStore();
    for (let i = 1; i < saved.length; i++) if (saved[i] !== 0) store.add(saved[0]! + i - 1, saved[i]!);
    return store;
  }
}

const keyOf = (magnitude: number): number => Math.ceil(Math.log(magnitude) * INV_LOG_GAMMA);
const valueOf = (key: number): number => (2 * GAMMA ** key) / (GAMMA + 1);

export class QuantileSketch {
  private pos = new BucketStore();
  private neg = new BucketStore();
  private zeros = 0;

  get count(): number {
    return this.pos.total + this.neg.total + this.zeros;
  }

  add(v: number): void {
    if (v > MIN_MAGNITUDE) this.pos.add(keyOf(v), 1);
    else if (v < -MIN_MAGNITUDE) this.neg.add(keyOf(-v), 1);
    else this.zeros++;
  }

  merge(other: QuantileSketch): void {
    this.pos.merge(other.pos);
    this.neg.merge(other.neg);
    this.zeros += other.zeros;
  }

  /** The q-quantile (0 ≤ q ≤ 1) within 1% of the exact lower quantile; null when empty. */
  quantile(q: number): number | null {
    const n = this.count;
    if (n === 0) return null;
    const rank = Math.floor(q * (n - 1));
    // Walk in ascending value order: negatives from the largest magnitude down, zeros, positives up.
    let seen = 0;
    const neg = this.neg.counts;
    for (let i = neg.length - 1; i >= 0; i--) {
      seen += neg[i]!;
      if (seen > rank) return -valueOf(this.neg.offset + i);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    const pos = this.pos.counts;
    for (let i = 0; i < pos.length; i++) {
      seen += pos[i]!;
      if (seen > rank) return valueOf(this.pos.offset + i);
    }
    return valueOf(this.pos.offset + pos.length - 1);
  }

  toJSON(): SketchState {
    return { pos: this.pos.toJSON(), neg: this.neg.toJSON(), zeros: this.zeros };
  }

  static fromJSON(saved: SketchState): QuantileSketch {
    const s = new QuantileSketch();
    s.pos = BucketStore.fromJSON(saved.pos);
    s.neg = BucketStore.fromJSON(saved.neg);
    s.zeros = saved.zeros;
    return s;
  }
}

export interface SketchState {
  pos: number[];
  neg: number[];
  zeros: number;
}
