import type { DataRecord } from '../../server/core/types.js';
import type { FieldGetter } from '../lib/field-path.js';

/** Numbers compare as numbers, date strings as instants, other strings as text. */
function compare(a: unknown, b: unknown): number {
  const ta = typeof a === 'number' ? a : Date.parse(String(a));
  const tb = typeof b === 'number' ? b : Date.parse(String(b));
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta - tb;
  if (typeof a === 'string' && typeof b === 'string' && !(Number.isFinite(ta) && Number.isFinite(tb))) return a < b ? -1 : a > b ? 1 : 0;
  return 0;
}

/**
 * The highest cursor value among `current` and the records' cursor fields, kept in the API's own
 * format (an ISO string stays a string) so it can be sent back verbatim.
 */
export function maxCursor(current: unknown, records: readonly DataRecord[], field: FieldGetter): unknown {
  let max = current;
  for (const r of records) {
    const v = field(r);
    if (typeof v !== 'number' && typeof v !== 'string') continue;
    if (max === undefined || max === null || max === '' || compare(v, max) > 0) max = v;
  }
  return max;
}
