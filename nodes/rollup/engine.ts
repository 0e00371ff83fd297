import type { DataRecord } from '../../server/core/types.js';
import { showValue, type FieldGetter } from '../lib/field-path.js';
import { FieldAcc, Pane, type FieldSpec } from './accumulator.js';
import type { KeyReader } from './keys.js';
import { restoreState, snapshotState, type RollupState } from './snapshot.js';
import type { WindowGrid } from './window-grid.js';

export interface CompareSpec {
  windowsAgo: number;
  columns: string[];
}

export interface RollupSettings {
  nodeId: string;
  grid: WindowGrid;
  timeField: string;
  getTs: FieldGetter;
  keyFields: readonly string[];
  keys: KeyReader;
  fields: readonly FieldSpec[];
  allowedLateness: number;
  lateRecords: 'late' | 'update';
  /** Update mode: how long past the watermark a closed window still takes late records. */
  updateHorizon: number;
  /** 0 = windows close only when the watermark passes them. */
  idleTimeout: number;
  maxKeys: number;
  compare: readonly CompareSpec[];
}

export type RollupOutput = {
  out: DataRecord[];
  late: DataRecord[];
  invalid: DataRecord[];
  overflow: DataRecord[];
};

interface PendingRow {
  window: number;
  key: string;
  row: DataRecord;
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'none');

/**
 * The windowing state machine. Windows are numbered by slot (see WindowGrid); `closed` is the
 * highest window number already closed: every window at or below it has been emitted (or had no
 * record). Windows close as soon as the watermark reaches their end, record by record, so which
 * records are late does not depend on how records were batched.
 */
export class RollupEngine {
  private maxTs = -Infinity;
  private watermark = -Infinity;
  private closed = -Infinity;
  /** Records in slots below this belong to at least one closed window. */
  private lateBelow = -Infinity;
  /** The watermark at which window `closed + 1` ends. */
  private nextCloseAt = -Infinity;
  private lastArrival = -Infinity;
  private overflowed = 0;
  private readonly slots = new Map<number, Map<string, Pane>>();
  /** Slot numbers present in `slots`, ascending. */
  private activeSlots: number[] = [];
  /** Panes held per key: its size is what `maxKeys` bounds. */
  private readonly keyPanes = new Map<string, number>();
  /** Compared column values of emitted rows, per window then key. */
  private readonly history = new Map<number, Map<string, (number | null)[]>>();
  private readonly compareColumns: string[];
  private readonly maxWindowsAgo: number;
  private readonly values: unknown[];
  // The slot of the previous record: consecutive records usually share it.
  private curSlot = NaN;
  private curPanes: Map<string, Pane> | undefined;

  constructor(private readonly s: RollupSettings) {
    this.compareColumns = [...new Set(s.compare.flatMap((c) => c.columns))];
    this.maxWindowsAgo = Math.max(0, ...s.compare.map((c) => c.windowsAgo));
    this.values = new Array<unknown>(s.fields.length);
  }

