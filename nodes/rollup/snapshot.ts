import { Pane, type FieldSpec, type PaneState } from './accumulator.js';

/**
 * Snapshot format, version 1 (plain JSON; -Infinity, "nothing yet", is written as null):
 * `{ v: 1, maxTs, closed, lastArrival, overflowed, slots: [[slot, [[key, pane]…]]…], history: [[window, [[key, values]…]]…] }`
 * where a pane is `[keyValues, count, [field accumulators…]]`.
 */
export interface RollupState {
  v: 1;
  maxTs: number | null;
  closed: number | null;
  lastArrival: number | null;
  overflowed: number;
  slots: [number, [string, PaneState][]][];
  history: [number, [string, (number | null)[]][]][];
}

export interface LiveState {
  maxTs: number;
  closed: number;
  lastArrival: number;
  overflowed: number;
  slots: Map<number, Map<string, Pane>>;
  history: Map<number, Map<string, (number | null)[]>>;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const orMinusInfinity = (x: number | null): number => (x === null ? -Infinity : x);

export function snapshotState(st: LiveState): RollupState {
  return {
    v: 1,
    maxTs: finiteOrNull(st.maxTs),
    closed: finiteOrNull(st.closed),
    lastArrival: finiteOrNull(st.lastArrival),
    overflowed: st.overflowed,
    slots: [...st.slots].map(([slot, panes]) => [slot, [...panes].map(([key, pane]) => [key, pane.toJSON()])]),
    history: [...st.history].map(([window, rows]) => [window, [...rows].map(([key, values]) => [key, [...values]])]),
  };
}

export function restoreState(saved: unknown, specs: readonly FieldSpec[]): LiveState {
  const st = saved as RollupState;
  if (st === null || typeof st !== 'object' || st.v !== 1) {
    throw new Error(`rollup snapshot: expected format version 1, got ${JSON.stringify((st as { v?: unknown } | null)?.v)}`);
  }
  return {
    maxTs: orMinusInfinity(st.maxTs),
    closed: orMinusInfinity(st.closed),
    lastArrival: orMinusInfinity(st.lastArrival),
    overflowed: st.overflowed,
    slots: new Map(st.slots.map(([slot, panes]) => [slot, new Map(panes.map(([key, p]) => [key, Pane.fromJSON(specs, p)]))])),
    history: new Map(st.history.map(([window, rows]) => [window, new Map(rows.map(([key, values]) => [key, [...values]]))])),
  };
}
