import type { Alert, AlertService } from '../../server/core/services.js';
import type { BatchMeta, DataRecord, Outputs } from '../../server/core/types.js';
import { fieldGetter, showValue, type FieldGetter } from '../lib/field-path.js';
import type { Observation } from './judge.js';
import { step, type OpenAlert, type Slot } from './lifecycle.js';
import { renderMessage } from './message.js';
import type { Rule } from './rule.js';

interface SensorState {
  /** Event time of the latest reading. */
  ts: number;
  /** Journal time of the latest reading. */
  arrival: number;
  slots: { [ruleId: string]: Slot };
  /** The `carry` fields of the latest reading. */
  carried?: { [field: string]: unknown };
}

export interface EngineState {
  sensors: { [sensor: string]: SensorState };
  /** Hand actions learnt from the store, emitted with the next batch or tick. */
  outbox: DataRecord[];
  /** Newest event time of any reading: "now" for silence rules on the event clock. */
  newest?: number;
}

export interface EngineOptions {
  flowId: string;
  nodeId: string;
  rules: Rule[];
  keyBy: string;
  timeField: string;
  /** Top-level fields of the latest reading copied into every emitted change. */
  carry?: readonly string[];
  store: AlertService;
}

type EmittedState = 'firing' | 'acknowledged' | 'resolved';

/**
 * The alert node's state: per sensor and rule a life-cycle slot. Decisions (fire, automatic resolve) are
 * taken from readings and journaled ticks only, so a replay takes them again identically; each is
 * recorded in the alert store, whose answer tells the node about acknowledgements and hand resolutions.
 */
export class AlertEngine {
  private sensors = new Map<string, SensorState>();
  private outbox: DataRecord[] = [];
  private newest: number | undefined;
  /** Sensors as they were before the current batch changed them, to undo a failed batch. */
  private undo: Map<string, SensorState | undefined> | undefined;
  private readonly keyOf: FieldGetter;
  private readonly tsOf: FieldGetter;
  private readonly rulesById: Map<string, Rule>;
  private readonly valueFields: { path: string; get: FieldGetter }[];
  private readonly silenceRules: Rule[];
  private readonly eventSilenceRules: Rule[];
  private readonly carry: readonly string[];
  /**
   * Per silence rule, a time before which no sensor whose slot is clear can fall silent: the scan of every
   * sensor waits for it. A reading can only lower it (the sensor's new silence starts later, but it may be
   * new, or clear again); anything else that changes slots (undo, restore, hand actions) forgets it.
   */
  private readonly due = new Map<string, number>();

  constructor(private readonly o: EngineOptions) {
    this.keyOf = fieldGetter(o.keyBy);
    this.tsOf = fieldGetter(o.timeField);
    this.rulesById = new Map(o.rules.map((r) => [r.id, r]));
    const fields = new Map(o.rules.flatMap((r) => (r.field ? [[r.field.path, r.field] as const] : [])));
    this.valueFields = [...fields.values()];
    this.silenceRules = o.rules.filter((r) => r.tick && r.clock !== 'event');
    this.eventSilenceRules = o.rules.filter((r) => r.tick && r.clock === 'event');
    this.carry = o.carry ?? [];
  }

  process(batch: readonly DataRecord[], meta: BatchMeta): Outputs {
    return this.atomically((out) => {
      const invalid: DataRecord[] = [];
      const late: DataRecord[] = [];
      for (const record of batch) {
        const reason = this.problems(record);
        if (reason) {
          invalid.push({ record, reason, node: this.o.nodeId });
          continue;
        }
        const key = String(this.keyOf(record));
        const ts = this.tsOf(record) as number;
        const sensor = this.edit(key);
        if (sensor && ts < sensor.ts) {
          late.push({ record, reason: `${this.o.timeField}: ${ts} is before ${sensor.ts}, the latest reading of ${this.o.keyBy} "${key}"`, node: this.o.nodeId });
          continue;
        }
        const reading = { ts, arrival: meta.ts, previousArrival: sensor?.arrival, previousTs: sensor?.ts, record };
        const current = sensor ?? this.added(key);
        current.ts = ts;
        current.arrival = meta.ts;
        if (this.carry.length > 0) current.carried = this.carried(record);
        if (this.newest === undefined || ts > this.newest) this.newest = ts;
        for (const rule of this.eventSilenceRules) this.lowerDue(rule, ts);
        for (const rule of this.silenceRules) this.lowerDue(rule, meta.ts);
        for (const rule of this.o.rules) {
          const slot = current.slots[rule.id]!;
          const obs = rule.reading(slot, reading);
          if (obs) this.apply(key, rule, slot, obs, out);
        }
      }
      if (this.eventSilenceRules.length > 0 && this.newest !== undefined) this.judgeEventSilence(this.newest, out);
      return { late, invalid };
    });
  }

