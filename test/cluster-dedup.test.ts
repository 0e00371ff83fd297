import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NatsLink } from '../server/cluster/nats-link.js';
import { partitioner, pathGetter } from '../server/core/partitioning.js';
import { ClusterNames } from '../server/journal/jetstream/names.js';
import { EntryPublisher } from '../server/journal/jetstream/publisher.js';
import { natsCluster } from './helpers/nats-cluster.js';
import { readNdjson } from './helpers/ndjson.js';
import { api, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { clusterOf, serverId, startClusterServer } from './helpers/sluice-cluster.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 'cluster-dedup-token-4c1d';
const CLUSTER = 'dedup';
const FLOW = 'dedup';
const T0 = 1_772_352_000_000; // a minute boundary
const MIN = 60_000;

type Reading = { seq: number; sensor: string; ts: number; value: number };
type Row = { window_start: number; sensor: string; count: number };

/** One sensor in each of the two partitions, so each partition sees its half of every body. */
const partitionOf = partitioner([pathGetter('sensor')], 2);
const SENSORS = [0, 1].map((p) => ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'].find((s) => partitionOf({ sensor: s }) === p)!);

const readings = (from: number, n: number, minute: number): Reading[] =>
  Array.from({ length: n }, (_, i) => ({ seq: from + i, sensor: SENSORS[i % 2]!, ts: T0 + minute * MIN + i, value: i }));

function flow(dir: string) {
  return {
    sluice: 1, id: FLOW,
    nodes: [
      { id: 'http', type: 'http-in', config: { path: FLOW, token: TOKEN } },
      // An hour of lateness: every window stays open until the closing readings at the end.
      { id: 'rollup', type: 'rollup', config: { window: '1m', keyBy: ['sensor'], allowedLateness: '1h' } },
      { id: 'windows', type: 'test-sink', config: { file: join(dir, 'windows.ndjson') } },
      { id: 'raw', type: 'test-sink', config: { file: join(dir, 'raw.ndjson') } },
    ],
    wires: [{ from: 'http', to: 'rollup' }, { from: 'http', to: 'raw' }, { from: 'rollup', to: 'windows' }],
    settings: { partitions: 2, partitionBy: ['sensor'], checkpointIntervalMs: 200 },
  };
}

async function post(server: ServerProcess, body: Reading[], key: string): Promise<void> {
  const res = await fetch(`${server.url}/ingest/${FLOW}`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
  });
  assert.equal(res.status, 202, await res.text());
}

/**
 * JetStream's dedupe switched off for a moment (its shortest window, 100 ms, waited out), as a stream leader
 * change on nats-server before 2.11 may lose it: what `store` publishes then is stored even under a known id.
 */
async function withoutDedupe(jsm: JetStreamManager, stream: string, store: () => Promise<void>): Promise<void> {
  const { config } = await jsm.streams.info(stream);
  await jsm.streams.update(stream, { ...config, duplicate_window: 100e6 });
  await new Promise((r) => setTimeout(r, 300));
  try {
    await store();
  } finally {
    await jsm.streams.update(stream, { ...config, duplicate_window: config.duplicate_window });
  }
}

const stageZero = async (server: ServerProcess) => (await clusterOf(server)).partitions.filter((p) => p.flow === FLOW && p.stage === 0);

/** Waits until both stage-0 checkpoints cover `seq`, so a restart starts after it. */
const checkpointed = (server: ServerProcess, seq: number) => waitFor(`checkpoints at ${seq}`, async () => {
  const parts = await stageZero(server);
  return parts.length === 2 && parts.every((p) => p.checkpoint >= seq);
}, 30_000);

test('a source append stored twice under one message id (JetStream\'s dedupe lost) is taken once: the rollup and the sink count each reading once, also when the first copy is before the checkpoint a restart starts from', { timeout: 180_000 }, async (t) => {
  const nats = await natsCluster(t, 1);
  const nc: NatsConnection = await connect({ servers: nats.urls });
  t.after(() => nc.close());
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const dir = tempDir(t);
  const names = new ClusterNames(CLUSTER);
  const stream = names.journalStream(FLOW, 0);
  let server = await startClusterServer(join(dir, 's'), nats.urls, CLUSTER);
  t.after(async () => { if (server.child.exitCode === null) await stopGracefully(server); });
  await api(server, `/api/flows/${FLOW}/deploy`, { method: 'POST', body: flow(dir) });
  await waitFor('both partitions owned', async () => (await stageZero(server)).every((p) => p.owner !== null), 30_000);
  const subject = names.entrySubject(FLOW, 0, 'd', 'http', await serverId(server));

  // A body journaled, then the same body with the same Idempotency-Key stored again: a retry JetStream did not drop.
  const first = readings(0, 10, 0);
  await post(server, first, 'first');
  const copy = (await jsm.streams.getMessage(stream, { last_by_subj: subject }))!;
  await withoutDedupe(jsm, stream, () => post(server, first, 'first'));
  const again = (await jsm.streams.getMessage(stream, { last_by_subj: subject }))!;
  assert.notEqual(again.seq, copy.seq, 'the second copy is stored (the dedupe was off)');
  assert.equal(again.header.get('Nats-Msg-Id'), copy.header.get('Nats-Msg-Id'));
  const second = readings(100, 10, 1);
  await post(server, second, 'second');
  await checkpointed(server, (await jsm.streams.getMessage(stream, { last_by_subj: subject }))!.seq);
  const dropped = (await stageZero(server)).reduce((n, p) => n + (p.duplicatesDropped ?? 0), 0);
  assert.equal(dropped, 2, 'each partition took its half of the second copy once');
  assert.match(server.stderr(), /stored twice under one message id/);

  // Stopped with both bodies behind its checkpoint; meanwhile a third copy of each is stored.
  await stopGracefully(server);
  await withoutDedupe(jsm, stream, async () => {
    await js.publish(copy.subject, copy.data, { headers: copy.header });
  });
  server = await startClusterServer(join(dir, 's'), nats.urls, CLUSTER);
  await post(server, readings(1000, 2, 120), 'closing'); // two hours on: every window closes

  const rows = await waitFor('the four windows', () => {
    const got = readNdjson<Row>(join(dir, 'windows.ndjson'));
    return got.length >= 4 ? got : undefined;
  }, 60_000);
  const counts = Object.fromEntries(rows!.map((r) => [`${(r.window_start - T0) / MIN}|${r.sensor}`, r.count]));
  const [x, y] = SENSORS;
  assert.deepEqual(counts, { [`0|${x}`]: 5, [`0|${y}`]: 5, [`1|${x}`]: 5, [`1|${y}`]: 5 }, 'every reading counted once in its window');
  const raw = readNdjson<Reading>(join(dir, 'raw.ndjson')).map((r) => r.seq).filter((s) => s < 1000).sort((x, y) => x - y);
  assert.deepEqual(raw, [...first, ...second].map((r) => r.seq), 'every reading once at the sink');
  assert.equal(server.stderr().match(/stored twice under one message id/g)?.length, 2, 'one warning per partition for the copies after the checkpoint');
});

test('an append whose PubAck was lost is stored once even when the sender says it is a first delivery', { timeout: 60_000 }, async (t) => {
  const nats = await natsCluster(t, 1);
  const nc = await connect({ servers: nats.urls });
  t.after(() => nc.close());
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'LOST_ACK', subjects: ['lost.>'], duplicate_window: 600e9 });
  // The first attempt is stored but its PubAck never arrives (as when a NATS server is killed in between).
  let lost = 1;
  const lossy = {
    async publish(...args: Parameters<typeof js.publish>) {
      const ack = await js.publish(...args);
      if (lost-- > 0) throw new Error('TIMEOUT');
      return ack;
    },
  };
  const link = { js: lossy, jsm, connected: true, maxPayload: 1024 * 1024, readSoon: <T>(read: (m: JetStreamManager) => Promise<T>) => read(jsm) };
  const publisher = new EntryPublisher(link as unknown as NatsLink, 'writer');
  const entry = { kind: 'data' as const, node: 'mqtt', port: 'out', ts: Date.now(), parts: [[{ seq: 1 }]] };
  const [seq] = await publisher.publish('lost.a', entry, undefined, { id: 'packet-7', redelivery: false });
  assert.equal((await jsm.streams.info('LOST_ACK')).state.messages, 1, 'stored once');
  assert.equal(seq, 1);

  // A fresh delivery that happens to carry an id stored earlier is still stored (under a fresh id).
  const [next] = await publisher.publish('lost.a', { ...entry, ts: entry.ts + 1 }, undefined, { id: 'packet-7', redelivery: false });
  assert.equal(next, 2);
});
