import { isUtf8 } from 'node:buffer';
import { PROTOTYPE_KEYS, type JsonLimits } from '../../../server/core/json-text.js';

/** What a record read from JSON may be: nested at most MAX_JSON_DEPTH levels, no `__proto__` key. */
export const RECORD_JSON_LIMITS: JsonLimits = { forbiddenKeys: PROTOTYPE_KEYS };

const RAW_CHARS = 300;

/** A row's text for an issue report: decoded leniently and cut, so a 10 MB line stays a short message. */
export function rawText(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === 0x0a) end--;
  if (end > start && buf[end - 1] === 0x0d) end--;
  const cut = Math.min(end, start + RAW_CHARS * 4);
  const text = buf.toString('utf8', start, cut);
  return text.length > RAW_CHARS || cut < end ? `${text.slice(0, RAW_CHARS)}…` : text;
}

/** Where the first invalid UTF-8 byte of `buf[start, end)` is, relative to `start`, or -1 when the bytes are valid. */
export function invalidUtf8At(buf: Buffer, start: number, end: number): number {
  if (isUtf8(buf.subarray(start, end))) return -1;
  // Rare path: walk the sequences to name the offending byte.
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > end || !isUtf8(buf.subarray(i, i + len))) return i - start;
    i += len;
  }
  return end - start;
}

/** The JSON.parse message with its position turned into a line/column of the file. */
export function jsonErrorAt(err: unknown, text: string, firstLine: number): { line: number; column: string; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  const m = /position (\d+)/.exec(message);
  if (!m) return { line: firstLine, column: '1', message };
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const newlines = before.split('\n').length - 1;
  const col = pos - (before.lastIndexOf('\n') + 1) + 1;
  return { line: firstLine + newlines, column: String(col), message: message.replace(/ in JSON at position \d+.*$/, '') };
}
