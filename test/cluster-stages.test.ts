import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { natsCluster } from './helpers/nats-cluster.js';
import { readNdjson } from './helpers/ndjson.js';
import { api, killHard, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { clusterOf, serverId, startClusterServer, waitForOwners } from './helpers/sluice-cluster.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const COUNT = 30_000;
const SENSORS = 40;

type Tally = { [sensor: string]: { n: number; sum: number } };

test('a crash between two stages loses nothing and counts nothing twice: SIGKILL of the first stage\'s owner, the tally after the repartition stays exact', { timeout: 400_000 }, async (t) => {
  const nats = await natsCluster(t);
  const dir = tempDir(t);
  const file = join(dir, 'sink.ndjson');
  const doc = {
    sluice: 1, id: 'stages',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: COUNT, batchSize: 50, sensors: SENSORS, intervalMs: 10 } },
      { id: 'by-sensor', type: 'repartition', config: { by: ['sensor'], partitions: 2 } },
      { id: 'tally', type: 'test-tally' },
      { id: 'sink', type: 'test-sink', config: { file } },
    ],
    wires: [{ from: 'feed', to: 'by-sensor' }, { from: 'by-sensor', to: 'tally' }, { from: 'tally', to: 'sink' }],
    settings: { checkpointIntervalMs: 300 },
  };
  const servers: ServerProcess[] = [];
  t.after(async () => { for (const s of servers) if (s.child.exitCode === null) await stopGracefully(s); });
  const start = (i: number) => startClusterServer(join(dir, `s${i}`), nats.urls, 'stages');
  for (let i = 0; i < 3; i++) {
    servers.push(await start(i));
    await api(servers[i]!, '/api/flows/stages/deploy', { method: 'POST', body: doc });
  }
  const ids = await Promise.all(servers.map(serverId));
  await waitForOwners(servers[0]!, 'stages', ids);
  const delivered = () => new Set(readNdjson<{ seq: number }>(file).map((r) => r.seq)).size;

  // Kill whoever runs the first stage (the feed's records go through its repartition) three times, mid-stream.
  const kills: string[] = [];
  for (const share of [0.2, 0.45, 0.7]) {
    await waitFor(`${share * 100}% delivered`, () => delivered() >= share * COUNT, 120_000);
    const view = await clusterOf(servers.find((s) => s.child.exitCode === null)!);
    const owner = view.partitions.find((p) => p.stage === 0)!.owner!;
    const i = ids.indexOf(owner);
    kills.push(`${owner} at ${delivered()}`);
    await killHard(servers[i]!);
    servers[i] = await start(i);
  }
  await waitFor(`all ${COUNT} records at the sink`, () => delivered() >= COUNT, 180_000);

  // Each server answers for the tally partitions it runs; together they must count every record exactly once.
  const tally = await waitFor('both tally partitions checkpointed and answering', async () => {
    const merged: Tally = {};
    let parts = 0;
    for (const s of servers) {
      const { state } = await api<{ state: unknown }>(s, '/api/flows/stages/nodes/tally/state');
      if (state === null) continue;
      const partitions = (state as { partitions?: { [p: string]: Tally } }).partitions ?? { one: state as Tally };
      for (const t of Object.values(partitions)) {
        parts++;
        for (const [sensor, v] of Object.entries(t)) merged[sensor] = { n: (merged[sensor]?.n ?? 0) + v.n, sum: (merged[sensor]?.sum ?? 0) + v.sum };
      }
    }
    const total = Object.values(merged).reduce((n, v) => n + v.n, 0);
    return parts === 2 && total >= COUNT ? merged : undefined;
  }, 60_000);
  const expected: Tally = {};
  for (let seq = 0; seq < COUNT; seq++) {
    const e = (expected[`s${seq % SENSORS}`] ??= { n: 0, sum: 0 });
    e.n++;
    e.sum += seq % 97;
  }
  assert.deepEqual(tally, expected, 'every record counted once after the repartition, despite the replays of the stage before');
  t.diagnostic(`killed the first stage's owner ${kills.join('; ')}`);
});
