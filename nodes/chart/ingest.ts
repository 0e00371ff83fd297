import type { DataRecord } from '../../server/core/types.js';
import { fieldGetter, showValue, type FieldGetter } from '../lib/field-path.js';
import { compileConditions, type Test } from '../dashboard/condition.js';
import { notANumber, numberOf, outOfRange, refused, timeOf } from '../dashboard/reading.js';
import { retentionMs, type ChartConfig } from './config.js';
import type { HistoryStore } from './history-store.js';

/** Series names longer than this are refused: a name is a legend line, not a payload. */
const MAX_KEY_LENGTH = 200;

export interface IngestCounts {
  /** Points written by this instance. */
  points: number;
  /** Readings sent to `invalid`. */
  refused: number;
  /** Of those, readings of series past the cap, and how many distinct series they named (bounded count). */
  capped: number;
  cappedSeries: number;
  lastReason: string | null;
}

/**
 * Turns a chart's readings into points of its history: each value field of each reading becomes one point
 * of the series `<series field value>[ <label>]`. What cannot be drawn leaves with the reason.
 */
export class ChartIngest {
  private readonly getTs: FieldGetter;
  private readonly getSeries: FieldGetter | undefined;
  private readonly values: { get: FieldGetter; field: string; suffix: string }[];
  private readonly cappedNames = new Set<string>();
  private readonly where: Test;
  readonly counts: IngestCounts = { points: 0, refused: 0, capped: 0, cappedSeries: 0, lastReason: null };

  constructor(
    private readonly cfg: ChartConfig,
    private readonly nodeId: string,
    private readonly store: HistoryStore,
    private readonly onPoint: (key: string, ts: number, v: number) => void,
  ) {
    this.getTs = fieldGetter(cfg.tsField);
    this.where = cfg.where.length ? compileConditions(cfg.where) : () => true;
    this.getSeries = cfg.seriesField ? fieldGetter(cfg.seriesField) : undefined;
    const several = cfg.values.length > 1;
    this.values = cfg.values.map((v) => ({
      get: fieldGetter(v.field), field: v.field, suffix: several || !this.getSeries ? v.label || v.field : '',
    }));
  }

  /** Writes the batch's points; returns the readings that cannot be shown, with the reason. */
  take(batch: readonly DataRecord[], now: number): DataRecord[] {
    const invalid: DataRecord[] = [];
    const keep = retentionMs(this.cfg);
    for (const r of batch) {
      if (!this.where(r)) continue;
      const reason = this.one(r, now, keep);
      if (reason === undefined) continue;
      invalid.push(refused(r, reason, this.nodeId));
      this.counts.refused++;
      this.counts.lastReason = reason;
    }
    return invalid;
  }

  private one(r: DataRecord, now: number, keep: number): string | undefined {
    const ts = timeOf(this.cfg.tsField, this.getTs(r));
    if (typeof ts === 'string') return ts;
    const late = outOfRange(this.cfg.tsField, ts, now, this.cfg.futureMs, keep);
    if (late) return late;
    let base = '';
    if (this.getSeries) {
      const s = this.getSeries(r);
      if (typeof s !== 'string' && typeof s !== 'number') return `${this.cfg.seriesField}: expected the series name (a string or a number), got ${showValue(s)}`;
      base = String(s);
      if (base === '') return `${this.cfg.seriesField}: empty; it names the series`;
    }
    const points: [string, number][] = [];
    for (const v of this.values) {
      const raw = v.get(r);
      if (raw === null) continue;
      const n = numberOf(raw);
      if (n === undefined) return raw === undefined ? `${v.field}: missing` : notANumber(v.field, raw);
      const key = base && v.suffix ? `${base} ${v.suffix}` : base || v.suffix;
      if (key.length > MAX_KEY_LENGTH) return `${this.cfg.seriesField}: a series name of ${key.length} characters; at most ${MAX_KEY_LENGTH}`;
      points.push([key, n]);
    }
    for (const [key] of points) {
      if (this.store.has(key) || this.store.seriesCount < this.cfg.maxSeries) continue;
      this.counts.capped++;
      if (this.cappedNames.size < 100_000) this.cappedNames.add(key);
      this.counts.cappedSeries = this.cappedNames.size;
      return `series "${key}" is beyond the chart's cap of ${this.cfg.maxSeries} series (maxSeries); it is not shown`;
    }
    // Milliseconds: two readings of a series within one millisecond show as the later one.
    const at = Math.round(ts);
    for (const [key, n] of points) {
      this.store.put(key, at, n);
      this.onPoint(key, at, n);
      this.counts.points++;
    }
    return undefined;
  }
}
