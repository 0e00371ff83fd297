import type { DataRecord } from '../../server/core/types.js';
import type { FieldGetter } from '../lib/field-path.js';

export interface KeyReader {
  /** A string identifying the group; equal key values give equal strings, and no two differ only in type. */
  keyOf(record: DataRecord): string;
  /** The key values as emitted in rows; a missing field is null. */
  valuesOf(record: DataRecord): unknown[];
}

/**
 * Strings key themselves (the common case costs no allocation); every other value, and the rare
 * string starting with NUL, is NUL followed by its JSON, which no plain string key can equal.
 */
export function keyReader(getters: readonly FieldGetter[]): KeyReader {
  const valuesOf = (r: DataRecord): unknown[] => getters.map((g) => g(r) ?? null);
  if (getters.length === 0) return { keyOf: () => '', valuesOf };
  if (getters.length === 1) {
    const get = getters[0]!;
    return {
      keyOf(r) {
        const v = get(r);
        return typeof v === 'string' && v.charCodeAt(0) !== 0 ? v : `\u0000${JSON.stringify(v ?? null)}`;
      },
      valuesOf,
    };
  }
  return { keyOf: (r) => `\u0000${JSON.stringify(valuesOf(r))}`, valuesOf };
}
