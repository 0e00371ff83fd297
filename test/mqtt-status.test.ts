import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { MqttBroker } from '../server/services/mqtt-broker.js';
import { received, sinkControl } from './fixtures/test-nodes.js';
import { client, embeddedBroker, uniqueClientId, uniquePrefix } from './helpers/mqtt-broker.js';
import { deployMqttIn, openRuntime } from './helpers/mqtt-flow.js';
import { waitFor } from './helpers/wait.js';

test('status names the broker\'s reason when it refuses; a password given as a secret reference connects', async (t) => {
  const broker = await embeddedBroker(t, 'the test needs a broker that checks passwords', {
    authenticate: (_client, username, password, done) => {
      const ok = username === 'sluice' && password?.toString() === 'right';
      done(ok ? null : Object.assign(new Error('bad credentials'), { returnCode: 4 }), ok);
    },
  });
  process.env.SLUICE_SECRET_MQTT_STATUS_TEST = 'right';
  t.after(() => { delete process.env.SLUICE_SECRET_MQTT_STATUS_TEST; });
  const manager = await openRuntime(t);
  await manager.deploy('wrong', {
    sluice: 1, id: 'wrong',
    nodes: [{ id: 'in', type: 'mqtt-in', config: { url: broker.url, clientId: uniqueClientId('wrong'), username: 'sluice', password: 'wrong', topics: ['a'], reconnect: { minMs: 100, maxMs: 400 } } }],
    wires: [],
  });
  const status = () => manager.status('wrong')!.nodes.in!.status;
  await waitFor('refused', () => status().state === 'refused');
  assert.match(status().text!, /^broker refused the connection: Connection refused: Bad username or password; retrying in \d+ ms$/);

  const flow = await deployMqttIn(manager, 'right', { url: broker.url, username: 'sluice', password: '${secret:MQTT_STATUS_TEST}', topics: ['a/{sensor}'] });
  assert.deepEqual(flow.status(), { ...flow.status(), state: 'connected', text: `connected to ${broker.url}, subscribed to a/+` });
});

test('after the broker drops the connection the node reconnects with backoff and ingests again', async (t) => {
  const first = await embeddedBroker(t, 'the test closes and restarts the broker');
  const port = first.embedded!.port;
  const manager = await openRuntime(t);
  const flow = await deployMqttIn(manager, 'drop', { url: first.url, topics: ['r/{sensor}'], reconnect: { minMs: 100, maxMs: 400 } });
  await first.embedded!.close();
  await waitFor('reconnecting', () => flow.status().state === 'reconnecting');
  assert.match(flow.status().text!, /^disconnected: .+; retrying in \d+ ms$/);
  await delay(600); // a few failed attempts while nothing listens
  const second = await MqttBroker.start({ host: '127.0.0.1', port });
  t.after(() => second.close());
  await waitFor('subscribed again', () => /subscribed to r\/\+/.test(flow.status().text ?? ''), 10_000);
  const pub = await client(t, second.url);
  await pub.publishAsync('r/s7', JSON.stringify({ value: 7 }), { qos: 1 });
  await waitFor('the reading after the reconnect', () => flow.out().length === 1);
  assert.deepEqual(flow.out(), [{ value: 7, sensor: 's7' }]);
});

test('journal full: no PUBACK while refused, the broker redelivers, everything arrives once the sink is back', async (t) => {
  const broker = await embeddedBroker(t, 'the test watches PUBACKs at the broker');
  const prefix = uniquePrefix('full');
  const clientId = uniqueClientId('full');
  const acks: number[] = [];
  broker.embedded!.aedes.on('ack', (packet, c) => { if (c.id === clientId && packet.cmd === 'publish') acks.push(packet.messageId!); });
  sinkControl.set('full-sink', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => { sinkControl.delete('full-sink'); });
  received.delete('full-sink');
  const manager = await openRuntime(t);
  await manager.deploy('full', {
    sluice: 1, id: 'full',
    nodes: [
      { id: 'in', type: 'mqtt-in', config: { url: broker.url, clientId, topics: [`${prefix}/{sensor}`], qos: 1, retryMs: 50 } },
      { id: 'full-sink', type: 'test-sink', retry: { maxAttempts: 1000, backoffMs: 20, maxBackoffMs: 50, jitter: 0 } },
    ],
    wires: [{ from: 'in', to: 'full-sink' }],
    settings: { quotaBytes: 4000, checkpointIntervalMs: 100 },
  });
  const status = () => manager.status('full')!.nodes.in!.status;
  await waitFor('subscribed', () => /subscribed/.test(status().text ?? ''));
  const pub = await client(t, broker.url);
  const reading = (i: number) => JSON.stringify({ seq: i, pad: 'x'.repeat(400) });
  let sent = 0;
  while (status().state !== 'refused') {
    await pub.publishAsync(`${prefix}/s${sent % 3}`, reading(sent), { qos: 1 });
    sent++;
    await delay(5);
    assert.ok(sent < 200, 'the journal refuses once its quota is reached');
  }
  assert.match(status().text!, /^journal full: .*quota 4000 bytes.*not acknowledging/);
  for (let i = 0; i < 5; i++) await pub.publishAsync(`${prefix}/s${sent % 3}`, reading(sent++), { qos: 1 });
  const acked = acks.length;
  await delay(500);
  assert.equal(acks.length, acked, 'no PUBACK while the journal refuses');
  assert.ok(acked < sent, `fewer acknowledgements (${acked}) than messages (${sent})`);

  sinkControl.get('full-sink')!.failAlways = false;
  await waitFor('every reading at the sink', () => new Set((received.get('full-sink') ?? []).map((r) => r.seq)).size === sent, 20_000);
  await waitFor('every message acknowledged', () => new Set(acks).size >= sent);
  assert.equal(status().state, 'connected');
});
