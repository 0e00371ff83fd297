import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before it collects
 * again, in percent. V8's own factor (up to 4× while collections are cheap, as they are for ingestion, where
 * almost everything dies young) let a runtime at 30 MB of live data reach 100 MB of heap and 230 MB of RSS
 * under a flat-out MQTT stream, and keep growing over the run. At 30 % the same stream peaks 60–70 MB lower
 * and stays flat (`npm run bench -- h2h`); full collections run more often but mark concurrently on
 * another core.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 30;

export const isHeapGrowth = (percent: number): boolean => Number.isInteger(percent) && percent >= 0 && percent <= 1000;

/** Applies `percent` (0 keeps V8's own heuristics) to this process; called once at start, before the load. */
export function tuneHeapGrowth(percent = DEFAULT_HEAP_GROWTH_PERCENT): void {
  if (!isHeapGrowth(percent)) throw new RangeError(`heap growth must be a whole percent 0..1000, got ${percent}`);
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
