import uPlot from 'uplot';
import type { ChartUpdate, RangeAnswer } from './types';

interface SeriesData {
  color: number;
  ts: number[];
  values: (number | null)[];
}

/**
 * What one chart draws: the downsampled history of its range, plus the live points that arrived since,
 * per series. Aligned for uPlot (one shared time axis) only when drawn.
 */
export class ChartData {
  private series = new Map<string, SeriesData>();

  replace(answer: RangeAnswer): void {
    this.series = new Map(answer.series.map((s) => [s.key, { color: s.color, ts: s.ts, values: s.values }]));
  }

  /** New points after each series' last one; the rest are in the history and come with the next fetch. */
  append(points: ChartUpdate['points']): boolean {
    let changed = false;
    for (const [key, p] of Object.entries(points)) {
      let s = this.series.get(key);
      if (!s) {
        s = { color: p.color, ts: [], values: [] };
        this.series.set(key, s);
      }
      const last = s.ts.length ? s.ts[s.ts.length - 1]! : -Infinity;
      for (let i = 0; i < p.ts.length; i++) {
        if (p.ts[i]! <= last) continue;
        s.ts.push(p.ts[i]!);
        s.values.push(p.values[i]!);
        changed = true;
      }
    }
    return changed;
  }

  /** Drops points before `from` (a live chart's window slides on). */
  trim(from: number): void {
    for (const s of this.series.values()) {
      let k = 0;
      while (k < s.ts.length - 1 && s.ts[k + 1]! < from) k++;
      if (k > 0) {
        s.ts.splice(0, k);
        s.values.splice(0, k);
      }
    }
  }

  /** Series keys by name, numbers in names by value (sensor-2 before sensor-10); colours stay by first appearance. */
  keys(): string[] {
    return [...this.series.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  color(key: string): number {
    return this.series.get(key)?.color ?? 0;
  }

  /** Points of the longest series: past a few per pixel, the chart fetches its range again. */
  longest(): number {
    let n = 0;
    for (const s of this.series.values()) n = Math.max(n, s.ts.length);
    return n;
  }

  count(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.values.reduce<number>((c, v) => c + (v === null ? 0 : 1), 0);
    return n;
  }

  firstTs(): number | null {
    let t: number | null = null;
    for (const s of this.series.values()) if (s.ts.length && (t === null || s.ts[0]! < t)) t = s.ts[0]!;
    return t;
  }

  lastTs(): number | null {
    let t: number | null = null;
    for (const s of this.series.values()) if (s.ts.length && (t === null || s.ts[s.ts.length - 1]! > t)) t = s.ts[s.ts.length - 1]!;
    return t;
  }

  /** [times, series 1, series 2, …] on one time axis; a series' null stays a gap, alignment fillers are skipped. */
  aligned(keys: readonly string[]): uPlot.AlignedData {
    const tables = keys.map((k) => {
      const s = this.series.get(k)!;
      return [s.ts, s.values] as uPlot.AlignedData;
    });
    if (tables.length === 0) return [[]];
    if (tables.length === 1) return tables[0]!;
    return uPlot.join(tables);
  }
}
