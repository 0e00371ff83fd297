import { showValue } from '../lib/field-path.js';
import type { ColumnType } from './config.js';

/** Why one value cannot be stored in its column; the record goes to `error` with it. */
export class Rejection {
  constructor(readonly reason: string) {}
}

export type Encoder = (value: unknown) => string | Rejection;

export const NULL = '\\N';

/** COPY text format: backslash, tab, newline and carriage return are escaped; NUL cannot be stored at all. */
function escapeText(s: string): string | Rejection {
  if (s.includes('\u0000')) return new Rejection('contains a NUL character, which PostgreSQL cannot store in text');
  // Most readings need no escaping: test once instead of four replaces per value.
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const INT_RANGE = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
} as const;

function integer(type: keyof typeof INT_RANGE): Encoder {
  const [min, max] = INT_RANGE[type];
  return (v) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return String(v);
    // Beyond 2^53 a JSON number has already lost digits; exact big integers arrive as strings.
    if (type === 'bigint' && typeof v === 'string' && /^-?\d{1,19}$/.test(v)) {
      const b = BigInt(v);
      if (b >= -(2n ** 63n) && b < 2n ** 63n) return v;
    }
    return new Rejection(`expected an integer within the range of ${type}, got ${showValue(v)}`);
  };
}

const float: Encoder = (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : new Rejection(`expected a finite number, got ${showValue(v)}`));

const EPOCH_DIVISOR = { s: 1e-3, ms: 1, us: 1e3, ns: 1e6 } as const;

/** Epoch values keep their sub-millisecond digits: PostgreSQL stores microseconds. */
function timestamp(unit: keyof typeof EPOCH_DIVISOR): Encoder {
  return (v) => {
    if (typeof v === 'number' && Number.isFinite(v)) return isoMicros(v / EPOCH_DIVISOR[unit]) ?? new Rejection(`timestamp ${v} ${unit} is out of range`);
    if (typeof v === 'string' && v.length > 0 && !Number.isNaN(Date.parse(v))) return escapeText(v);
    return new Rejection(`expected a timestamp (epoch ${unit} or ISO 8601), got ${showValue(v)}`);
  };
}

// Readings arrive in time order, many per second: formatting the date part once per second is most of the cost.
let cachedSecond = NaN;
let cachedPrefix = '';

/** Epoch milliseconds (fractional for sub-ms) → `1969-12-31T23:59:59.999999Z`. */
export function isoMicros(ms: number): string | undefined {
  let whole = Math.floor(ms);
  let micros = Math.round((ms - whole) * 1000);
  if (micros === 1000) {
    whole += 1;
    micros = 0;
  }
  const second = Math.floor(whole / 1000);
  if (second !== cachedSecond) {
    const date = new Date(second * 1000);
    if (Number.isNaN(date.getTime())) return undefined;
    cachedSecond = second;
    cachedPrefix = date.toISOString().slice(0, -4);
  }
  const millis = String(whole - second * 1000).padStart(3, '0');
  return micros === 0 ? `${cachedPrefix}${millis}Z` : `${cachedPrefix}${millis}${String(micros).padStart(3, '0')}Z`;
}

const ENCODERS: { [T in ColumnType]: (unit: keyof typeof EPOCH_DIVISOR) => Encoder } = {
  text: () => (v) => (typeof v === 'string' ? escapeText(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : new Rejection(`expected text, got ${showValue(v)}`)),
  'double precision': () => float,
  real: () => float,
  numeric: () => (v) => (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? v : float(v)),
  bigint: () => integer('bigint'),
  integer: () => integer('integer'),
  smallint: () => integer('smallint'),
  boolean: () => (v) => (v === true ? 't' : v === false ? 'f' : new Rejection(`expected true or false, got ${showValue(v)}`)),
  timestamptz: (unit) => timestamp(unit),
  jsonb: () => (v) => {
    const json = JSON.stringify(v);
    // jsonb refuses the \u0000 escape too.
    return json.includes('\\u0000') ? new Rejection('contains a NUL character, which jsonb cannot store') : escapeText(json);
  },
  uuid: () => (v) => (typeof v === 'string' && /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v) ? v : new Rejection(`expected a UUID, got ${showValue(v)}`)),
};

export function encoderFor(type: ColumnType, unit: keyof typeof EPOCH_DIVISOR = 'ms'): Encoder {
  return ENCODERS[type](unit);
}
