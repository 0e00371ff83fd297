import assert from 'node:assert/strict';
import { test } from 'node:test';
import { client, testBroker, uniquePrefix } from './helpers/mqtt-broker.js';
import { deployMqttIn, openRuntime } from './helpers/mqtt-flow.js';
import { waitFor } from './helpers/wait.js';

const TEN_MB = 10 * 1024 * 1024;

test('malformed payloads go to invalid with a precise reason and the raw bytes; valid ones around them are ingested', async (t) => {
  const broker = await testBroker(t);
  const prefix = uniquePrefix('bad');
  const manager = await openRuntime(t);
  const json = await deployMqttIn(manager, 'badjson', { url: broker.url, topics: [`${prefix}/json/{sensor}`], qos: 1 }, { quotaBytes: 64 * 1024 * 1024 });
  const csv = await deployMqttIn(manager, 'badcsv', { url: broker.url, topics: [`${prefix}/csv/{sensor}`], format: 'csv', csv: { columns: ['ts', 'value', 'unit'] } });
  const pub = await client(t, broker.url);
  const garbage = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]);
  const huge = `{"values":"${'x'.repeat(TEN_MB - 14)}"}`;
  const sent: [string, string | Buffer][] = [
    ['json/s', JSON.stringify({ seq: 0 })],
    ['json/s', '{"seq": 1, "value": 2'],
    ['json/s', garbage],
    ['json/s', JSON.stringify({ seq: 2 })],
    ['json/s', `\uFEFF${JSON.stringify({ seq: 3 })}`],
    ['json/s', ''],
    ['json/s', '42'],
    ['json/s', '[{"seq": 4}, "five"]'],
    ['json/s', huge],
    ['json/s', JSON.stringify([{ seq: 5 }, { seq: 6 }])],
    ['csv/s', '1,2.5,C\n2,3.5\n'],
    ['csv/s', '3,4.5,C'],
  ];
  for (const [topic, payload] of sent) await pub.publishAsync(`${prefix}/${topic}`, payload, { qos: 1 });

  await waitFor('all JSON messages', () => json.out().length === 4 && json.invalid().length === 7, 30_000);
  assert.deepEqual(json.out().map((r) => r.seq), [0, 2, 5, 6], 'valid messages around the bad ones are ingested, in order');
  const reasons = json.invalid().map((r) => r.reason);
  assert.deepEqual(reasons, [
    reasons[0], // the engine's wording; checked below
    'payload is not UTF-8 text: invalid byte 0xff at offset 1',
    'payload starts with a UTF-8 byte order mark (EF BB BF)',
    'empty payload (0 bytes)',
    'expected a JSON object or an array of objects, got a number (42)',
    'element 1 of the array: expected an object, got a string ("five")',
    `payload is ${huge.length} bytes, over maxPayloadBytes (1048576)`,
  ]);
  assert.match(String(reasons[0]), /^not valid JSON: .*(at position 21|end of JSON input)/);
  const bad = json.invalid();
  assert.deepEqual(bad[0], { reason: reasons[0], topic: `${prefix}/json/s`, payload: '{"seq": 1, "value": 2', encoding: 'utf8', bytes: 21, node: 'in' });
  assert.equal(bad[1]!.encoding, 'base64');
  assert.deepEqual(Buffer.from(String(bad[1]!.payload), 'base64'), garbage, 'binary payloads are kept byte for byte');
  assert.equal(bad[2]!.payload, `\uFEFF${JSON.stringify({ seq: 3 })}`);
  assert.equal(bad[6]!.bytes, huge.length);
  assert.equal(bad[6]!.payload, huge, 'even a 10 MB payload is kept whole');

  await waitFor('all CSV messages', () => csv.out().length === 1 && csv.invalid().length === 1);
  assert.deepEqual(csv.out(), [{ ts: 3, value: 4.5, unit: 'C', sensor: 's' }]);
  assert.equal(csv.invalid()[0]!.reason, 'line 2: 2 values, expected 3 (ts,value,unit)');
});
