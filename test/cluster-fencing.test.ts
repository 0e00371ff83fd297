import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { natsCluster } from './helpers/nats-cluster.js';
import { readNdjson } from './helpers/ndjson.js';
import { api, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { clusterOf, owners, serverId, startClusterServer, waitForOwners } from './helpers/sluice-cluster.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const COUNT = 40_000;

interface Line { writer: string; pid: number; at: number; offset: number; seqs: number[] }

test('a partition owner paused past its lease (SIGSTOP) is fenced: after the takeover no batch of the stale owner reaches the sink, and nothing is lost', { timeout: 300_000 }, async (t) => {
  const nats = await natsCluster(t);
  const dir = tempDir(t);
  const file = join(dir, 'writes.ndjson');
  const servers: ServerProcess[] = [];
  t.after(async () => {
    for (const s of servers) {
      s.child.kill('SIGCONT');
      if (s.child.exitCode === null) await stopGracefully(s);
    }
  });
  const doc = {
    sluice: 1, id: 'fence',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: COUNT, batchSize: 20, intervalMs: 20 } },
      { id: 'sink', type: 'test-writer-sink', config: { file } },
    ],
    wires: [{ from: 'feed', to: 'sink' }],
    settings: { checkpointIntervalMs: 200 },
  };
  for (let i = 0; i < 2; i++) {
    servers.push(await startClusterServer(join(dir, `s${i}`), nats.urls, 'fence'));
    await api(servers[i]!, '/api/flows/fence/deploy', { method: 'POST', body: doc });
  }
  const ids = await Promise.all(servers.map(serverId));
  await waitForOwners(servers[0]!, 'fence', ids);
  await waitFor('batches at the sink', () => readNdjson<Line>(file).length >= 20, 60_000);

  // The owner the cluster agrees on, and that is the one writing (early hand-overs even the servers out first).
  const ownerId = (await waitFor('a settled owner of the partition', async () => {
    const owner = (await owners(servers[0]!, 'fence')).get('0.0');
    const recent = readNdjson<Line>(file).slice(-10);
    return owner && recent.length === 10 && recent.every((l) => l.writer === owner) ? owner : undefined;
  }, 60_000))!;
  const stale = servers[ids.indexOf(ownerId)]!;
  const other = servers[1 - ids.indexOf(ownerId)]!;
  const otherId = ids[1 - ids.indexOf(ownerId)]!;
  stale.child.kill('SIGSTOP');
  const stoppedAt = Date.now();
  const after = () => readNdjson<Line>(file).filter((l) => l.at > stoppedAt);
  await waitFor('the other server taking the partition over and writing', () => after().some((l) => l.writer === otherId), 60_000);
  const takeoverAt = after().find((l) => l.writer === otherId)!.at;
  stale.child.kill('SIGCONT');
  const resumedAt = Date.now();
  // The stale owner wakes up believing it owns the partition: give it time to try, while the new owner writes on.
  await waitFor('the stale owner noticing it lost the lease', () => /lease lost; its work stops|no longer holds the lease of fence\.0\.0/.test(stale.stderr()), 30_000).catch((err: unknown) => {
    process.stderr.write(`STALE\n${stale.stderr().slice(-6000)}\nOTHER\n${other.stderr().slice(-6000)}\n`);
    throw err;
  });
  await waitFor('batches written well after the stale owner resumed', () => after().filter((l) => l.at > resumedAt + 2000).length >= 10, 60_000).catch((err: unknown) => {
    process.stderr.write(`STALE\n${stale.stderr().slice(-6000)}\nOTHER\n${other.stderr().slice(-6000)}\n`);
    throw err;
  });

  // Once it is a member again the resumed server may get the partition back, under a new lease, from a checkpoint:
  // those writes are legitimate. Stale ones are those between the takeover and that new lease.
  const reacquiredAt = stale.stderr().split('\n').filter((l) => l.includes('"lease acquired"') && l.includes('"fence.0.0"'))
    .map((l) => Date.parse((JSON.parse(l) as { time: string }).time)).find((at) => at > resumedAt) ?? Infinity;
  const lines = readNdjson<Line>(file);
  const lateStale = lines.filter((l) => l.writer === ownerId && l.at >= takeoverAt && l.at < reacquiredAt);
  assert.deepEqual(lateStale, [], 'no write of the stale owner after the takeover');
  assert.ok(lines.some((l) => l.writer === otherId && l.at >= takeoverAt), 'the new owner wrote');
  t.diagnostic(`owner ${ownerId} stopped ${takeoverAt - stoppedAt} ms before ${otherId}'s first write; resumed ${resumedAt - stoppedAt} ms after the stop; `
    + (reacquiredAt === Infinity ? 'it did not get the partition back' : `it got the partition back under a new lease ${reacquiredAt - resumedAt} ms after resuming`));

  // Nothing lost: the feed (a singleton, fenced by its stream position too) finishes, every seq at the sink.
  await waitFor(`all ${COUNT} records at the sink`, () => new Set(readNdjson<Line>(file).flatMap((l) => l.seqs)).size >= COUNT, 180_000);
  const seqs = new Set(readNdjson<Line>(file).flatMap((l) => l.seqs));
  assert.equal(seqs.size, COUNT);
  assert.ok([...seqs].every((s) => s >= 0 && s < COUNT));
  const view = await clusterOf(other);
  assert.equal(view.servers.length, 2, 'the resumed server is a member again');
});
