import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeRegistry } from '../server/core/registry.js';
import { silentLogger } from '../server/core/logger.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { received, sinkControl, testNodes } from './fixtures/test-nodes.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

async function open(t: Parameters<typeof tempDir>[0]): Promise<RuntimeManager> {
  const manager = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(testNodes), log: silentLogger });
  t.after(() => manager.close());
  return manager;
}

function flow(id: string, count: number, extra: { wires?: { from: string; to: string }[]; nodes?: object[] } = {}) {
  return {
    sluice: 1, id,
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count, batchSize: 10 } },
      { id: 'tally', type: 'test-tally' },
      { id: 'sink', type: 'test-sink', retry: { maxAttempts: 4, backoffMs: 5, maxBackoffMs: 40, jitter: 0 } },
      ...(extra.nodes ?? []),
    ],
    wires: [{ from: 'feed', to: 'tally' }, { from: 'tally', to: 'sink' }, ...(extra.wires ?? [])],
  };
}

const seqs = (nodeId: string) => (received.get(nodeId) ?? []).map((r) => r.seq as number);

test('a sink that fails its first calls is retried with backoff and receives everything in order', async (t) => {
  const manager = await open(t);
  received.delete('sink');
  sinkControl.set('sink', { failNext: 3, failAlways: false, calls: 0 });
  t.after(() => sinkControl.delete('sink'));
  await manager.deploy('retry-ok', flow('retry-ok', 200));
  await waitFor('200 records at the sink', () => seqs('sink').length >= 200);
  assert.deepEqual(seqs('sink'), Array.from({ length: 200 }, (_, i) => i), 'every record once, in journal order');
  const status = manager.status('retry-ok')!;
  assert.equal(status.nodes.sink!.retries, 3);
  assert.equal(status.nodes.sink!.errors, 3);
  assert.match(status.nodes.sink!.lastError!.message, /sink sink is down/);
  assert.equal(status.deadLetters, 0);
});

test('an outage (UnavailableError) is retried until the sink is back, beyond maxAttempts and without dead letters', async (t) => {
  const manager = await open(t);
  received.delete('sink');
  sinkControl.set('sink', { failNext: 0, failAlways: false, calls: 0, unavailableNext: 9 });
  t.after(() => sinkControl.delete('sink'));
  await manager.deploy('outage', flow('outage', 100));
  await waitFor('100 records at the sink', () => seqs('sink').length >= 100);
  assert.deepEqual(seqs('sink'), Array.from({ length: 100 }, (_, i) => i), 'every record once, in journal order');
  const status = manager.status('outage')!;
  assert.equal(status.nodes.sink!.retries, 9, 'nine retries although the policy allows four attempts');
  assert.equal(status.deadLetters, 0);
  assert.match(status.nodes.sink!.status.text ?? '', /recovered after \d+ s unavailable/);
});

test('a sink that always fails sends its batches to dead letters; replay after recovery delivers them once', async (t) => {
  const manager = await open(t);
  received.delete('sink');
  const control = { failNext: 0, failAlways: true, calls: 0 };
  sinkControl.set('sink', control);
  t.after(() => sinkControl.delete('sink'));
  await manager.deploy('dead', flow('dead', 50));
  await waitFor('5 dead letters', () => manager.status('dead')!.deadLetters === 5);
  const letters = await manager.deadLetters('dead', { state: 'pending' });
  assert.equal(letters.length, 5);
  assert.equal(letters.reduce((n, l) => n + l.records.length, 0), 50, 'every failed record is kept');
  assert.ok(letters.every((l) => l.nodeId === 'sink' && l.attempts === 4 && /is down/.test(l.error)));
  assert.equal(control.calls, 5 * 4, 'four attempts per batch');
  assert.equal(manager.status('dead')!.nodes.sink!.status.state, 'error');

  control.failAlways = false;
  for (const l of letters) await manager.replayDeadLetter('dead', l.id);
  await waitFor('replayed records', () => seqs('sink').length >= 50);
  await assert.rejects(manager.replayDeadLetter('dead', letters[0]!.id), /already replayed/);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(seqs('sink').sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i), 'exactly once');
  assert.equal((await manager.deadLetters('dead', { state: 'replayed' })).length, 5);
  assert.equal(manager.status('dead')!.deadLetters, 0);
  // The tally upstream of the failing sink saw each record once: a replay enters at the failed node.
  const expected: { [s: string]: { n: number; sum: number } } = {};
  for (let seq = 0; seq < 50; seq++) {
    const e = (expected[`s${seq % 4}`] ??= { n: 0, sum: 0 });
    e.n++;
    e.sum += seq % 97;
  }
  assert.deepEqual(manager.nodeState('dead', 'tally'), expected);
});

test('after the last attempt, records go to the error port when it is wired', async (t) => {
  const manager = await open(t);
  received.delete('sink');
  received.delete('errors');
  sinkControl.set('sink', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => sinkControl.delete('sink'));
  await manager.deploy('errport', flow('errport', 20, {
    nodes: [{ id: 'errors', type: 'test-sink' }], wires: [{ from: 'sink:error', to: 'errors' }],
  }));
  await waitFor('20 records on the error port', () => (received.get('errors') ?? []).length >= 20);
  const first = received.get('errors')![0]!;
  assert.equal(first.node, 'sink');
  assert.equal(first.attempts, 4);
  assert.deepEqual(first.record, { seq: 0, sensor: 's0', value: 0 });
  assert.equal(manager.status('errport')!.deadLetters, 0);
  assert.equal(manager.status('errport')!.nodes.sink!.out.error, 20);
});

test('records a node rejects itself on an unwired error port are kept as dead letters, one per reason', async (t) => {
  const manager = await open(t);
  received.delete('sink');
  const doc = flow('rejects', 30);
  doc.nodes[2] = { ...doc.nodes[2]!, config: { rejectEvery: 10 } };
  await manager.deploy('rejects', doc);
  await waitFor('27 records at the sink', () => seqs('sink').length >= 27);
  await waitFor('3 dead letters', () => manager.status('rejects')!.deadLetters === 3);
  const letters = await manager.deadLetters('rejects', { state: 'pending' });
  assert.deepEqual(letters.map((l) => [l.error, l.records.map((r) => r.seq)]).sort(), [
    ['seq 0 rejected', [0]], ['seq 10 rejected', [10]], ['seq 20 rejected', [20]],
  ]);
  assert.ok(letters.every((l) => l.nodeId === 'sink' && l.attempts === 1));
});

test('discarded dead letters stay listed as discarded and cannot be replayed', async (t) => {
  const manager = await open(t);
  sinkControl.set('sink', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => sinkControl.delete('sink'));
  await manager.deploy('discard', flow('discard', 10));
  await waitFor('a dead letter', () => manager.status('discard')!.deadLetters === 1);
  const [letter] = await manager.deadLetters('discard', {});
  await manager.discardDeadLetter('discard', letter!.id);
  assert.equal((await manager.deadLetters('discard', { state: 'discarded' }))[0]!.records.length, 10);
  await assert.rejects(manager.replayDeadLetter('discard', letter!.id), /already discarded/);
  assert.equal(manager.status('discard')!.deadLetters, 0);
});
