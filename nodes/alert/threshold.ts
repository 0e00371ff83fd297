import { fieldGetter } from '../lib/field-path.js';
import type { RuleConfig } from './config.js';
import { compare, describe, type Comparison } from './judge.js';
import type { Rule } from './rule.js';

export function comparisonOf(config: RuleConfig): Comparison {
  return config.op === 'outside'
    ? { op: 'outside', low: config.band!.low, high: config.band!.high, hysteresis: config.hysteresis }
    : { op: config.op, value: config.value!, hysteresis: config.hysteresis };
}

/** Fires while the field is beyond the limit; resolves once it is back by the hysteresis. */
export function thresholdRule(config: RuleConfig): Rule {
  const comparison = comparisonOf(config);
  const get = fieldGetter(config.field);
  return {
    id: config.id, config, sustainMs: config.sustainMs, limit: describe(comparison),
    defaultMessage: '{sensor}: {field} {value} ({limit})',
    field: { path: config.field, get },
    reading(_memory, reading) {
      const value = get(reading.record) as number;
      return { verdict: compare(comparison, value), at: reading.ts, value };
    },
  };
}
