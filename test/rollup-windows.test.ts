import assert from 'node:assert/strict';
import { test } from 'node:test';
import rollup from '../nodes/rollup.js';
import { configOf } from './helpers/node-context.js';
import { HOUR, MIN, Rollup } from './helpers/rollup.js';

const counting = { window: '1m', aggregates: [{ field: 'value', aggregates: ['count', 'sum'] }] };
const row = (start: number, end: number, sensor: string, count: number, sum: number) =>
  ({ window_start: start, window_end: end, sensor, count, value_count: count, value_sum: sum });

test('a record exactly at a window boundary belongs to the next window', async () => {
  const r = await Rollup.create(counting);
  assert.deepEqual(r.send([{ ts: 0, sensor: 'a', value: 1 }, { ts: 59_999, sensor: 'a', value: 2 }]).out, []);
  assert.deepEqual(r.send([{ ts: 60_000, sensor: 'a', value: 4 }]).out, [row(0, 60_000, 'a', 2, 3)]);
  assert.deepEqual(r.send([{ ts: 120_000, sensor: 'a', value: 8 }]).out, [row(60_000, 120_000, 'a', 1, 4)]);
});

test('records within the allowed lateness update their open window; behind the watermark they leave by late', async () => {
  const r = await Rollup.create({ ...counting, allowedLateness: '30s' });
  r.send([{ ts: 10_000, sensor: 'a', value: 1 }, { ts: 70_000, sensor: 'a', value: 2 }]);
  assert.deepEqual(r.send([{ ts: 50_000, sensor: 'a', value: 4 }]).out, [], 'watermark 40 s: the first minute is still open');
  assert.deepEqual(r.send([{ ts: 95_000, sensor: 'a', value: 8 }]).out, [row(0, 60_000, 'a', 2, 5)]);
  const late = { ts: 20_000, sensor: 'a', value: 16 };
  const out = r.send([late]);
  assert.deepEqual(out.out, []);
  assert.deepEqual(out.late, [{
    record: late, node: 'roll',
    reason: 'window [1970-01-01T00:00:00.000Z, 1970-01-01T00:01:00.000Z) is already closed (watermark 1970-01-01T00:01:05.000Z)',
  }]);
  assert.deepEqual(r.send([{ ts: 150_000, sensor: 'a', value: 0 }]).out, [row(60_000, 120_000, 'a', 2, 10)], 'the late record counts nowhere');
});

test('in update mode a late record updates its closed window, which is emitted again in full', async () => {
  const r = await Rollup.create({ ...counting, allowedLateness: '30s', lateRecords: 'update' });
  r.send([{ ts: 10_000, sensor: 'a', value: 1 }, { ts: 70_000, sensor: 'a', value: 2 }, { ts: 50_000, sensor: 'a', value: 4 }]);
  assert.deepEqual(r.send([{ ts: 95_000, sensor: 'a', value: 8 }]).out, [row(0, 60_000, 'a', 2, 5)]);
  const again = r.send([{ ts: 20_000, sensor: 'a', value: 16 }]);
  assert.deepEqual(again.out, [row(0, 60_000, 'a', 3, 21)]);
  assert.deepEqual(again.late, []);
  // Watermark 160 s: the first minute closed at 60 s and is past its one-window update horizon (120 s).
  assert.deepEqual(r.send([{ ts: 190_000, sensor: 'a', value: 0 }]).out, [row(60_000, 120_000, 'a', 2, 10)]);
  const tooLate = { ts: 30_000, sensor: 'a', value: 32 };
  assert.deepEqual(r.send([tooLate]).late, [{
    record: tooLate, node: 'roll',
    reason: 'window [1970-01-01T00:00:00.000Z, 1970-01-01T00:01:00.000Z) is already closed and past the update horizon (watermark 1970-01-01T00:02:40.000Z)',
  }]);
  assert.deepEqual(r.send([{ ts: 100_000, sensor: 'a', value: 64 }]).out, [row(60_000, 120_000, 'a', 3, 74)]);
});

