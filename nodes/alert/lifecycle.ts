import type { Observation } from './judge.js';
import type { RuleMemory } from './rule.js';

/**
 * Where one rule stands for one sensor:
 * - `clear`: the condition does not hold;
 * - `pending`: it holds since `since` and must be sustained before the alert fires;
 * - `firing`: the alert is open (firing or acknowledged);
 * - `latched`: the alert was resolved by hand while the condition still held; no new alert fires until
 *   the value has cleared (with hysteresis) and the condition returns.
 */
export type Phase = 'clear' | 'pending' | 'firing' | 'latched';

export interface OpenAlert {
  id: string;
  firedAt: number;
  message: string;
  /** The node has emitted the acknowledgement made through the API. */
  acknowledged: boolean;
}

export interface Slot extends RuleMemory {
  phase: Phase;
  since?: number;
  alert?: OpenAlert;
  /** The last alert id this slot fired, to keep ids unique when two fires share a timestamp. */
  lastId?: string;
}

export type Step = 'fire' | 'resolve' | undefined;

/**
 * Moves the slot for one observation and says whether an alert fires or resolves. Firing and resolving
 * themselves (ids, store, emitted records) are the engine's; this is only the decision.
 */
export function step(slot: Slot, obs: Observation, sustainMs: number): Step {
  if (obs.verdict === 'fire') {
    if (slot.phase === 'clear') {
      if (sustainMs === 0) return 'fire';
      slot.phase = 'pending';
      slot.since = obs.at;
      return undefined;
    }
    return slot.phase === 'pending' && obs.at - slot.since! >= sustainMs ? 'fire' : undefined;
  }
  if (slot.phase === 'pending') {
    slot.phase = 'clear';
    delete slot.since;
    return undefined;
  }
  if (obs.verdict === 'hold') return undefined;
  if (slot.phase === 'firing') return 'resolve';
  if (slot.phase === 'latched') {
    slot.phase = 'clear';
    delete slot.alert;
  }
  return undefined;
}
