/**
 * Five-field cron schedules (`minute hour day-of-month month day-of-week`) with lists, ranges, steps
 * and names, evaluated in UTC or an IANA time zone through Intl.
 */

export interface CronSchedule {
  readonly source: string;
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  readonly days: readonly boolean[];
  readonly months: readonly boolean[];
  /** 0 = Sunday … 6 = Saturday (7 in the expression is folded onto 0). */
  readonly weekdays: readonly boolean[];
  /** Vixie cron rule: when both day fields are restricted, a day matching either one matches. */
  readonly daysOr: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const MACROS: { [name: string]: string } = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

export class CronError extends Error {}

function fieldValue(text: string, spec: FieldSpec, position: number): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + (spec.name === 'month' ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) throw new CronError(`cron field ${position} (${spec.name}): "${text}" is not a number${spec.names ? ' or a name' : ''}`);
  if (value < spec.min || value > spec.max) {
    throw new CronError(`cron field ${position} (${spec.name}): ${value} is out of range ${spec.min}-${spec.max}`);
  }
  return value;
}

function parseField(text: string, spec: FieldSpec, position: number): boolean[] {
  const allowed: boolean[] = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === '' || stepText === '') throw new CronError(`cron field ${position} (${spec.name}): "${item}" is not a value, range or step`);
    const step = stepText === undefined ? 1 : fieldValue(stepText, { ...spec, min: 1, max: spec.max - spec.min + 1, names: undefined }, position);
    let lo: number;
    let hi: number;
    if (range === '*') {
      [lo, hi] = [spec.min, spec.max];
    } else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      [lo, hi] = [fieldValue(a!, spec, position), fieldValue(b!, spec, position)];
      if (lo > hi) throw new CronError(`cron field ${position} (${spec.name}): range ${range} runs backwards`);
    } else {
      lo = fieldValue(range!, spec, position);
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) allowed[v] = true;
  }
  return allowed;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses an expression; throws `CronError` naming the field at fault. */
export function parseCron(expression: string): CronSchedule {
  const source = expression.trim();
  const text = MACROS[source.toLowerCase()] ?? source;
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new CronError(`cron expression "${source}" has ${parts.length} fields; expected 5 (minute hour day-of-month month day-of-week)`);
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, FIELDS[i]!, i + 1)) as [boolean[], boolean[], boolean[], boolean[], boolean[]];
  if (weekdays[7]) weekdays[0] = true;
  weekdays.length = 7;
  const daysOr = !parts[2]!.startsWith('*') && !parts[4]!.startsWith('*');
  const schedule: CronSchedule = { source, minutes, hours, days, months, weekdays, daysOr };
  if (!daysOr && !months.some((on, m) => on && days.some((d, day) => d && day <= DAYS_IN_MONTH[m - 1]!))) {
    throw new CronError(`cron expression "${source}" never matches: no selected month has the selected days`);
  }
  return schedule;
}

interface LocalTime {
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for a time zone Intl does not know. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    // Intl signals an unknown zone only by throwing: that is the answer, not an error to report.
    return false;
  }
}

function localTime(t: number, timeZone: string): LocalTime {
  if (timeZone === 'UTC') {
    const d = new Date(t);
    return { month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() };
  }
  const parts: { [type: string]: string } = {};
  for (const p of formatter(timeZone).formatToParts(t)) parts[p.type] = p.value;
  return {
    month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute),
    weekday: WEEKDAYS.indexOf(parts.weekday!),
  };
}

function dayMatches(s: CronSchedule, l: LocalTime): boolean {
  const dom = s.days[l.day]!;
  const dow = s.weekdays[l.weekday]!;
  return s.daysOr ? dom || dow : dom && dow;
}

const MINUTE = 60_000;
/** Enough steps for the sparsest schedule (29 February) across the leap-year gap. */
const MAX_STEPS = 100_000;

/**
 * The first whole minute strictly after `after` whose local time in `timeZone` matches. Times are
 * walked as instants: a local time skipped by a DST change never runs, and a repeated local hour
 * runs for both of its instants.
 */
export function nextCronTime(s: CronSchedule, after: number, timeZone = 'UTC'): number {
  let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  for (let step = 0; step < MAX_STEPS; step++) {
    const l = localTime(t, timeZone);
    if (!s.months[l.month] || !dayMatches(s, l)) {
      // Land an hour before local midnight at most, so a 23-hour DST day never makes us overshoot.
      const toMidnight = 24 * 60 - (l.hour * 60 + l.minute);
      t += (toMidnight > 60 ? toMidnight - 60 : toMidnight) * MINUTE;
    } else if (!s.hours[l.hour]) {
      t += (60 - l.minute) * MINUTE;
    } else if (!s.minutes[l.minute]) {
      const next = s.minutes.findIndex((on, m) => on && m > l.minute);
      t += ((next === -1 ? 60 : next) - l.minute) * MINUTE;
    } else {
      return t;
    }
  }
  throw new CronError(`cron expression "${s.source}" has no time after ${new Date(after).toISOString()}`);
}
