import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussian, hash32, uniform } from '../nodes/lib/prng.js';
import { MIN, Rollup } from './helpers/rollup.js';

const regions = ['Provence-Alpes-Côte d\'Azur', 'Île-de-France', '🌊 Bretagne', 'Grand Est', 'Hauts-de-France'];

/** 30,000 readings over about 3 days: jittered event times (some far behind), a few malformed ones. */
function stream(): { records: object[]; arrival: number }[] {
  const batches = [];
  const start = Date.UTC(2026, 2, 28, 12);
  for (let b = 0; b < 150; b++) {
    const records = [];
    for (let i = b * 200; i < (b + 1) * 200; i++) {
      const lag = hash32(9, i, 1) % 100 === 0 ? 40 * MIN : uniform(9, i, 2) * 20_000;
      const ts = start + i * 8_000 - Math.floor(lag);
      const sensor = `${regions[i % 5]}/${hash32(9, i, 3) % 12}`;
      records.push(i % 997 === 0 ? { ts: 'n/a', sensor, value: 1 } : { ts, sensor, region: regions[i % 5], value: gaussian(9, i, 4) * 5 + 12 });
    }
    batches.push({ records, arrival: start + b * 1_000 });
  }
  return batches;
}

const configs = {
  'hopping windows, update mode, compare, overflow': {
    window: '15m', hop: '5m', allowedLateness: '30s', lateRecords: 'update', maxKeys: 45,
    aggregates: [{ field: 'value', aggregates: ['count', 'sum', 'mean', 'min', 'max', 'first', 'last', 'stddev', 'p50', 'p95', 'p99'] }],
    compare: [{ windowsAgo: 2, columns: ['value_mean', 'count'] }],
  },
  'daily windows in Europe/Paris across the DST change, late mode, idle close': {
    window: '1d', timeZone: 'Europe/Paris', keyBy: ['region'], idleTimeout: '3s',
    aggregates: [{ field: 'value', aggregates: ['mean', 'p95'] }], compare: [{ windowsAgo: 1, columns: ['value_mean'] }],
  },
  'hourly per region with the mean 3 hours earlier': {
    window: '1h', keyBy: ['region'], allowedLateness: '1m',
    aggregates: [{ field: 'value', aggregates: ['mean', 'max'] }], compare: [{ windowsAgo: 3, columns: ['value_mean'] }],
  },
};

/** Feeds batches from `from`, with a journaled tick after every fifth batch (and a long pause at 100). */
function feed(r: Rollup, batches: ReturnType<typeof stream>, from: number): void {
  for (let b = from; b < batches.length; b++) {
    r.send(batches[b]!.records, batches[b]!.arrival);
    if (b % 5 === 4) r.tick(batches[b]!.arrival + (b === 100 ? 10_000 : 500));
  }
}

for (const [name, config] of Object.entries(configs)) {
  test(`restoring a snapshot taken mid-stream and replaying gives the rows of an uninterrupted run: ${name}`, async () => {
    const batches = stream();
    const whole = await Rollup.create(config);
    feed(whole, batches, 0);
    assert.ok(whole.ports.out!.length >= 15, `rows emitted (${whole.ports.out!.length})`);
    assert.ok(whole.ports.late!.length + whole.ports.invalid!.length > 0);

    for (const cut of [37, 101]) {
      const before = await Rollup.create(config);
      const head = batches.slice(0, cut);
      feed(before, head, 0);
      // What a checkpoint stores: the snapshot as JSON. The restored node sees the rest of the journal.
      const saved = JSON.parse(JSON.stringify(before.node.snapshot!()));
      const after = await Rollup.create(config);
      after.node.restore!(saved);
      feed(after, batches, cut);
      for (const port of ['out', 'late', 'invalid', 'overflow']) {
        assert.deepEqual([...before.ports[port]!, ...after.ports[port]!], whole.ports[port], `${port} after a restore at batch ${cut}`);
      }
    }
  });
}
