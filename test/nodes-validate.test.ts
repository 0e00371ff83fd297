import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { NodeRegistry } from '../server/core/registry.js';
import type { Batch, DataRecord, NodeInstance, Outputs } from '../server/core/types.js';
import { builtinNodes } from '../nodes/index.js';
import { nodeContext } from './helpers/node-context.js';

const registry = new NodeRegistry(builtinNodes);
const NOW = 1_700_000_000_000;

const ctx = nodeContext({ nodeId: 'check', debug: () => assert.fail('validate does not debug') });

async function validator(raw: object): Promise<(batch: Batch) => Outputs> {
  const reg = registry.get('validate')!;
  const config = Value.Default(reg.definition.config, structuredClone(raw));
  assert.ok(reg.check.Check(config), [...reg.check.Errors(config)].map((e) => `${e.path} ${e.message}`).join('; '));
  const node: NodeInstance = await reg.definition.create(config, ctx);
  return (batch) => node.process!(batch, { offset: 1, ts: NOW }) as Outputs;
}

/** Frozen, so any attempt of the node to modify an input record throws. */
const rec = (fields: { [k: string]: unknown }): DataRecord => Object.freeze(fields);
const good = (seq: number): DataRecord => rec({ ts: NOW - 1000, sensor: 's-1', seq, value: 21.5 });

async function reasonFor(raw: object, record: DataRecord): Promise<string> {
  const result = (await validator(raw))([record]);
  assert.equal(result.out?.length, 0, 'the record does not pass');
  assert.equal(result.invalid?.length, 1);
  return result.invalid![0]!.reason as string;
}

test('validate declares out and invalid, and gets the implicit error port', () => {
  assert.deepEqual(registry.get('validate')!.outputs, ['out', 'invalid', 'error']);
  assert.equal(registry.get('validate')!.retry.maxAttempts, 1);
});

test('a batch where every record passes is forwarded as the same array', async () => {
  const batch = Array.from({ length: 100 }, (_, i) => good(i));
  const result = (await validator({}))(batch);
  assert.equal(result.out, batch);
  assert.equal(result.invalid, undefined);
});

test('required: missing and null fields are named', async () => {
  assert.equal(await reasonFor({}, rec({ ts: NOW, sensor: null })), 'sensor: null; value: missing');
  assert.equal(await reasonFor({ required: ['pos.lat'], numeric: [] }, rec({ pos: { lon: 2 } })), 'pos.lat: missing');
});

test('numeric: strings, NaN and Infinity are not finite numbers', async () => {
  assert.equal(await reasonFor({}, rec({ ts: NOW, sensor: 'a', value: 'n/a' })), 'value: expected a finite number, got "n/a"');
  assert.equal(await reasonFor({}, rec({ ts: NOW, sensor: 'a', value: Number.NaN })), 'value: expected a finite number, got NaN');
  assert.equal(await reasonFor({ numeric: ['value', 'rssi'] }, rec({ ts: NOW, sensor: 'a', value: 1, rssi: Infinity })), 'rssi: expected a finite number, got Infinity');
});

test('ranges: bounds are named, and a range implies a number', async () => {
  const raw = { ranges: { value: { min: -50, max: 60 }, battery: { min: 0 } } };
  assert.equal(await reasonFor(raw, rec({ ts: NOW, sensor: 'a', value: 61 })), 'value: 61 is above max 60');
  assert.equal(await reasonFor(raw, rec({ ts: NOW, sensor: 'a', value: -51, battery: -1 })), 'value: -51 is below min -50; battery: -1 is below min 0');
  assert.equal(await reasonFor(raw, rec({ ts: NOW, sensor: 'a', value: 0, battery: 'low' })), 'battery: expected a finite number, got "low"');
  const edge = rec({ ts: NOW, sensor: 'a', value: 60, battery: 0 });
  assert.deepEqual((await validator(raw))([edge]).out, [edge], 'bounds are inclusive');
});

