import type { DataRecord } from '../../server/core/types.js';
import { fieldGetter, showValue } from '../lib/field-path.js';
import type { MappedColumn } from '../lib/table-template.js';
import type { ColumnType, TimeUnit } from './config.js';
import { LineBuffer } from './line-buffer.js';

/**
 * Encodes records as InfluxDB line protocol text, the form every QuestDB version accepts over HTTP
 * (`POST /write?precision=n`: designated timestamps in nanoseconds, `t` columns in microseconds).
 *
 * The client's own row builder writes character by character and converts every timestamp through
 * BigInt (about 250,000 rows/s here); this writer appends bytes to the request body directly: names
 * are escaped once, integers and timestamps in milliseconds become digits without a string, ASCII
 * text is copied byte by byte. One record is exactly one line, so QuestDB's error line number points
 * back to the record.
 */

/** A value that cannot be written; the message names the field and the column. */
export class RowError extends Error {}

const TAG_SPECIAL = /[ ,=\n\r\\]/;
const TAG_SPECIAL_G = /[ ,=\n\r\\]/g;
const INTEGER_TEXT = /^-?\d+$/;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Tag keys/values and names: space, comma, equals, backslash and line breaks are backslash-escaped. */
export function escapeTag(text: string): string {
  return TAG_SPECIAL.test(text) ? text.replace(TAG_SPECIAL_G, '\\$&') : text;
}

/** Zeros that turn an integer count of `unit` into nanoseconds / microseconds by appending digits. */
const TO_NANOS: { [u in TimeUnit]: string } = { s: '000000000', ms: '000000', us: '000', ns: '' };
const TO_MICROS: { [u in TimeUnit]: string | undefined } = { s: '000000', ms: '000', us: '', ns: undefined };

/**
 * An integer time in `unit` as decimal text: safe integers, or decimal strings for values beyond
 * 2^53 (nanoseconds do not fit a JSON number exactly), or ISO 8601 text (millisecond precision).
 */
function timeText(v: unknown, unit: TimeUnit, what: string): { text: string; unit: TimeUnit } {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return { text: v === 0 ? '0' : String(v), unit };
    throw new RowError(`${what}: ${showValue(v)} is not an integer number of ${unit}${Number.isInteger(v) ? ' within ±2^53 (send larger values as a decimal string)' : ''}`);
  }
  if (typeof v === 'string') {
    if (INTEGER_TEXT.test(v)) return { text: v, unit };
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return { text: String(ms), unit: 'ms' };
  }
  if (typeof v === 'bigint') return { text: v.toString(), unit };
  throw new RowError(`${what}: expected a time in ${unit} or an ISO 8601 string, got ${showValue(v)}`);
}

function designatedNanos(v: unknown, unit: TimeUnit, field: string): string {
  const t = timeText(v, unit, field);
  return t.text === '0' ? '0' : t.text + TO_NANOS[t.unit];
}

function micros(v: unknown, unit: TimeUnit, what: string): string {
  const t = timeText(v, unit, what);
  const zeros = TO_MICROS[t.unit];
  if (zeros !== undefined) return t.text === '0' ? '0' : t.text + zeros;
  // Nanoseconds to microseconds truncates toward negative infinity, as QuestDB does for TIMESTAMP.
  const ns = BigInt(t.text);
  const q = ns / 1000n;
  return (ns < 0n && q * 1000n !== ns ? q - 1n : q).toString();
}

function longText(v: unknown, what: string): string | undefined {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RowError(`${what}: ${showValue(v)} is not an integer`);
    // -2^63 is QuestDB's null for LONG: it would read back as null, so it is refused like any overflow.
    if (v <= -(2 ** 63) || v >= 2 ** 63) throw new RowError(`${what}: ${v} is outside the 64-bit integer range`);
    // Beyond 2^53 String() gives the shortest round-trip text (2^60 → …847000), not the integer the double holds.
    return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
  }
  if (typeof v === 'string' && INTEGER_TEXT.test(v)) {
    const n = BigInt(v);
    if (n <= LONG_MIN || n > LONG_MAX) throw new RowError(`${what}: ${v} is outside the 64-bit integer range`);
    return n.toString();
  }
  if (typeof v === 'bigint') return longText(v.toString(), what);
  throw new RowError(`${what}: expected an integer, got ${showValue(v)}`);
}

function scalarText(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new RowError(`${what}: expected text, got ${showValue(v)}`);
}

/** Fraction digits tried for the shortcut of `writeDouble`, and the powers of ten for them. */
const POWERS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7];

/**
 * A finite double as `String(v)` writes it (the shortest text that reads back as the same double),
 * which is what the QuestDB client sends. Readings mostly have a few decimals: when some m / 10^f
 * with f ≤ 7 is exactly v, m is written with a decimal point; anything else goes through String().
 * With |v| < 10^8, |m| < 10^15 < 2^50: then only one integer is close enough to v·10^f to read back
 * as v, Math.round finds it, and the first f that works gives the shortest text.
 */
function writeDouble(v: number, out: LineBuffer): void {
  if (Number.isSafeInteger(v)) return out.int(v);
  const a = Math.abs(v);
  if (a >= 1e-6 && a < 1e8) {
    for (let f = 1; f < POWERS.length; f++) {
      const m = Math.round(v * POWERS[f]!);
      if (m / POWERS[f]! === v) {
        if (m % 10 !== 0) return out.fixed(m, f);
        break;
      }
    }
  }
  out.ascii(String(v));
}

