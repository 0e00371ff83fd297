import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussian, uniform } from '../nodes/lib/prng.js';
import { Rollup } from './helpers/rollup.js';

const every = ['count', 'sum', 'mean', 'min', 'max', 'first', 'last', 'stddev', 'p50', 'p95', 'p99'];

test('every aggregate over a known window; stddev is the sample standard deviation (n − 1)', async () => {
  const r = await Rollup.create({ window: '1m', aggregates: [{ field: 'value', aggregates: every, as: 'v' }] });
  // Arrival order differs from event time: first/last follow event time.
  const values: [number, number][] = [[30, 15], [10, 4], [20, 8], [40, 16], [60, 42], [50, 23]];
  r.send([...values.map(([ts, value]) => ({ ts, sensor: 'a', value })), { ts: 55, sensor: 'a' }, { ts: 60_000, sensor: 'z', value: 0 }]);
  const [row] = r.ports.out;
  const { v_stddev: stddev, v_p50: p50, v_p95: p95, v_p99: p99, ...exact } = row!;
  assert.deepEqual(exact, {
    window_start: 0, window_end: 60_000, sensor: 'a', count: 7,
    v_count: 6, v_sum: 108, v_mean: 18, v_min: 4, v_max: 42, v_first: 4, v_last: 42,
  });
  // Deviations from 18: -14 -10 -3 -2 5 24, squares sum to 910; 910 / 5 = 182.
  assert.ok(Math.abs((stddev as number) - Math.sqrt(182)) < 1e-12, `stddev ${stddev}`);
  // Lower quantiles of [4 8 15 16 23 42]: ranks ⌊q·5⌋ = 2, 4, 4 → 15, 23, 23.
  for (const [got, exactValue] of [[p50, 15], [p95, 23], [p99, 23]] as const) {
    assert.ok(Math.abs((got as number) - exactValue) <= 0.01 * exactValue, `${got} is within 1% of ${exactValue}`);
  }
});

test('a window with one value has a null stddev; quantiles of one value are that value within 1%', async () => {
  const r = await Rollup.create({ window: '1m', aggregates: [{ field: 'value', aggregates: ['stddev', 'p99'] }] });
  r.send([{ ts: 0, sensor: 'a', value: -7.5 }, { ts: 60_000, sensor: 'a', value: 1 }]);
  assert.equal(r.ports.out[0]!.value_stddev, null);
  assert.ok(Math.abs((r.ports.out[0]!.value_p99 as number) + 7.5) <= 0.075);
});

/** The value at rank ⌊q·(n−1)⌋ of the sorted values: what the sketch's 1% bound is stated against. */
const lowerQuantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

for (const [name, draw] of [
  ['log-normal vibration amplitudes', (i: number) => Math.exp(gaussian(3, i, 1) * 2)],
  ['temperatures around zero, with negatives and exact zeros', (i: number) => (i % 50 === 0 ? 0 : gaussian(4, i, 2) * 8 + 1)],
  ['uniform readings over five decades', (i: number) => 10 ** (uniform(5, i, 3) * 5 - 1)],
] as const) {
  test(`p50/p95/p99 are within 1% of the exact quantiles: ${name}`, async () => {
    const n = 20_000;
    const values = Array.from({ length: n }, (_, i) => draw(i));
    // Tumbling 1 h windows and 1 h every 10 min (sketches merged from six panes) see the same values.
    for (const hop of ['', '10m']) {
      const r = await Rollup.create({ window: '1h', hop, keyBy: [], aggregates: [{ field: 'value', aggregates: ['p50', 'p95', 'p99'] }] });
      r.send(values.map((value, i) => ({ ts: Math.floor((i * 3_600_000) / n), value })));
      r.send([{ ts: 10 * 3_600_000, value: 0 }]);
      const full = r.ports.out.find((row) => row.window_start === 0)!;
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.5, 0.95, 0.99]) {
        const exact = lowerQuantile(sorted, q);
        const got = full[`value_p${Math.round(q * 100)}`] as number;
        assert.ok(Math.abs(got - exact) <= 0.01 * Math.abs(exact), `hop "${hop}" q=${q}: ${got} vs exact ${exact}`);
      }
    }
  });
}

test('interval on the time field is the mean time between readings in the window, null for a single reading', async () => {
  const r = await Rollup.create({ window: '1h', aggregates: [{ field: 'ts', aggregates: ['interval'], as: 'heartbeat' }] });
  // Arrival order does not matter: the gaps of a sorted run add up to max − min.
  const a = [0, 130_000, 60_000, 250_000, 400_000];
  r.send([...a.map((ts) => ({ ts, sensor: 'a' })), { ts: 42, sensor: 'b' }, { ts: 3_600_000, sensor: 'z' }]);
  assert.deepEqual(r.ports.out.map((row) => [row.sensor, row.count, row.heartbeat_interval]), [['a', 5, 100_000], ['b', 1, null]]);
});
