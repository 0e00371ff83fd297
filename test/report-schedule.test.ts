import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReportRequest, ReportService } from '../server/core/services.js';
import { checkReport, type ReportConfig } from '../nodes/report/config.js';
import { ReportDataStore } from '../nodes/report/data-store.js';
import { computeFigures } from '../nodes/report/figures.js';
import { summarizeAlerts } from '../nodes/report/alert-rows.js';
import { periodOfKey, periodSpan, previousPeriod } from '../nodes/report/period.js';
import { renderReport } from '../nodes/report/pdf/render.js';
import { Schedule } from '../nodes/report/schedule.js';
import type { ReportModel } from '../nodes/report/model.js';
import { configOf } from './helpers/node-context.js';
import { DAY_KEY, noise1, reportConfig } from './helpers/report-day.js';
import { tempDir } from './helpers/temp-dir.js';

const iso = (t: number) => new Date(t).toISOString();
const config = (raw: object) => configOf('report', reportConfig(raw)) as ReportConfig;
const noRequests: ReportService['requests'] = () => [];

/** Ticks once a second between two instants (what a flow's tick timer journals), collecting the runs. */
function runsBetween(s: Schedule, from: string, to: string, stepMs = 1000, requests = noRequests) {
  const runs = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMs) runs.push(...s.due(t, requests, 'f', 'r'));
  return runs;
}

test('a daily 07:00 Europe/London report runs at 07:00 local on both sides of each clock change and covers the previous local day', () => {
  const cfg = config({ schedule: '0 7 * * *', timeZone: 'Europe/London', period: 'day' });
  const spring = new Schedule(cfg);
  const runs = runsBetween(spring, '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z', 60_000);
  assert.deepEqual(runs.map((r) => [iso(r.scheduledAt!), r.periodKey]), [
    ['2026-03-28T07:00:00.000Z', '2026-03-27'], // GMT: 07:00 local is 07:00 UTC
    ['2026-03-29T06:00:00.000Z', '2026-03-28'], // BST from 01:00 UTC on the 29th
    ['2026-03-30T06:00:00.000Z', '2026-03-29'],
    ['2026-03-31T06:00:00.000Z', '2026-03-30'],
  ]);
  const autumn = new Schedule(cfg);
  assert.deepEqual(runsBetween(autumn, '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z', 60_000).map((r) => iso(r.scheduledAt!)),
    ['2026-10-25T07:00:00.000Z', '2026-10-26T07:00:00.000Z']);
  const short = periodOfKey('day', '2026-03-29', 'Europe/London')!;
  const long = periodOfKey('day', '2026-10-25', 'Europe/London')!;
  assert.deepEqual([(short.to - short.from) / 3_600_000, (long.to - long.from) / 3_600_000], [23, 25], 'local midnight to local midnight');
  assert.match(periodSpan(long), /UTC\+01:00 until the clocks changed, then UTC\+00:00\); the day had 25 hours/);
});

