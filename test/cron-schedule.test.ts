import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextCronTime, parseCron } from '../nodes/lib/cron.js';

/** The next run after `after` as an ISO string, for exact comparisons. */
function next(expression: string, after: string, timeZone?: string): string {
  return new Date(nextCronTime(parseCron(expression), Date.parse(after), timeZone)).toISOString();
}

/** Successive runs after `after`. */
function runs(expression: string, after: string, count: number, timeZone?: string): string[] {
  const schedule = parseCron(expression);
  const out: string[] = [];
  let t = Date.parse(after);
  for (let i = 0; i < count; i++) {
    t = nextCronTime(schedule, t, timeZone);
    out.push(new Date(t).toISOString());
  }
  return out;
}

test('steps run on the minutes they divide, strictly after the given time', () => {
  assert.equal(next('*/5 * * * *', '2026-03-10T10:02:30.000Z'), '2026-03-10T10:05:00.000Z');
  assert.equal(next('*/5 * * * *', '2026-03-10T10:05:00.000Z'), '2026-03-10T10:10:00.000Z', 'a run is never repeated at the same minute');
  assert.equal(next('*/5 * * * *', '2026-03-10T23:58:00.000Z'), '2026-03-11T00:00:00.000Z');
  assert.deepEqual(runs('10-20/5 * * * *', '2026-03-10T10:00:00.000Z', 4),
    ['2026-03-10T10:10:00.000Z', '2026-03-10T10:15:00.000Z', '2026-03-10T10:20:00.000Z', '2026-03-10T11:10:00.000Z']);
});

test('lists, ranges with steps and names combine', () => {
  assert.deepEqual(runs('15,45 8-10/2 * * *', '2026-03-10T08:20:00.000Z', 4),
    ['2026-03-10T08:45:00.000Z', '2026-03-10T10:15:00.000Z', '2026-03-10T10:45:00.000Z', '2026-03-11T08:15:00.000Z']);
  // 2026-03-13 is a Friday: weekdays at 09:00 continue on Monday the 16th.
  assert.equal(next('0 9 * * MON-FRI', '2026-03-13T09:00:00.000Z'), '2026-03-16T09:00:00.000Z');
  assert.equal(next('0 9 * * 1-5', '2026-03-13T08:59:59.000Z'), '2026-03-13T09:00:00.000Z');
  assert.equal(next('0 12 1 jan,jul *', '2026-03-10T00:00:00.000Z'), '2026-07-01T12:00:00.000Z');
  assert.equal(next('0 0 * * 7', '2026-03-10T00:00:00.000Z'), '2026-03-15T00:00:00.000Z', '7 is Sunday too');
  assert.equal(next('@hourly', '2026-03-10T10:00:00.000Z'), '2026-03-10T11:00:00.000Z');
});

test('when both day fields are restricted a day matching either runs (Vixie cron)', () => {
  // The 13th of the month or any Friday: Friday 2026-03-13, then Friday the 20th, then Monday 2026-04-13.
  assert.deepEqual(runs('0 0 13 * 5', '2026-03-12T00:00:00.000Z', 4),
    ['2026-03-13T00:00:00.000Z', '2026-03-20T00:00:00.000Z', '2026-03-27T00:00:00.000Z', '2026-04-03T00:00:00.000Z']);
  assert.equal(next('0 0 13 * 1', '2026-04-06T00:00:00.000Z'), '2026-04-13T00:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2026-03-01T00:00:00.000Z'), '2028-02-29T00:00:00.000Z', 'a leap day is years away');
});

test('a configured IANA zone reads the schedule in local time across DST changes', () => {
  // Paris: CET (UTC+1) until 2026-03-29 01:00 UTC, then CEST (UTC+2).
  assert.deepEqual(runs('30 8 * * *', '2026-03-27T12:00:00.000Z', 3, 'Europe/Paris'),
    ['2026-03-28T07:30:00.000Z', '2026-03-29T06:30:00.000Z', '2026-03-30T06:30:00.000Z']);
  // 02:30 does not exist on 2026-03-29 in Paris: that day has no run.
  assert.deepEqual(runs('30 2 * * *', '2026-03-28T02:00:00.000Z', 2, 'Europe/Paris'),
    ['2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  // 02:30 happens twice on 2026-10-25 (CEST then CET): both instants run.
  assert.deepEqual(runs('30 2 * * *', '2026-10-24T12:00:00.000Z', 3, 'Europe/Paris'),
    ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  assert.equal(next('0 0 * * *', '2026-06-01T12:00:00.000Z', 'Asia/Kolkata'), '2026-06-01T18:30:00.000Z', 'half-hour offsets');
});

test('bad expressions are refused with the field at fault', () => {
  assert.throws(() => parseCron('60 * * * *'), /cron field 1 \(minute\): 60 is out of range 0-59/);
  assert.throws(() => parseCron('* 24 * * *'), /cron field 2 \(hour\): 24 is out of range 0-23/);
  assert.throws(() => parseCron('* * *'), /has 3 fields; expected 5/);
  assert.throws(() => parseCron('5-1 * * * *'), /range 5-1 runs backwards/);
  assert.throws(() => parseCron('*/0 * * * *'), /cron field 1 \(minute\): 0 is out of range/);
  assert.throws(() => parseCron('* * * foo *'), /cron field 4 \(month\): "foo" is not a number or a name/);
  assert.throws(() => parseCron('0 0 31 2 *'), /never matches/);
});
