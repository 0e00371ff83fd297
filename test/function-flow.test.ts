import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { received, testNodes } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const splitter = [
  'export function process(records, ctx) {',
  '  ctx.state.batches = (ctx.state.batches ?? 0) + 1;',
  '  if (records.some((r) => r.seq === 13)) throw new Error(`seq 13 is unlucky (batch ${ctx.state.batches})`);',
  '  console.log("batch", ctx.offset, records.length);',
  '  return {',
  '    hot: records.filter((r) => r.value >= 50).map((r) => ({ ...r, f: r.value * 2 })),',
  '    cold: records.filter((r) => r.value < 50),',
  '  };',
  '}',
].join('\n');

test('test-feed → function → sinks: records split to declared ports, a failing batch goes to error with the line', async (t) => {
  const { app, runtime } = await openApp(t);
  const id = `fn-${randomUUID().slice(0, 8)}`;
  const [hot, cold, errors] = ['hot', 'cold', 'errors'].map((p) => `${id}-${p}`) as [string, string, string];
  t.after(() => { for (const s of [hot, cold, errors]) received.delete(s); });
  const doc = {
    sluice: 1, id,
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 100, batchSize: 10 } },
      { id: 'fn', type: 'function', config: { code: splitter, outputs: ['hot', 'cold'] } },
      { id: hot, type: 'test-sink' }, { id: cold, type: 'test-sink' }, { id: errors, type: 'test-sink' },
    ],
    wires: [{ from: 'feed', to: 'fn' }, { from: 'fn:hot', to: hot }, { from: 'fn:cold', to: cold }, { from: 'fn:error', to: errors }],
  };
  const res = await app.inject({ method: 'POST', url: `/api/flows/${id}/deploy`, payload: doc });
  assert.equal(res.statusCode, 200, res.body);

  const total = () => [hot, cold, errors].reduce((n, s) => n + (received.get(s)?.length ?? 0), 0);
  await waitFor('all 100 records at the sinks', () => total() === 100);
  const seqs = (sink: string) => (received.get(sink) ?? []).map((r) => (r.seq ?? (r.record as { seq: number }).seq) as number);
  const expectedHot = Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 97 >= 50 && (i < 10 || i >= 20));
  assert.deepEqual(seqs(hot), expectedHot);
  assert.deepEqual(received.get(hot)![0], { seq: 50, sensor: 's2', value: 50, f: 100 });
  assert.deepEqual(seqs(cold), Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 97 < 50 && (i < 10 || i >= 20)));
  assert.deepEqual(seqs(errors), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'the whole failing batch, and only it, went to error');
  const failure = received.get(errors)![0]!;
  assert.equal(failure.node, 'fn');
  assert.equal(failure.error, 'Error: seq 13 is unlucky (batch 2) at line 3, column 48');

  const status = runtime.status(id)!.nodes.fn!;
  assert.deepEqual(status.out, { hot: expectedHot.length, cold: 90 - expectedHot.length, error: 10 });
  const debug = (await app.inject({ method: 'GET', url: `/api/flows/${id}/debug` })).json() as { nodeId: string; value: { console: string; text: string } }[];
  const lines = debug.filter((m) => m.nodeId === 'fn').map((m) => m.value.text);
  assert.equal(lines.length, 9, 'one console line per successful batch');
  assert.match(lines[0]!, /^batch \d+ 10$/);
});

test('a deploy of code that does not parse answers 400 with the line and column, and runs nothing', async (t) => {
  const { app, runtime } = await openApp(t);
  const id = `fn-${randomUUID().slice(0, 8)}`;
  const code = 'export function process(records, ctx) {\n  // scale\n  return records.map((r) => ({ ...r, v: r.value * }));\n}\n';
  const doc = {
    sluice: 1, id,
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 10 } },
      { id: 'fn', type: 'function', config: { code } },
      { id: 'fn2', type: 'function', config: { code: 'function process(records) { return records; }', outputs: ['error'] } },
      { id: 'fn3', type: 'function', config: { code: 'export async function process(records) { return records; }' } },
      { id: `${id}-sink`, type: 'test-sink' },
    ],
    wires: [{ from: 'feed', to: 'fn' }, { from: 'fn', to: `${id}-sink` }, { from: 'feed', to: 'fn2' }, { from: 'feed', to: 'fn3' }],
  };
  const res = await app.inject({ method: 'POST', url: `/api/flows/${id}/deploy`, payload: doc });
  assert.equal(res.statusCode, 400, res.body);
  const { problems } = res.json() as { problems: { nodeId: string; path: string; message: string }[] };
  assert.deepEqual(problems, [
    { nodeId: 'fn', path: '/nodes/1/config/code', message: "SyntaxError: Unexpected token '}' at line 3, column 51" },
    { nodeId: 'fn2', path: '/nodes/2/config/code', message: 'the code must declare `export function process(records, ctx)`' },
    { nodeId: 'fn2', path: '/nodes/2/config/outputs/0', message: '"error" is the port of failed batches; choose another name' },
    { nodeId: 'fn3', path: '/nodes/3/config/code', message: '`process` must not be async: the time limit cannot cover asynchronous code; return the records directly' },
  ]);
  assert.equal(runtime.status(id), undefined, 'nothing was deployed');
});

test('a wire from a port the function does not declare is refused at deploy', async (t) => {
  const { app } = await openApp(t);
  const id = `fn-${randomUUID().slice(0, 8)}`;
  const res = await app.inject({
    method: 'POST', url: `/api/flows/${id}/deploy`, payload: {
      sluice: 1, id,
      nodes: [{ id: 'feed', type: 'test-feed' }, { id: 'fn', type: 'function', config: { outputs: ['hot'] } }, { id: 'sink', type: 'test-sink' }],
      wires: [{ from: 'feed', to: 'fn' }, { from: 'fn:warm', to: 'sink' }],
    },
  });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.body, /node \\"fn\\" \(function\) has no output port \\"warm\\"; its outputs: out, error, hot/);
});

test('ctx.state is checkpointed: after a restart and a redeploy of the source, the function continues its count', async (t) => {
  const dataDir = tempDir(t);
  const registry = new NodeRegistry([...builtinNodes, ...testNodes]);
  const id = `fn-${randomUUID().slice(0, 8)}`;
  const sink = `${id}-sink`;
  t.after(() => received.delete(sink));
  const doc = (count: number) => ({
    sluice: 1, id,
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count, batchSize: 10 } },
      { id: 'fn', type: 'function', config: { code: 'export function process(records, ctx) {\n  ctx.state.total = (ctx.state.total ?? 0) + records.length;\n  return [{ total: ctx.state.total }];\n}' } },
      { id: sink, type: 'test-sink' },
    ],
    wires: [{ from: 'feed', to: 'fn' }, { from: 'fn', to: sink }],
  });
  const totals = () => (received.get(sink) ?? []).map((r) => r.total);

  const first = await RuntimeManager.open({ dataDir, registry, log: silentLogger });
  await first.deploy(id, doc(30));
  await waitFor('three batches through the function', () => totals().length === 3);
  await first.close();

  const second = await RuntimeManager.open({ dataDir, registry, log: silentLogger });
  t.after(() => second.close());
  await second.deploy(id, doc(60));
  await waitFor('three more batches', () => totals().length === 6);
  assert.deepEqual(totals(), [10, 20, 30, 40, 50, 60]);
});