/**
 * Writes `,key=value` (the separator chosen by the caller) for one field, or nothing for null (the
 * column is left out of the row); returns whether it wrote.
 */
type FieldWriter = (v: unknown, out: LineBuffer, sep: number) => boolean;

function fieldWriter(type: Exclude<ColumnType, 'symbol'>, key: Buffer, what: string, unit: TimeUnit): FieldWriter {
  const head = (out: LineBuffer, sep: number): void => {
    out.byte(sep);
    out.bytes(key);
  };
  switch (type) {
    case 'double':
      return (v, out, sep) => {
        if (typeof v !== 'number') throw new RowError(`${what}: expected a number, got ${showValue(v)}`);
        // NaN and ±Infinity are stored as null by QuestDB and come back as null from a journal replay.
        if (!Number.isFinite(v)) return false;
        head(out, sep);
        writeDouble(v, out);
        return true;
      };
    case 'long':
      return (v, out, sep) => {
        // Checked before anything is written: a refused value leaves no partial field behind.
        const text = typeof v === 'number' && Number.isSafeInteger(v) ? undefined : longText(v, what);
        head(out, sep);
        if (text === undefined) out.int(v as number);
        else out.ascii(text);
        out.byte(105 /* i */);
        return true;
      };
    case 'boolean':
      return (v, out, sep) => {
        if (typeof v !== 'boolean') throw new RowError(`${what}: expected true or false, got ${showValue(v)}`);
        head(out, sep);
        out.byte(v ? 116 /* t */ : 102 /* f */);
        return true;
      };
    case 'varchar':
      return (v, out, sep) => {
        const text = scalarText(v, what);
        head(out, sep);
        out.quoted(text);
        return true;
      };
    case 'timestamp':
      return (v, out, sep) => {
        const text = micros(v, unit, what);
        head(out, sep);
        out.ascii(text);
        out.byte(116 /* t */);
        return true;
      };
  }
}

/** Zeros appended to a count of `unit` to make it nanoseconds. */
const NANO_ZEROS: { [u in TimeUnit]: number } = { s: 9, ms: 6, us: 3, ns: 0 };

export interface RowEncoder {
  /** Appends one line with its newline to `out`; throws `RowError` for a value that cannot be written, leaving `out` as it was. */
  write(record: DataRecord, table: string, out: LineBuffer): void;
  /** One line with its trailing newline, as text. */
  encode(record: DataRecord, table: string): string;
}

export function rowEncoder(columns: readonly MappedColumn<ColumnType>[], timestamp: { field: string; unit: TimeUnit }): RowEncoder {
  const what = (c: MappedColumn<ColumnType>) => (c.field === c.column ? c.field : `${c.field} (column ${c.column})`);
  const symbols = columns.filter((c) => c.type === 'symbol').map((c) => ({ get: c.get, key: Buffer.from(`,${escapeTag(c.column)}=`), what: what(c) }));
  const fields = columns.filter((c) => c.type !== 'symbol').map((c) => ({
    get: c.get, write: fieldWriter(c.type as Exclude<ColumnType, 'symbol'>, Buffer.from(`${escapeTag(c.column)}=`), what(c), timestamp.unit),
  }));
  const getTs = fieldGetter(timestamp.field);
  const zeros = NANO_ZEROS[timestamp.unit];
  const heads = new Map<string, Buffer>();

  // Rows of a batch often share their time (readings of many sensors at one instant): the last one's text is kept.
  let lastTs: unknown;
  const lastText = new LineBuffer();

  function designated(out: LineBuffer, ts: unknown): void {
    if (ts !== lastTs) {
      // Forgotten first: a time that cannot be written throws halfway through.
      lastTs = undefined;
      lastText.length = 0;
      lastText.byte(32);
      if (typeof ts === 'number' && Number.isSafeInteger(ts) && ts !== 0) {
        lastText.int(ts);
        for (let z = 0; z < zeros; z++) lastText.byte(48);
      } else {
        lastText.ascii(designatedNanos(ts, timestamp.unit, timestamp.field));
      }
      lastText.byte(10);
      lastTs = ts;
    }
    out.reserve(lastText.length);
    const buf = out.buf;
    let p = out.length;
    for (let i = 0; i < lastText.length; i++) buf[p++] = lastText.buf[i]!;
    out.length = p;
  }

  function write(record: DataRecord, table: string, out: LineBuffer): void {
    let head = heads.get(table);
    if (head === undefined) heads.set(table, (head = Buffer.from(escapeTag(table))));
    const start = out.length;
    try {
      out.bytes(head);
      let any = false;
      for (let i = 0; i < symbols.length; i++) {
        const s = symbols[i]!;
        const v = s.get(record);
        if (v === undefined || v === null || v === '') continue;
        const text = scalarText(v, s.what);
        out.bytes(s.key);
        out.tag(text);
        any = true;
      }
      let sep = 32; /* space */
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        const v = f.get(record);
        if (v === undefined || v === null) continue;
        if (!f.write(v, out, sep)) continue;
        sep = 44; /* comma */
        any = true;
      }
      if (!any) throw new RowError('no column has a value (a row needs at least one symbol or field)');
      const ts = getTs(record);
      if (ts === undefined || ts === null) throw new RowError(`${timestamp.field}: missing (every row needs its designated timestamp)`);
      designated(out, ts);
    } catch (err) {
      out.length = start;
      throw err;
    }
  }

  return {
    write,
    encode(record, table) {
      const out = new LineBuffer();
      write(record, table, out);
      return out.buf.toString('utf8', 0, out.length);
    },
  };
}
