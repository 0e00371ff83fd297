export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const UNITS: { [unit: string]: number } = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/** The pattern the config schema enforces for durations: an integer and a unit. */
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';

/** `15m` → 900000. Returns undefined for text that is not `<integer><ms|s|m|h|d>`. */
export function parseDuration(text: string): number | undefined {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}
