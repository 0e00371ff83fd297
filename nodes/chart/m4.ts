import type { Downsampled } from '../dashboard/answers.js';
import type { RunSummary } from './point-run.js';

/**
 * M4 downsampling (Jugel et al., VLDB 2014): the range is cut into one bucket per pixel column and each
 * bucket keeps its first, last, smallest and largest point. A line drawn through those is the line drawn
 * through every point, to the pixel: a single spike in a day of 1 Hz data stays visible zoomed out.
 * `bars` keeps the largest point of each bucket only (one bar per column).
 */
export class M4 {
  private readonly span: number;
  private readonly firstT: Float64Array;
  private readonly firstV: Float64Array;
  private readonly lastT: Float64Array;
  private readonly lastV: Float64Array;
  private readonly minT: Float64Array;
  private readonly minV: Float64Array;
  private readonly maxT: Float64Array;
  private readonly maxV: Float64Array;
  private count = 0;
  private earliest = Infinity;
  private latest = -Infinity;

  constructor(private readonly from: number, private readonly to: number, private readonly width: number, private readonly bars = false) {
    this.span = Math.max(1, to - from);
    const a = () => new Float64Array(width).fill(NaN);
    this.firstT = a(); this.firstV = a(); this.lastT = a(); this.lastV = a();
    this.minT = a(); this.minV = a(); this.maxT = a(); this.maxV = a();
  }

  get bucketMs(): number {
    return this.span / this.width;
  }

  /** The bucket of a time, or -1 outside [from, to). */
  bucketOf(ts: number): number {
    if (ts < this.from || ts >= this.to) return -1;
    return Math.min(this.width - 1, Math.floor(((ts - this.from) * this.width) / this.span));
  }

  add(ts: number, v: number): void {
    const b = this.bucketOf(ts);
    if (b < 0) return;
    this.count++;
    this.take(b, ts, v);
  }

  /** A run that lies within one bucket counts by its summary, without reading its points. */
  addSummary(s: RunSummary): void {
    const b = this.bucketOf(s.firstTs);
    this.count += s.n;
    this.take(b, s.firstTs, s.first);
    this.take(b, s.lastTs, s.last);
    this.take(b, s.minTs, s.min);
    this.take(b, s.maxTs, s.max);
  }

  /** Whether a run of points from `firstTs` to `lastTs` lies inside one bucket of the range. */
  withinOneBucket(firstTs: number, lastTs: number): boolean {
    const b = this.bucketOf(firstTs);
    return b >= 0 && b === this.bucketOf(lastTs);
  }

  private take(b: number, ts: number, v: number): void {
    if (ts < this.earliest) this.earliest = ts;
    if (ts > this.latest) this.latest = ts;
    if (!(this.firstT[b]! <= ts)) { this.firstT[b] = ts; this.firstV[b] = v; }
    if (!(this.lastT[b]! >= ts)) { this.lastT[b] = ts; this.lastV[b] = v; }
    if (!(this.minV[b]! <= v)) { this.minV[b] = v; this.minT[b] = ts; }
    if (!(this.maxV[b]! >= v)) { this.maxV[b] = v; this.maxT[b] = ts; }
  }

  /**
   * The kept points in time order. The line breaks (a null) where two consecutive points are further apart
   * than five times the series' mean interval and two buckets: a sensor that went quiet shows as a gap,
   * not as a straight line across its silence.
   */
  result(): Downsampled {
    const ts: number[] = [];
    const values: (number | null)[] = [];
    const typical = this.count > 1 ? (this.latest - this.earliest) / (this.count - 1) : Infinity;
    const gap = Math.max(5 * typical, 2 * this.bucketMs);
    let prev = NaN;
    const push = (t: number, v: number) => {
      if (t === prev) return;
      if (t - prev > gap) {
        ts.push((t + prev) / 2);
        values.push(null);
      }
      ts.push(t);
      values.push(v);
      prev = t;
    };
    const four: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
    for (let b = 0; b < this.width; b++) {
      if (Number.isNaN(this.firstT[b]!)) continue;
      if (this.bars) {
        push(this.maxT[b]!, this.maxV[b]!);
        continue;
      }
      four[0] = [this.firstT[b]!, this.firstV[b]!];
      four[1] = [this.minT[b]!, this.minV[b]!];
      four[2] = [this.maxT[b]!, this.maxV[b]!];
      four[3] = [this.lastT[b]!, this.lastV[b]!];
      four.sort((x, y) => x[0] - y[0]);
      for (const [t, v] of four) push(t, v);
    }
    return { ts, values, points: this.count };
  }
}
