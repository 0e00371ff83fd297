import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DeadLetter, FlowStatus } from '../server/runtime/api.js';
import { natsCluster } from './helpers/nats-cluster.js';
import { readNdjson } from './helpers/ndjson.js';
import { api, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { startClusterServer } from './helpers/sluice-cluster.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 'cluster-journal-token-0b5e77d';

test('in a cluster the journal keeps its meaning: dead letters listed on any server, replayed and discarded once, the journal exported, the quota refuses, replicas 1 warned about', { timeout: 240_000 }, async (t) => {
  const nats = await natsCluster(t, 1);
  const dir = tempDir(t);
  const file = join(dir, 'sink.ndjson');
  const servers: ServerProcess[] = [];
  t.after(async () => { for (const s of servers) if (s.child.exitCode === null) await stopGracefully(s); });
  for (let i = 0; i < 2; i++) servers.push(await startClusterServer(join(dir, `s${i}`), nats.urls, 'journal'));
  const [a, b] = servers as [ServerProcess, ServerProcess];
  const doc = (rejectEvery: number) => ({
    sluice: 1, id: 'dl',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 100, batchSize: 10, sensors: 4 } },
      { id: 'sink', type: 'test-sink', config: { file, rejectEvery } },
    ],
    wires: [{ from: 'feed', to: 'sink' }],
    settings: { partitions: 2, partitionBy: ['sensor'] },
  });
  for (const s of servers) await api(s, '/api/flows/dl/deploy', { method: 'POST', body: doc(10) });
  // A report keeps its windows on the disk of the server that runs it: a takeover would report without them.
  await assert.rejects(api(a, '/api/flows/reports/deploy', { method: 'POST', body: {
    sluice: 1, id: 'reports', nodes: [{ id: 'feed', type: 'test-feed', config: { count: 1 } }, { id: 'daily', type: 'report', config: { quantities: [{ id: 'laeq' }] } }],
    wires: [{ from: 'feed', to: 'daily' }],
  } }), /400.*node \\"daily\\" \(report\) keeps the windows it reports on, in its own store on the server that runs it: in cluster mode the server that takes its partition over would start without it/);

  // The sink refuses seq 0, 10, … 90: unwired error port, so dead letters, whichever server ran the partition.
  await waitFor('90 records at the sink', () => readNdjson(file).length >= 90, 60_000);
  await waitFor('10 dead letters counted', async () => (await api<FlowStatus>(b, '/api/flows/dl/status')).deadLetters === 10, 30_000);
  const letters = await api<DeadLetter[]>(a, '/api/flows/dl/dead-letters?state=pending');
  assert.equal(letters.length, 10);
  assert.deepEqual(letters.map((l) => (l.records[0] as { seq: number }).seq).sort((x, y) => x - y), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  assert.ok(letters.every((l) => l.nodeId === 'sink' && /rejected/.test(l.error)));

  // Fixed sink, then: replay on one server, discard on the other; each state is set once for the whole cluster.
  for (const s of servers) await api(s, '/api/flows/dl/deploy', { method: 'POST', body: doc(0) });
  const [first, second] = letters as [DeadLetter, DeadLetter];
  await api(a, `/api/flows/dl/dead-letters/${first.id}/replay`, { method: 'POST' });
  await assert.rejects(api(b, `/api/flows/dl/dead-letters/${first.id}/replay`, { method: 'POST' }), /409.*already replayed/);
  await api(b, `/api/flows/dl/dead-letters/${second.id}`, { method: 'DELETE' });
  await assert.rejects(api(a, `/api/flows/dl/dead-letters/${second.id}/replay`, { method: 'POST' }), /409.*already discarded/);
  const replayedSeq = (first.records[0] as { seq: number }).seq;
  await waitFor('the replayed record at the sink', () => readNdjson<{ seq: number }>(file).some((r) => r.seq === replayedSeq), 30_000);
  const states = await api<DeadLetter[]>(b, '/api/flows/dl/dead-letters');
  assert.equal(states.find((l) => l.id === first.id)!.state, 'replayed');
  assert.equal(states.find((l) => l.id === second.id)!.state, 'discarded');
  assert.equal(states.filter((l) => l.state === 'pending').length, 8);

  // The raw journal (stage 0) as NDJSON from any server: every record the feed appended, in order.
  const res = await fetch(`${b.url}/api/flows/dl/journal?from=0&limit=1000`, { headers: b.auth });
  const entries = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; records: { seq: number }[] });
  const seqs = entries.filter((e) => e.kind === 'data').flatMap((e) => e.records.map((r) => r.seq));
  assert.deepEqual(seqs.slice(0, 100).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));

  const status = await api<FlowStatus>(a, '/api/flows/dl/status');
  assert.equal(status.cluster!.replicas, 1);
  assert.match(status.cluster!.warning ?? '', /^replicas 1: the journal has one copy/);

  // The quota: a sink that never answers keeps the backlog growing until sources refuse (503), nothing accepted lost.
  const quota = {
    sluice: 1, id: 'quota',
    nodes: [
      { id: 'in', type: 'http-in', config: { path: 'quota', token: TOKEN, retryAfterS: 1 } },
      { id: 'down', type: 'questdb', config: { address: 'http://127.0.0.1:9', table: 'never', columns: { sensor: 'symbol', value: 'double' } } },
    ],
    wires: [{ from: 'in', to: 'down' }],
    settings: { quotaBytes: 20_000 },
  };
  await api(a, '/api/flows/quota/deploy', { method: 'POST', body: quota });
  const body = JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ ts: 1_700_000_000_000 + i, sensor: `q${i}`, value: i })));
  const refusal = await waitFor('the quota refusing', async () => {
    const r = await fetch(`${a.url}/ingest/quota`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
    const answer = await r.json() as { error?: string };
    return r.status === 503 ? answer : undefined;
  }, 60_000);
  assert.equal(refusal!.error, 'journal-full');
});
