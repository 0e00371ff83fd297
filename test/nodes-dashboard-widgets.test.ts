import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RangeAnswer, SeriesAnswer, StatState, TableAnswer } from '../nodes/dashboard/answers.js';
import type { DataRecord, NodeInstance, NodeStatus } from '../server/core/types.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { tempDir } from './helpers/temp-dir.js';

const NOW = Date.UTC(2025, 5, 1, 12);

/** A widget node as deployed, with its statuses and live updates recorded. */
async function widget(t: Parameters<typeof tempDir>[0], type: string, config: object) {
  const statuses: NodeStatus[] = [];
  const published: unknown[] = [];
  const node = await createNode(type, config, nodeContext({
    flowId: 'f', nodeId: 'w', dataDir: tempDir(t), status: (s) => statuses.push(s), publish: (u) => published.push(u),
  }));
  await node.start?.();
  t.after(() => node.stop?.());
  let offset = 0;
  const feed = (records: DataRecord[], ts = NOW) => (node.process!(records, { offset: ++offset, ts }) ?? {}) as { invalid?: { record: DataRecord; reason: string; node: string }[] };
  return { node, feed, statuses, published };
}

const query = <T>(node: NodeInstance, name: string, params: { [k: string]: string } = {}) => node.queries![name]!(params) as T;

