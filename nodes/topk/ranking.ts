import { beats, extremeOf, type Order, type SensorState, type WindowName } from './sensor-windows.js';

export interface Ranked {
  rank: number;
  sensor: string;
  value: number;
  ts: number;
}

/**
 * The `n` sensors with the most extreme reading in a window. Ties on the value go to the earlier
 * reading, then to the sensor id in code-point order, so a ranking never depends on arrival order.
 */
export function rank(sensors: ReadonlyMap<string, SensorState>, window: WindowName, order: Order, n: number): Ranked[] {
  const entries: { sensor: string; value: number; ts: number }[] = [];
  for (const [sensor, state] of sensors) {
    const e = window === 'all' ? state.all : extremeOf(state[window], order);
    if (e) entries.push({ sensor, value: e[0], ts: e[1] });
  }
  entries.sort((a, b) => {
    if (a.value !== b.value || a.ts !== b.ts) return beats(order, a.value, a.ts, b.value, b.ts) ? -1 : 1;
    return a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : 0;
  });
  return entries.slice(0, n).map((e, i) => ({ rank: i + 1, ...e }));
}

export function sameRanking(a: readonly Ranked[], b: readonly Ranked[]): boolean {
  return a.length === b.length && a.every((x, i) => x.sensor === b[i]!.sensor && x.value === b[i]!.value && x.ts === b[i]!.ts);
}
