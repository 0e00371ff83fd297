import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { AlertService } from '../server/core/services.js';
import type { DataRecord, Outputs } from '../server/core/types.js';
import { AlertStore } from '../server/services/alert-store.js';
import alert from '../nodes/alert.js';
import { configOf, createNode, nodeContext, testServices } from './helpers/node-context.js';

const HAND_TIME = 5_000_000;

type Reading = [ts: number, value: number];

/** An alert node over a fresh in-memory store; `feed` sends one batch of one sensor's readings. */
async function alertNode(config: object, store: AlertService = AlertStore.open(new Database(':memory:'), { now: () => HAND_TIME })) {
  const node = await createNode('alert', config, nodeContext({ flowId: 'f', nodeId: 'a', services: testServices({ alerts: store }) }));
  await node.start?.();
  let offset = 0;
  const feed = (readings: Reading[], sensor = 's1', arrival = readings.at(-1)?.[0] ?? 0): Outputs =>
    node.process!(readings.map(([ts, value]) => ({ sensor, ts, value })), { offset: ++offset, ts: arrival }) as Outputs;
  return { node, store: store as AlertStore, feed };
}

/** `firing@2000=55`: state, time and value of each emitted change, the shape a user reasons about. */
const changes = (outputs: Outputs | void): string[] =>
  ((outputs as Outputs | undefined)?.out ?? []).map((r) => `${r.state as string}@${r.at as number}${r.value === null ? '' : `=${r.value as number}`}`);

const series = (start: number, stepMs: number, values: number[]): Reading[] => values.map((v, i) => [start + i * stepMs, v]);

test('a threshold ">" alert fires on the first reading above the limit and resolves on the first at or below it', async () => {
  const { feed, store } = await alertNode({ rules: [{ id: 'hot', kind: 'threshold', op: '>', value: 50, severity: 'critical' }] });
  const out = feed(series(1000, 1000, [10, 50, 55, 60, 40]));
  assert.deepEqual(changes(out), ['firing@3000=55', 'resolved@5000=40']);
  assert.deepEqual(out.out![0], {
    alertId: 'f/a/hot/s1/3000', flow: 'f', node: 'a', rule: 'hot', kind: 'threshold', sensor: 's1', state: 'firing',
    at: 3000, firedAt: 3000, value: 55, severity: 'critical', message: 's1: value 55 (> 50)', by: null, note: null,
  });
  const stored = store.detail('f/a/hot/s1/3000')!;
  assert.equal(stored.state, 'resolved');
  assert.equal(stored.resolution, 'auto');
  assert.equal(stored.resolvedValue, 40);
  assert.deepEqual(stored.history.map((h) => `${h.kind}@${h.at}`), ['fired@3000', 'resolved@5000']);
});

test('a threshold "<" alert with hysteresis resolves only once the value is back above limit + hysteresis', async () => {
  const { feed } = await alertNode({ rules: [{ id: 'cold', op: '<', value: 5, hysteresis: 1 }] });
  assert.deepEqual(changes(feed(series(0, 1000, [10, 4, 5.5, 5.9, 6, 7]))), ['firing@1000=4', 'resolved@4000=6']);
});

test('an "outside" band alert fires below and above the band, each excursion a new alert with its own id', async () => {
  const { feed } = await alertNode({ rules: [{ id: 'band', op: 'outside', band: { low: 10, high: 20 }, hysteresis: 1 }] });
  const out = feed(series(0, 1000, [15, 21, 19.5, 15, 9, 10.5, 12]));
  assert.deepEqual(changes(out), ['firing@1000=21', 'resolved@3000=15', 'firing@4000=9', 'resolved@6000=12']);
  assert.deepEqual(out.out!.map((r) => r.alertId), ['f/a/band/s1/1000', 'f/a/band/s1/1000', 'f/a/band/s1/4000', 'f/a/band/s1/4000']);
});

test('hysteresis: values oscillating around the threshold give exactly one fire and one resolve', async () => {
  const oscillating = [49, 51, 49, 52, 48, 51, 50, 46, 44];
  const damped = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50, hysteresis: 5 }] });
  assert.deepEqual(changes(damped.feed(series(0, 1000, oscillating))), ['firing@1000=51', 'resolved@8000=44']);
  // The same values without hysteresis flap: this is what the setting prevents.
  const flapping = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50 }] });
  assert.equal(changes(flapping.feed(series(0, 1000, oscillating))).length, 6);
});

