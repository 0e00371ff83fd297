import { numberText } from '../../../server/core/json-text.js';
import type { DataRecord } from '../../../server/core/types.js';
import { timestampParser } from './timestamp.js';
import type { RecordSink, TimestampOption } from './types.js';

/** Hands a parsed JSON value to the sink as a record, or as an issue when it cannot be one. */
export type Shaper = (value: unknown, line: number, raw: string, sink: RecordSink) => void;

function describe(value: unknown): string {
  const text = numberText(value);
  if (text !== undefined) return `${text}, a number beyond the range of a double`;
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** The value must be an object; the timestamp field, when configured and present, becomes epoch ms. */
export function jsonShaper(timestamp: TimestampOption | undefined): Shaper {
  const parse = timestamp && timestampParser(timestamp.format);
  return (value, line, raw, sink) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      sink.invalid({ line, reason: `expected an object, got ${describe(value)}`, raw, kind: 'value' });
      return;
    }
    const rec = value as { [field: string]: unknown };
    const ts = timestamp && rec[timestamp.field];
    if (parse && timestamp && ts !== undefined && ts !== null) {
      const ms = typeof ts === 'string' || typeof ts === 'number' ? parse(String(ts)) : `expected a timestamp, got ${describe(ts)}`;
      if (typeof ms === 'string') {
        sink.invalid({ line, column: timestamp.field, reason: ms, raw, kind: 'value' });
        return;
      }
      rec[timestamp.field] = ms;
    }
    sink.record(rec as DataRecord);
  };
}
