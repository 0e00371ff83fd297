import { DAY } from '../rollup/duration.js';
import { ZoneOffsets } from '../rollup/time-zone.js';

export type PeriodKind = 'day' | 'week' | 'month';

/**
 * The calendar period a report covers, in its time zone: [from, to) in epoch ms. Its key names it
 * (`2026-03-29`, ISO week `2026-W13`, `2026-03`), in stored file names and Message-IDs alike.
 */
export interface Period {
  kind: PeriodKind;
  key: string;
  from: number;
  to: number;
  timeZone: string;
}

const DAY_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEK_KEY = /^(\d{4})-W(\d{2})$/;
const MONTH_KEY = /^(\d{4})-(\d{2})$/;

/** A local calendar date as a UTC-midnight number, so date arithmetic ignores the zone. */
type LocalDate = number;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function localDateOf(at: number, zone: ZoneOffsets): LocalDate {
  return Math.floor((at + zone.at(at)) / DAY) * DAY;
}

/** Monday of the ISO week holding `d`. */
function mondayOf(d: LocalDate): LocalDate {
  const weekday = new Date(d).getUTCDay();
  return d - ((weekday + 6) % 7) * DAY;
}

/** ISO 8601 week-numbering year and week of the week starting on `monday`. */
function isoWeek(monday: LocalDate): { year: number; week: number } {
  const thursday = new Date(monday + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const firstThursday = mondayOf(Date.UTC(year, 0, 4)) + 3 * DAY;
  return { year, week: 1 + Math.round((thursday.getTime() - firstThursday) / (7 * DAY)) };
}

function bounds(kind: PeriodKind, start: LocalDate): [LocalDate, LocalDate] {
  if (kind === 'day') return [start, start + DAY];
  if (kind === 'week') return [start, start + 7 * DAY];
  const d = new Date(start);
  return [start, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

function keyOf(kind: PeriodKind, start: LocalDate): string {
  const d = new Date(start);
  if (kind === 'day') return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (kind === 'month') return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
  const { year, week } = isoWeek(start);
  return `${year}-W${pad(week)}`;
}

function periodFrom(kind: PeriodKind, start: LocalDate, zone: ZoneOffsets): Period {
  const [lo, hi] = bounds(kind, start);
  // Local midnights to instants: a 23- or 25-hour day at a DST change stays a calendar day.
  return { kind, key: keyOf(kind, start), from: zone.toUtc(lo), to: zone.toUtc(hi), timeZone: zone.timeZone };
}

/** The start (local date) of the period of `kind` that holds the local date `d`. */
function startOf(kind: PeriodKind, d: LocalDate): LocalDate {
  if (kind === 'day') return d;
  if (kind === 'week') return mondayOf(d);
  const date = new Date(d);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function previousStart(kind: PeriodKind, start: LocalDate): LocalDate {
  if (kind === 'day') return start - DAY;
  if (kind === 'week') return start - 7 * DAY;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
}

/**
 * The last complete period before `at`, as a run at `at` covers it: a daily run at 07:00 covers the day
 * before, a weekly run on Monday the week before (Monday to Sunday), a monthly run the month before.
 */
export function previousPeriod(kind: PeriodKind, at: number, timeZone: string): Period {
  const zone = new ZoneOffsets(timeZone);
  return periodFrom(kind, previousStart(kind, startOf(kind, localDateOf(at, zone))), zone);
}

/** The period a key names, or undefined when the key is not one of `kind` (`2026-03-29`, `2026-W13`, `2026-03`). */
export function periodOfKey(kind: PeriodKind, key: string, timeZone: string): Period | undefined {
  const zone = new ZoneOffsets(timeZone);
  let start: LocalDate;
  if (kind === 'day') {
    const m = DAY_KEY.exec(key);
    if (!m) return undefined;
    start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  } else if (kind === 'week') {
    const m = WEEK_KEY.exec(key);
    if (!m) return undefined;
    start = mondayOf(Date.UTC(Number(m[1]), 0, 4)) + (Number(m[2]) - 1) * 7 * DAY;
  } else {
    const m = MONTH_KEY.exec(key);
    if (!m) return undefined;
    start = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  }
  // Round trip: 2026-02-30 or week 54 is not a period.
  return keyOf(kind, start) === key ? periodFrom(kind, start, zone) : undefined;
}

export const PERIOD_KEY_EXAMPLES: { [kind in PeriodKind]: string } = { day: '2026-03-29', week: '2026-W13', month: '2026-03' };

const formats = new Map<string, Intl.DateTimeFormat>();
function format(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat('en-GB', { timeZone, ...options })));
  return f;
}

/** `Sunday 29 March 2026`, `Week 13 of 2026 (23–29 March 2026)`, `March 2026`. */
export function periodTitle(p: Period): string {
  const date = (t: number, o: Intl.DateTimeFormatOptions) => format(p.timeZone, o).format(new Date(t));
  if (p.kind === 'day') {
    // From parts: ICU versions differ on the comma after the weekday, and a title must not change with them.
    const parts = Object.fromEntries(format(p.timeZone, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).formatToParts(new Date(p.from)).map((x) => [x.type, x.value]));
    return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}`;
  }
  if (p.kind === 'month') return date(p.from, { month: 'long', year: 'numeric' });
  const last = p.to - 1;
  const [, week] = /W(\d+)/.exec(p.key)!;
  return `Week ${Number(week)} of ${p.key.slice(0, 4)} (${date(p.from, { day: 'numeric', month: 'long' })} – ${date(last, { day: 'numeric', month: 'long', year: 'numeric' })})`;
}

/** `UTC+01:00` */
export function offsetLabel(offsetMs: number): string {
  const minutes = Math.round(offsetMs / 60_000);
  const sign = minutes < 0 ? '−' : '+';
  return `UTC${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/**
 * What an auditor needs to read the times: the span in local time with the zone and its offsets, and the
 * length when a DST change made the day 23 or 25 hours long.
 */
export function periodSpan(p: Period): string {
  const zone = new ZoneOffsets(p.timeZone);
  const stamp = (t: number) => format(p.timeZone, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(t));
  const [a, b] = [zone.at(p.from), zone.at(p.to)];
  const offsets = a === b ? offsetLabel(a) : `${offsetLabel(a)} until the clocks changed, then ${offsetLabel(b)}`;
  const hours = (p.to - p.from) / 3_600_000;
  const length = p.kind === 'day' && hours !== 24 ? `; the day had ${hours} hours` : '';
  return `${stamp(p.from)} to ${stamp(p.to)}, ${p.timeZone} (${offsets})${length}`;
}
