import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FlowStatus } from '../server/runtime/api.js';
import { client, embeddedBroker, uniqueClientId, uniquePrefix } from './helpers/mqtt-broker.js';
import { readNdjson } from './helpers/ndjson.js';
import { api, killHard, startServer, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const READINGS = 100_000;
// The test sink fsyncs every batch and a batch is one message: 20 readings a message keeps the run short.
const PER_MESSAGE = 20;
const testNodes = fileURLToPath(new URL('./fixtures/test-nodes.js', import.meta.url));

function distinctKeys(file: string): { lines: number; keys: Set<string> } {
  const keys = new Set<string>();
  const records = readNdjson<{ key: string }>(file);
  for (const r of records) keys.add(r.key);
  return { lines: records.length, keys };
}

async function subscribed(server: ServerProcess): Promise<boolean> {
  const status = await api<FlowStatus>(server, '/api/flows/mqtt-crash/status');
  return /subscribed to/.test(status.nodes.in?.status.text ?? '');
}

test(`SIGKILL while ${READINGS} QoS 1 readings stream in over MQTT (QoS 1, ${PER_MESSAGE} a message): after the restart every reading reaches the sink`, { timeout: 300_000 }, async (t) => {
  // Mosquitto's default max_queued_messages (1000) would silently drop what arrives for the offline
  // subscriber while the server is dead, and this machine's /etc/mosquitto does not raise it: the broker
  // must keep everything, so the test runs its own aedes (unbounded in-memory queues), outside the killed server.
  const broker = await embeddedBroker(t, 'Mosquitto here keeps at most 1000 queued messages per offline client; this broker lives in the test, not in the killed server');
  const dir = tempDir(t);
  const sinkFile = join(dir, 'sink.ndjson');
  const prefix = uniquePrefix('crash');
  const flow = {
    sluice: 1, id: 'mqtt-crash',
    nodes: [
      { id: 'in', type: 'mqtt-in', config: { url: broker.url, clientId: uniqueClientId('crash'), topics: [`${prefix}/{sensor}`], qos: 1 } },
      { id: 'sink', type: 'test-sink', config: { file: sinkFile } },
    ],
    wires: [{ from: 'in', to: 'sink' }],
    settings: { checkpointIntervalMs: 200 },
  };
  let server = await startServer(join(dir, 'data'), ['--nodes', testNodes]);
  await api(server, '/api/flows/mqtt-crash/deploy', { method: 'POST', body: flow });
  const first = server;
  await waitFor('the subscription', () => subscribed(first));

  const pub = await client(t, broker.url, { clean: true });
  const published = (async () => {
    for (let i = 0; i < READINGS; i += 100 * PER_MESSAGE) {
      const sends: Promise<unknown>[] = [];
      for (let m = i; m < i + 100 * PER_MESSAGE; m += PER_MESSAGE) {
        const readings = Array.from({ length: PER_MESSAGE }, (_, j) => ({ key: `k${m + j}`, value: (m + j) % 97 }));
        sends.push(pub.publishAsync(`${prefix}/s${(m / PER_MESSAGE) % 50}`, JSON.stringify(readings), { qos: 1 }));
      }
      await Promise.all(sends);
    }
  })();

  await waitFor('some readings at the sink', () => distinctKeys(sinkFile).keys.size >= 20_000, 60_000);
  const atKill = distinctKeys(sinkFile).keys.size;
  await killHard(server);
  assert.ok(atKill < READINGS, `killed mid-stream (${atKill} delivered)`);
  server = await startServer(join(dir, 'data'), ['--nodes', testNodes]);
  const second = server;
  try {
    await published;
    await waitFor(`all ${READINGS} keys at the sink`, () => distinctKeys(sinkFile).keys.size >= READINGS, 240_000);
  } finally {
    assert.equal(await stopGracefully(second), 0);
  }
  const { lines, keys } = distinctKeys(sinkFile);
  assert.equal(keys.size, READINGS, 'no reading lost');
  assert.ok([...keys].every((k) => /^k\d+$/.test(k) && Number(k.slice(1)) < READINGS), 'no reading the publisher never sent');
  t.diagnostic(`killed with ${atKill} readings at the sink; ${READINGS} distinct after the restart, ${lines - keys.size} delivered twice (at least once)`);
});
