import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { received, testNodes } from './fixtures/test-nodes.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

interface Doc {
  sluice: number;
  id: string;
  nodes: { id: string; type: string; config?: object }[];
  wires: { from: string; to: string }[];
}

const doc = (tallyLabel: string, sinkId = 'sink'): Doc => ({
  sluice: 1, id: 'redeploy',
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count: 300, batchSize: 10 } },
    { id: 'tally', type: 'test-tally', config: { label: tallyLabel } },
    { id: sinkId, type: 'test-sink' },
  ],
  wires: [{ from: 'feed', to: 'tally' }, { from: 'tally', to: sinkId }],
});
const total = (state: unknown) => Object.values(state as { [k: string]: { n: number } }).reduce((n, s) => n + s.n, 0);

test('redeploy keeps the journal position and the state of unchanged stateful nodes', async (t) => {
  const dataDir = tempDir(t);
  const manager = await RuntimeManager.open({ dataDir, registry: new NodeRegistry(testNodes), log: silentLogger });
  t.after(() => manager.close());
  received.delete('sink');
  received.delete('sink2');
  await manager.deploy('redeploy', doc('a'));
  await waitFor('300 records', () => (received.get('sink') ?? []).length === 300);
  await waitFor('a checkpoint at the head', () => manager.status('redeploy')!.journal!.checkpoint === 30);

  // Only the sink changes: the tally keeps its counts, the feed its cursor, nothing is replayed.
  const r2 = await manager.deploy('redeploy', doc('a', 'sink2'));
  assert.equal(r2.revision, 2);
  assert.equal(total(manager.nodeState('redeploy', 'tally')), 300);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((received.get('sink2') ?? []).length, 0, 'no record is delivered twice after a redeploy');
  assert.equal(manager.status('redeploy')!.journal!.head, 30);

  // A changed config means a new node: its state starts empty.
  await manager.deploy('redeploy', doc('b', 'sink2'));
  assert.equal(total(manager.nodeState('redeploy', 'tally')), 0);
  assert.deepEqual(manager.listRevisions('redeploy').map((r) => [r.revision, r.deployed, r.draft]), [[3, true, true], [2, false, false], [1, false, false]]);
});

test('a deploy whose node fails to start keeps the previous revision running', async (t) => {
  const manager = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(testNodes), log: silentLogger });
  t.after(() => manager.close());
  received.delete('sink');
  await manager.deploy('redeploy', doc('a'));
  await waitFor('300 records', () => (received.get('sink') ?? []).length === 300);
  const bad = doc('a');
  bad.nodes[2] = { id: 'sink', type: 'test-sink', config: { file: '/nonexistent-dir/x/out.ndjson' } };
  await assert.rejects(manager.deploy('redeploy', bad), /previous revision kept.*could not be created/s);
  const status = manager.status('redeploy')!;
  assert.equal(status.state, 'running');
  assert.equal(status.deployedRevision, 1);
  assert.equal(total(manager.nodeState('redeploy', 'tally')), 300, 'the running revision kept its state');
});

test('a deploy whose source fails to start restores the previous revision with its state', async (t) => {
  const manager = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(testNodes), log: silentLogger });
  t.after(() => manager.close());
  received.delete('sink');
  await manager.deploy('redeploy', doc('a'));
  await waitFor('300 records', () => (received.get('sink') ?? []).length === 300);
  const bad = doc('b');
  bad.nodes[0] = { id: 'feed', type: 'test-feed', config: { count: 300, batchSize: 10, failStart: true } };
  await assert.rejects(manager.deploy('redeploy', bad), /previous revision kept.*could not start: address already in use/s);
  assert.equal(manager.status('redeploy')!.state, 'running');
  assert.equal(total(manager.nodeState('redeploy', 'tally')), 300, 'the changed tally of the failed revision did not overwrite the state');
});

test('a restarted manager resumes deployed flows from their checkpoint', async (t) => {
  const dataDir = tempDir(t);
  const first = await RuntimeManager.open({ dataDir, registry: new NodeRegistry(testNodes), log: silentLogger });
  received.delete('sink');
  await first.deploy('redeploy', doc('a'));
  await waitFor('300 records', () => (received.get('sink') ?? []).length === 300);
  await first.close();
  const second = await RuntimeManager.open({ dataDir, registry: new NodeRegistry(testNodes), log: silentLogger });
  t.after(() => second.close());
  assert.equal(second.status('redeploy')!.state, 'running');
  assert.equal(total(second.nodeState('redeploy', 'tally')), 300);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((received.get('sink') ?? []).length, 300, 'a clean shutdown replays nothing');
});
