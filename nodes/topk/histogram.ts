/** Fixed-width buckets between `min` and `max` (the last bucket includes `max`), plus below/above counts. */
export interface HistogramSpec {
  min: number;
  max: number;
  buckets: number;
}

export const emptyHistogram = (spec: HistogramSpec): number[] => new Array<number>(spec.buckets + 2).fill(0);

/** Position in the counts array: 0 below `min`, 1..buckets inside, buckets + 1 above `max`. */
export function slotOf(spec: HistogramSpec, v: number): number {
  if (v < spec.min) return 0;
  if (v > spec.max) return spec.buckets + 1;
  return 1 + Math.min(spec.buckets - 1, Math.floor(((v - spec.min) / (spec.max - spec.min)) * spec.buckets));
}

export function describe(spec: HistogramSpec, counts: readonly number[]) {
  const width = (spec.max - spec.min) / spec.buckets;
  return {
    count: counts.reduce((a, b) => a + b, 0),
    below: counts[0]!,
    above: counts[spec.buckets + 1]!,
    buckets: counts.slice(1, spec.buckets + 1).map((count, i) => ({ from: spec.min + i * width, to: spec.min + (i + 1) * width, count })),
  };
}