  /** Silence on the event clock, after each batch: every sensor against the newest event time. */
  private judgeEventSilence(newest: number, out: DataRecord[]): void {
    for (const rule of this.eventSilenceRules) this.judgeSilence(rule, newest, (s) => s.ts, out);
  }

  /**
   * Fires the rule for every sensor silent at `now`, unless `now` is before the rule's due time. Only clear
   * slots are judged: a silence already firing (or resolved by hand) stays so until a reading.
   */
  private judgeSilence(rule: Rule, now: number, lastOf: (s: SensorState) => number, out: DataRecord[]): void {
    if (now < (this.due.get(rule.id) ?? -Infinity)) return;
    let next = Infinity;
    for (const [key, sensor] of this.sensors) {
      if (sensor.slots[rule.id]!.phase !== 'clear') continue;
      const obs = rule.tick!(lastOf(sensor), now);
      if (obs) this.apply(key, rule, this.edit(key)!.slots[rule.id]!, obs, out);
      if (sensor.slots[rule.id]!.phase === 'clear') next = Math.min(next, rule.silentFrom!(lastOf(sensor)));
    }
    this.due.set(rule.id, next);
  }

  private lowerDue(rule: Rule, last: number): void {
    const due = this.due.get(rule.id);
    if (due !== undefined) this.due.set(rule.id, Math.min(due, rule.silentFrom!(last)));
  }

  private carried(record: DataRecord): { [field: string]: unknown } {
    const fields: { [field: string]: unknown } = {};
    for (const f of this.carry) if (record[f] !== undefined) fields[f] = record[f];
    return fields;
  }

  tick(now: number): Outputs {
    return this.atomically((out) => {
      for (const rule of this.silenceRules) this.judgeSilence(rule, now, (s) => s.arrival, out);
      return {};
    });
  }

  /** A hand action on one of this node's alerts (from the store's `watch`); emitted with the next output. */
  handAction(alert: Alert): void {
    this.due.clear();
    const slot = this.sensors.get(alert.sensor)?.slots[alert.ruleId];
    const rule = this.rulesById.get(alert.ruleId);
    if (slot && rule) this.adopt(alert.sensor, rule, slot, alert, this.outbox);
  }

  /** Catches up with hand actions taken while the node was not watching (down, or replaying). */
  reconcile(): void {
    this.due.clear();
    for (const [key, sensor] of this.sensors) {
      for (const [ruleId, slot] of Object.entries(sensor.slots)) {
        const rule = this.rulesById.get(ruleId);
        const stored = slot.phase === 'firing' && slot.alert ? this.o.store.get(slot.alert.id) : undefined;
        if (rule && stored) this.adopt(key, rule, slot, stored, this.outbox);
      }
    }
  }

  /**
   * Per rule: how many sensors it watches and for how many its alert fired and the condition still
   * holds (open alerts, and alerts resolved by hand while the condition holds), with their share.
   * For a silence rule, the share of silent sensors.
   */
  summary(): { rule: string; kind: string; sensors: number; active: number; share: number }[] {
    return this.o.rules.map((rule) => {
      let active = 0;
      for (const sensor of this.sensors.values()) {
        const phase = sensor.slots[rule.id]?.phase;
        if (phase === 'firing' || phase === 'latched') active++;
      }
      const sensors = this.sensors.size;
      return { rule: rule.id, kind: rule.config.kind, sensors, active, share: sensors === 0 ? 0 : active / sensors };
    });
  }

