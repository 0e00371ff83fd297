/**
 * Points of one series in time order with unique times: a point at a time already held replaces it, so
 * writing the same points again (a replay after a crash) leaves the run as it was. Typed arrays that grow
 * by doubling; the storage form is values (float64) then times (int32 ms after the first point).
 */
export class PointRun {
  ts: Float64Array;
  v: Float64Array;
  n = 0;

  constructor(capacity = 16) {
    this.ts = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  get firstTs(): number {
    return this.ts[0]!;
  }

  get lastTs(): number {
    return this.ts[this.n - 1]!;
  }

  /** Adds a point after the last one (ts > lastTs). */
  append(ts: number, v: number): void {
    if (this.n === this.ts.length) this.grow();
    this.ts[this.n] = ts;
    this.v[this.n] = v;
    this.n++;
  }

  /** Inserts a point in time order, or replaces the value at that time; false when nothing changed. */
  put(ts: number, v: number): boolean {
    if (this.n === 0 || ts > this.lastTs) {
      this.append(ts, v);
      return true;
    }
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < ts) lo = mid + 1;
      else hi = mid;
    }
    if (this.ts[lo] === ts) {
      if (Object.is(this.v[lo], v)) return false;
      this.v[lo] = v;
      return true;
    }
    if (this.n === this.ts.length) this.grow();
    this.ts.copyWithin(lo + 1, lo, this.n);
    this.v.copyWithin(lo + 1, lo, this.n);
    this.ts[lo] = ts;
    this.v[lo] = v;
    this.n++;
    return true;
  }

  /** Points from index `at` on move to a new run (a chunk grown too large by late points is split). */
  splitAt(at: number): PointRun {
    const rest = new PointRun(Math.max(16, this.n - at));
    rest.ts.set(this.ts.subarray(at, this.n));
    rest.v.set(this.v.subarray(at, this.n));
    rest.n = this.n - at;
    this.n = at;
    return rest;
  }

  /** Points before `ts` are dropped (retention); the number dropped. */
  dropBefore(ts: number): number {
    let k = 0;
    while (k < this.n && this.ts[k]! < ts) k++;
    if (k === 0) return 0;
    this.ts.copyWithin(0, k, this.n);
    this.v.copyWithin(0, k, this.n);
    this.n -= k;
    return k;
  }

  summary(): RunSummary {
    let minI = 0;
    let maxI = 0;
    for (let i = 1; i < this.n; i++) {
      const x = this.v[i]!;
      if (x < this.v[minI]!) minI = i;
      if (x > this.v[maxI]!) maxI = i;
    }
    const last = this.n - 1;
    return {
      firstTs: this.ts[0]!, first: this.v[0]!, lastTs: this.ts[last]!, last: this.v[last]!,
      minTs: this.ts[minI]!, min: this.v[minI]!, maxTs: this.ts[maxI]!, max: this.v[maxI]!, n: this.n,
    };
  }

  encode(): Buffer {
    const n = this.n;
    const buf = Buffer.alloc(n * 12);
    const values = new Float64Array(buf.buffer, buf.byteOffset, n);
    const offsets = new Int32Array(buf.buffer, buf.byteOffset + n * 8, n);
    const base = this.ts[0]!;
    for (let i = 0; i < n; i++) {
      values[i] = this.v[i]!;
      offsets[i] = this.ts[i]! - base;
    }
    return buf;
  }

  static decode(data: Uint8Array, firstTs: number, n: number): PointRun {
    const { values, offsets } = PointRun.view(data, n);
    const run = new PointRun(Math.max(16, n));
    for (let i = 0; i < n; i++) {
      run.ts[i] = firstTs + offsets[i]!;
      run.v[i] = values[i]!;
    }
    run.n = n;
    return run;
  }

  /** The stored values and time offsets of a chunk, read in place (a query reads chunks without keeping them). */
  static view(data: Uint8Array, n: number): { values: Float64Array; offsets: Int32Array } {
    if (data.byteLength !== n * 12) throw new Error(`a history chunk of ${n} points holds ${data.byteLength} bytes instead of ${n * 12}`);
    // SQLite's buffers need not be 8-byte aligned: copy into one that is when this one is not.
    const own = data.byteOffset % 8 === 0 ? data : new Uint8Array(data);
    return { values: new Float64Array(own.buffer, own.byteOffset, n), offsets: new Int32Array(own.buffer, own.byteOffset + n * 8, n) };
  }

  private grow(): void {
    const ts = new Float64Array(this.ts.length * 2);
    const v = new Float64Array(this.v.length * 2);
    ts.set(this.ts);
    v.set(this.v);
    this.ts = ts;
    this.v = v;
  }
}

/** The M4 points of a run (first, last, min, max with their times) and its size. */
export interface RunSummary {
  firstTs: number;
  first: number;
  lastTs: number;
  last: number;
  minTs: number;
  min: number;
  maxTs: number;
  max: number;
  n: number;
}
