import type { FieldGetter } from '../lib/field-path.js';
import { QuantileSketch, type SketchState } from './quantile-sketch.js';

export const AGGREGATES = ['count', 'sum', 'mean', 'min', 'max', 'first', 'last', 'stddev', 'p50', 'p95', 'p99', 'interval'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
const QUANTILES: { [a: string]: number } = { p50: 0.5, p95: 0.95, p99: 0.99 };

/** One aggregated field as compiled from the config: where to read it, which columns to emit. */
export interface FieldSpec {
  path: string;
  get: FieldGetter;
  columns: { name: string; aggregate: Aggregate }[];
  stddev: boolean;
  sketch: boolean;
}

/**
 * Running aggregates of one field in one pane (one key, one slot). Only finite numbers reach it.
 * `first`/`last` follow event time; equal times keep arrival order (first seen / last seen).
 * The standard deviation uses Welford's update and Chan's merge, so merged panes stay accurate.
 */
export class FieldAcc {
  n = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  firstTs = Infinity;
  first = 0;
  lastTs = -Infinity;
  last = 0;
  wMean = 0;
  m2 = 0;
  sketch: QuantileSketch | null;

  constructor(private readonly spec: FieldSpec) {
    this.sketch = spec.sketch ? new QuantileSketch() : null;
  }

  add(v: number, ts: number): void {
    this.n++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (ts < this.firstTs) {
      this.firstTs = ts;
      this.first = v;
    }
    if (ts >= this.lastTs) {
      this.lastTs = ts;
      this.last = v;
    }
    if (this.spec.stddev) {
      const d = v - this.wMean;
      this.wMean += d / this.n;
      this.m2 += d * (v - this.wMean);
    }
    if (this.sketch !== null) this.sketch.add(v);
  }

  /** Adds `o`, a pane of a later slot, into this one. */
  merge(o: FieldAcc): void {
    if (o.n === 0) return;
    const n = this.n + o.n;
    if (this.spec.stddev) {
      const d = o.wMean - this.wMean;
      this.m2 += o.m2 + (d * d * this.n * o.n) / n;
      this.wMean += (d * o.n) / n;
    }
    this.n = n;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    if (o.firstTs < this.firstTs) {
      this.firstTs = o.firstTs;
      this.first = o.first;
    }
    if (o.lastTs >= this.lastTs) {
      this.lastTs = o.lastTs;
      this.last = o.last;
    }
    if (this.sketch !== null && o.sketch !== null) this.sketch.merge(o.sketch);
  }

  value(aggregate: Aggregate): number | null {
    if (aggregate === 'count') return this.n;
    if (this.n === 0) return null;
    switch (aggregate) {
      case 'sum': return this.sum;
      case 'mean': return this.sum / this.n;
      case 'min': return this.min;
      case 'max': return this.max;
      case 'first': return this.first;
      case 'last': return this.last;
      case 'stddev': return this.n < 2 ? null : Math.sqrt(this.m2 / (this.n - 1));
      // The mean gap between consecutive values once sorted: the gaps add up to max − min.
      case 'interval': return this.n < 2 ? null : (this.max - this.min) / (this.n - 1);
      default: return this.sketch!.quantile(QUANTILES[aggregate]!);
    }
  }

  toJSON(): FieldAccState | null {
    if (this.n === 0) return null;
    return [this.n, this.sum, this.min, this.max, this.firstTs, this.first, this.lastTs, this.last, this.wMean, this.m2, this.sketch?.toJSON() ?? null];
  }

  static fromJSON(spec: FieldSpec, s: FieldAccState | null): FieldAcc {
    const acc = new FieldAcc(spec);
    if (s === null) return acc;
    [acc.n, acc.sum, acc.min, acc.max, acc.firstTs, acc.first, acc.lastTs, acc.last, acc.wMean, acc.m2] = s;
    if (s[10] !== null && spec.sketch) acc.sketch = QuantileSketch.fromJSON(s[10]);
    return acc;
  }
}

type FieldAccState = [number, number, number, number, number, number, number, number, number, number, SketchState | null];

/** What one key gathered in one slot: its record count and one accumulator per aggregated field. */
export class Pane {
  constructor(readonly keyValues: readonly unknown[], readonly fields: FieldAcc[], public count = 0) {}

  static empty(keyValues: readonly unknown[], specs: readonly FieldSpec[]): Pane {
    return new Pane(keyValues, specs.map((s) => new FieldAcc(s)));
  }

  toJSON(): PaneState {
    return [this.keyValues, this.count, this.fields.map((f) => f.toJSON())];
  }

  static fromJSON(specs: readonly FieldSpec[], [keyValues, count, fields]: PaneState): Pane {
    return new Pane(keyValues, specs.map((s, i) => FieldAcc.fromJSON(s, fields[i] ?? null)), count);
  }
}

export type PaneState = [readonly unknown[], number, (FieldAccState | null)[]];
