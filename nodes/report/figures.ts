import type { Downsampled } from '../dashboard/answers.js';
import { M4 } from '../chart/m4.js';
import { DAY, MINUTE } from '../rollup/duration.js';
import { ZoneOffsets } from '../rollup/time-zone.js';
import { appliesAt, type LimitConfig, type QuantityConfig, type ReportConfig } from './config.js';
import type { ReportDataStore, SeriesRow } from './data-store.js';
import type { Period } from './period.js';

/** Sensors that went quiet within this long before the period still belong in its completeness table. */
export const KNOWN_SENSOR_LOOKBACK_MS = 7 * DAY;
/** Chart columns: M4 keeps each column's first, last, lowest and highest point, so the print loses no spike. */
export const CHART_COLUMNS = 800;

export interface Span {
  from: number;
  to: number;
}

export interface LimitFigures {
  limit: LimitConfig;
  /** Windows above the limit while it applied. */
  windows: number;
  durationMs: number;
  /** The longest run of consecutive windows above it. */
  longest: Span | null;
  peak: number | null;
  peakAt: number | null;
}

export interface SeriesFigures {
  sensor: string;
  /** Colour index (seriesColor): order of first appearance among the quantity's series, as on the dashboards. */
  color: number;
  windows: number;
  readings: number;
  expectedReadings: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  maxAt: number | null;
  limits: LimitFigures[];
  /** Windows above at least one limit that applied then. */
  aboveAny: number;
  /** Time without any window, and the stretches of at least `gapMinutes`, longest first. */
  missingMs: number;
  gaps: Span[];
  invalid: number;
  deadLettered: number;
  chart: Downsampled;
}

export interface TopValue {
  sensor: string;
  from: number;
  to: number;
  value: number;
}

export interface QuantityFigures {
  config: QuantityConfig;
  series: SeriesFigures[];
  mean: number | null;
  max: number | null;
  maxSensor: string | null;
  maxAt: number | null;
  readings: number;
  expectedReadings: number;
  top: TopValue[];
}

/** Energy or arithmetic, accumulated window by window. */
class Mean {
  private sum = 0;
  private weight = 0;
  constructor(private readonly energy: boolean) {}

  add(v: number, readings: number, durationMs: number): void {
    if (this.energy) {
      this.sum += 10 ** (v / 10) * durationMs;
      this.weight += durationMs;
    } else {
      this.sum += v * readings;
      this.weight += readings;
    }
  }

  merge(o: Mean): void {
    this.sum += o.sum;
    this.weight += o.weight;
  }

  get value(): number | null {
    if (this.weight <= 0) return null;
    return this.energy ? 10 * Math.log10(this.sum / this.weight) : this.sum / this.weight;
  }
}

/** Tracks one limit's exceedances over a series' windows in time order. */
class LimitTracker {
  windows = 0;
  durationMs = 0;
  longest: Span | null = null;
  peak: number | null = null;
  peakAt: number | null = null;
  private run: Span | null = null;

  constructor(readonly limit: LimitConfig) {}

  /** True when the window is above the limit. */
  take(start: number, end: number, value: number | null, minute: number): boolean {
    if (value === null || value <= this.limit.value || !appliesAt(this.limit, minute)) {
      this.close();
      return false;
    }
    this.windows++;
    this.durationMs += end - start;
    if (this.peak === null || value > this.peak) [this.peak, this.peakAt] = [value, start];
    if (this.run && this.run.to === start) this.run.to = end;
    else {
      this.close();
      this.run = { from: start, to: end };
    }
    return true;
  }

  close(): LimitFigures {
    if (this.run && (!this.longest || this.run.to - this.run.from > this.longest.to - this.longest.from)) this.longest = this.run;
    this.run = null;
    return { limit: this.limit, windows: this.windows, durationMs: this.durationMs, longest: this.longest, peak: this.peak, peakAt: this.peakAt };
  }
}

/** The k highest windows of a quantity, highest first (ties: earlier first, then sensor). */
class TopK {
  readonly items: TopValue[] = [];
  constructor(private readonly k: number) {}

  offer(sensor: string, from: number, to: number, value: number): void {
    if (this.k === 0) return;
    const full = this.items.length >= this.k;
    if (full && value <= this.items[this.items.length - 1]!.value) return;
    const item = { sensor, from, to, value };
    let i = this.items.findIndex((x) => value > x.value);
    if (i === -1) i = this.items.length;
    this.items.splice(i, 0, item);
    if (this.items.length > this.k) this.items.pop();
  }
}

