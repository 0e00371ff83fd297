import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { HistoryStore } from '../nodes/chart/history-store.js';
import { tempDir } from './helpers/temp-dir.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 14);

/** A day at 1 Hz: a slow wave with a little noise, so neighbouring buckets differ. */
function dayOf(series: string, store: HistoryStore, spikeAt?: number): void {
  for (let i = 0; i < 86_400; i++) {
    const v = i === spikeAt ? 500 : 20 + 5 * Math.sin(i / 3000) + ((i * 7919) % 13) / 100;
    store.put(series, T0 + i * 1000, v);
  }
}

test('a range query keeps every bucket\'s min and max: one spike among 86,400 points survives zoomed out and zoomed in', (t) => {
  const store = HistoryStore.open(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  const spikeAt = 53_123;
  dayOf('s1', store, spikeAt);
  store.commit();

  const day = store.range({ from: T0, to: T0 + DAY, width: 800 });
  const s = day.series[0]!;
  assert.equal(s.points, 86_400, 'every stored point is accounted for');
  assert.ok(s.ts.length <= 4 * 800, `at most four points per pixel column, got ${s.ts.length}`);
  const max = Math.max(...s.values.filter((v): v is number => v !== null));
  assert.equal(max, 500, 'the spike is the largest value shown');
  assert.equal(s.ts[s.values.indexOf(500)], T0 + spikeAt * 1000, 'at its own time');

  // Exactly M4: per bucket, the first, last, min and max of the raw points.
  const bucket = DAY / 800;
  for (const b of [0, 17, 401, 799]) {
    const raw: [number, number][] = [];
    for (let i = 0; i < 86_400; i++) {
      const ts = T0 + i * 1000;
      if (Math.floor((ts - T0) / bucket) === b) raw.push([ts, i === spikeAt ? 500 : 20 + 5 * Math.sin(i / 3000) + ((i * 7919) % 13) / 100]);
    }
    const inBucket = s.ts.map((ts, i) => [ts, s.values[i]] as const).filter(([ts]) => Math.floor((ts - T0) / bucket) === b);
    const values = raw.map(([, v]) => v);
    const expect = new Set([raw[0]![0], raw.at(-1)![0], raw[values.indexOf(Math.min(...values))]![0], raw[values.indexOf(Math.max(...values))]![0]]);
    assert.deepEqual(new Set(inBucket.map(([ts]) => ts)), expect, `bucket ${b}: first, last, min and max`);
  }

  // Zoomed in to ten minutes around the spike: every point, spike included.
  const from = T0 + (spikeAt - 300) * 1000;
  const near = store.range({ from, to: from + 600_000, width: 1200 }).series[0]!;
  assert.equal(near.ts.length, 600, 'zoomed in, the raw points');
  assert.equal(near.values[300], 500);
});

test('a day of 6 series at 1 Hz answers at most a few thousand points per series, with gaps where a sensor was quiet', (t) => {
  const store = HistoryStore.open(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  for (let k = 0; k < 6; k++) dayOf(`sensor-${k}`, store);
  // sensor-5 is silent for an hour in the afternoon.
  const quietFrom = T0 + 15 * 3_600_000;
  const quiet = HistoryStore.open(join(tempDir(t), 'q.db'));
  t.after(() => quiet.close());
  for (let i = 0; i < 86_400; i++) if (T0 + i * 1000 < quietFrom || T0 + i * 1000 >= quietFrom + 3_600_000) quiet.put('s', T0 + i * 1000, i % 10);
  store.commit();

  const answer = store.range({ from: T0, to: T0 + DAY, width: 1000 });
  assert.deepEqual(answer.series.map((s) => s.key), ['sensor-0', 'sensor-1', 'sensor-2', 'sensor-3', 'sensor-4', 'sensor-5']);
  assert.deepEqual(answer.series.map((s) => s.color), [0, 1, 2, 3, 4, 5], 'colours in order of first appearance');
  for (const s of answer.series) {
    assert.equal(s.points, 86_400);
    assert.ok(s.ts.length > 1000 && s.ts.length <= 4000, `${s.key}: ${s.ts.length} points`);
    assert.ok(!s.values.includes(null), 'no gap in continuous data');
  }
  const gapped = quiet.range({ from: T0, to: T0 + DAY, width: 1000 }).series[0]!;
  const gaps = gapped.ts.filter((_, i) => gapped.values[i] === null);
  assert.equal(gaps.length, 1, 'one break in the line');
  assert.ok(gaps[0]! > quietFrom && gaps[0]! < quietFrom + 3_600_000);
});

test('points written twice (a replay) change nothing; a point at a time already held replaces its value; the history survives reopening', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'h.db');
  let store = HistoryStore.open(file);
  for (let i = 0; i < 5000; i++) store.put('a', T0 + i * 1000, i);
  store.commit();
  const before = store.range({ from: T0, to: T0 + 5_000_000, width: 4000 });
  // The replay: the same points again, interleaved with new ones, in several commits.
  for (let i = 4000; i < 5000; i++) store.put('a', T0 + i * 1000, i);
  store.commit();
  assert.deepEqual(store.range({ from: T0, to: T0 + 5_000_000, width: 4000 }), before);
  assert.equal(store.list()[0]!.points, 5000);

  store.put('a', T0 + 10_000, -1);
  store.put('a', T0 + 10_500, 42);
  store.commit();
  store.close();

  store = HistoryStore.open(file);
  t.after(() => store.close());
  const after = store.range({ from: T0, to: T0 + 20_000, width: 100 }).series[0]!;
  assert.deepEqual(after.ts.slice(9, 13), [T0 + 9000, T0 + 10_000, T0 + 10_500, T0 + 11_000]);
  assert.deepEqual(after.values.slice(9, 13), [9, -1, 42, 11]);
  assert.equal(store.list()[0]!.points, 5001);
  // New points after reopening continue the open chunk.
  store.put('a', T0 + 5_000_000, 1);
  store.commit();
  assert.equal(store.list()[0]!.last, T0 + 5_000_000);
});

