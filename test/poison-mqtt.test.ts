import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataRecord } from '../server/core/types.js';
import { RecordsNotJsonError } from '../server/journal/errors.js';
import { MessageJournal } from '../nodes/mqtt/ingest.js';
import { payloadParser } from '../nodes/mqtt/payload.js';
import { received } from './fixtures/test-nodes.js';
import { client, testBroker, uniqueClientId, uniquePrefix } from './helpers/mqtt-broker.js';
import { openRuntime } from './helpers/mqtt-flow.js';
import { nodeContext } from './helpers/node-context.js';
import { waitFor } from './helpers/wait.js';

const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const deepArray = (levels: number) => `{"value":1,"v":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

/** Messages that can never become records, and what the reason kept with each must say. */
const POISON: [string, string | Buffer, RegExp][] = [
  ['10,000 levels of objects (50 KB)', deepObject(10_000), /^nested 10000 levels deep at \/a\/a\/a.*; the limit is 64$/],
  ['10,000 levels of arrays (20 KB)', deepArray(10_000), /^nested 10000 levels deep at \/v\/0\/0.*; the limit is 64$/],
  ['65 levels, one past the limit', deepObject(65), /^nested 65 levels deep at \/a\/a.*; the limit is 64$/],
  ['a __proto__ key', '{"sensor":"s","value":1,"__proto__":{"admin":true}}', /^the key "__proto__" at \/__proto__ is not allowed/],
  ['a nested __proto__ key', '{"sensor":"s","value":1,"meta":{"__proto__":{"admin":true}}}', /^the key "__proto__" at \/meta\/__proto__ is not allowed/],
  ['UTF-16 LE with a byte order mark', Buffer.from('\ufeff{"sensor":"s","value":1}', 'utf16le'), /^payload is UTF-16 LE text \(byte order mark FF FE\), not UTF-8/],
  ['UTF-16 BE without one', Buffer.from('{"sensor":"s","value":1}', 'utf16le').swap16(), /^payload is UTF-16 BE text \(recognised by its NUL bytes\), not UTF-8/],
  ['UTF-32 LE', Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0, 0x7d, 0, 0, 0]), /^payload is UTF-32 LE text/],
];

test('MQTT: poison messages are set aside with their reason, and readings published after them arrive within a second', async (t) => {
  const broker = await testBroker(t);
  const prefix = uniquePrefix('poison');
  const manager = await openRuntime(t);
  const flowId = `poison-${process.pid}`;
  const sinks = { good: `${flowId}-good`, bad: `${flowId}-bad`, poison: `${flowId}-poison` };
  for (const s of Object.values(sinks)) received.delete(s);
  await manager.deploy(flowId, {
    sluice: 1, id: flowId,
    nodes: [
      { id: 'in', type: 'mqtt-in', config: { url: broker.url, clientId: uniqueClientId('poison'), clean: true, qos: 1, topics: [`${prefix}/{sensor}`] } },
      { id: 'check', type: 'validate', config: { required: ['sensor', 'value'], numeric: ['value'] } },
      { id: sinks.good, type: 'test-sink' }, { id: sinks.bad, type: 'test-sink' }, { id: sinks.poison, type: 'test-sink' },
    ],
    wires: [{ from: 'in', to: 'check' }, { from: 'check', to: sinks.good }, { from: 'check:invalid', to: sinks.bad }, { from: 'in:invalid', to: sinks.poison }],
  });
  const status = () => manager.status(flowId)!.nodes.in!.status;
  await waitFor('subscribed', () => /subscribed to/.test(status().text ?? ''));
  const got = (sink: string): DataRecord[] => received.get(sink) ?? [];
  const pub = await client(t, broker.url);

  await pub.publishAsync(`${prefix}/s0`, JSON.stringify({ value: 0 }), { qos: 1 });
  for (const [, payload] of POISON) await pub.publishAsync(`${prefix}/p`, payload, { qos: 1 });
  await pub.publishAsync(`${prefix}/big`, '{"value":1e400}', { qos: 1 });
  for (let i = 1; i <= 5; i++) {
    const sent = Date.now();
    await pub.publishAsync(`${prefix}/s${i}`, JSON.stringify({ value: i }), { qos: 1 });
    await waitFor(`reading ${i} after the poison`, () => got(sinks.good).some((r) => r.value === i), 10_000);
    const took = Date.now() - sent;
    assert.ok(took < 1000, `reading ${i} arrived ${took} ms after it was published (the poison must not hold it up)`);
  }
  assert.deepEqual(got(sinks.good).map((r) => r.value), [0, 1, 2, 3, 4, 5], 'every reading, in order');

  await waitFor('every poison set aside', () => got(sinks.poison).length === POISON.length);
  got(sinks.poison).forEach((r, i) => {
    const [what, payload, reason] = POISON[i]!;
    assert.match(String(r.reason), reason, what);
    assert.equal(r.topic, `${prefix}/p`);
    assert.equal(r.bytes, Buffer.byteLength(payload), `${what}: the payload is kept whole`);
    const kept = r.encoding === 'base64' ? Buffer.from(String(r.payload), 'base64') : Buffer.from(String(r.payload));
    assert.deepEqual(kept, Buffer.from(payload), `${what}: byte for byte`);
  });
  assert.equal(status().state, 'connected', `never stuck retrying: ${JSON.stringify(status())}`);

  // The journal holds what was received: 1e400 as its text, flagged, and validate names it.
  await waitFor('the out-of-range reading judged', () => got(sinks.bad).length === 1);
  assert.match(String(got(sinks.bad)[0]!.reason), /^value: 1e400 is beyond the range of a double-precision number \(kept as received/);
  const journaled: DataRecord[] = [];
  for await (const e of manager.journal(flowId, 0, 1000)) journaled.push(...e.records);
  assert.ok(journaled.some((r) => JSON.stringify(r) === '{"value":{"$number":"1e400"},"sensor":"big"}'), 'not null: the text as received');
  assert.ok(!journaled.some((r) => r.value === null), 'no reading was journaled as null');
});

test('a message whose records the journal cannot encode is journaled as set aside at once, not retried', async () => {
  const appended: { port?: string; records: DataRecord[] }[] = [];
  const ctx = nodeContext({
    append: async (records, options) => {
      if (options?.port !== 'invalid') throw new RecordsNotJsonError('Do not know how to serialize a BigInt');
      appended.push({ port: options.port, records });
      return { offset: 1 };
    },
  });
  const journal = new MessageJournal(ctx, new AbortController().signal, 60_000, () => undefined);
  const started = Date.now();
  const ok = await journal.append([{ big: 1n }], { port: 'out' }, (reason) => ({ records: [{ reason, payload: '{"big":1}' }], options: { port: 'invalid' } }));
  assert.equal(ok, true, 'acknowledged: the broker does not send it again');
  assert.ok(Date.now() - started < 1000, 'no retry wait');
  assert.deepEqual(appended, [{ port: 'invalid', records: [{ reason: 'records cannot be journaled as JSON: Do not know how to serialize a BigInt', payload: '{"big":1}' }] }]);
});

test('the CSV payload format keeps a number beyond a double as its text too', () => {
  const parse = payloadParser({ format: 'csv', columns: ['ts', 'value'], separator: ',', textField: 'text', maxBytes: 1 << 20 });
  assert.deepEqual(parse(Buffer.from('1,1e400\n2,-1e309\n3,4.5\n')), { records: [{ ts: 1, value: { $number: '1e400' } }, { ts: 2, value: { $number: '-1e309' } }, { ts: 3, value: 4.5 }] });
});