test('sustainMs counts event time: the condition must hold on every reading for the whole duration', async () => {
  const { feed } = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50, sustainMs: 60_000 }] });
  // All in one batch received at one instant: only the readings' own timestamps count.
  assert.deepEqual(changes(feed([[0, 55], [30_000, 56], [59_999, 57]], 's1', 1)), []);
  assert.deepEqual(changes(feed([[60_000, 58]], 's1', 1)), ['firing@60000=58']);

  const { feed: feed2 } = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50, sustainMs: 60_000 }] });
  // A dip starts the duration over.
  assert.deepEqual(changes(feed2([[0, 55], [30_000, 45], [40_000, 55], [90_000, 55]])), []);
  assert.deepEqual(changes(feed2([[100_000, 55]])), ['firing@100000=55']);
});

test('a rate alert judges the change per minute between consecutive readings', async () => {
  const { feed } = await alertNode({ rules: [{ id: 'climb', kind: 'rate', op: '>', value: 10, field: 'value' }] });
  // 20 → 25 in 1 min = 5/min; 25 → 32 in 30 s = 14/min; 32 → 35 in 1 min = 3/min.
  const out = feed([[0, 20], [60_000, 25], [90_000, 32], [150_000, 35]]);
  assert.deepEqual(changes(out), ['firing@90000=14', 'resolved@150000=3']);
  assert.equal(out.out![0]!.message, 's1: value changing by 14 per minute (> 10 per minute)');
});

test('a silence alert fires on the first journaled tick past silenceMs and resolves on the next reading; a replay gives the same', async () => {
  const run = async () => {
    const { node, feed } = await alertNode({ rules: [{ id: 'quiet', kind: 'silence', silenceMs: 600_000 }] });
    return [
      changes(feed([[0, 1]], 's1', 0)),
      changes(feed([[300_000, 1]], 's2', 300_000)),
      changes(node.tick!(599_999)),
      changes(node.tick!(600_000)),
      changes(node.tick!(700_000)),
      changes(node.tick!(900_000)),
      changes(feed([[950_000, 1]], 's1', 950_000)),
    ];
  };
  const first = await run();
  assert.deepEqual(first, [[], [], [], ['firing@600000=600000'], [], ['firing@900000=600000'], ['resolved@950000=950000']]);
  assert.deepEqual(await run(), first);
});

test('readings without the fields the rules need go to invalid, older readings of a sensor to late: none is dropped', async () => {
  const { node } = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50 }] });
  const batch: DataRecord[] = [
    { sensor: 's1', ts: 2000, value: 10 },
    { ts: 1000, value: 1 },
    { sensor: 's1', ts: 'yesterday', value: 1 },
    { sensor: 's1', ts: 3000, value: null },
    { sensor: 's1', ts: 1500, value: 99 },
  ];
  const out = node.process!(batch, { offset: 1, ts: 0 }) as Outputs;
  assert.deepEqual(out.invalid!.map((r) => r.reason), [
    'sensor: expected a sensor name (string or number), got undefined',
    'ts: expected epoch milliseconds, got "yesterday"',
    'value: expected a finite number, got null',
  ]);
  assert.deepEqual(out.late, [{ record: batch[4], reason: 'ts: 1500 is before 2000, the latest reading of sensor "s1"', node: 'a' }]);
  assert.equal(out.out, undefined, 'the late 99 did not fire');
});

test('snapshot and restore carry open alerts, pending durations and rate memory across a restart', async () => {
  const config = { rules: [{ id: 'hot', op: '>', value: 50, sustainMs: 10_000, hysteresis: 5 }, { id: 'climb', kind: 'rate', op: '>', value: 100 }] };
  const store = AlertStore.open(new Database(':memory:'));
  const before = [[0, 10], [60_000, 60], [65_000, 60]] as Reading[];
  // The first reading after the restart needs the rate memory (200/min since 65 s) and the pending start (60 s).
  const after = [[65_600, 62], [71_600, 62], [80_000, 47], [90_000, 44]] as Reading[];

  const straight = await alertNode(config);
  straight.feed(before);
  const expected = changes(straight.feed(after));
  assert.deepEqual(expected, ['firing@65600=200', 'firing@71600=62', 'resolved@71600=0', 'resolved@90000=44']);

  const first = await alertNode(config, store);
  first.feed(before);
  const saved = JSON.parse(JSON.stringify(first.node.snapshot!())) as unknown;
  const second = await alertNode(config, store);
  second.node.restore!(saved);
  assert.deepEqual(changes(second.feed(after)), expected);
});