  /** `arrival` is the journal time of the batch: what the idle timeout measures from. */
  process(batch: readonly DataRecord[], arrival: number): RollupOutput {
    const out: PendingRow[] = [];
    const res: RollupOutput = { out: [], late: [], invalid: [], overflow: [] };
    const reemit = new Map<number, Set<string>>();
    const { grid, getTs, fields } = this.s;
    const values = this.values;
    records: for (let r = 0; r < batch.length; r++) {
      const record = batch[r]!;
      const ts = record !== null && typeof record === 'object' ? getTs(record) : undefined;
      if (typeof ts !== 'number' || !Number.isFinite(ts)) {
        res.invalid.push(this.invalid(record, this.timeProblem(record, ts)));
        continue;
      }
      for (let f = 0; f < fields.length; f++) {
        const v = fields[f]!.get(record);
        if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
          res.invalid.push(this.invalid(record, `${fields[f]!.path}: expected a finite number, got ${showValue(v)}`));
          continue records;
        }
        values[f] = v;
      }
      if (ts > this.maxTs) {
        this.maxTs = ts;
        this.watermark = ts - this.s.allowedLateness;
        if (this.watermark >= this.nextCloseAt) this.closeThrough(grid.slotOf(this.watermark) - grid.n, out);
      }
      const slot = grid.slotOf(ts);
      if (slot < this.lateBelow) {
        this.late(record, ts, slot, res, reemit);
        continue;
      }
      const pane = this.paneFor(slot, record);
      if (pane === undefined) res.overflow.push(this.overflowRecord(record));
      else this.add(pane, ts);
    }
    if (batch.length > 0) this.lastArrival = arrival;
    for (const window of [...reemit.keys()].sort((a, b) => a - b)) this.emitWindow(window, out, reemit.get(window));
    res.out = sortRows(out);
    return res;
  }

  /** Idle close: when no batch arrived for `idleTimeout`, every window holding records closes. */
  tick(now: number): DataRecord[] {
    if (this.s.idleTimeout === 0 || now - this.lastArrival < this.s.idleTimeout) return [];
    const last = this.activeSlots[this.activeSlots.length - 1];
    if (last === undefined || last <= this.closed) return [];
    const out: PendingRow[] = [];
    this.closeThrough(last, out);
    return sortRows(out);
  }

  snapshot(): RollupState {
    return snapshotState({
      maxTs: this.maxTs, closed: this.closed, lastArrival: this.lastArrival, overflowed: this.overflowed,
      slots: this.slots, history: this.history,
    });
  }

  restore(saved: unknown): void {
    const st = restoreState(saved, this.s.fields);
    this.maxTs = st.maxTs;
    this.watermark = st.maxTs - this.s.allowedLateness;
    this.lastArrival = st.lastArrival;
    this.overflowed = st.overflowed;
    this.slots.clear();
    this.keyPanes.clear();
    for (const [slot, panes] of st.slots) {
      this.slots.set(slot, panes);
      for (const key of panes.keys()) this.keyPanes.set(key, (this.keyPanes.get(key) ?? 0) + 1);
    }
    this.activeSlots = [...this.slots.keys()].sort((a, b) => a - b);
    this.history.clear();
    for (const [window, rows] of st.history) this.history.set(window, rows);
    this.setClosed(st.closed);
    this.curSlot = NaN;
    this.curPanes = undefined;
  }

  /** Live figures for the node's `state` query. */
  stats(): { watermark: number | null; closedThrough: number | null; openSlots: number; keys: number; overflowed: number } {
    return {
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      closedThrough: Number.isFinite(this.closed) ? this.s.grid.startOf(this.closed + this.s.grid.n) : null,
      openSlots: this.activeSlots.length, keys: this.keyPanes.size, overflowed: this.overflowed,
    };
  }

  private setClosed(closed: number): void {
    this.closed = closed;
    this.lateBelow = closed + this.s.grid.n;
    this.nextCloseAt = Number.isFinite(closed) ? this.s.grid.startOf(closed + 1 + this.s.grid.n) : -Infinity;
  }

  /** Closes windows up to `through`, emitting those that hold records, oldest first. */
  private closeThrough(through: number, out: PendingRow[]): void {
    if (through <= this.closed) return;
    const n = this.s.grid.n;
    const windows = new Set<number>();
    for (const slot of this.activeSlots) {
      const hi = Math.min(slot, through);
      for (let j = Math.max(slot - n + 1, this.closed + 1); j <= hi; j++) windows.add(j);
    }
    this.setClosed(through);
    for (const j of [...windows].sort((a, b) => a - b)) this.emitWindow(j, out);
    this.prune();
  }

  private emitWindow(window: number, out: PendingRow[], only?: Set<string>): void {
    const n = this.s.grid.n;
    const panesOf: Map<string, Pane>[] = [];
    for (let slot = window; slot < window + n; slot++) {
      const panes = this.slots.get(slot);
      if (panes !== undefined && panes.size > 0) panesOf.push(panes);
    }
    let keys: string[];
    if (only !== undefined) keys = [...only];
    else if (panesOf.length === 1) keys = [...panesOf[0]!.keys()];
    else keys = [...new Set(panesOf.flatMap((p) => [...p.keys()]))];
    keys.sort();
    const start = this.s.grid.startOf(window);
    const end = this.s.grid.startOf(window + n);
    for (const key of keys) {
      const panes: Pane[] = [];
      for (const p of panesOf) {
        const pane = p.get(key);
        if (pane !== undefined) panes.push(pane);
      }
      if (panes.length > 0) out.push({ window, key, row: this.row(window, key, start, end, panes) });
    }
  }

  private row(window: number, key: string, start: number, end: number, panes: Pane[]): DataRecord {
    const row: { [column: string]: unknown } = { window_start: start, window_end: end };
    const keyValues = panes[0]!.keyValues;
    for (let i = 0; i < this.s.keyFields.length; i++) row[this.s.keyFields[i]!] = keyValues[i];
    let count = 0;
    for (const p of panes) count += p.count;
    row.count = count;
    for (let f = 0; f < this.s.fields.length; f++) {
      const spec = this.s.fields[f]!;
      const acc = panes.length === 1 ? panes[0]!.fields[f]! : mergeField(spec, panes, f);
      for (const c of spec.columns) row[c.name] = acc.value(c.aggregate);
    }
    if (this.compareColumns.length > 0) this.compareWithEarlier(window, key, row);
    return row;
  }

  private compareWithEarlier(window: number, key: string, row: { [column: string]: unknown }): void {
    const current = this.compareColumns.map((c) => (typeof row[c] === 'number' ? (row[c] as number) : null));
    for (const { windowsAgo, columns } of this.s.compare) {
      const earlier = this.history.get(window - windowsAgo)?.get(key);
      for (const c of columns) {
        const now = current[this.compareColumns.indexOf(c)]!;
        const then = earlier?.[this.compareColumns.indexOf(c)] ?? null;
        row[`${c}_prev${windowsAgo}`] = then;
        row[`${c}_diff${windowsAgo}`] = now !== null && then !== null ? now - then : null;
      }
    }
    let rows = this.history.get(window);
    if (rows === undefined) this.history.set(window, (rows = new Map()));
    rows.set(key, current);
  }

  /** Drops panes no window can use any more, and history no emitted row can refer to. */
  private prune(): void {
    const { grid, lateRecords, updateHorizon } = this.s;
    let drop = 0;
    while (drop < this.activeSlots.length) {
      const slot = this.activeSlots[drop]!;
      if (slot > this.closed) break;
      if (lateRecords === 'update' && grid.startOf(slot + grid.n) + updateHorizon > this.watermark) break;
      for (const key of this.slots.get(slot)!.keys()) {
        const held = this.keyPanes.get(key)! - 1;
        if (held === 0) this.keyPanes.delete(key);
        else this.keyPanes.set(key, held);
      }
      this.slots.delete(slot);
      drop++;
    }
    if (drop > 0) {
      this.activeSlots = this.activeSlots.slice(drop);
      this.curSlot = NaN;
      this.curPanes = undefined;
    }
    if (this.history.size === 0) return;
    const oldest = this.activeSlots.length > 0 ? Math.min(this.activeSlots[0]! - grid.n + 1, this.closed + 1) : this.closed + 1;
    for (const window of this.history.keys()) if (window < oldest - this.maxWindowsAgo) this.history.delete(window);
  }

  private paneFor(slot: number, record: DataRecord): Pane | undefined {
    if (slot !== this.curSlot) {
      let panes = this.slots.get(slot);
      if (panes === undefined) {
        this.slots.set(slot, (panes = new Map()));
        insertSorted(this.activeSlots, slot);
      }
      this.curSlot = slot;
      this.curPanes = panes;
    }
    const key = this.s.keys.keyOf(record);
    let pane = this.curPanes!.get(key);
    if (pane === undefined) {
      const held = this.keyPanes.get(key);
      if (held === undefined && this.keyPanes.size >= this.s.maxKeys) return undefined;
      pane = Pane.empty(this.s.keys.valuesOf(record), this.s.fields);
      this.curPanes!.set(key, pane);
      this.keyPanes.set(key, (held ?? 0) + 1);
    }
    return pane;
  }

  /** Adds the record whose field values are in `this.values`. */
  private add(pane: Pane, ts: number): void {
    pane.count++;
    const values = this.values;
    for (let f = 0; f < values.length; f++) {
      const v = values[f];
      if (typeof v === 'number') pane.fields[f]!.add(v, ts);
    }
  }

  /**
   * A record in a slot some of whose windows are closed. Its open windows (hopping) take it;
   * in update mode, closed windows within the update horizon take it too and are emitted again.
   * It goes to `late` when at least one of its windows could not take it.
   */
  private late(record: DataRecord, ts: number, slot: number, res: RollupOutput, reemit: Map<number, Set<string>>): void {
    const { grid, lateRecords, updateHorizon } = this.s;
    const accepted: number[] = [];
    const missed: number[] = [];
    for (let j = slot - grid.n + 1; j <= Math.min(slot, this.closed); j++) {
      if (lateRecords === 'update' && grid.startOf(j + grid.n) + updateHorizon > this.watermark) accepted.push(j);
      else missed.push(j);
    }
    if (slot > this.closed || accepted.length > 0) {
      const pane = this.paneFor(slot, record);
      if (pane === undefined) {
        res.overflow.push(this.overflowRecord(record));
        return;
      }
      this.add(pane, ts);
      const key = this.s.keys.keyOf(record);
      for (const j of accepted) {
        let keys = reemit.get(j);
        if (keys === undefined) reemit.set(j, (keys = new Set()));
        keys.add(key);
      }
    }
    if (missed.length > 0) res.late.push({ record, reason: this.lateReason(missed), node: this.s.nodeId });
  }

  private lateReason(missed: number[]): string {
    const { grid, lateRecords } = this.s;
    const span = (j: number) => `[${iso(grid.startOf(j))}, ${iso(grid.startOf(j + grid.n))})`;
    const which = missed.length === 1 ? `window ${span(missed[0]!)} is` : `windows ${span(missed[0]!)} to ${span(missed[missed.length - 1]!)} are`;
    const past = lateRecords === 'update' ? ' and past the update horizon' : '';
    return `${which} already closed${past} (watermark ${iso(this.watermark)})`;
  }

  private timeProblem(record: DataRecord, ts: unknown): string {
    if (record === null || typeof record !== 'object') return `(record): expected an object, got ${showValue(record)}`;
    if (ts === undefined || ts === null) return `${this.s.timeField}: missing`;
    return `${this.s.timeField}: expected epoch milliseconds, got ${showValue(ts)}`;
  }

  private invalid(record: DataRecord, reason: string): DataRecord {
    return { record, reason, node: this.s.nodeId };
  }

  private overflowRecord(record: DataRecord): DataRecord {
    this.overflowed++;
    const key = JSON.stringify(Object.fromEntries(this.s.keyFields.map((f, i) => [f, this.s.keys.valuesOf(record)[i]])));
    return { record, reason: `max keys ${this.s.maxKeys} reached: key ${key} is not aggregated`, node: this.s.nodeId };
  }
}

function mergeField(spec: FieldSpec, panes: Pane[], f: number): FieldAcc {
  const acc = new FieldAcc(spec);
  for (const p of panes) acc.merge(p.fields[f]!);
  return acc;
}

function insertSorted(list: number[], value: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1]! > value) i--;
  list.splice(i, 0, value);
}

/** Rows by window, then key (UTF-16 code-unit order); a stable sort keeps a re-emission after the first row. */
function sortRows(rows: PendingRow[]): DataRecord[] {
  rows.sort((a, b) => a.window - b.window || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows.map((r) => r.row);
}
