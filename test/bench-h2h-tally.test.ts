import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Tally } from '../bench/h2h/tally.js';
import { TRANSFORMS } from '../bench/h2h/transforms.js';
import { tempDir } from './helpers/temp-dir.js';

test('the head-to-head tally counts a key delivered twice (an at-least-once replay) once', () => {
  const tally = new Tally(10);
  for (const seq of [0, 1, 2, 1, 2, 3]) tally.reading(seq, 1000, 1005);
  assert.equal(tally.received, 6);
  assert.equal(tally.distinct, 4);
});

test('the tally tells readings (seq and sent) from closed windows and counts records without a key', () => {
  const tally = new Tally(10);
  tally.record({ seq: 1, sent: 100, value: 20 }, 110);
  tally.record({ window_start: 0, window_end: 60_000, sensor: 's1', count: 3 }, 110);
  tally.record({ seq: 2, value: 21 }, 120);
  assert.deepEqual(tally.report(), { received: 2, distinct: 1, windows: 1, lastAt: 120, firstAt: 110 });
});

test('latency percentiles come from publish-to-sink times: 1 ms steps below 10 s, 100 ms steps above', () => {
  const tally = new Tally(1000);
  for (let i = 0; i < 98; i++) tally.reading(i, 0, 4);
  tally.reading(98, 0, 250);
  tally.reading(99, 0, 12_345);
  const l = tally.latency();
  assert.equal(l.samples, 100);
  assert.equal(l.p50, 4);
  assert.equal(l.p99, 250);
  assert.equal(l.max, 12_300);
});

test('with a key file each batch appends only the keys it saw first, as 4-byte integers', (t) => {
  const file = join(tempDir(t), 'keys.bin');
  const fd = openSync(file, 'a');
  const tally = new Tally(100, fd);
  for (const seq of [5, 7, 5]) tally.reading(seq, 0, 1);
  tally.endBatch();
  tally.reading(7, 0, 1);
  tally.reading(99, 0, 1);
  tally.endBatch();
  closeSync(fd);
  const buf = readFileSync(file);
  assert.deepEqual([...new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4)], [5, 7, 99]);
});

test("Sluice's in-process transforms keep readings in range, add Fahrenheit, then a level", () => {
  const records = [{ value: 20 }, { value: 30 }, { value: 150 }] as { value: number; f: number }[];
  let out = records as Record<string, unknown>[];
  for (const t of TRANSFORMS) out = t.batch(out as never) as Record<string, unknown>[];
  assert.deepEqual(out, [{ value: 20, f: 68, level: 'normal' }, { value: 30, f: 86, level: 'high' }]);
});
