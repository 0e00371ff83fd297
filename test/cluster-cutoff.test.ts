import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import type { FlowStatus } from '../server/runtime/api.js';
import { uniquePrefix } from './helpers/mqtt-broker.js';
import { natsCluster } from './helpers/nats-cluster.js';
import { readNdjson } from './helpers/ndjson.js';
import { api, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { clusterOf, owners, ownMosquitto, serverId, startClusterServer, waitForOwners } from './helpers/sluice-cluster.js';
import { tcpProxy } from './helpers/tcp-proxy.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 'cluster-cutoff-token-41c9a2e';

test('a server cut off from NATS gives its partitions up, refuses its senders (no PUBACK, 503) and rejoins when the link is back; nothing lost', { timeout: 300_000 }, async (t) => {
  const nats = await natsCluster(t);
  const proxies = await Promise.all(nats.nodes.map((n) => tcpProxy(n.port)));
  t.after(() => Promise.all(proxies.map((p) => p.close())));
  const mosquitto = await ownMosquitto(t);
  const dir = tempDir(t);
  const file = join(dir, 'sink.ndjson');
  const topic = `${uniquePrefix('cutoff')}/{sensor}`;
  const doc = {
    sluice: 1, id: 'cutoff',
    nodes: [
      { id: 'mqtt', type: 'mqtt-in', config: { url: mosquitto, topics: [topic], qos: 1 } },
      { id: 'http', type: 'http-in', config: { path: 'cutoff', token: TOKEN, retryAfterS: 1 } },
      { id: 'tally', type: 'test-tally' },
      { id: 'sink', type: 'test-sink', config: { file } },
    ],
    wires: [{ from: 'mqtt', to: 'tally' }, { from: 'http', to: 'tally' }, { from: 'tally', to: 'sink' }],
    settings: { partitions: 3, partitionBy: ['sensor'], checkpointIntervalMs: 300 },
  };
  const servers: ServerProcess[] = [];
  t.after(async () => { for (const s of servers) if (s.child.exitCode === null) await stopGracefully(s); });
  // Server 0 reaches NATS only through the proxies the test controls; the others directly.
  const proxied = proxies.map((p) => `nats://127.0.0.1:${p.port}`).join(',');
  for (let i = 0; i < 3; i++) {
    servers.push(await startClusterServer(join(dir, `s${i}`), i === 0 ? proxied : nats.urls, 'cutoff'));
    await api(servers[i]!, '/api/flows/cutoff/deploy', { method: 'POST', body: doc });
  }
  const [cut, ...rest] = servers as [ServerProcess, ServerProcess, ServerProcess];
  const ids = await Promise.all(servers.map(serverId));
  await waitForOwners(rest[0], 'cutoff', ids);
  await waitFor('server 0 owning a partition', async () => [...(await owners(cut, 'cutoff')).values()].includes(ids[0]!), 60_000);

  let seq = 0;
  const records = (n: number) => Array.from({ length: n }, () => ({ seq: seq, sensor: `s${seq++ % 12}`, value: seq % 97 }));
  const postTo = (s: ServerProcess, body: object[]) => fetch(`${s.url}/ingest/cutoff`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const accepted = new Set<number>();
  const send = async (s: ServerProcess, n: number): Promise<number> => {
    const body = records(n);
    const res = await postTo(s, body);
    if (res.status === 202) for (const r of body) accepted.add(r.seq);
    await res.body?.cancel();
    return res.status;
  };
  for (const s of servers) assert.equal(await send(s, 50), 202);
  const publisher = await mqtt.connectAsync(mosquitto, { clientId: `cutoff-pub-${process.pid}`, clean: true, reconnectPeriod: 0 });
  t.after(() => publisher.endAsync(true));
  const published = new Set<number>();
  const publish = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const [r] = records(1);
      await publisher.publishAsync(topic.replace('{sensor}', r!.sensor), JSON.stringify(r), { qos: 1 });
      published.add(r!.seq);
    }
  };
  await publish(300);

  for (const p of proxies) p.cut();
  const cutAt = Date.now();
  // Refused politely: 503 with Retry-After, nothing of the body accepted.
  await waitFor('server 0 answering 503', async () => (await send(cut, 10)) === 503, 30_000);
  const refusedBody = records(5);
  const refused = await postTo(cut, refusedBody);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.equal((await refused.json() as { error: string }).error, 'journal-unavailable');
  // MQTT goes on meanwhile: what the broker hands to server 0 waits there, unacknowledged.
  const publishing = publish(600);
  assert.equal((await clusterOf(cut)).connected, false);
  await waitFor('the other servers owning every partition', async () => {
    const o = await owners(rest[0], 'cutoff');
    return [...o.values()].every((v) => v !== null && v !== ids[0]);
  }, 60_000);
  const takenAfter = Date.now() - cutAt;
  await waitFor('server 0 no longer running a partition', async () => ((await api<FlowStatus>(cut, '/api/flows/cutoff/status')).cluster?.owned.length ?? 1) === 0, 30_000);
  for (const s of rest) assert.equal(await send(s, 40), 202, 'the others go on accepting');
  await publishing;
  // No PUBACK: the messages the broker handed to server 0 are held unacknowledged, and its MQTT in says so.
  const mqttStatus = await waitFor('server 0\'s MQTT in refusing', async () => {
    const st = (await api<FlowStatus>(cut, '/api/flows/cutoff/status')).nodes.mqtt!.status;
    return st.state === 'refused' ? st : undefined;
  }, 30_000);
  assert.match(mqttStatus!.text ?? '', /journal unavailable: not connected to NATS; not acknowledging, the broker keeps the messages/);

  for (const p of proxies) p.restore();
  await waitFor('server 0 connected again', async () => (await clusterOf(cut)).connected, 60_000);
  await waitFor('server 0 owning a partition again', async () => [...(await owners(rest[0], 'cutoff')).values()].includes(ids[0]!), 90_000);
  assert.equal(await send(cut, 30), 202, 'server 0 accepts again');

  const expected = new Set([...accepted, ...published]);
  const delivered = () => new Set(readNdjson<{ seq: number }>(file).map((r) => r.seq));
  await waitFor(`all ${expected.size} accepted readings at the sink`, () => [...expected].every((s) => delivered().has(s)), 120_000).catch((err: unknown) => {
    const have = delivered();
    const missing = [...expected].filter((s) => !have.has(s));
    process.stderr.write(`MISSING ${missing.length}: http ${missing.filter((s) => accepted.has(s)).length}, mqtt ${missing.filter((s) => published.has(s)).length}: ${missing.slice(0, 20).join(',')}\n`);
    process.stderr.write(`S0\n${cut.stderr().slice(-5000)}\n`);
    throw err;
  });
  const got = delivered();
  // A body answered 503 once the server knew it was cut off was not journaled at all.
  assert.ok(refusedBody.every((r) => !got.has(r.seq)), 'nothing of the refused body reached the sink');
  t.diagnostic(`partitions taken over ${takenAfter} ms after the cut; ${accepted.size} readings accepted over HTTP, ${published.size} over MQTT, all delivered`);
});