test('no row is emitted for a key without records in a window', async () => {
  const r = await Rollup.create(counting);
  r.send([
    { ts: 0, sensor: 'a', value: 1 }, { ts: 1000, sensor: 'b', value: 1 },
    { ts: 180_000, sensor: 'a', value: 2 }, { ts: 240_000, sensor: 'a', value: 3 },
  ]);
  assert.deepEqual(r.ports.out, [row(0, 60_000, 'a', 1, 1), row(0, 60_000, 'b', 1, 1), row(180_000, 240_000, 'a', 1, 2)]);
});

test('with hopping windows each record counts in size/hop windows', async () => {
  const r = await Rollup.create({ ...counting, hop: '20s' });
  r.send([{ ts: 5000, sensor: 'a', value: 1 }, { ts: 25_000, sensor: 'a', value: 2 }, { ts: 45_000, sensor: 'a', value: 4 }, { ts: 65_000, sensor: 'a', value: 8 }]);
  r.send([{ ts: 200_000, sensor: 'a', value: 0 }]);
  assert.deepEqual(r.ports.out, [
    row(-40_000, 20_000, 'a', 1, 1), row(-20_000, 40_000, 'a', 2, 3), row(0, 60_000, 'a', 3, 7),
    row(20_000, 80_000, 'a', 3, 14), row(40_000, 100_000, 'a', 2, 12), row(60_000, 120_000, 'a', 1, 8),
  ]);
});

const parisLocal = (ms: number) => new Date(ms).toLocaleString('sv-SE', { timeZone: 'Europe/Paris' });
const hourly = (from: number, to: number) => {
  const records = [];
  for (let ts = from; ts <= to; ts += HOUR) records.push({ ts, value: 1 });
  return records;
};
const daily = { window: '1d', timeZone: 'Europe/Paris', keyBy: [], aggregates: [{ field: 'value', aggregates: ['count'] }] };

test('daily windows in Europe/Paris run from local midnight: 2026-03-29 lasts 23 hours', async () => {
  const r = await Rollup.create(daily);
  r.send(hourly(Date.UTC(2026, 2, 27, 23), Date.UTC(2026, 2, 30, 21)));
  r.send([{ ts: Date.UTC(2026, 3, 5), value: 1 }]);
  assert.deepEqual(r.ports.out, [
    { window_start: Date.UTC(2026, 2, 27, 23), window_end: Date.UTC(2026, 2, 28, 23), count: 24, value_count: 24 },
    { window_start: Date.UTC(2026, 2, 28, 23), window_end: Date.UTC(2026, 2, 29, 22), count: 23, value_count: 23 },
    { window_start: Date.UTC(2026, 2, 29, 22), window_end: Date.UTC(2026, 2, 30, 22), count: 24, value_count: 24 },
  ]);
  const day = r.ports.out[1]!;
  assert.equal((day.window_end as number) - (day.window_start as number), 23 * HOUR);
  assert.equal(parisLocal(day.window_start as number), '2026-03-29 00:00:00');
  assert.equal(parisLocal(day.window_end as number), '2026-03-30 00:00:00');
});

test('daily windows in Europe/Paris: 2026-10-25 lasts 25 hours', async () => {
  const r = await Rollup.create(daily);
  r.send(hourly(Date.UTC(2026, 9, 23, 22), Date.UTC(2026, 9, 26, 22)));
  r.send([{ ts: Date.UTC(2026, 10, 1), value: 1 }]);
  assert.deepEqual(r.ports.out, [
    { window_start: Date.UTC(2026, 9, 23, 22), window_end: Date.UTC(2026, 9, 24, 22), count: 24, value_count: 24 },
    { window_start: Date.UTC(2026, 9, 24, 22), window_end: Date.UTC(2026, 9, 25, 23), count: 25, value_count: 25 },
    { window_start: Date.UTC(2026, 9, 25, 23), window_end: Date.UTC(2026, 9, 26, 23), count: 24, value_count: 24 },
  ]);
  assert.equal(parisLocal(r.ports.out[1]!.window_start as number), '2026-10-25 00:00:00');
  assert.equal(parisLocal(r.ports.out[1]!.window_end as number), '2026-10-26 00:00:00');
});