test('a crash replay re-emits the same transitions and the store records each of them once', async () => {
  const store = AlertStore.open(new Database(':memory:'));
  const config = { rules: [{ id: 'hot', op: '>', value: 50 }] };
  const batches: Reading[][] = [[[1000, 10]], [[2000, 60]], [[3000, 70]], [[4000, 20]], [[5000, 80]]];

  const original = await alertNode(config, store);
  original.feed(batches[0]!);
  const checkpoint = JSON.parse(JSON.stringify(original.node.snapshot!())) as unknown;
  const emitted = batches.slice(1).flatMap((b) => changes(original.feed(b)));
  assert.deepEqual(emitted, ['firing@2000=60', 'resolved@4000=20', 'firing@5000=80']);

  // Crash: a new instance restores the checkpoint and replays everything after it.
  const replayed = await alertNode(config, store);
  replayed.node.restore!(checkpoint);
  assert.deepEqual(batches.slice(1).flatMap((b) => changes(replayed.feed(b))), emitted);

  const all = store.list({ limit: 100 });
  assert.deepEqual(all.map((a) => `${a.id} ${a.state}`), ['f/a/hot/s1/5000 firing', 'f/a/hot/s1/2000 resolved']);
  assert.deepEqual(store.detail('f/a/hot/s1/2000')!.history.map((h) => h.id), ['f/a/hot/s1/2000/fired', 'f/a/hot/s1/2000/resolved']);
});

test('resolved by hand while the condition holds: no new alert until the value has cleared and crossed again', async () => {
  const { feed, store } = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50, hysteresis: 5 }] });
  assert.deepEqual(changes(feed([[1000, 60]])), ['firing@1000=60']);
  store.resolve('f/a/hot/s1/1000', 'ana', 'sensor under maintenance');

  const next = feed([[2000, 70], [3000, 48], [4000, 60]]);
  assert.deepEqual(changes(next), [`resolved@${HAND_TIME}`], 'the hand resolution is emitted; 60 and 70 do not re-fire');
  assert.equal(next.out![0]!.by, 'ana');
  assert.equal(next.out![0]!.note, 'sensor under maintenance');
  assert.deepEqual(changes(feed([[5000, 44], [6000, 61]])), ['firing@6000=61']);
  assert.equal(store.get('f/a/hot/s1/1000')!.resolution, 'manual', 'the hand resolution stands');
});

test('after a crash, the replay does not re-open an alert resolved by hand: the store is the source of truth', async () => {
  const store = AlertStore.open(new Database(':memory:'), { now: () => HAND_TIME });
  const config = { rules: [{ id: 'hot', op: '>', value: 50, hysteresis: 5 }] };
  const original = await alertNode(config, store);
  const checkpoint = JSON.parse(JSON.stringify(original.node.snapshot!())) as unknown;
  original.feed([[1000, 60]]);
  store.resolve('f/a/hot/s1/1000', 'ana', null);
  original.feed([[2000, 65]]);

  const replayed = await alertNode(config, store);
  replayed.node.restore!(checkpoint);
  assert.deepEqual(changes(replayed.feed([[1000, 60]])), ['firing@1000=60', `resolved@${HAND_TIME}`]);
  assert.deepEqual(changes(replayed.feed([[2000, 65], [3000, 70]])), []);
  const stored = store.detail('f/a/hot/s1/1000')!;
  assert.equal(stored.resolvedBy, 'ana');
  assert.deepEqual(stored.history.map((h) => h.kind), ['fired', 'resolved']);
});

test('an acknowledgement is emitted on the next tick, and the alert still resolves automatically afterwards', async () => {
  const { node, feed, store } = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50 }] });
  feed([[1000, 60]]);
  store.acknowledge('f/a/hot/s1/1000', 'bo', 'crew sent');
  const ack = (node.tick!(1500) as Outputs).out!;
  assert.deepEqual(ack.map((r) => [r.state, r.by, r.note, r.at]), [['acknowledged', 'bo', 'crew sent', HAND_TIME]]);
  assert.deepEqual(node.tick!(1600), {}, 'emitted once');
  assert.deepEqual((node.queries!.open!({}) as { alert: { acknowledged: boolean } }[])[0]!.alert.acknowledged, true);
  assert.deepEqual(changes(feed([[2000, 30]])), ['resolved@2000=30']);
  const stored = store.get('f/a/hot/s1/1000')!;
  assert.deepEqual([stored.state, stored.resolution, stored.acknowledgedBy], ['resolved', 'auto', 'bo']);
});

