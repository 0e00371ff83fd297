import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { NodeRegistry } from '../server/core/registry.js';
import type { Batch, DataRecord, NodeInstance } from '../server/core/types.js';
import { builtinNodes } from '../nodes/index.js';
import { nodeContext } from './helpers/node-context.js';

const registry = new NodeRegistry(builtinNodes);

async function debugNode(raw: object): Promise<{ node: NodeInstance; shown: unknown[]; send(batch: Batch): void }> {
  const shown: unknown[] = [];
  const ctx = nodeContext({ nodeId: 'dbg', debug: (value) => shown.push(value) });
  const reg = registry.get('debug')!;
  const config = Value.Default(reg.definition.config, structuredClone(raw));
  assert.ok(reg.check.Check(config), [...reg.check.Errors(config)].map((e) => `${e.path} ${e.message}`).join('; '));
  const node = await reg.definition.create(config, ctx);
  return {
    node, shown,
    send: (batch) => assert.equal(node.process!(batch, { offset: 1, ts: 0 }), undefined, 'debug emits nothing'),
  };
}

const batchOf = (n: number, from = 0): DataRecord[] => Array.from({ length: n }, (_, i) => ({ seq: from + i, pos: { lat: from + i } }));

test('debug is a sink with only the implicit error port', () => {
  assert.deepEqual(registry.get('debug')!.outputs, ['error']);
  assert.deepEqual(registry.get('debug')!.inputs, ['in']);
});

test('shows maxPerBatch records then one omitted summary', async () => {
  const { shown, send } = await debugNode({ maxPerBatch: 2 });
  const batch = batchOf(5);
  send(batch);
  assert.deepEqual(shown, [batch[0], batch[1], { omitted: 3 }]);
  assert.equal(shown[0], batch[0], 'the record itself, not a copy');
  shown.length = 0;
  send(batchOf(2));
  assert.deepEqual(shown, batchOf(2), 'no summary when nothing is omitted');
  shown.length = 0;
  send(batchOf(3));
  assert.deepEqual(shown.at(-1), { omitted: 1 }, 'a single omitted record is still counted');
});

test('defaults show five records per batch', async () => {
  const { shown, send } = await debugNode({});
  send(batchOf(12));
  assert.equal(shown.length, 6);
  assert.deepEqual(shown.at(-1), { omitted: 7 });
});

test('complete picks a field by dotted path; maxPerBatch 0 only counts', async () => {
  const picked = await debugNode({ complete: 'pos.lat', maxPerBatch: 3 });
  picked.send(batchOf(3, 10));
  assert.deepEqual(picked.shown, [10, 11, 12]);
  const counting = await debugNode({ maxPerBatch: 0 });
  counting.send(batchOf(4));
  assert.deepEqual(counting.shown, [{ omitted: 4 }]);
});

