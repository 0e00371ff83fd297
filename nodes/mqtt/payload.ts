import { isUtf8 } from 'node:buffer';
import { NUMBER_TEXT_KEY, parseJsonText, PROTOTYPE_KEYS } from '../../server/core/json-text.js';
import { detectEncoding } from '../lib/records/encoding.js';

export type PayloadFormat = 'json' | 'csv' | 'text';

export interface PayloadSpec {
  format: PayloadFormat;
  /** csv: field names of the columns, in order. */
  columns: string[];
  /** csv: the one-character separator. */
  separator: string;
  /** text: the field that receives the payload. */
  textField: string;
  maxBytes: number;
}

export type Fields = { [field: string]: unknown };
export type Parsed = { records: Fields[] } | { reason: string };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Turns one message payload into records, or a reason naming exactly what is wrong with it. */
export function payloadParser(spec: PayloadSpec): (payload: Uint8Array) => Parsed {
  const decode = spec.format === 'json' ? parseJson : spec.format === 'csv' ? csvParser(spec.columns, spec.separator) : (text: string): Parsed => ({ records: [{ [spec.textField]: text }] });
  return (payload) => {
    if (payload.length === 0) return { reason: 'empty payload (0 bytes)' };
    if (payload.length > spec.maxBytes) return { reason: `payload is ${payload.length} bytes, over maxPayloadBytes (${spec.maxBytes})` };
    const { encoding, bom } = detectEncoding(payload, true)!;
    if (encoding !== 'UTF-8') {
      const how = bom > 0 ? `byte order mark ${hex(payload.subarray(0, bom))}` : 'recognised by its NUL bytes';
      return { reason: `payload is ${encoding} text (${how}), not UTF-8: send UTF-8` };
    }
    if (!isUtf8(payload)) {
      const at = firstInvalidUtf8(payload);
      return { reason: `payload is not UTF-8 text: invalid byte 0x${payload[at]!.toString(16).padStart(2, '0')} at offset ${at}` };
    }
    const text = Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8');
    if (spec.format !== 'text' && text.charCodeAt(0) === 0xfeff) return { reason: 'payload starts with a UTF-8 byte order mark (EF BB BF)' };
    return decode(text);
  };
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

function parseJson(text: string): Parsed {
  const parsed = parseJsonText(text, { forbiddenKeys: PROTOTYPE_KEYS });
  if (!parsed.ok) return { reason: parsed.fault.message };
  const value = parsed.value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!isObject(value[i])) return { reason: `element ${i} of the array: expected an object, got ${kind(value[i])}` };
    }
    return { records: value as Fields[] };
  }
  if (isObject(value)) return { records: [value] };
  return { reason: `expected a JSON object or an array of objects, got ${kind(value)}` };
}

function csvParser(columns: string[], separator: string): (text: string) => Parsed {
  return (text) => {
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const records: Fields[] = [];
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
      const values = line.split(separator);
      if (values.length !== columns.length) {
        return { reason: `line ${n + 1}: ${values.length} values, expected ${columns.length} (${columns.join(separator)})` };
      }
      const record: Fields = {};
      for (let i = 0; i < columns.length; i++) {
        const v = values[i]!.trim();
        if (v === '') continue;
        record[columns[i]!] = NUMBER.test(v) ? numberOrText(v) : v;
      }
      records.push(record);
    }
    return { records };
  };
}

/** A number, or the marker keeping its text when a double cannot hold it (`1e400`): never Infinity, which JSON writes as null. */
function numberOrText(text: string): number | { [NUMBER_TEXT_KEY]: string } {
  const n = Number(text);
  return Number.isFinite(n) ? n : { [NUMBER_TEXT_KEY]: text };
}

function isObject(v: unknown): v is Fields {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v} (${JSON.stringify(v).slice(0, 40)})`;
}

/** Offset of the first byte that breaks UTF-8 (called only once `isUtf8` said the payload is not). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) { need = 2; if (c === 0xe0) lo = 0xa0; if (c === 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; if (c === 0xf0) lo = 0x90; if (c === 0xf4) hi = 0x8f; }
    else return i;
    if (i + need >= b.length) return i;
    const second = b[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return b.length;
}

/** The raw payload as the `invalid` port keeps it: text when it is UTF-8, base64 otherwise. */
export function rawPayload(payload: Uint8Array): { payload: string; encoding: 'utf8' | 'base64' } {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  return isUtf8(buf) ? { payload: buf.toString('utf8'), encoding: 'utf8' } : { payload: buf.toString('base64'), encoding: 'base64' };
}
