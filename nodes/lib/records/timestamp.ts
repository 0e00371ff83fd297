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

function iso(text: string): number | string {
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
