import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataRecord, NodeInstance, Outputs } from '../server/core/types.js';
import { QueryError } from '../server/core/query-error.js';
import { received } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { waitFor } from './helpers/wait.js';

/** A whole minute in epoch milliseconds, so bucket boundaries are easy to read. */
const T0 = 28_333_333 * 60_000;
const reading = (sensor: string, value: unknown, dt: number): DataRecord => Object.freeze({ sensor, value, ts: T0 + dt });

async function topK(raw: object): Promise<NodeInstance> {
  return createNode('top-k', raw, nodeContext({ nodeId: 'top' }));
}
const batch = (node: NodeInstance, records: DataRecord[], at: number) => node.process!(records, { offset: 1, ts: T0 + at }) as Outputs;
const tick = (node: NodeInstance, at: number) => node.tick!(T0 + at) as Outputs;
/** The emitted rankings as `window: sensor=value …` lines, for readable expectations. */
const lines = (outputs: Outputs) => (outputs.out ?? []).map((r) =>
  `${r.window as string}:${(r.top as { sensor: string; value: number }[]).map((e) => ` ${e.sensor}=${e.value}`).join('')}`);

test('all-time ranking: highest first, ties to the earlier reading then the sensor id, emitted only on change', async () => {
  const node = await topK({ n: 3, windows: ['all'] });
  const first = batch(node, [reading('a', 10, 1), reading('b', 30, 2), reading('c', 20, 3), reading('d', 5, 4)], 10);
  assert.deepEqual(first.out, [{
    window: 'all', order: 'highest', field: 'value', at: T0 + 10,
    top: [{ rank: 1, sensor: 'b', value: 30, ts: T0 + 2 }, { rank: 2, sensor: 'c', value: 20, ts: T0 + 3 }, { rank: 3, sensor: 'a', value: 10, ts: T0 + 1 }],
  }]);
  assert.deepEqual(batch(node, [reading('d', 9, 5), reading('a', 10, 6)], 20).out, [], 'nothing in the top 3 changed');
  // e equals c's 20 later than c: it ranks after c. Then a equals c's 20 at c's time: the id decides.
  assert.deepEqual(lines(batch(node, [reading('e', 20, 7)], 30)), ['all: b=30 c=20 e=20']);
  assert.deepEqual(lines(batch(node, [reading('a', 20, 3)], 40)), ['all: b=30 a=20 c=20']);
});

test('lowest mode ranks the smallest values first', async () => {
  const node = await topK({ n: 2, order: 'lowest', windows: ['all'] });
  assert.deepEqual(lines(batch(node, [reading('a', 10, 1), reading('b', -3, 2), reading('c', 4, 3), reading('b', 8, 4)], 10)), ['all: b=-3 c=4']);
  assert.deepEqual(batch(node, [reading('a', 10, 5)], 20).out, [], 'no change, no record');
});

test('minute and hour windows: readings leave as journaled ticks move time on', async () => {
  const node = await topK({ n: 2 });
  assert.deepEqual(lines(batch(node, [reading('a', 10, 1000), reading('b', 20, 2000), reading('c', 5, 3000)], 5000)),
    ['all: b=20 a=10', 'minute: b=20 a=10', 'hour: b=20 a=10']);
  assert.deepEqual(tick(node, 60_999).out, [], 'every reading is still in the 60 one-second buckets');
  assert.deepEqual(lines(tick(node, 61_000)), ['minute: b=20 c=5'], "a's second has left the minute");
  assert.deepEqual(lines(tick(node, 62_500)), ['minute: c=5']);
  assert.deepEqual(lines(tick(node, 63_000)), ['minute:']);
  // A reading whose second already left the minute still counts for the hour and all time.
  assert.deepEqual(lines(batch(node, [reading('d', 50, 2000)], 63_500)), ['all: d=50 b=20', 'hour: d=50 b=20']);
  assert.deepEqual(tick(node, 3_599_999).out, []);
  assert.deepEqual(lines(tick(node, 3_600_000)), ['hour:'], 'the first minute has left the hour');
  const top = node.queries!.top!({ window: 'all' }) as { at: number; top: unknown[] };
  assert.equal(top.at, T0 + 3_600_000);
  assert.equal(top.top.length, 2, 'all time keeps everything');
});

test('invalid readings leave by invalid with the reason and change nothing', async () => {
  const node = await topK({ windows: ['all'] });
  const bad = [
    Object.freeze({ sensor: 'a', value: 'hot', ts: T0 }),
    Object.freeze({ value: Number.NaN, ts: T0 }),
    Object.freeze({ sensor: 'a', value: 1, ts: '2024-01-01' }),
  ];
  const result = batch(node, bad, 0);
  assert.deepEqual(result.out, []);
  assert.deepEqual(result.invalid, [
    { record: bad[0], reason: 'value: expected a finite number, got "hot"', node: 'top' },
    { record: bad[1], reason: 'sensor: expected a string or a number, got undefined; value: expected a finite number, got NaN', node: 'top' },
    { record: bad[2], reason: 'ts: expected epoch milliseconds, got "2024-01-01"', node: 'top' },
  ]);
});