test('timestamp: future, age and type are judged against the batch time', async () => {
  const raw = { timestamp: { maxFutureMs: 1000, maxAgeMs: 5000 } };
  assert.equal(await reasonFor(raw, rec({ ts: NOW + 2000, sensor: 'a', value: 1 })), 'ts: 2000 ms in the future (max 1000)');
  assert.equal(await reasonFor(raw, rec({ ts: NOW - 6000, sensor: 'a', value: 1 })), 'ts: 6000 ms old (max 5000)');
  assert.equal(await reasonFor({}, rec({ ts: '2024-01-01', sensor: 'a', value: 1 })), 'ts: expected epoch milliseconds, got "2024-01-01"');
  const t = rec({ time: NOW + 500, sensor: 'a', value: 1 });
  const result = (await validator({ required: ['sensor'], timestamp: { field: 'time', maxFutureMs: 1000 } }))([t]);
  assert.deepEqual(result.out, [t]);
});

test('schema: JSON Schema failures are reported with dotted paths', async () => {
  const schema = {
    type: 'object',
    properties: {
      sensor: { type: 'string', pattern: '^s-' },
      pos: { type: 'object', properties: { lat: { type: 'number', maximum: 90 } }, required: ['lat'] },
      kind: { enum: ['air', 'water'] },
    },
  };
  const reason = await reasonFor({ schema }, rec({ ts: NOW, sensor: 'x-1', value: 1, pos: { lat: 91 }, kind: 'air' }));
  assert.equal(reason, "sensor: Expected string to match '^s-'; pos.lat: Expected number to be less or equal to 90");
  const ok = rec({ ts: NOW, sensor: 's-1', value: 1, pos: { lat: 45 }, kind: 'water' });
  assert.deepEqual((await validator({ schema }))([ok]).out, [ok]);
  assert.match(await reasonFor({ schema }, rec({ ts: NOW, sensor: 's-1', value: 1, kind: 'fire' })), /^kind: /);
});

test('schema: unsupported keywords are refused at create, naming where they are', async () => {
  await assert.rejects(validator({ schema: { properties: { a: { $ref: '#/x' } } } }), /schema\/properties\/a\/\$ref: keyword "\$ref" is not supported/);
});

test('config is checked by the declared schema', () => {
  const reg = registry.get('validate')!;
  const config = Value.Default(reg.definition.config, { ranges: { value: { minimum: 0 } } });
  assert.equal(reg.check.Check(config), false);
});

test('invalid records wrap the untouched original; order is kept for passing ones', async () => {
  const bad = rec({ ts: NOW, sensor: 's-1', value: 'n/a' });
  const notObject = null as unknown as DataRecord;
  const batch = [good(0), bad, good(2), notObject, good(4)];
  const result = (await validator({}))(batch);
  assert.deepEqual(result.out?.map((r) => r.seq), [0, 2, 4]);
  assert.equal(result.invalid?.length, 2);
  assert.equal(result.invalid![0]!.record, bad, 'the original object, not a copy');
  assert.deepEqual(result.invalid![0], { record: bad, reason: 'value: expected a finite number, got "n/a"', node: 'check' });
  assert.equal(result.invalid![1]!.reason, '(record): expected an object, got null');
});

test('half a million passing records are checked quickly', async () => {
  const check = await validator({ ranges: { value: { min: -50, max: 60 } }, timestamp: { maxFutureMs: 60_000 } });
  const batch = Array.from({ length: 500_000 }, (_, i) => good(i));
  const started = performance.now();
  const result = check(batch);
  const ms = performance.now() - started;
  assert.equal(result.out, batch);
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
});

test('a schema the checker cannot honour is a deploy problem naming where, not a failure to start', () => {
  const reg = registry.get('validate')!;
  const problems = (schema: object) => reg.definition.check!(Value.Default(reg.definition.config, { schema }) as never);
  assert.deepEqual(problems({ anyOf: [{ properties: { value: { minimum: 0 } } }] }), [
    { path: '/schema/anyOf/0/properties/value', message: '"minimum" needs a "type"' },
  ]);
  assert.deepEqual(problems({ type: 'object', properties: { value: { type: 'number', minimum: 0 } } }), []);
});