test('a batch that fails on the store leaves the node unchanged, so its retry emits exactly what one run would', async () => {
  const real = AlertStore.open(new Database(':memory:'));
  let failures = 1;
  const flaky: AlertService = {
    record: (d) => {
      if (failures-- > 0) throw new Error('database is locked');
      return real.record(d);
    },
    get: (id) => real.get(id),
    list: (q) => real.list(q),
    during: (q) => real.during(q),
    watch: (f, n, l) => real.watch(f, n, l),
  };
  const { feed } = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50, sustainMs: 1000 }] }, flaky);
  const batch: Reading[] = [[0, 60], [1000, 61]];
  assert.throws(() => feed(batch), /database is locked/);
  assert.deepEqual(changes(feed(batch)), ['firing@1000=61']);
});

test('deploy-time checks name the rule setting that is missing or contradictory', () => {
  const problems = alert.check!(configOf('alert', {
    rules: [
      { id: 'a', op: '>' },
      { id: 'a', op: 'outside', band: { low: 0, high: 4 }, hysteresis: 3 },
      { id: 'q', kind: 'silence', sustainMs: 5 },
    ],
  }) as never);
  assert.deepEqual(problems.map((p) => p.path), ['/rules/0/value', '/rules/1/id', '/rules/1/band', '/rules/2/silenceMs', '/rules/2/sustainMs']);
  assert.match(problems[2]!.message, /narrower than twice the hysteresis 3: the alert could never resolve/);
});

test('defaults: readings are keyed by sensor with their time in ts, and a node without rules does not deploy', () => {
  const config = configOf('alert', { rules: [{ id: 'hot', value: 1 }] }) as { keyBy: string; timeField: string; rules: { kind: string; op: string; field: string }[] };
  assert.deepEqual([config.keyBy, config.timeField, config.rules[0]!.kind, config.rules[0]!.op, config.rules[0]!.field], ['sensor', 'ts', 'threshold', '>', 'value']);
  assert.throws(() => configOf('alert', { rules: [] }), /rules/);
});

test('a silence rule on the event clock fires at the silent sensor\'s last reading + silenceMs once another sensor is that far ahead, whatever the batching', async () => {
  const run = async (batches: [sensor: string, ts: number][][]) => {
    const { node } = await alertNode({ rules: [{ id: 'quiet', kind: 'silence', clock: 'event', silenceMs: 600_000 }] });
    const seen: string[] = [];
    batches.forEach((batch, i) => {
      // Journal time stays 0: only the readings' own times count.
      const out = node.process!(batch.map(([sensor, ts]) => ({ sensor, ts, value: 1 })), { offset: i + 1, ts: 0 }) as Outputs;
      seen.push(...(out.out ?? []).map((r) => `${r.sensor as string}:${r.state as string}@${r.at as number}`));
    });
    assert.deepEqual(changes(node.tick!(10_000_000)), [], 'ticks do not judge event-clock silence');
    return { seen, summary: (node.queries!.summary!({}) as { active: number; sensors: number; share: number }[])[0] };
  };
  const readings: [string, number][] = [['s1', 0], ['s2', 0], ['s3', 0], ['s2', 300_000], ['s3', 300_000], ['s2', 650_000], ['s3', 950_000], ['s1', 1_000_000], ['s3', 1_300_000]];
  const oneByOne = await run(readings.map((r) => [r]));
  assert.deepEqual(oneByOne.seen, ['s1:firing@600000', 's1:resolved@1000000', 's2:firing@1250000']);
  assert.deepEqual(oneByOne.summary, { rule: 'quiet', kind: 'silence', sensors: 3, active: 1, share: 1 / 3 });
  const allAtOnce = await run([readings]);
  // In one batch s1's reading at 1,000,000 comes before the batch is judged: it never looked silent.
  assert.deepEqual(allAtOnce.seen, ['s2:firing@1250000']);
  assert.deepEqual(allAtOnce.summary, oneByOne.summary);
});

