import type { Rule } from './rule.js';

export interface MessageValues {
  sensor: string;
  value: number | null;
  state: string;
}

function show(value: number | null): string {
  return value === null ? '' : String(Math.round(value * 1000) / 1000);
}

/** Fills `{sensor} {rule} {field} {value} {limit} {state} {severity}`; unknown placeholders stay as written. */
export function renderMessage(rule: Rule, v: MessageValues): string {
  const fields: { [name: string]: string } = {
    sensor: v.sensor, rule: rule.id, field: rule.config.field, value: show(v.value), limit: rule.limit,
    state: v.state, severity: rule.config.severity,
  };
  return (rule.config.message ?? rule.defaultMessage).replace(/\{(\w+)\}/g, (all, name: string) => fields[name] ?? all);
}
