/**
 * Per-sensor extremes over all time and over sliding windows, kept as plain JSON so a snapshot is a
 * copy. A sliding window is a run of fixed buckets (the minute: 60 one-second buckets; the hour: 60
 * one-minute buckets) ending with the bucket that holds "now"; each bucket keeps the sensor's extreme
 * reading in it, so the window's extreme is exact at bucket granularity with bounded memory.
 */

export type Order = 'highest' | 'lowest';
export type SlidingName = 'minute' | 'hour';
export type WindowName = 'all' | SlidingName;

export const SLIDING: { [w in SlidingName]: { bucketMs: number; buckets: number } } = {
  minute: { bucketMs: 1000, buckets: 60 },
  hour: { bucketMs: 60_000, buckets: 60 },
};

/** A reading that is a window's extreme: its value and event time. */
export type Extreme = [value: number, ts: number];
/** Sorted by bucket number; at most `buckets` entries. */
export type Buckets = [bucket: number, value: number, ts: number][];

export interface SensorState {
  all: Extreme | null;
  minute: Buckets;
  hour: Buckets;
  /** [below min, bucket 0, …, bucket n-1, above max]. */
  hist: number[];
}

/** Whether reading (v, ts) beats (w, wts): a more extreme value, or the same value earlier. */
export function beats(order: Order, v: number, ts: number, w: number, wts: number): boolean {
  if (v === w) return ts < wts;
  return order === 'highest' ? v > w : v < w;
}

/** The last bucket that has left a window at time `now`: buckets up to it no longer count. */
export function expiredUpTo(window: SlidingName, now: number): number {
  const { bucketMs, buckets } = SLIDING[window];
  return Math.floor(now / bucketMs) - buckets;
}

/** Records a reading in a window unless it is too old for it; true when the window changed. */
export function addToBuckets(list: Buckets, window: SlidingName, order: Order, v: number, ts: number, now: number): boolean {
  const bucket = Math.floor(ts / SLIDING[window].bucketMs);
  if (bucket <= expiredUpTo(window, now)) return false;
  let i = list.length - 1;
  while (i >= 0 && list[i]![0] > bucket) i--;
  const entry = list[i];
  if (entry && entry[0] === bucket) {
    if (!beats(order, v, ts, entry[1], entry[2])) return false;
    entry[1] = v;
    entry[2] = ts;
    return true;
  }
  list.splice(i + 1, 0, [bucket, v, ts]);
  return true;
}

/** Drops buckets that left the window; the number dropped. */
export function expire(list: Buckets, upTo: number): number {
  let n = 0;
  while (n < list.length && list[n]![0] <= upTo) n++;
  if (n > 0) list.splice(0, n);
  return n;
}

export function extremeOf(list: Buckets, order: Order): Extreme | null {
  let best: Extreme | null = null;
  for (const [, v, ts] of list) if (!best || beats(order, v, ts, best[0], best[1])) best = [v, ts];
  return best;
}