test('histogram: per-sensor buckets over all time, with below and above, served by a query', async () => {
  const node = await topK({ histogram: { min: 0, max: 40, buckets: 4 } });
  batch(node, [-1, 0, 9.99, 10, 25, 40, 41, 39].map((v, i) => reading('a', v, i)), 100);
  assert.deepEqual(node.queries!.histogram!({ sensor: 'a' }), {
    sensor: 'a', field: 'value', count: 8, below: 1, above: 1,
    buckets: [{ from: 0, to: 10, count: 2 }, { from: 10, to: 20, count: 1 }, { from: 20, to: 30, count: 1 }, { from: 30, to: 40, count: 2 }],
  });
  assert.throws(() => node.queries!.histogram!({}), (e: unknown) => e instanceof QueryError && /sensor parameter is required/.test(e.message));
  assert.throws(() => node.queries!.histogram!({ sensor: 'zz' }), { message: 'no readings from sensor "zz" are tracked' });
  assert.throws(() => node.queries!.top!({ window: 'day' }), { message: 'window must be one of all, minute, hour, got "day"' });
  assert.throws(() => node.queries!.top!({ n: '0' }), { message: 'n must be an integer from 1 to 10000, got "0"' });
});

test('maxSensors: a new sensor past the limit forgets the least recently seen one', async () => {
  const node = await topK({ n: 3, maxSensors: 2, windows: ['all'] });
  batch(node, [reading('a', 30, 1), reading('b', 20, 2)], 10);
  batch(node, [reading('a', 1, 3)], 20);
  assert.deepEqual(lines(batch(node, [reading('c', 10, 4)], 30)), ['all: a=30 c=10'], 'b was seen least recently');
  assert.throws(() => node.queries!.histogram!({ sensor: 'b' }), /no readings from sensor "b"/);
});

test('snapshot and restore: a restored node holds the same state and goes on exactly like the original', async () => {
  const original = await topK({ n: 2 });
  batch(original, [reading('a', 10, 1000), reading('b', 20, 2000), reading('c', 15, 30_000)], 40_000);
  tick(original, 61_500);
  const saved = JSON.parse(JSON.stringify(original.snapshot!())) as unknown; // as a checkpoint stores it
  const restored = await topK({ n: 2 });
  restored.restore!(saved);
  assert.deepEqual(restored.snapshot!(), original.snapshot!());
  for (const node of [original, restored]) assert.deepEqual(node.queries!.top!({ window: 'minute' }), original.queries!.top!({ window: 'minute' }));
  const next = [reading('d', 12, 62_000)];
  assert.deepEqual(batch(restored, next, 62_000), batch(original, next, 62_000));
  assert.deepEqual(tick(restored, 95_000), tick(original, 95_000));
  assert.deepEqual(lines(tick(original, 123_000)), ['minute:']);
});

test('API: a deployed test-feed → top-k flow answers top and histogram queries, and emits rankings', async (t) => {
  const { app } = await openApp(t);
  received.delete('rankings');
  const flow = {
    sluice: 1, id: 'topk-api',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 100, batchSize: 100, sensors: 4 } },
      // test-feed numbers its records: seq stands in for the event time, so only all time is ranked.
      { id: 'top', type: 'top-k', config: { n: 3, tsField: 'seq', windows: ['all'], histogram: { min: 0, max: 100, buckets: 2 } } },
      { id: 'rankings', type: 'test-sink' },
    ],
    wires: [{ from: 'feed', to: 'top' }, { from: 'top', to: 'rankings' }],
  };
  const deployed = await app.inject({ method: 'POST', url: '/api/flows/topk-api/deploy', payload: flow });
  assert.equal(deployed.statusCode, 200, deployed.body);
  const url = '/api/flows/topk-api/nodes/top/query';
  await waitFor('the 100 readings ranked', () => (received.get('rankings') ?? []).length > 0);
  // Values are seq % 97: s0 peaks at 96 (seq 96), s3 at 95, s2 at 94, s1 at 93.
  const top = await app.inject({ url: `${url}/top?n=3` });
  assert.equal(top.statusCode, 200);
  assert.deepEqual(top.json(), {
    flowId: 'topk-api', nodeId: 'top', query: 'top',
    result: {
      window: 'all', order: 'highest', field: 'value', at: (top.json() as { result: { at: number } }).result.at, count: 100,
      top: [{ rank: 1, sensor: 's0', value: 96, ts: 96 }, { rank: 2, sensor: 's3', value: 95, ts: 95 }, { rank: 3, sensor: 's2', value: 94, ts: 94 }],
    },
  });
  assert.deepEqual((received.get('rankings')!.at(-1)!.top as unknown[]), (top.json() as { result: { top: unknown[] } }).result.top);
  const histogram = await app.inject({ url: `${url}/histogram?sensor=s1` });
  assert.deepEqual((histogram.json() as { result: unknown }).result, {
    sensor: 's1', field: 'value', count: 25, below: 0, above: 0,
    buckets: [{ from: 0, to: 50, count: 14 }, { from: 50, to: 100, count: 11 }], // 1, 5, … 49 and 97 % 97 = 0; 53 … 93
  });
  const bad = await app.inject({ url: `${url}/top?window=hour` });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /window must be one of all, got \\"hour\\"/);
});

test('the top query says how many valid readings its ranking is based on, across checkpoints', async () => {
  const node = await topK({ n: 2 });
  batch(node, [reading('a', 10, 1000), reading('b', 'n/a', 2000), reading('c', 5, 3000)], 5000);
  batch(node, [reading('a', 12, 6000)], 7000);
  assert.deepEqual((node.queries!.top!({ window: 'minute' }) as { count: number }).count, 3, 'the invalid reading is not counted');
  const restored = await topK({ n: 2 });
  restored.restore!(JSON.parse(JSON.stringify(node.snapshot!())));
  batch(restored, [reading('d', 1, 8000)], 9000);
  assert.equal((restored.queries!.top!({}) as { count: number }).count, 4);
});