test('late points land in the right chunk in time order; retention drops old chunks and empty series', (t) => {
  const store = HistoryStore.open(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  for (let i = 0; i < 10_000; i += 2) store.put('a', T0 + i * 1000, i);
  store.commit();
  for (let i = 1; i < 10_000; i += 2) store.put('a', T0 + i * 1000, i);
  store.put('old', T0 - DAY, 1);
  store.commit();
  const all = store.range({ from: T0, to: T0 + 10_000_000, width: 4000 }).series.find((s) => s.key === 'a')!;
  assert.equal(all.points, 10_000);
  const raw = store.range({ from: T0, to: T0 + 1_000_000, width: 4000 }).series.find((s) => s.key === 'a')!;
  assert.deepEqual(raw.values, Array.from({ length: 1000 }, (_, i) => i), 'every point, in time order');

  assert.equal(store.prune(T0 + 5_000_000), 1, 'the series "old" had nothing left');
  store.commit();
  assert.deepEqual(store.list().map((s) => [s.key, s.points, s.first]), [['a', 5000, T0 + 5_000_000]]);
});

test('a histogram counts the values of one series in the range', (t) => {
  const store = HistoryStore.open(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  for (let i = 0; i < 1000; i++) store.put('d', T0 + i * 1000, i % 10);
  const h = store.histogram({ key: 'd', from: T0, to: T0 + 500_000, buckets: 5, min: 0, max: 10 });
  assert.equal(h.count, 500);
  assert.deepEqual(h.buckets.map((b) => b.count), [100, 100, 100, 100, 100]);
  assert.deepEqual([h.buckets[0]!.from, h.buckets[0]!.to], [0, 2]);
});
