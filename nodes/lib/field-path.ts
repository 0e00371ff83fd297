import { numberText } from '../../server/core/json-text.js';
import type { DataRecord } from '../../server/core/types.js';

export type FieldGetter = (record: DataRecord) => unknown;

/**
 * Compiles a dotted path (`value`, `pos.lat`) once, so per-record access on the hot path is a
 * plain property read for the common single-segment case.
 */
export function fieldGetter(path: string): FieldGetter {
  const parts = path.split('.');
  if (parts.length === 1) {
    const key = path;
    return (record) => record[key];
  }
  return (record) => {
    let v: unknown = record;
    for (const part of parts) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as { [k: string]: unknown })[part];
    }
    return v;
  };
}

/** A short, single-line rendering of a value for error reasons. */
export function showValue(v: unknown): string {
  const big = numberText(v);
  if (big !== undefined) return big;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(v) ?? typeof v;
  } catch {
    // Cyclic or otherwise unserialisable values still deserve a readable reason.
    text = typeof v;
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
