import type { FieldGetter } from '../lib/field-path.js';
import type { Observation } from './judge.js';
import type { RuleConfig } from './config.js';

/** One reading of one sensor, as a rule sees it. */
export interface Reading {
  /** Event time (the record's time field). */
  ts: number;
  /** Journal time of the batch the reading came in. */
  arrival: number;
  /** Journal time of the sensor's previous reading, if any. */
  previousArrival: number | undefined;
  /** Event time of the sensor's previous reading, if any. */
  previousTs: number | undefined;
  record: { readonly [field: string]: unknown };
}

/** What a rule remembers per sensor between readings (JSON, part of the node's snapshot). */
export interface RuleMemory {
  prev?: { ts: number; value: number };
}

/** A compiled rule: turns readings (and, for silence, ticks) into observations for the life cycle. */
export interface Rule {
  readonly id: string;
  readonly config: RuleConfig;
  /** The limit in words for messages. */
  readonly limit: string;
  readonly sustainMs: number;
  readonly defaultMessage: string;
  /** The numeric field a reading must carry for this rule, if it reads one. */
  readonly field?: { path: string; get: FieldGetter };
  reading(memory: RuleMemory, reading: Reading): Observation | undefined;
  /**
   * Silence rules: judges the time since the sensor's last reading. On the `arrival` clock `last` and
   * `now` are journal times (called on ticks); on the `event` clock they are event times: the sensor's
   * latest reading and the newest reading of any sensor (called after each batch).
   */
  tick?(last: number, now: number): Observation | undefined;
  /** Silence rules: the earliest `now` at which `tick(last, now)` fires. */
  silentFrom?(last: number): number;
  readonly clock?: 'arrival' | 'event';
}