test('hourly windows in a zone with a half-hour offset start on the local hour', async () => {
  const r = await Rollup.create({ window: '1h', timeZone: 'Asia/Kolkata', keyBy: [], aggregates: [{ field: 'value', aggregates: ['count'] }] });
  r.send([{ ts: Date.UTC(2026, 0, 1, 10, 29, 59, 999), value: 1 }, { ts: Date.UTC(2026, 0, 1, 10, 30), value: 1 }, { ts: Date.UTC(2026, 0, 1, 12), value: 1 }]);
  assert.deepEqual(r.ports.out, [
    { window_start: Date.UTC(2026, 0, 1, 9, 30), window_end: Date.UTC(2026, 0, 1, 10, 30), count: 1, value_count: 1 },
    { window_start: Date.UTC(2026, 0, 1, 10, 30), window_end: Date.UTC(2026, 0, 1, 11, 30), count: 1, value_count: 1 },
  ]);
});

test('unicode keys are kept exactly and rows are ordered by the key text', async () => {
  const r = await Rollup.create({ window: '1m', keyBy: ['region'], aggregates: [{ field: 'value', aggregates: ['mean'] }] });
  r.send([
    { ts: 0, region: '🌊 Bretagne', value: 3 }, { ts: 1, region: 'Île-de-France', value: 2 },
    { ts: 2, region: 'Provence-Alpes-Côte d\'Azur', value: 1 }, { ts: 3, region: 'Provence-Alpes-Côte d\'Azur', value: 4 },
    { ts: 60_000, region: 'x', value: 0 },
  ]);
  assert.deepEqual(r.ports.out.map((row) => [row.region, row.value_mean]), [
    ['Provence-Alpes-Côte d\'Azur', 2.5], ['Île-de-France', 2], ['🌊 Bretagne', 3],
  ]);
});

test('keys of different types are different groups; a missing key field groups under null', async () => {
  const r = await Rollup.create(counting);
  r.send([{ ts: 0, sensor: 1, value: 1 }, { ts: 1, sensor: '1', value: 2 }, { ts: 2, value: 4 }, { ts: 60_000, sensor: 'z', value: 0 }]);
  assert.deepEqual(r.ports.out.map((row) => [row.sensor, row.value_sum]), [[1, 1], [null, 4], ['1', 2]]);
});

test('an idle timeout on journaled ticks closes open windows; later records for them are late', async () => {
  const r = await Rollup.create({ window: '1h', idleTimeout: '10s', aggregates: [{ field: 'value', aggregates: ['sum'] }] });
  r.send([{ ts: 1000, sensor: 'a', value: 1 }], 5000);
  assert.deepEqual(r.tick(10_000).out, [], 'idle for 5 s only');
  assert.deepEqual(r.tick(15_000).out, [{ window_start: 0, window_end: HOUR, sensor: 'a', count: 1, value_sum: 1 }]);
  const late = r.send([{ ts: 2000, sensor: 'a', value: 2 }], 16_000);
  assert.equal(late.late!.length, 1);
  assert.match(late.late![0]!.reason as string, /^window \[1970-01-01T00:00:00.000Z, 1970-01-01T01:00:00.000Z\) is already closed/);
  assert.deepEqual(r.tick(40_000).out, [], 'a window is emitted once');
  r.send([{ ts: HOUR + 5, sensor: 'a', value: 4 }], 41_000);
  assert.deepEqual(r.tick(51_000).out, [{ window_start: HOUR, window_end: 2 * HOUR, sensor: 'a', count: 1, value_sum: 4 }]);
});

test('past maxKeys, records of new keys leave by overflow with the reason, and are taken again once state frees up', async () => {
  const r = await Rollup.create({ ...counting, maxKeys: 2 });
  const c = { ts: 2, sensor: 'c', value: 1 };
  const first = r.send([{ ts: 0, sensor: 'a', value: 1 }, { ts: 1, sensor: 'b', value: 1 }, c, { ts: 3, sensor: 'a', value: 1 }]);
  assert.deepEqual(first.overflow, [{ record: c, node: 'roll', reason: 'max keys 2 reached: key {"sensor":"c"} is not aggregated' }]);
  assert.deepEqual(r.statuses.at(-1), { state: 'error', text: 'max keys 2 reached: 1 records sent to overflow' });
  const next = r.send([{ ts: 60_000, sensor: 'c', value: 5 }]);
  assert.deepEqual(next.out, [row(0, 60_000, 'a', 2, 2), row(0, 60_000, 'b', 1, 1)]);
  assert.deepEqual(next.overflow, [], 'closed windows free their keys');
  assert.deepEqual(r.send([{ ts: 120_000, sensor: 'a', value: 1 }]).out, [row(60_000, 120_000, 'c', 1, 5)]);
});

