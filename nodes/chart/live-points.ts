import type { ChartUpdate } from '../dashboard/answers.js';
import { M4 } from './m4.js';

/** Past this many points of one series between two live updates, they are downsampled (M4) to LIVE_WIDTH buckets. */
const LIVE_MAX = 2000;
const LIVE_WIDTH = 250;


/**
 * New points gathered between two live updates of a chart, per series, in bounded memory: a series
 * written at a million points a second still sends a few hundred points per update, its spikes kept.
 */
export class LivePoints {
  private series = new Map<string, { color: number; ts: number[]; values: number[] }>();

  add(key: string, color: number, ts: number, v: number): void {
    let s = this.series.get(key);
    if (!s) {
      s = { color, ts: [], values: [] };
      this.series.set(key, s);
    }
    s.ts.push(ts);
    s.values.push(v);
    if (s.ts.length > LIVE_MAX) this.compact(s);
  }

  /** The gathered points (time order per series), and a fresh start. */
  take(): ChartUpdate['points'] | undefined {
    if (this.series.size === 0) return undefined;
    const out: ChartUpdate['points'] = {};
    for (const [key, s] of this.series) {
      const order = s.ts.map((_, i) => i).sort((a, b) => s.ts[a]! - s.ts[b]!);
      out[key] = { color: s.color, ts: order.map((i) => s.ts[i]!), values: order.map((i) => s.values[i]!) };
    }
    this.series = new Map();
    return out;
  }

  private compact(s: { ts: number[]; values: number[] }): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of s.ts) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    const m4 = new M4(lo, hi + 1, LIVE_WIDTH);
    s.ts.forEach((t, i) => m4.add(t, s.values[i]!));
    const d = m4.result();
    s.ts = [];
    s.values = [];
    d.ts.forEach((t, i) => {
      const v = d.values[i];
      if (v !== null && v !== undefined) {
        s.ts.push(t);
        s.values.push(v);
      }
    });
  }
}
