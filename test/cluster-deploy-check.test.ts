import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openApp } from './helpers/api-app.js';
import { waitFor } from './helpers/wait.js';

const partitioned = (rollupKeys: string[], extra: { nodes?: object[]; wires?: object[] } = {}) => ({
  sluice: 1, id: 'sites',
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count: 10 } },
    { id: 'hourly', type: 'rollup', config: { window: '1h', keyBy: rollupKeys } },
    { id: 'sink', type: 'test-sink' },
    ...(extra.nodes ?? []),
  ],
  wires: extra.wires ?? [{ from: 'feed', to: 'hourly' }, { from: 'hourly', to: 'sink' }],
  settings: { partitions: 4, partitionBy: ['site'] },
});

interface Refusal { error: string; problems: { nodeId: string | null; path: string; message: string }[] }

test('deploy refuses a partitioned flow whose rollup keeps its state by keys without the partition field, naming the node and both keys', async (t) => {
  const { app } = await openApp(t);
  const res = await app.inject({ method: 'POST', url: '/api/flows/sites/deploy', payload: partitioned(['sensor']) });
  assert.equal(res.statusCode, 400, res.body);
  const body = res.json<Refusal>();
  assert.deepEqual(body.problems, [{
    nodeId: 'hourly', path: '',
    message: 'node "hourly" (rollup) keeps its state by "sensor", but the flow is partitioned by "site" (settings.partitionBy): '
      + 'each of the 4 partitions would see only part of a key\'s records. Add "site" to its keys, or put a repartition node by its keys before it',
  }]);
  assert.equal((await app.inject({ method: 'GET', url: '/api/flows/sites/status' })).statusCode, 404, 'nothing was deployed');
});

test('the same flow deploys when the rollup keys contain the partition field, or behind a repartition by its keys', async (t) => {
  const { app } = await openApp(t);
  const keyed = await app.inject({ method: 'POST', url: '/api/flows/sites/deploy', payload: partitioned(['site', 'sensor']) });
  assert.equal(keyed.statusCode, 200, keyed.body);
  const behind = partitioned(['sensor'], {
    nodes: [{ id: 'by-sensor', type: 'repartition', config: { by: ['sensor'] } }],
    wires: [{ from: 'feed', to: 'by-sensor' }, { from: 'by-sensor', to: 'hourly' }, { from: 'hourly', to: 'sink' }],
  });
  const repartitioned = await app.inject({ method: 'POST', url: '/api/flows/sites/deploy', payload: behind });
  assert.equal(repartitioned.statusCode, 200, repartitioned.body);
});

test('a top-k (one ranking over every sensor) in a partitioned stage is refused; a node fed by two stages is refused', async (t) => {
  const { app } = await openApp(t);
  const topk = partitioned(['site'], {
    nodes: [{ id: 'top', type: 'top-k' }],
    wires: [{ from: 'feed', to: 'hourly' }, { from: 'hourly', to: 'sink' }, { from: 'feed', to: 'top' }],
  });
  const res = await app.inject({ method: 'POST', url: '/api/flows/sites/deploy', payload: topk });
  assert.equal(res.statusCode, 400);
  assert.match(res.json<Refusal>().problems[0]!.message, /^node "top" \(top-k\) keeps one state over all its records, but the flow is partitioned by "site"/);
  const mixed = partitioned(['site'], {
    nodes: [{ id: 'by-sensor', type: 'repartition', config: { by: ['sensor'], partitions: 2 } }],
    wires: [{ from: 'feed', to: 'by-sensor' }, { from: 'by-sensor', to: 'hourly' }, { from: 'feed', to: 'hourly' }, { from: 'hourly', to: 'sink' }],
  });
  const two = await app.inject({ method: 'POST', url: '/api/flows/sites/deploy', payload: mixed });
  assert.equal(two.statusCode, 400);
  assert.match(two.json<Refusal>().problems.map((p) => p.message).join('\n'), /node "hourly" takes records from 2 stages \(the sources, repartition "by-sensor"\)/);
});

test('a report (one document over every sensor) in a partitioned stage is refused with what to do; behind a repartition into 1 partition it deploys', async (t) => {
  const { app } = await openApp(t);
  const report = { id: 'daily', type: 'report', config: { quantities: [{ id: 'laeq' }] } };
  const res = await app.inject({ method: 'POST', url: '/api/flows/sites/deploy', payload: partitioned(['site'], {
    nodes: [report], wires: [{ from: 'feed', to: 'hourly' }, { from: 'hourly', to: 'daily' }],
  }) });
  assert.equal(res.statusCode, 400, res.body);
  assert.deepEqual(res.json<Refusal>().problems, [{
    nodeId: 'daily', path: '',
    message: 'node "daily" (report) keeps one state over all its records, but the flow is partitioned by "site" (settings.partitionBy): '
      + 'each of the 4 partitions would see only part of a key\'s records. Put a repartition node with "partitions": 1 before it, or set settings.partitions to 1',
  }]);
  const behind = await app.inject({ method: 'POST', url: '/api/flows/sites/deploy', payload: partitioned(['site'], {
    nodes: [report, { id: 'all', type: 'repartition', config: { by: ['site'], partitions: 1 } }],
    wires: [{ from: 'feed', to: 'hourly' }, { from: 'hourly', to: 'all' }, { from: 'all', to: 'daily' }],
  }) });
  assert.equal(behind.statusCode, 200, behind.body);
});

test('on a single server a repartition passes its records through, and the flow runs as without it', async (t) => {
  const { app, runtime } = await openApp(t);
  const doc = partitioned(['sensor'], {
    nodes: [{ id: 'by-sensor', type: 'repartition', config: { by: ['sensor'] } }, { id: 'tally', type: 'test-tally' }],
    wires: [{ from: 'feed', to: 'by-sensor' }, { from: 'by-sensor', to: 'tally' }, { from: 'tally', to: 'sink' }],
  });
  doc.nodes = doc.nodes.filter((n) => (n as { id: string }).id !== 'hourly');
  doc.nodes[0] = { id: 'feed', type: 'test-feed', config: { count: 100, sensors: 4 } };
  const res = await app.inject({ method: 'POST', url: '/api/flows/sites/deploy', payload: doc });
  assert.equal(res.statusCode, 200, res.body);
  await waitFor('100 records through the repartition', () => runtime.status('sites')?.nodes.tally?.in === 100);
  assert.equal(runtime.status('sites')!.nodes['by-sensor']!.out.out, 100);
  assert.equal(runtime.status('sites')!.cluster, undefined, 'no cluster section on a single server');
});
