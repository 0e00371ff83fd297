import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { received, testNodes } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const COUNT = 2000;
const SENSORS = 4;

/** test-feed → rollup → test-sink: windows of 100 sequence numbers per sensor, compared with the previous window. */
const flow = (id: string, sink: string) => ({
  sluice: 1, id,
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count: COUNT, batchSize: 10, sensors: SENSORS, intervalMs: 2 } },
    { id: 'roll', type: 'rollup', config: {
      timeField: 'seq', window: '100ms', keyBy: ['sensor'],
      aggregates: [{ field: 'value', aggregates: ['count', 'mean', 'max'] }],
      compare: [{ windowsAgo: 1, columns: ['value_mean'] }],
    } },
    { id: sink, type: 'test-sink' },
  ],
  wires: [{ from: 'feed', to: 'roll' }, { from: 'roll', to: sink }],
  settings: { checkpointIntervalMs: 100 },
});

/**
 * The rows computed independently from what test-feed sends ({ seq, sensor: s<seq % 4>, value: seq % 97 }):
 * the watermark reaches seq 1999, so windows 0–18 close and window 19 stays open.
 */
function expectedRows(): object[] {
  const rows: object[] = [];
  const means = new Map<string, number>();
  for (let w = 0; w < Math.floor((COUNT - 1) / 100); w++) {
    for (let s = 0; s < SENSORS; s++) {
      const values = [];
      for (let seq = w * 100; seq < (w + 1) * 100; seq++) if (seq % SENSORS === s) values.push(seq % 97);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const prev = means.get(`${w - 1}/${s}`) ?? null;
      means.set(`${w}/${s}`, mean);
      rows.push({
        window_start: w * 100, window_end: (w + 1) * 100, sensor: `s${s}`, count: values.length,
        value_count: values.length, value_mean: mean, value_max: Math.max(...values),
        value_mean_prev1: prev, value_mean_diff1: prev === null ? null : mean - prev,
      });
    }
  }
  return rows;
}

test('a rollup deployed through the API emits the rows of every closed window', async (t) => {
  const { app } = await openApp(t);
  received.delete('rows-api');
  const res = await app.inject({ method: 'POST', url: '/api/flows/rollup-api/deploy', payload: flow('rollup-api', 'rows-api') });
  assert.equal(res.statusCode, 200, res.body);
  const expected = expectedRows();
  await waitFor('every closed window', () => (received.get('rows-api') ?? []).length >= expected.length);
  const state = async () => (await app.inject({ url: '/api/flows/rollup-api/nodes/roll/query/state' })).json().result;
  await waitFor('the last record through the rollup', async () => (await state()).watermark === COUNT - 1);
  assert.deepEqual(await state(), { watermark: 1999, closedThrough: 1900, openSlots: 1, keys: SENSORS, overflowed: 0 }, 'the last window stays open');
  assert.deepEqual(received.get('rows-api'), expected);
});

test('a RuntimeManager restarted mid-stream on the same data directory gives identical rows, none twice', async (t) => {
  const dataDir = tempDir(t);
  const registry = new NodeRegistry([...builtinNodes, ...testNodes]);
  received.delete('rows-restart');
  const first = await RuntimeManager.open({ dataDir, registry, log: silentLogger });
  await first.deploy('rollup-restart', flow('rollup-restart', 'rows-restart'));
  await waitFor('a few closed windows', () => (received.get('rows-restart') ?? []).length >= 5 * SENSORS);
  await first.close();
  const cut = received.get('rows-restart')!.length;
  assert.ok(cut < expectedRows().length, `stopped mid-stream (${cut} rows)`);

  const second = await RuntimeManager.open({ dataDir, registry, log: silentLogger });
  t.after(() => second.close());
  const expected = expectedRows();
  await waitFor('every closed window', () => (received.get('rows-restart') ?? []).length >= expected.length);
  await waitFor('the feed done', () => second.status('rollup-restart')!.nodes.feed?.status.state === 'done');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(received.get('rows-restart'), expected);
});