test('compare with 3 windows ago adds the same key\'s earlier value and the difference, null when missing', async () => {
  const r = await Rollup.create({
    window: '1h', keyBy: ['region'], aggregates: [{ field: 'value', aggregates: ['mean'] }],
    compare: [{ windowsAgo: 3, columns: ['value_mean'] }],
  });
  const records = [];
  for (let h = 0; h < 5; h++) records.push({ ts: h * HOUR + 10 * MIN, region: 'A', value: h * 10 }, { ts: h * HOUR + 20 * MIN, region: 'A', value: h * 10 + 2 });
  records.push({ ts: 30 * MIN, region: 'B', value: 5 }, { ts: 4 * HOUR + 30 * MIN, region: 'B', value: 7 });
  records.sort((a, b) => a.ts - b.ts);
  r.send(records);
  r.send([{ ts: 6 * HOUR, region: 'C', value: 0 }]);
  const compared = (h: number, region: string, mean: number, prev: number | null, diff: number | null) => ({
    window_start: h * HOUR, window_end: (h + 1) * HOUR, region, count: region === 'A' ? 2 : 1,
    value_mean: mean, value_mean_prev3: prev, value_mean_diff3: diff,
  });
  assert.deepEqual(r.ports.out, [
    compared(0, 'A', 1, null, null), compared(0, 'B', 5, null, null), compared(1, 'A', 11, null, null),
    compared(2, 'A', 21, null, null), compared(3, 'A', 31, 1, 30), compared(4, 'A', 41, 11, 30), compared(4, 'B', 7, null, null),
  ]);
});

test('records without a valid event time or with a non-numeric value go to invalid with the reason', async () => {
  const r = await Rollup.create({ ...counting, timeField: 'at' });
  const bad = [{ sensor: 'a', value: 1 }, { at: '2026-01-01', sensor: 'a', value: 1 }, { at: 5, sensor: 'a', value: 'n/a' }];
  const out = r.send([...bad, { at: 6, sensor: 'a', value: null }, { at: 7, sensor: 'a', value: 2 }, { at: 60_000, sensor: 'z' }]);
  assert.deepEqual(out.invalid, [
    { record: bad[0], node: 'roll', reason: 'at: missing' },
    { record: bad[1], node: 'roll', reason: 'at: expected epoch milliseconds, got "2026-01-01"' },
    { record: bad[2], node: 'roll', reason: 'value: expected a finite number, got "n/a"' },
  ]);
  assert.deepEqual(out.out, [{ window_start: 0, window_end: 60_000, sensor: 'a', count: 2, value_count: 1, value_sum: 2 }], 'a null value counts in count only');
});

test('deploy-time checks name the config field that is wrong', () => {
  const problems = (raw: object) => rollup.check!(configOf('rollup', raw) as never);
  assert.deepEqual(problems({ window: '1h', hop: '7m' }), [{ path: '/hop', message: 'hop 7m must divide the window size 1h' }]);
  assert.deepEqual(problems({ timeZone: 'Europe/Atlantis' }), [{ path: '/timeZone', message: 'unknown time zone "Europe/Atlantis" (expected an IANA name such as Europe/Paris)' }]);
  assert.deepEqual(problems({ compare: [{ windowsAgo: 3, columns: ['value_avg'] }] }), [
    { path: '/compare/0/columns/0', message: '"value_avg" is not a column of the rows (known: count, value_mean, value_min, value_max)' },
  ]);
  assert.deepEqual(problems({ window: '1h', keyBy: ['region'], compare: [{ windowsAgo: 3, columns: ['value_mean'] }] }), []);
});
