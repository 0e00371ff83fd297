/**
 * Timestamp text → epoch milliseconds. `iso8601` requires an explicit zone (`Z`, `+01:00`, `+0100`):
 * a time without a zone means a different instant on every server, so it is refused, not guessed.
 */
export type TimestampFormat = 'iso8601' | 'epoch-s' | 'epoch-ms' | 'epoch-ns';

export const TIMESTAMP_FORMATS: readonly TimestampFormat[] = ['iso8601', 'epoch-s', 'epoch-ms', 'epoch-ns'];

/** The epoch milliseconds, or a string saying why the text is not a timestamp of that format. */
export type TimestampParser = (text: string) => number | string;

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;

const DIGITS_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
/** What the fast path returns for 2023-02-29 or 2024-04-31. */
const IMPOSSIBLE = Infinity;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * Epoch milliseconds of the fields; NaN when the general path must decide (24:00, a leap second),
 * IMPOSSIBLE for a day the month does not have, which Date.parse would roll over into the next month.
 */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number, offsetMinutes: number): number {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return IMPOSSIBLE;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + ms;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)` read digit by digit from the bytes of a CSV cell (no string
 * made): the shape loggers write, several times faster than Date.parse. Anything else returns NaN and
 * takes the general path; see utcMillis for impossible dates.
 */
export function isoBytes(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 20 || buf[start + 4] !== 0x2d || buf[start + 7] !== 0x2d || buf[start + 13] !== 0x3a || buf[start + 16] !== 0x3a) return NaN;
  for (const i of DIGITS_AT) {
    const d = buf[start + i]! - 48;
    if (d < 0 || d > 9) return NaN;
  }
  const sep = buf[start + 10];
  if (sep !== 0x54 && sep !== 0x74 && sep !== 0x20) return NaN;
  const two = (i: number): number => (buf[start + i]! - 48) * 10 + buf[start + i + 1]! - 48;
  let i = 19;
  let ms = 0;
  if (buf[start + i] === 0x2e) {
    let scale = 100;
    for (i++; i < n; i++) {
      const d = buf[start + i]! - 48;
      if (d < 0 || d > 9) break;
      ms += d * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  if (i >= n) return NaN;
  let offset = 0;
  const z = buf[start + i];
  if (z === 0x5a || z === 0x7a) {
    if (i + 1 !== n) return NaN;
  } else if ((z === 0x2b || z === 0x2d) && i + 6 === n && buf[start + i + 3] === 0x3a) {
    offset = (two(i + 1) * 60 + two(i + 4)) * (z === 0x2b ? 1 : -1);
  } else {
    return NaN;
  }
  return utcMillis(two(0) * 100 + two(2), two(5), two(8), two(11), two(14), two(17), ms, offset);
}

/** Room for the longest time the fast path reads (nanoseconds and an offset). */
const scratch = Buffer.alloc(64);

function fastIso(text: string): number {
  // Only ASCII keeps its length in UTF-8: anything else is left to the general path.
  if (text.length > scratch.length || scratch.write(text, 0, 'utf8') !== text.length) return NaN;
  return isoBytes(scratch, 0, text.length);
}

function iso(text: string): number | string {
  const fast = fastIso(text);
  if (Number.isFinite(fast)) return fast;
  if (fast === IMPOSSIBLE) return `"${text}" is not a valid date-time (no such day)`;
  if (!ISO.test(text)) {
    return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
      ? `"${text}" has no time zone (add Z or an offset such as +01:00)`
      : `"${text}" is not an ISO 8601 date-time`;
  }
  // Date.parse needs a colon in the offset and at most millisecond digits; most timestamps need neither fix.
  const n = text.length;
  const sign = text.charCodeAt(n - 5);
  let normalised = (sign === 0x2b || sign === 0x2d) && text.charCodeAt(n - 3) !== 0x3a ? `${text.slice(0, n - 2)}:${text.slice(n - 2)}` : text;
  if (normalised.includes('.')) normalised = normalised.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(normalised);
  return Number.isFinite(ms) ? ms : `"${text}" is not a valid date-time`;
}

function epochSeconds(text: string): number | string {
  return DECIMAL.test(text) ? Math.round(Number(text) * 1000) : `"${text}" is not epoch seconds`;
}

function epochMillis(text: string): number | string {
  return DECIMAL.test(text) ? Number(text) : `"${text}" is not epoch milliseconds`;
}

// Nanoseconds exceed a double's exact range: cut the last six digits as text instead of dividing.
function epochNanos(text: string): number | string {
  if (!INTEGER.test(text)) return `"${text}" is not epoch nanoseconds`;
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const ms = digits.length > 6 ? Number(digits.slice(0, -6)) : 0;
  return negative ? -ms : ms;
}

export function timestampParser(format: TimestampFormat): TimestampParser {
  switch (format) {
    case 'iso8601': return iso;
    case 'epoch-s': return epochSeconds;
    case 'epoch-ms': return epochMillis;
    case 'epoch-ns': return epochNanos;
  }
}
