/**
 * What widget queries and live updates answer: read by the dashboard in the browser and by renderers on
 * the server, so it imports nothing that needs Node.
 */
import type { Alert } from '../../server/core/services.js';
import type { Level } from './look.js';

/** A series downsampled for drawing: times and values in time order, null where the line breaks. */
export interface Downsampled {
  ts: number[];
  values: (number | null)[];
  /** Raw points the answer stands for. */
  points: number;
}

/** One series of a range answer: `color` is its index in order of first appearance (seriesColor in look.ts). */
export interface SeriesRange extends Downsampled {
  key: string;
  color: number;
}

/** A chart's `range` query. */
export interface RangeAnswer {
  from: number;
  to: number;
  width: number;
  /** The time one pixel column (bucket) covers. */
  bucketMs: number;
  series: SeriesRange[];
}

/** A chart's `histogram` query. */
export interface HistogramAnswer {
  series: string;
  from: number;
  to: number;
  count: number;
  below: number;
  above: number;
  buckets: { from: number; to: number; count: number }[];
}

export interface SeriesInfo {
  key: string;
  color: number;
  points: number;
  first: number | null;
  last: number | null;
  lastValue: number | null;
}

/** A chart's `series` query. */
export interface SeriesAnswer {
  series: SeriesInfo[];
  maxSeries: number;
  refusedSeries: number;
}

/** A chart's live update: new points per series since the last one. */
export interface ChartUpdate {
  points: { [key: string]: { color: number; ts: number[]; values: (number | null)[] } };
}

export interface StatTile {
  key: string;
  value: number | null;
  level: Level;
  at: number;
  stale: boolean;
}

/** A stat's `state` query and live update. */
export interface StatState {
  tiles: StatTile[];
  keys: number;
  /** For count and share: the keys that matched. */
  matched: number;
  /** Keys beyond the tiles shown (reduce `last` with many keys). */
  hidden: number;
  at: number;
}

/** A table's `rows` query and live update. */
export interface TableAnswer {
  rows: { [field: string]: unknown }[];
  total: number;
  at: number;
}

/** An alerts list's `alerts` query and live update. */
export interface AlertsAnswer {
  alerts: Alert[];
}
