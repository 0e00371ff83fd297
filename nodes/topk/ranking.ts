import { beats, extremeOf, type Order, type SensorState, type WindowName } from './sensor-windows.js';

export interface Ranked {
  rank: number;
  sensor: string;
  value: number;
  ts: number;
}

type Entry = { sensor: string; value: number; ts: number };

/** Whether `a` ranks before `b`: the more extreme value, then the earlier reading, then the lower sensor id. */
function before(order: Order, a: Entry, b: Entry): boolean {
  if (a.value !== b.value || a.ts !== b.ts) return beats(order, a.value, a.ts, b.value, b.ts);
  return a.sensor < b.sensor;
}

/**
 * The `n` sensors with the most extreme reading in a window. Ties on the value go to the earlier
 * reading, then to the sensor id in code-point order, so a ranking never depends on arrival order.
 * A bounded insertion keeps the cost near one comparison per sensor when n is small.
 */
export function rank(sensors: ReadonlyMap<string, SensorState>, window: WindowName, order: Order, n: number): Ranked[] {
  const best: Entry[] = [];
  for (const [sensor, state] of sensors) {
    const e = window === 'all' ? state.all : extremeOf(state[window], order);
    if (!e) continue;
    const entry = { sensor, value: e[0], ts: e[1] };
    if (best.length === n && !before(order, entry, best[n - 1]!)) continue;
    let i = best.length;
    while (i > 0 && before(order, entry, best[i - 1]!)) i--;
    best.splice(i, 0, entry);
    if (best.length > n) best.pop();
  }
  return best.map((e, i) => ({ rank: i + 1, ...e }));
}

export function sameRanking(a: readonly Ranked[], b: readonly Ranked[]): boolean {
  return a.length === b.length && a.every((x, i) => x.sensor === b[i]!.sensor && x.value === b[i]!.value && x.ts === b[i]!.ts);
}
