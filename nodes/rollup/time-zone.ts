import { HOUR } from './duration.js';

/** Offsets are cached per UTC hour; the cache is cleared past this many hours (about 11 years). */
const MAX_CACHED_HOURS = 100_000;

/**
 * UTC offsets of one IANA time zone, from Intl.DateTimeFormat. An hour whose offset is the same at
 * its first and last millisecond is cached; an hour holding a change (zones whose changes fall off
 * the UTC hour, like America/St_Johns) is computed per call.
 */
export class ZoneOffsets {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  /** Milliseconds to add to a UTC instant to get the local wall-clock time. */
  at(ts: number): number {
    const hour = Math.floor(ts / HOUR);
    let offset = this.cache.get(hour);
    if (offset === undefined) {
      const first = this.compute(hour * HOUR);
      offset = first === this.compute(hour * HOUR + HOUR - 1) ? first : NaN;
      if (this.cache.size >= MAX_CACHED_HOURS) this.cache.clear();
      this.cache.set(hour, offset);
    }
    return Number.isNaN(offset) ? this.compute(ts) : offset;
  }

  /**
   * The UTC instant of a local wall-clock time (given as ms since the local epoch). A time that
   * occurs twice (clocks going back) maps to its first occurrence; a time skipped by clocks going
   * forward maps to the instant the same distance after the change.
   */
  toUtc(local: number): number {
    const o1 = this.at(local - this.at(local));
    const t1 = local - o1;
    const o2 = this.at(t1);
    if (o2 === o1) return this.earlier(local, t1);
    const t2 = local - o2;
    if (this.at(t2) === o2) return t2;
    return Math.max(t1, t2);
  }

  /** With clocks going back, `local` may also have occurred one offset change earlier. */
  private earlier(local: number, t: number): number {
    const before = this.at(t - HOUR);
    if (before === this.at(t)) return t;
    const alt = local - before;
    return alt < t && this.at(alt) === before ? alt : t;
  }

  private compute(ts: number): number {
    const whole = Math.floor(ts / 1000) * 1000;
    const p: { [type: string]: number } = {};
    for (const part of this.format.formatToParts(whole)) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - whole;
  }
}

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}