test('summary gives per rule the sensors watched and the share whose condition holds, hand resolutions included', async () => {
  const { node, feed, store } = await alertNode({ rules: [{ id: 'hot', op: '>', value: 50 }, { id: 'quiet', kind: 'silence', silenceMs: 1000 }] });
  feed([[0, 60]], 's1');
  feed([[0, 10]], 's2');
  feed([[0, 70]], 's3');
  feed([[0, 20]], 's4');
  store.resolve('f/a/hot/s3/0', 'ops', 'known');
  node.tick!(500);
  assert.deepEqual(node.queries!.summary!({}), [
    { rule: 'hot', kind: 'threshold', sensors: 4, active: 2, share: 0.5 },
    { rule: 'quiet', kind: 'silence', sensors: 4, active: 0, share: 0 },
  ]);
});

test('carry copies fields of the sensor\'s latest reading into every change, silence alerts included; they cannot shadow the change\'s own fields', async () => {
  const { node } = await alertNode({ carry: ['site', 'lat'], rules: [{ id: 'hot', op: '>', value: 50 }, { id: 'quiet', kind: 'silence', silenceMs: 1000 }] });
  const out = node.process!([{ sensor: 's1', ts: 0, value: 60, site: 'north', lat: 45.1 }, { sensor: 's1', ts: 10, value: 40, site: 'south' }], { offset: 1, ts: 0 }) as Outputs;
  assert.deepEqual(out.out!.map((r) => [r.state, r.site, r.lat]), [['firing', 'north', 45.1], ['resolved', 'south', undefined]]);
  const silent = node.tick!(5000) as Outputs;
  assert.deepEqual(silent.out!.map((r) => [r.rule, r.state, r.site]), [['quiet', 'firing', 'south']]);
  const problems = alert.check!(configOf('alert', { carry: ['site', 'state'], rules: [{ id: 'q', kind: 'silence', silenceMs: 1 }, { id: 'h', value: 1, clock: 'event' }] }) as never);
  assert.deepEqual(problems.map((p) => p.path), ['/carry/1', '/rules/1/clock']);
  assert.throws(() => configOf('alert', { carry: ['pos.lat'], rules: [{ id: 'h', value: 1 }] }), /carry/);
});

test('the event clock\'s newest time is checkpointed: a restored node judges a late-joining sensor as the original does', async () => {
  const rules = [{ id: 'quiet', kind: 'silence', clock: 'event', silenceMs: 600_000 }];
  const original = await alertNode({ rules });
  original.feed([[0, 1]], 's1');
  assert.deepEqual(changes(original.feed([[700_000, 1]], 's2')), ['firing@600000=700000']);
  const restored = await alertNode({ rules });
  restored.node.restore!(JSON.parse(JSON.stringify(original.node.snapshot!())));
  // s3 first speaks with a reading already 650 s behind the newest one: silent at once, at 50,000 + 600,000.
  const late = (n: typeof original) => changes(n.feed([[50_000, 1]], 's3'));
  assert.deepEqual(late(restored), ['firing@650000=650000']);
  assert.deepEqual(late(original), ['firing@650000=650000']);
});

test('event-clock silence judges a sensor that joins late with an old reading as soon as its silence is reached', async () => {
  const { node } = await alertNode({ rules: [{ id: 'quiet', kind: 'silence', clock: 'event', silenceMs: 600_000 }] });
  let offset = 0;
  const batch = (...readings: [sensor: string, ts: number][]) => {
    const out = node.process!(readings.map(([sensor, ts]) => ({ sensor, ts, value: 1 })), { offset: ++offset, ts: 0 }) as Outputs;
    return (out.out ?? []).map((r) => `${r.sensor as string}:${r.state as string}@${r.at as number}`);
  };
  assert.deepEqual(batch(['s1', 0], ['s2', 0]), []);
  assert.deepEqual(batch(['s1', 550_000], ['s2', 550_000]), []);
  assert.deepEqual(batch(['s1', 610_000]), [], 'nobody is 600 s behind 610 s yet; s2 would be at 1,150 s');
  assert.deepEqual(batch(['s3', 100_000]), [], 's3 joins 510 s behind the newest reading');
  assert.deepEqual(batch(['s1', 705_000]), ['s3:firing@700000'], 'the first batch past 700 s finds s3 silent, long before 1,150 s');
  assert.deepEqual(batch(['s1', 1_160_000]), ['s2:firing@1150000']);
});