export interface FigureInputs {
  cfg: ReportConfig;
  store: ReportDataStore;
  period: Period;
}

/**
 * Everything the report says about the data, in one pass over each series' windows of the period: means,
 * extremes, exceedances per limit (with the hours each applies), gaps, completeness, the top values and the
 * chart's M4 columns. Memory stays bounded by the number of series, whatever the period's length.
 */
export function computeFigures({ cfg, store, period }: FigureInputs): QuantityFigures[] {
  const zone = new ZoneOffsets(period.timeZone);
  const gapMs = cfg.gapMinutes * MINUTE;
  return cfg.quantities.map((q) => {
    const series = reportedSeries(cfg, store, q, period);
    const top = new TopK(cfg.topK);
    const total = new Mean(q.average === 'energy');
    let max: number | null = null;
    let maxSensor: string | null = null;
    let maxAt: number | null = null;
    const figures = series.map((s, color) => {
      const f = seriesFigures(s, color, q, period, store, zone, gapMs, top, total);
      if (f.max !== null && (max === null || f.max > max)) [max, maxSensor, maxAt] = [f.max, s.sensor, f.maxAt];
      return f;
    });
    const readings = figures.reduce((n, f) => n + f.readings, 0);
    const expectedReadings = figures.reduce((n, f) => n + f.expectedReadings, 0);
    return { config: q, series: figures, mean: total.value, max, maxSensor, maxAt, readings, expectedReadings, top: top.items };
  });
}

/** The quantity's series that belong in the report: seen in the period or the week before, or listed as expected. */
function reportedSeries(cfg: ReportConfig, store: ReportDataStore, q: QuantityConfig, period: Period): SeriesRow[] {
  const quantity = cfg.quantityField ? q.id : cfg.quantities[0]!.id;
  const known = store.series().filter((s) => s.quantity === quantity && store.hasWindows(s.id, period.from - KNOWN_SENSOR_LOOKBACK_MS, period.to));
  const named = new Set(known.map((s) => s.sensor));
  // An expected sensor never heard from has no series yet: id 0 reads nothing, and it sorts after the others.
  const missing = q.sensors.filter((s) => !named.has(s)).map((sensor) => ({ id: 0, quantity, sensor }));
  return [...known.sort((a, b) => a.id - b.id), ...missing];
}

function seriesFigures(
  s: SeriesRow, color: number, q: QuantityConfig, period: Period, store: ReportDataStore, zone: ZoneOffsets, gapMs: number, top: TopK, total: Mean,
): SeriesFigures {
  const mean = new Mean(q.average === 'energy');
  const limits = q.limits.map((l) => new LimitTracker(l));
  const chart = new M4(period.from, period.to, CHART_COLUMNS);
  const gaps: Span[] = [];
  let [windows, readings, missingMs, cursor, aboveAny] = [0, 0, 0, period.from, 0];
  let [min, max, maxAt] = [null as number | null, null as number | null, null as number | null];
  const rows = s.id === 0 ? [] : store.windows(s.id, period.from, period.to);
  for (const [start, rawEnd, value, count] of rows) {
    const end = Math.max(rawEnd, start);
    windows++;
    readings += count;
    if (start > cursor) {
      missingMs += start - cursor;
      if (start - cursor >= gapMs) gaps.push({ from: cursor, to: start });
    }
    cursor = Math.max(cursor, Math.min(end, period.to));
    const minute = Math.floor((((start + zone.at(start)) % DAY) + DAY) % DAY / MINUTE);
    let above = false;
    for (const l of limits) above = l.take(start, end, value, minute) || above;
    if (above) aboveAny++;
    if (value === null) continue;
    mean.add(value, count, end - start);
    if (min === null || value < min) min = value;
    if (max === null || value > max) [max, maxAt] = [value, start];
    chart.add(start, value);
    top.offer(s.sensor, start, end, value);
  }
  if (period.to > cursor) {
    missingMs += period.to - cursor;
    if (period.to - cursor >= gapMs) gaps.push({ from: cursor, to: period.to });
  }
  total.merge(mean);
  gaps.sort((a, b) => b.to - b.from - (a.to - a.from) || a.from - b.from);
  return {
    sensor: s.sensor, color, windows, readings, expectedReadings: Math.round((period.to - period.from) / q.readingEveryMs),
    mean: mean.value, min, max, maxAt, limits: limits.map((l) => l.close()), aboveAny, missingMs, gaps, invalid: 0, deadLettered: 0, chart: chart.result(),
  };
}
