import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { sinkControl, testNodes } from './fixtures/test-nodes.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMB = () => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

const flow = (limit: number, quotaBytes?: number) => ({
  sluice: 1, id: 'outage',
  nodes: [
    { id: 'sim', type: 'simulate', config: { ratePerSecond: 0, batchSize: 5000, limit, sensors: 100, retryMs: 50 } },
    { id: 'sink', type: 'test-sink', retry: { maxAttempts: 1000, backoffMs: 50, maxBackoffMs: 100, jitter: 0 } },
  ],
  wires: [{ from: 'sim', to: 'sink' }],
  ...(quotaBytes ? { settings: { quotaBytes } } : {}),
});

async function open(t: Parameters<typeof tempDir>[0]): Promise<RuntimeManager> {
  const manager = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry([...builtinNodes, ...testNodes]), log: silentLogger });
  t.after(() => manager.close());
  sinkControl.set('sink', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => { sinkControl.delete('sink'); });
  return manager;
}

test('while a sink is down the journal grows on disk and the heap stays flat', async (t) => {
  const manager = await open(t);
  const before = heapMB();
  await manager.deploy('outage', flow(1_500_000));
  await waitFor('1.5 million readings journaled', () => manager.status('outage')!.nodes.sim!.status.state === 'done', 60_000);
  const status = manager.status('outage')!;
  const backlogMB = status.journal!.backlogBytes / 1e6;
  const grown = heapMB() - before;
  t.diagnostic(`sink down: journal backlog ${backlogMB.toFixed(0)} MB, heap grew ${grown.toFixed(1)} MB`);
  assert.ok(backlogMB > 80, `the readings wait in the journal (${backlogMB.toFixed(0)} MB)`);
  assert.ok(grown < 48, `the heap does not hold the backlog (grew ${grown.toFixed(1)} MB)`);
  assert.equal(status.nodes.sink!.status.state, 'retrying');
  assert.equal(status.nodes.sink!.in, 5000, 'the executor is still on the first batch: it does not read ahead unboundedly');
});

test('past the journal quota the source is refused politely and resumes once the sink is back', async (t) => {
  const manager = await open(t);
  await manager.deploy('outage', flow(200_000, 2_000_000));
  await waitFor('the source to be refused', () => manager.status('outage')!.nodes.sim!.status.state === 'refused');
  const status = manager.status('outage')!;
  assert.match(status.nodes.sim!.status.text ?? '', /journal full/);
  assert.ok(status.journal!.backlogBytes <= 2_000_000);
  sinkControl.get('sink')!.failAlways = false;
  await waitFor('every reading delivered after the outage', () => manager.status('outage')!.nodes.sink!.in >= 200_000, 60_000);
  assert.equal(manager.status('outage')!.nodes.sink!.in, 200_000, 'each reading once');
  assert.equal(manager.status('outage')!.nodes.sim!.status.state, 'done');
  assert.equal(manager.status('outage')!.deadLetters, 0);
});