test('a chart refuses what it cannot draw, each with a reason that names the field, and draws the rest', async (t) => {
  const { node, feed, statuses } = await widget(t, 'chart', { unit: '°C' });
  const out = feed([
    { ts: NOW - 1000, sensor: 's1', value: 21.5 },
    { ts: NOW - 900, sensor: 's1', value: '21.7' },
    { ts: NOW - 800, sensor: 's1', value: 'n/a' },
    { ts: NOW - 700, sensor: 's1', value: true },
    { ts: NOW - 600, sensor: 's1' },
    { ts: NOW - 500, sensor: 's1', value: null },
    { sensor: 's1', value: 1 },
    { ts: 1_700_000_000, sensor: 's1', value: 1 },
    { ts: 'yesterday', sensor: 's1', value: 1 },
    { ts: NOW + 3 * 3_600_000, sensor: 's1', value: 1 },
    { ts: NOW - 30 * 86_400_000, sensor: 's1', value: 1 },
    { ts: NOW - 400, value: 1 },
    { ts: NOW - 300, sensor: { id: 1 }, value: 1 },
    { ts: '2025-06-01T11:59:59.800Z', sensor: 2, value: 3 },
  ]);
  assert.deepEqual(out.invalid!.map((r) => r.reason), [
    'value: expected a number, got "n/a"',
    'value: expected a number, got true',
    'value: missing',
    'ts: missing; each reading needs its time (epoch milliseconds or ISO 8601 with a zone)',
    'ts: 1700000000 is not epoch milliseconds (it looks like seconds: 1700000000000?)',
    out.invalid![5]!.reason,
    'ts: 2025-06-01T15:00:00.000Z is 3 hours ahead of the server\'s clock (2025-06-01T12:00:00.000Z); at most 5 minutes ahead is shown',
    'ts: 2025-05-02T12:00:00.000Z is older than the 7 days this widget keeps',
    'sensor: expected the series name (a string or a number), got undefined',
    'sensor: expected the series name (a string or a number), got {"id":1}',
  ]);
  assert.match(out.invalid![5]!.reason, /^ts: "yesterday" is not an ISO 8601 date-time/, 'a text that is no time says why');
  assert.ok(out.invalid!.every((r) => r.node === 'w' && r.record !== undefined), 'each with its record and node');
  const r = query<RangeAnswer>(node, 'range', { from: String(NOW - 60_000), to: String(NOW), width: '100' });
  assert.deepEqual(r.series.map((s) => [s.key, s.values]), [['s1', [21.5, 21.7]], ['2', [3]]], 'a null is no point and no error; numeric strings are numbers');
  node.flush!();
  assert.match(statuses.at(-1)!.text ?? '', /2 series, 3 points written since start; 10 readings not shown \(last: sensor: expected the series name/);
});

test('10,000 distinct series on one chart: capped at maxSeries with a clear status, memory bounded, the rest refused with the series named', async (t) => {
  const { node, feed, statuses } = await widget(t, 'chart', { maxSeries: 50 });
  const heapBefore = process.memoryUsage().heapUsed;
  let refusedCount = 0;
  for (let round = 0; round < 10; round++) {
    const batch = Array.from({ length: 10_000 }, (_, i) => ({ ts: NOW - 600_000 + round * 1000 + (i % 1000), sensor: `sensor-${i}`, value: i }));
    refusedCount += feed(batch).invalid?.length ?? 0;
  }
  node.flush!();
  const series = query<SeriesAnswer>(node, 'series');
  assert.equal(series.series.length, 50);
  assert.equal(series.refusedSeries, 9950);
  assert.equal(refusedCount, 99_500, 'every reading of the other series is refused, none dropped silently');
  const last = statuses.at(-1)!;
  assert.equal(last.state, 'refused');
  assert.match(last.text!, /^series cap of 50 reached: 99,500 readings of 9,950 more series refused \(on invalid\)/);
  const grown = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  assert.ok(grown < 60, `heap grew by ${grown.toFixed(1)} MB for 100,000 readings of 10,000 series`);
});

test('a stat shows the share of keys whose latest record holds a condition (silent sensors), and survives a snapshot', async (t) => {
  const cfg = {
    keyField: 'sensor', reduce: 'share', when: [{ field: 'state', in: ['firing', 'acknowledged'] }], where: [{ field: 'rule', notIn: ['offline'] }],
    thresholds: [{ from: 0.1, level: 'warning' }, { from: 0.3, level: 'critical' }],
  };
  const { node, feed } = await widget(t, 'stat', cfg);
  feed(Array.from({ length: 10 }, (_, i) => ({ sensor: `s${i}`, ts: NOW })));
  feed([{ sensor: 's7', rule: 'silent', state: 'firing' }, { sensor: 's9', rule: 'silent', state: 'firing' }, { sensor: 's8', rule: 'offline', state: 'firing' }]);
  let state = query<StatState>(node, 'state');
  assert.deepEqual([state.tiles[0]!.value, state.tiles[0]!.level, state.matched, state.keys], [0.2, 'warning', 2, 10]);
  // A heartbeat then the alert's resolve: s9 is no longer silent.
  feed([{ sensor: 's9', ts: NOW }, { sensor: 's9', rule: 'silent', state: 'resolved' }]);
  state = query<StatState>(node, 'state');
  assert.equal(state.tiles[0]!.value, 0.1);

  const copy = await widget(t, 'stat', cfg);
  copy.node.restore!(structuredClone(node.snapshot!()));
  assert.deepEqual(query<StatState>(copy.node, 'state').tiles, state.tiles, 'a restart shows the same value at once');
  assert.deepEqual(copy.feed([{ sensor: 's1', value: 'x' }]).invalid, undefined, 'share ignores the value field');

  const mean = await widget(t, 'stat', { keyField: 'sensor', reduce: 'mean', field: 'heartbeat_interval', format: 'duration' });
  const bad = mean.feed([{ sensor: 'a', heartbeat_interval: 60_000 }, { sensor: 'b', heartbeat_interval: 30_000 }, { sensor: 'c', heartbeat_interval: 'soon' }, { heartbeat_interval: 1 }]);
  assert.deepEqual(bad.invalid!.map((r) => r.reason), ['heartbeat_interval: expected a number, got "soon"', 'sensor: expected the key (a string or a number), got undefined']);
  assert.equal(query<StatState>(mean.node, 'state').tiles[0]!.value, 45_000);
});

test('a table keeps the latest row per key, removes rows on a condition, and takes whole rankings from a rows field', async (t) => {
  const silent = await widget(t, 'table', {
    key: ['sensor'], where: [{ field: 'rule', in: ['silent'] }], remove: [{ field: 'state', in: ['resolved'] }],
    columns: [{ field: 'sensor' }, { field: 'firedAt', format: 'time' }], sort: { field: 'sensor', order: 'asc' },
  });
  silent.feed([
    { sensor: 's7', rule: 'silent', state: 'firing', firedAt: 1 }, { sensor: 's9', rule: 'silent', state: 'firing', firedAt: 2 },
    { sensor: 's8', rule: 'offline', state: 'firing', firedAt: 3 }, { sensor: 's10', rule: 'silent', state: 'firing', firedAt: 4 },
  ]);
  silent.feed([{ sensor: 's9', rule: 'silent', state: 'resolved', firedAt: 2 }]);
  assert.deepEqual(query<TableAnswer>(silent.node, 'rows').rows, [{ sensor: 's7', firedAt: 1 }, { sensor: 's10', firedAt: 4 }], 'numeric-aware order');
  assert.equal(silent.feed([{ rule: 'silent', state: 'firing' }]).invalid![0]!.reason, 'sensor: missing; a row needs its key (strings, numbers or booleans)');

  const top = await widget(t, 'table', {
    rowsField: 'top', where: [{ field: 'window', in: ['minute'] }], limit: 2,
    columns: [{ field: 'rank' }, { field: 'sensor' }, { field: 'value', format: 'number' }],
  });
  top.feed([
    { window: 'minute', top: [{ rank: 1, sensor: 'd3', value: 30, ts: 1 }, { rank: 2, sensor: 'd1', value: 29, ts: 2 }, { rank: 3, sensor: 'd2', value: 28, ts: 3 }] },
    { window: 'hour', top: [{ rank: 1, sensor: 'dX', value: 99, ts: 1 }] },
  ]);
  top.feed([{ window: 'minute', top: [{ rank: 1, sensor: 'd1', value: 31, ts: 5 }] }]);
  assert.deepEqual(query<TableAnswer>(top.node, 'rows'), { rows: [{ rank: 1, sensor: 'd1', value: 31 }], total: 1, at: NOW }, 'the latest ranking replaces the table');
  assert.match(top.feed([{ window: 'minute', top: 'none' }]).invalid![0]!.reason, /^top: expected a list of rows/);
});

test('live updates are throttled per widget and carry only the new points, downsampled past a few thousand', async (t) => {
  const { feed, published } = await widget(t, 'chart', { liveIntervalMs: 200 });
  for (let k = 0; k < 20; k++) feed(Array.from({ length: 5000 }, (_, i) => ({ ts: NOW - 200_000 + k * 5000 + i, sensor: 'fast', value: i === 1234 && k === 3 ? 1e6 : i % 7 })));
  await new Promise((r) => setTimeout(r, 450));
  assert.ok(published.length >= 1 && published.length <= 2, `${published.length} updates for 20 batches`);
  const first = published[0] as { points: { fast: { ts: number[]; values: number[] } } };
  assert.ok(first.points.fast.ts.length <= 2000, `${first.points.fast.ts.length} points in one update for 100,000 written`);
  assert.ok(first.points.fast.values.includes(1e6), 'the spike survives the live downsampling');
});
