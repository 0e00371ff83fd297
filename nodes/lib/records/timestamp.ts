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
const digit = (text: string, at: number): number => text.charCodeAt(at) - 48;
const two = (text: string, at: number): number => digit(text, at) * 10 + digit(text, at + 1);

/**
 * `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)` read digit by digit: the shape loggers write, several times
 * faster than Date.parse. Anything else (or an impossible date) returns NaN and takes the general path.
 */
function fastIso(text: string): number {
  const n = text.length;
  if (n < 20 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return NaN;
  for (const at of DIGITS_AT) {
    const d = digit(text, at);
    if (d < 0 || d > 9) return NaN;
  }
  const sep = text.charCodeAt(10);
  if (sep !== 0x54 && sep !== 0x74 && sep !== 0x20) return NaN;
  if (two(text, 11) > 23 || two(text, 14) > 59 || two(text, 17) > 59) return NaN;
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 0x2e) {
    let scale = 100;
    for (i++; i < n; i++) {
      const d = digit(text, i);
      if (d < 0 || d > 9) break;
      ms += d * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  let offset = 0;
  const z = text.charCodeAt(i);
  if (z === 0x5a || z === 0x7a) {
    if (i + 1 !== n) return NaN;
  } else if ((z === 0x2b || z === 0x2d) && i + 6 === n && text.charCodeAt(i + 3) === 0x3a) {
    offset = (two(text, i + 1) * 60 + two(text, i + 4)) * (z === 0x2b ? 1 : -1);
  } else {
    return NaN;
  }
  const month = two(text, 5);
  const day = two(text, 8);
  const t = Date.UTC(two(text, 0) * 100 + two(text, 2), month - 1, day, two(text, 11), two(text, 14), two(text, 17), ms);
  // Date.UTC rolls 2024-02-30 over to March: refuse instead.
  const check = new Date(t);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return NaN;
  return t - offset * 60_000;
}

function iso(text: string): number | string {
  const fast = fastIso(text);
  if (!Number.isNaN(fast)) return fast;
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
