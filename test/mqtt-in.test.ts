import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { client, testBroker, uniquePrefix } from './helpers/mqtt-broker.js';
import { deployMqttIn, openRuntime } from './helpers/mqtt-flow.js';
import { waitFor } from './helpers/wait.js';

const run = promisify(execFile);
const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';

test('JSON objects and arrays become records, with topic segments as fields', async (t) => {
  const broker = await testBroker(t);
  const prefix = uniquePrefix('json');
  const manager = await openRuntime(t);
  const flow = await deployMqttIn(manager, 'json', { url: broker.url, topics: [`${prefix}/{site}/{sensor}/data`], qos: 1 });
  const pub = await client(t, broker.url);
  await pub.publishAsync(`${prefix}/lyon/t1/data`, JSON.stringify({ ts: 1, value: 20.5 }), { qos: 1 });
  await pub.publishAsync(`${prefix}/paris/t2/data`, JSON.stringify([{ ts: 2, value: 1 }, { ts: 3, value: 2, sensor: 'from-payload' }]), { qos: 1 });
  await waitFor('three records', () => flow.out().length === 3);
  assert.deepEqual(flow.out(), [
    { ts: 1, value: 20.5, site: 'lyon', sensor: 't1' },
    { ts: 2, value: 1, site: 'paris', sensor: 't2' },
    { ts: 3, value: 2, sensor: 't2', site: 'paris' },
  ]);
  assert.equal(flow.invalid().length, 0);
});

test('CSV lines use the declared columns; text payloads land in one field', async (t) => {
  const broker = await testBroker(t);
  const prefix = uniquePrefix('csv');
  const manager = await openRuntime(t);
  const csv = await deployMqttIn(manager, 'csv', { url: broker.url, topics: [`${prefix}/csv/{sensor}`], format: 'csv', csv: { columns: ['ts', 'value', 'unit'], separator: ';' } });
  const text = await deployMqttIn(manager, 'text', { url: broker.url, topics: [`${prefix}/log/#`], format: 'text', textField: 'line' });
  const pub = await client(t, broker.url);
  await pub.publishAsync(`${prefix}/csv/s9`, '1700000000000;21.5;°C\r\n1700000001000;-3e2;\n', { qos: 1 });
  await pub.publishAsync(`${prefix}/log/a/b`, 'pump 3 started', { qos: 1 });
  await waitFor('csv records', () => csv.out().length === 2);
  assert.deepEqual(csv.out(), [
    { ts: 1700000000000, value: 21.5, unit: '°C', sensor: 's9' },
    { ts: 1700000001000, value: -300, sensor: 's9' },
  ]);
  await waitFor('the text record', () => text.out().length === 1);
  assert.deepEqual(text.out(), [{ line: 'pump 3 started' }]);
});

for (const qos of [0, 1, 2] as const) {
  test(`QoS ${qos}: published at QoS ${qos}, subscribed at QoS ${qos}, every message arrives once`, async (t) => {
    const broker = await testBroker(t);
    const prefix = uniquePrefix(`qos${qos}`);
    const manager = await openRuntime(t);
    const flow = await deployMqttIn(manager, `qos${qos}`, { url: broker.url, topics: [`${prefix}/{sensor}`], qos });
    const pub = await client(t, broker.url);
    for (let i = 0; i < 200; i++) await pub.publishAsync(`${prefix}/s${i % 4}`, JSON.stringify({ seq: i }), { qos });
    await waitFor('200 records', () => flow.out().length >= 200);
    assert.deepEqual(flow.out().map((r) => r.seq), Array.from({ length: 200 }, (_, i) => i), 'in order, none twice');
    assert.equal(flow.status().state, 'connected');
  });
}

test('mosquitto_pub, the command-line client, publishes readings the node ingests', async (t) => {
  if (!existsSync(MOSQUITTO_PUB)) {
    t.skip(`${MOSQUITTO_PUB} is not installed (apt-get install mosquitto-clients)`);
    return;
  }
  const broker = await testBroker(t);
  const { port, hostname } = new URL(broker.url);
  const prefix = uniquePrefix('cli');
  const manager = await openRuntime(t);
  const flow = await deployMqttIn(manager, 'cli', { url: broker.url, topics: [`${prefix}/{sensor}/data`], qos: 2 });
  for (const qos of ['0', '1', '2']) {
    await run(MOSQUITTO_PUB, ['-h', hostname, '-p', port, '-q', qos, '-t', `${prefix}/cli-${qos}/data`, '-m', JSON.stringify({ value: Number(qos) })]);
  }
  await waitFor('three readings', () => flow.out().length === 3);
  assert.deepEqual(flow.out().map((r) => [r.sensor, r.value]).sort(), [['cli-0', 0], ['cli-1', 1], ['cli-2', 2]]);
});
