import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinNodes } from '../nodes/index.js';

interface Schema {
  title?: string;
  properties?: { [key: string]: Schema };
  items?: Schema;
  anyOf?: Schema[];
  patternProperties?: { [pattern: string]: Schema };
}

/** Every property of every object in a config schema, nested ones and those of list items included: `type /path`. */
function untitled(type: string, schema: Schema, path = ''): string[] {
  const out: string[] = [];
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    if (!s.title?.trim()) out.push(`${type} ${path}/${key}`);
    out.push(...untitled(type, s, `${path}/${key}`));
  }
  if (schema.items) out.push(...untitled(type, schema.items, `${path}/items`));
  for (const s of schema.anyOf ?? []) out.push(...untitled(type, s, path));
  for (const s of Object.values(schema.patternProperties ?? {})) out.push(...untitled(type, s, `${path}/*`));
  return out;
}

test('every config field of every registered node type has a title, which the editor\'s form shows as its label', () => {
  const missing = builtinNodes.flatMap((d) => untitled(d.type, d.config as Schema));
  // One line per field, so a node type merged without titles says exactly what to add.
  assert.deepEqual(missing, [], `add \`title: '…'\` (e.g. 'Batch (ms)') to the schema of:\n${missing.join('\n')}`);
  const simulate = builtinNodes.find((d) => d.type === 'simulate')!.config as Schema;
  assert.equal(simulate.properties!.batchMs!.title, 'Batch (ms)');
  assert.equal(simulate.properties!.value!.properties!.periodS!.title, 'Period (s)');
  assert.equal(simulate.properties!.retryMs!.title, 'Retry (ms)');
});