test('weekly and monthly periods are the calendar week (Monday to Sunday) and month before the run, in the time zone', () => {
  const week = previousPeriod('week', Date.parse('2026-03-30T06:00:00Z'), 'Europe/London');
  assert.deepEqual([week.key, iso(week.from), iso(week.to)], ['2026-W13', '2026-03-23T00:00:00.000Z', '2026-03-29T23:00:00.000Z']);
  const month = previousPeriod('month', Date.parse('2026-04-01T06:00:00Z'), 'Europe/Paris');
  assert.deepEqual([month.key, iso(month.from), iso(month.to)], ['2026-03', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
  assert.equal(previousPeriod('week', Date.parse('2027-01-04T08:00:00Z'), 'UTC').key, '2026-W53', 'ISO week-numbering years');
  assert.equal(previousPeriod('day', Date.parse('2026-03-01T00:30:00Z'), 'Asia/Kolkata').key, '2026-02-28');
  assert.equal(periodOfKey('day', '2026-02-30', 'UTC'), undefined);
  assert.equal(periodOfKey('week', '2026-W54', 'UTC'), undefined);
  assert.equal(periodOfKey('month', '2026-3', 'UTC'), undefined);
});

test('missed runs are made when the server comes back, one per period; a schedule finer than its period reports each period once', () => {
  const s = new Schedule(config({ schedule: '0 7 * * *', period: 'day', timeZone: 'UTC' }));
  s.due(Date.parse('2026-05-01T00:00:01Z'), noRequests, 'f', 'r');
  const restored = new Schedule(config({ schedule: '0 7 * * *', period: 'day', timeZone: 'UTC' }));
  restored.state = { ...s.state };
  // Down from 1 May to the 4th at noon: the runs of the 1st, 2nd, 3rd and 4th are made at the first tick.
  const back = restored.due(Date.parse('2026-05-04T12:00:00Z'), noRequests, 'f', 'r');
  assert.deepEqual(back.map((r) => r.periodKey), ['2026-04-30', '2026-05-01', '2026-05-02', '2026-05-03']);
  const monthly = new Schedule(config({ schedule: '*/30 * * * *', period: 'month', timeZone: 'UTC', keepDays: 62 }));
  const runs = runsBetween(monthly, '2026-05-01T00:00:00Z', '2026-05-03T00:00:00Z', 60_000);
  assert.equal(runs.length, 2 * 48 + 1, 'every half hour from 00:00 on the 1st to 00:00 on the 3rd makes a run …');
  assert.deepEqual([...new Set(runs.map((r) => r.periodKey))], ['2026-04'], '… of the same month: the store keeps one document of it');
});

test('"Run now" requests are taken up at the next tick after them, once, and again by a replay from an earlier state', () => {
  const requests: ReportRequest[] = [{ id: 7, flowId: 'f', nodeId: 'r', periodKey: null, requestedBy: 'ana', requestedAt: Date.parse('2026-05-02T10:00:00.500Z') }];
  const log = (_f: string, _n: string, from: number, to: number) => requests.filter((r) => r.requestedAt >= from && r.requestedAt < to);
  const s = new Schedule(config({ timeZone: 'UTC' }));
  s.due(Date.parse('2026-05-02T09:00:00Z'), log, 'f', 'r');
  s.due(Date.parse('2026-05-02T10:00:00Z'), log, 'f', 'r');
  const before = { ...s.state };
  const first = runsBetween(s, '2026-05-02T10:00:01Z', '2026-05-02T10:00:10Z', 1000, log);
  assert.deepEqual(first.map((r) => [r.kind, r.requestId, r.requestedBy, r.periodKey, iso(r.at)]), [['requested', 7, 'ana', '2026-05-01', '2026-05-02T10:00:01.000Z']]);
  const replay = new Schedule(config({ timeZone: 'UTC' }));
  replay.state = before;
  assert.deepEqual(runsBetween(replay, '2026-05-02T10:00:01Z', '2026-05-02T10:00:10Z', 1000, log), first, 'a replay makes the same run at the same tick');
});

test('deploy refuses a bad schedule, time zone, limit hours or retention, naming the field', () => {
  const problems = checkReport(config({ schedule: '0 25 * * *', timeZone: 'Europe/Londres', keepDays: 3, period: 'day',
    quantities: [{ id: 'laeq', limits: [{ value: 75, from: '07:00' }] }, { id: 'laeq' }], smtp: { host: 'mail' } }));
  assert.deepEqual(problems.map((p) => p.path), ['/schedule', '/timeZone', '/quantities/0/limits/0', '/quantities/1/id', '/keepDays', '/to']);
  assert.match(problems[0]!.message, /cron field 2 \(hour\): 25 is out of range/);
});

test('the same inputs render the same PDF, byte for byte', async (t) => {
  const dir = tempDir(t);
  const cfg = config({});
  const store = ReportDataStore.open(join(dir, 'data.db'));
  t.after(() => store.close());
  for (const w of noise1()) store.addWindow(store.seriesId('laeq', w.sensor, 10)!, w.window_start, w.window_end, w.value_mean, w.count);
  store.commit();
  const period = periodOfKey('day', DAY_KEY, 'Europe/London')!;
  const model = (): ReportModel => ({
    cfg, period, asOf: period.to + 7 * 3_600_000, reportId: `f/r/${DAY_KEY}`, kind: 'scheduled', requestedBy: null,
    quantities: computeFigures({ cfg, store, period }), alerts: [], alertSummary: summarizeAlerts([]), invalidOther: [], invalidReasons: [], deadLetteredOther: 0,
  });
  const a = await renderReport(model());
  const b = await renderReport(model());
  const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
  assert.equal(sha(a.pdf), sha(b.pdf));
  assert.ok(a.pages >= 3, `${a.pages} pages`);
  assert.match(a.pdf.toString('latin1'), /\(D:20260330060000Z\)/, 'the document is dated by its run, not by when it was drawn');
});
