import { DAY, HOUR } from './duration.js';
import { ZoneOffsets } from './time-zone.js';

/**
 * Windows are numbered by slot: the grid cuts time into slots of one hop, and window `j` covers
 * slots `j … j+n-1` (n = size / hop, 1 for tumbling windows), i.e. `[start(j), start(j+n))`.
 * A record in slot `i` belongs to windows `i-n+1 … i`; "k windows ago" of window `j` is `j-k`.
 */
export interface WindowGrid {
  /** Windows each record belongs to: size / hop. */
  readonly n: number;
  slotOf(ts: number): number;
  startOf(slot: number): number;
}

/** Fixed-length slots on the UTC epoch grid. */
class UtcGrid implements WindowGrid {
  constructor(readonly n: number, private readonly hop: number) {}

  slotOf(ts: number): number {
    return Math.floor(ts / this.hop);
  }

  startOf(slot: number): number {
    return slot * this.hop;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Fixed-length slots shorter than a day, aligned on local time: the grid is shifted by the part of
 * the zone's offset finer than the hop (at most an hour), so `1h` windows in Asia/Kolkata (+05:30)
 * start at :30 UTC. Whole-hour DST changes do not move this shift.
 */
class ZonedSubDayGrid implements WindowGrid {
  private readonly unit: number;

  constructor(readonly n: number, private readonly hop: number, private readonly zone: ZoneOffsets) {
    this.unit = gcd(hop, HOUR);
  }

  private shift(ts: number): number {
    const r = this.zone.at(ts) % this.unit;
    return r < 0 ? r + this.unit : r;
  }

  slotOf(ts: number): number {
    return Math.floor((ts + this.shift(ts)) / this.hop);
  }

  startOf(slot: number): number {
    const approx = slot * this.hop;
    return approx - this.shift(approx);
  }
}

/** Slots of whole local days: each starts at local midnight, so a day lasts 23, 24 or 25 hours. */
class ZonedDayGrid implements WindowGrid {
  private readonly hopDays: number;

  constructor(readonly n: number, hop: number, private readonly zone: ZoneOffsets) {
    this.hopDays = hop / DAY;
  }

  slotOf(ts: number): number {
    return Math.floor(Math.floor((ts + this.zone.at(ts)) / DAY) / this.hopDays);
  }

  startOf(slot: number): number {
    return this.zone.toUtc(slot * this.hopDays * DAY);
  }
}

/** The grid for windows of `size` every `hop` ms in `timeZone`; the config check ensured hop divides size. */
export function windowGrid(size: number, hop: number, timeZone: string): WindowGrid {
  const n = size / hop;
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return new UtcGrid(n, hop);
  const zone = new ZoneOffsets(timeZone);
  return hop % DAY === 0 ? new ZonedDayGrid(n, hop, zone) : new ZonedSubDayGrid(n, hop, zone);
}
