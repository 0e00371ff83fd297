import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DebugMessage } from '../server/runtime/api.js';
import type { Alert } from '../server/core/services.js';
import { startIlpServer } from './fixtures/ilp-server.js';
import { client, uniqueClientId } from './helpers/mqtt-broker.js';
import { api, spawnServer, stopGracefully } from './helpers/server-process.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const bin = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));

test('sluice start on a fresh data directory runs the demo through its embedded MQTT broker: debug messages, an alert, the QuestDB hint', { timeout: 240_000 }, async (t) => {
  const server = await spawnServer(['--data', join(tempDir(t), 'data'), '--mqtt-port', '0']);
  t.after(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });
  const broker = /MQTT broker listening on (mqtt:\/\/\S+)/.exec(server.stdout())?.[1];
  assert.ok(broker, server.stdout());
  assert.match(server.stdout(), /sluice export demo > demo\.json[\s\S]*"type": "questdb"[\s\S]*sluice deploy demo\.json/, 'how to point the demo at QuestDB');
  assert.match(server.stderr(), /deployed the demo flow "demo"/);

  // The readings really travel through the embedded broker: a client of our own sees them there.
  const watcher = await client(t, broker, { clientId: uniqueClientId('demo-watch') });
  const seen: string[] = [];
  watcher.on('message', (topic) => seen.push(topic));
  await watcher.subscribeAsync('demo/sensors/+/readings', { qos: 0 });
  await waitFor('readings published on the embedded broker', () => seen.length >= 5, 30_000);
  assert.ok(seen.every((topic) => /^demo\/sensors\/temp-[0-4]\/readings$/.test(topic)), seen[0]);

  // …and come back into the flow: valid readings in the debug view, the malformed ones set aside.
  const debug = await waitFor('debug messages of valid and rejected readings', async () => {
    const messages = await api<DebugMessage[]>(server, '/api/flows/demo/debug');
    const nodes = new Set(messages.map((m) => m.nodeId));
    return nodes.has('readings') && nodes.has('rejected') ? messages : undefined;
  }, 60_000);
  const reading = debug!.find((m) => m.nodeId === 'readings')!.value as { sensor: string; value: number; unit: string };
  assert.match(reading.sensor, /^temp-[0-4]$/);
  assert.equal(reading.unit, '°C');
  const status = await api<{ nodes: { [id: string]: { in: number; out: { [port: string]: number } } } }>(server, '/api/flows/demo/status');
  assert.ok(status.nodes.subscribe!.out.out! > 0 && status.nodes.publish!.in > 0, JSON.stringify(status.nodes));

  // Each sensor passes 22 °C once every 5 minutes: an alert fires within about a minute and a half of any start.
  const alerts = await waitFor('an alert from the demo', async () => {
    const list = await api<Alert[]>(server, '/api/alerts?flow=demo');
    return list.length > 0 ? list : undefined;
  }, 180_000);
  assert.equal(alerts![0]!.ruleId, 'too-warm');
  assert.ok(alerts![0]!.value! > 22, String(alerts![0]!.value));
  const shown = await waitFor('the alert in the debug view', async () => {
    const messages = await api<DebugMessage[]>(server, '/api/flows/demo/debug');
    return messages.find((m) => m.nodeId === 'alerts' && (m.value as { alertId?: string }).alertId === alerts![0]!.id);
  }, 20_000);
  assert.equal((shown!.value as { state: string }).state, 'firing');
  t.diagnostic(`first alert: ${alerts![0]!.message}`);

  // The printed QuestDB instructions work: the node and wire they name, deployed, write readings.
  const questdb = await startIlpServer();
  t.after(() => questdb.close());
  const node = JSON.parse(/add to "nodes": (.*)$/m.exec(server.stdout())![1]!) as { config: { address: string } };
  const wire = JSON.parse(/add to "wires": (.*)$/m.exec(server.stdout())![1]!) as object;
  node.config.address = questdb.url;
  const demo = await api<{ nodes: object[]; wires: object[] }>(server, '/api/flows/demo/export');
  await api(server, '/api/flows/demo/deploy', { method: 'POST', body: { ...demo, nodes: [...demo.nodes, node], wires: [...demo.wires, wire] } });
  await waitFor('demo readings in QuestDB', () => questdb.rows('demo_readings').length >= 5, 30_000);
  assert.match(String(questdb.rows('demo_readings')[0]!.sensor), /^temp-[0-4]$/);
  assert.equal(await stopGracefully(server), 0, server.stderr());
});

test('sluice start without --mqtt-port starts without the embedded broker when 1884 is taken; with --mqtt-port a taken port is an error', { timeout: 60_000 }, async (t) => {
  // Hold the default port (unless something else already does: the outcome is the same).
  const holder = createServer();
  await new Promise<void>((resolve) => {
    holder.once('error', () => resolve());
    holder.listen(1884, '127.0.0.1', () => resolve());
  });
  t.after(() => new Promise<void>((resolve) => { holder.close(() => resolve()); }));

  const server = await spawnServer(['--data', join(tempDir(t), 'data')]);
  t.after(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });
  assert.doesNotMatch(server.stdout(), /MQTT broker listening/);
  assert.match(server.stderr(), /the MQTT broker cannot listen on 127\.0\.0\.1:1884: .*EADDRINUSE.*; starting without the embedded MQTT broker \(choose a port with --mqtt-port N, or --no-mqtt\)/);
  assert.match(server.stderr(), /the demo flow \S+demo\.json was not deployed: it needs an MQTT broker/);
  assert.deepEqual(await api(server, '/api/flows'), [], 'nothing saved: the next start deploys the demo');
  assert.equal(await stopGracefully(server), 0, server.stderr());

  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => { busy.close(() => resolve()); }));
  const port = (busy.address() as AddressInfo).port;
  const child = spawn(process.execPath, [bin, 'start', '--port', '0', '--data', join(tempDir(t), 'data'), '--mqtt-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  assert.match(err, new RegExp(`sluice start: the MQTT broker cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
});