  /** Alerts the node holds open, for the node's `open` query. */
  openAlerts(): { sensor: string; rule: string; phase: string; alert: OpenAlert | null }[] {
    const list = [];
    for (const [key, sensor] of this.sensors) {
      for (const [rule, slot] of Object.entries(sensor.slots)) {
        if (slot.phase !== 'clear') list.push({ sensor: key, rule, phase: slot.phase, alert: slot.alert ?? null });
      }
    }
    return list;
  }

  snapshot(): EngineState {
    const state: EngineState = { sensors: Object.fromEntries(this.sensors), outbox: this.outbox };
    if (this.newest !== undefined) state.newest = this.newest;
    return structuredClone(state);
  }

  restore(state: EngineState): void {
    this.sensors = new Map(Object.entries(structuredClone(state.sensors)));
    this.outbox = [...state.outbox];
    this.newest = state.newest;
    this.due.clear();
  }

  /** Runs one batch or tick; when it throws (the store failed), the node's state is as before. */
  private atomically(fn: (out: DataRecord[]) => Outputs): Outputs {
    const outboxBefore = this.outbox;
    const newestBefore = this.newest;
    const out = outboxBefore.slice();
    this.outbox = [];
    this.undo = new Map();
    try {
      const ports: Outputs = { out, ...fn(out) };
      return Object.fromEntries(Object.entries(ports).filter(([, records]) => records && records.length > 0));
    } catch (err) {
      for (const [key, before] of this.undo) {
        if (before) this.sensors.set(key, before);
        else this.sensors.delete(key);
      }
      this.outbox = outboxBefore;
      this.newest = newestBefore;
      this.due.clear();
      throw err;
    } finally {
      this.undo = undefined;
    }
  }

  private edit(key: string): SensorState | undefined {
    const sensor = this.sensors.get(key);
    if (this.undo && !this.undo.has(key)) this.undo.set(key, sensor && copySensor(sensor));
    return sensor;
  }

  private added(key: string): SensorState {
    const sensor: SensorState = { ts: 0, arrival: 0, slots: Object.fromEntries(this.o.rules.map((r) => [r.id, { phase: 'clear' }])) };
    this.sensors.set(key, sensor);
    return sensor;
  }

  private problems(record: DataRecord): string {
    if (record === null || typeof record !== 'object') return `(record): expected an object, got ${showValue(record)}`;
    const found: string[] = [];
    const key = this.keyOf(record);
    if (!((typeof key === 'string' && key.length > 0) || (typeof key === 'number' && Number.isFinite(key)))) {
      found.push(`${this.o.keyBy}: expected a sensor name (string or number), got ${showValue(key)}`);
    }
    const ts = this.tsOf(record);
    if (typeof ts !== 'number' || !Number.isFinite(ts)) found.push(`${this.o.timeField}: expected epoch milliseconds, got ${showValue(ts)}`);
    for (const f of this.valueFields) {
      const v = f.get(record);
      if (typeof v !== 'number' || !Number.isFinite(v)) found.push(`${f.path}: expected a finite number, got ${showValue(v)}`);
    }
    return found.join('; ');
  }

  private apply(key: string, rule: Rule, slot: Slot, obs: Observation, out: DataRecord[]): void {
    const next = step(slot, obs, rule.sustainMs);
    if (next === 'fire') this.fire(key, rule, slot, obs, out);
    else if (next === 'resolve') this.resolve(key, rule, slot, obs, out);
  }

  private fire(key: string, rule: Rule, slot: Slot, obs: Observation, out: DataRecord[]): void {
    const id = this.alertId(key, rule, slot, obs.at);
    const message = renderMessage(rule, { sensor: key, value: obs.value, state: 'firing' });
    const alert: OpenAlert = { id, firedAt: obs.at, message, acknowledged: false };
    const stored = this.o.store.record({
      kind: 'fired', alertId: id, flowId: this.o.flowId, nodeId: this.o.nodeId, ruleId: rule.id, sensor: key,
      severity: rule.config.severity, message, firedAt: obs.at, at: obs.at, value: obs.value,
    });
    slot.phase = 'firing';
    slot.alert = alert;
    slot.lastId = id;
    delete slot.since;
    out.push(this.emitted(key, rule, alert, 'firing', obs.at, obs.value, message));
    this.adopt(key, rule, slot, stored, out);
  }

