import { fieldGetter } from '../lib/field-path.js';
import type { RuleConfig } from './config.js';
import { compare, describe } from './judge.js';
import type { Rule } from './rule.js';
import { comparisonOf } from './threshold.js';

const MINUTE = 60_000;

/**
 * Judges the change per minute between consecutive readings of a sensor, in event time. The first
 * reading, and a reading at the same time as the previous one, give no rate and change nothing.
 */
export function rateRule(config: RuleConfig): Rule {
  const comparison = comparisonOf(config);
  const get = fieldGetter(config.field);
  return {
    id: config.id, config, sustainMs: config.sustainMs, limit: `${describe(comparison)} per minute`,
    defaultMessage: '{sensor}: {field} changing by {value} per minute ({limit})',
    field: { path: config.field, get },
    reading(memory, reading) {
      const value = get(reading.record) as number;
      const prev = memory.prev;
      if (prev !== undefined && reading.ts === prev.ts) return undefined;
      memory.prev = { ts: reading.ts, value };
      if (prev === undefined) return undefined;
      const rate = ((value - prev.value) * MINUTE) / (reading.ts - prev.ts);
      return { verdict: compare(comparison, rate), at: reading.ts, value: rate };
    },
  };
}
