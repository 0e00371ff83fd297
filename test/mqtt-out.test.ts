import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import type { DataRecord } from '../server/core/types.js';
import { MqttBroker } from '../server/services/mqtt-broker.js';
import { received } from './fixtures/test-nodes.js';
import { client, testBroker, uniqueClientId, uniquePrefix } from './helpers/mqtt-broker.js';
import { openRuntime } from './helpers/mqtt-flow.js';
import { waitFor } from './helpers/wait.js';

/** test-feed (records { seq, sensor: s0..s3, value }) → mqtt-out, its invalid port → a test sink. */
const flow = (id: string, out: object, feed: object = { count: 40, batchSize: 10 }) => ({
  sluice: 1, id,
  nodes: [
    { id: 'feed', type: 'test-feed', config: feed },
    { id: 'out', type: 'mqtt-out', config: { clientId: uniqueClientId(id), ...out }, retry: { maxAttempts: 200, backoffMs: 50, maxBackoffMs: 200, jitter: 0 } },
    { id: `${id}-invalid`, type: 'test-sink' },
  ],
  wires: [{ from: 'feed', to: 'out' }, { from: 'out:invalid', to: `${id}-invalid` }],
});

function collect(sub: Awaited<ReturnType<typeof client>>): { topic: string; payload: string; retain: boolean }[] {
  const got: { topic: string; payload: string; retain: boolean }[] = [];
  sub.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return got;
}

test('MQTT out publishes each record to its templated topic, retained, to a real subscriber', async (t) => {
  const broker = await testBroker(t);
  const prefix = uniquePrefix('out');
  const sub = await client(t, broker.url);
  await sub.subscribeAsync(`${prefix}/#`, { qos: 1 });
  const got = collect(sub);
  const manager = await openRuntime(t);
  await manager.deploy('out', flow('out', { url: broker.url, topic: `${prefix}/{sensor}/commands/sleep`, qos: 1, retain: true }));
  await waitFor('40 messages', () => got.length === 40);
  assert.deepEqual(got.filter((m) => m.topic === `${prefix}/s1/commands/sleep`).map((m) => (JSON.parse(m.payload) as DataRecord).seq), [1, 5, 9, 13, 17, 21, 25, 29, 33, 37]);
  assert.equal(new Set(got.map((m) => m.topic)).size, 4);

  const late = await client(t, broker.url);
  const retained = collect(late);
  await late.subscribeAsync(`${prefix}/+/commands/sleep`, { qos: 1 });
  await waitFor('the four retained messages', () => retained.length === 4);
  assert.ok(retained.every((m) => m.retain), 'a later subscriber gets them as retained messages');
  assert.deepEqual(retained.map((m) => (JSON.parse(m.payload) as DataRecord).seq).sort((a, b) => Number(a) - Number(b)), [36, 37, 38, 39], 'the last per sensor');
  // Clear the retained messages: the shared broker outlives this test.
  for (const s of ['s0', 's1', 's2', 's3']) await sub.publishAsync(`${prefix}/${s}/commands/sleep`, '', { qos: 1, retain: true });
});

test('payloadField sends one field; records without the topic fields go to invalid with the reason', async (t) => {
  const broker = await testBroker(t);
  const prefix = uniquePrefix('cmd');
  const sub = await client(t, broker.url);
  await sub.subscribeAsync(`${prefix}/#`, { qos: 2 });
  const got = collect(sub);
  const manager = await openRuntime(t);
  received.delete('cmd-invalid');
  await manager.deploy('cmd', flow('cmd', { url: broker.url, topic: `${prefix}/{sensor}/commands/sample-frequency`, qos: 2, payloadField: 'value' }, { count: 4, batchSize: 4 }));
  received.delete('zone-invalid');
  await manager.deploy('zone', flow('zone', { url: broker.url, topic: `${prefix}/{zone}/awake` }, { count: 3, batchSize: 3 }));
  await waitFor('4 commands', () => got.length === 4);
  assert.deepEqual(got.map((m) => [m.topic, m.payload]), [0, 1, 2, 3].map((i) => [`${prefix}/s${i}/commands/sample-frequency`, String(i)]));
  await waitFor('3 invalid records', () => (received.get('zone-invalid') ?? []).length === 3);
  assert.deepEqual(received.get('zone-invalid')![0], { record: { seq: 0, sensor: 's0', value: 0 }, reason: 'topic field zone is missing', node: 'out' });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('a broker outage means retries, not loss: every record arrives once the broker is up', async (t) => {
  const port = await freePort();
  t.diagnostic(`MQTT broker: embedded aedes on 127.0.0.1:${port}, started only after the flow (the test needs an outage)`);
  const manager = await openRuntime(t);
  const prefix = uniquePrefix('outage');
  await manager.deploy('outage', flow('outage', { url: `mqtt://127.0.0.1:${port}`, topic: `${prefix}/{sensor}`, ackTimeoutMs: 300, reconnect: { minMs: 50, maxMs: 200 } }));
  const status = () => manager.status('outage')!.nodes.out!;
  await waitFor('the sink retrying', () => status().status.state === 'retrying' || status().retries > 0);
  assert.match(JSON.stringify(status()), /ECONNREFUSED|not connected/);
  const broker = await MqttBroker.start({ host: '127.0.0.1', port });
  t.after(() => broker.close());
  const seen = new Set<number>();
  broker.aedes.on('publish', (packet, c) => { if (c) seen.add((JSON.parse(packet.payload.toString()) as { seq: number }).seq); });
  await waitFor('all 40 records published', () => seen.size === 40, 30_000);
  assert.equal(manager.status('outage')!.deadLetters, 0, 'nothing became a dead letter');
});