  private resolve(key: string, rule: Rule, slot: Slot, obs: Observation, out: DataRecord[]): void {
    const alert = slot.alert!;
    const stored = this.o.store.record({
      kind: 'resolved', alertId: alert.id, flowId: this.o.flowId, nodeId: this.o.nodeId, ruleId: rule.id, sensor: key,
      severity: rule.config.severity, message: alert.message, firedAt: alert.firedAt, at: obs.at, value: obs.value,
    });
    // A hand resolution the node had not heard of yet wins: it is emitted instead of an automatic one.
    this.adopt(key, rule, slot, stored, out);
    if (slot.phase === 'firing') {
      const message = renderMessage(rule, { sensor: key, value: obs.value, state: 'resolved' });
      out.push(this.emitted(key, rule, alert, 'resolved', obs.at, obs.value, message));
    }
    slot.phase = 'clear';
    delete slot.alert;
  }

  /** Takes over what people did through the API: acknowledgement, and resolution by hand (which latches). */
  private adopt(key: string, rule: Rule, slot: Slot, stored: Alert, out: DataRecord[]): void {
    const alert = slot.alert;
    if (!alert || alert.id !== stored.id || slot.phase !== 'firing') return;
    if (stored.acknowledgedAt !== null && !alert.acknowledged) {
      alert.acknowledged = true;
      // Rendered for this transition: a template's `{state}` says acknowledged, not the firing it was written for.
      const message = renderMessage(rule, { sensor: key, value: stored.value, state: 'acknowledged' });
      out.push(this.emitted(key, rule, alert, 'acknowledged', stored.acknowledgedAt, null, message, stored.acknowledgedBy, stored.acknowledgeNote));
    }
    if (stored.resolution === 'manual') {
      slot.phase = 'latched';
      const message = renderMessage(rule, { sensor: key, value: stored.value, state: 'resolved' });
      out.push(this.emitted(key, rule, alert, 'resolved', stored.resolvedAt!, null, message, stored.resolvedBy, stored.resolveNote));
    }
  }

  /** `<flow>/<node>/<rule>/<sensor>/<firedAt>`, with `#2`, `#3`… when a sensor fires twice at the same time. */
  private alertId(key: string, rule: Rule, slot: Slot, at: number): string {
    const base = `${this.o.flowId}/${this.o.nodeId}/${rule.id}/${key}/${at}`;
    const last = slot.lastId;
    if (last === base) return `${base}#2`;
    if (last?.startsWith(`${base}#`)) return `${base}#${Number(last.slice(base.length + 1)) + 1}`;
    return base;
  }

  private emitted(
    sensor: string, rule: Rule, alert: OpenAlert, state: EmittedState, at: number, value: number | null, message: string,
    by: string | null = null, note: string | null = null,
  ): DataRecord {
    return {
      alertId: alert.id, flow: this.o.flowId, node: this.o.nodeId, rule: rule.id, kind: rule.config.kind, sensor, state,
      at, firedAt: alert.firedAt, value, severity: rule.config.severity, message, by, note,
      ...this.sensors.get(sensor)?.carried,
    };
  }
}

/**
 * A copy the batch's changes cannot reach, for undo: what the engine mutates in place is the sensor, its
 * slots and their open alert (acknowledged). structuredClone did the same at three quarters of the node's
 * time (`npm run bench -- alert`). `carried` and `prev` are replaced, never mutated, so they are shared.
 */
function copySensor(sensor: SensorState): SensorState {
  const slots: { [ruleId: string]: Slot } = {};
  for (const id in sensor.slots) {
    const slot = sensor.slots[id]!;
    slots[id] = slot.alert ? { ...slot, alert: { ...slot.alert } } : { ...slot };
  }
  return { ...sensor, slots };
}
