import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { partitioner, pathGetter } from '../server/core/partitioning.js';
import type { ClusterView, FlowStatus } from '../server/runtime/api-types.js';
import { natsCluster, type NatsCluster } from '../test/helpers/nats-cluster.js';
import { api, killHard, startServer, stopGracefully, type ServerProcess } from '../test/helpers/server-process.js';
import { waitFor } from '../test/helpers/wait.js';
import { coreThroughput } from './core.js';
import type { Figures } from './h2h.js';

const nodesModule = fileURLToPath(new URL('./cluster-nodes.js', import.meta.url));
const RECORDS = 3_000_000;
const KILLS = 5;
const BATCH = 10_000;

type Cleanup = () => void | Promise<void>;

/** What the test helpers want of a test context, for a benchmark run. */
class Scope {
  private readonly cleanups: Cleanup[] = [];
  after(fn: Cleanup): void {
    this.cleanups.push(fn);
  }
  async close(): Promise<void> {
    for (const fn of this.cleanups.reverse()) await fn();
  }
}

const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function servers(nats: NatsCluster, dir: string, name: string, scope: Scope): Promise<ServerProcess[]> {
  const started: ServerProcess[] = [];
  scope.after(async () => { for (const s of started) if (s.child.exitCode === null) await stopGracefully(s); });
  for (let i = 0; i < 3; i++) started.push(await startServer(join(dir, `${name}-${i}`), ['--nodes', nodesModule, '--cluster', nats.urls, '--cluster-name', name]));
  return started;
}

/** simulate → validate → count over 3 partitions on 3 servers; records/s from the deploy to the last record counted. */
async function throughput(nats: NatsCluster, dir: string, replicas: number): Promise<number> {
  const scope = new Scope();
  try {
    const name = `bench-r${replicas}-${process.pid}`;
    const cluster = await servers(nats, dir, name, scope);
    const doc = {
      sluice: 1, id: 'bench',
      nodes: [
        // A singleton source has one append in flight (each expects the sequence of the one before: the fence), so
        // its throughput is a batch per quorum round trip: batches of 10,000 (about 650 KB, under max_payload).
        { id: 'sim', type: 'simulate', config: { sensors: 300, ratePerSecond: 0, batchSize: BATCH, limit: RECORDS, value: { amplitude: 0 } } },
        { id: 'check', type: 'validate', config: { ranges: { value: { min: -100, max: 100 } } } },
        { id: 'count', type: 'bench-cluster-count' },
      ],
      wires: [{ from: 'sim', to: 'check' }, { from: 'check', to: 'count' }],
      settings: { partitions: 3, partitionBy: ['sensor'], replicas },
    };
    const started = process.hrtime.bigint();
    await Promise.all(cluster.map((s) => api(s, '/api/flows/bench/deploy', { method: 'POST', body: doc })));
    const counted = async () => {
      const statuses = await Promise.all(cluster.map((s) => api<FlowStatus>(s, '/api/flows/bench/status')));
      return statuses.reduce((n, st) => n + (st.nodes.count?.in ?? 0), 0);
    };
    // Polled every 100 ms, not faster: the figure is the cluster's, not that of status requests.
    const deadline = Date.now() + 600_000;
    while ((await counted()) < RECORDS) {
      if (Date.now() > deadline) throw new Error(`${RECORDS} records not counted within 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const owners = new Set((await api<ClusterView>(cluster[0]!, '/api/cluster')).partitions.map((p) => p.owner));
    process.stderr.write(`cluster: replicas ${replicas}: ${RECORDS} records in ${seconds.toFixed(1)} s, partitions on ${owners.size} servers (load ${load()})\n`);
    return RECORDS / seconds;
  } finally {
    await scope.close();
  }
}

interface Mark { writer: string; at: number; sensor: string }

/**
 * SIGKILL of a partition's owner (one that does not run the source) until the new owner's first write of that
 * partition, KILLS times; the killed server is restarted and the cluster settles before the next kill.
 */
async function takeovers(nats: NatsCluster, dir: string): Promise<number[]> {
  const scope = new Scope();
  try {
    const name = `bench-takeover-${process.pid}`;
    const cluster = await servers(nats, dir, name, scope);
    const file = join(dir, 'marks.ndjson');
    const doc = {
      sluice: 1, id: 'takeover',
      nodes: [
        { id: 'sim', type: 'simulate', config: { sensors: 300, ratePerSecond: 3000, batchMs: 20 } },
        { id: 'mark', type: 'bench-cluster-mark', config: { file } },
      ],
      wires: [{ from: 'sim', to: 'mark' }],
      settings: { partitions: 3, partitionBy: ['sensor'] },
    };
    await Promise.all(cluster.map((s) => api(s, '/api/flows/takeover/deploy', { method: 'POST', body: doc })));
    const ids = await Promise.all(cluster.map(async (s) => (await api<ClusterView>(s, '/api/cluster')).server));
    const partitionOf = partitioner([pathGetter('sensor')], 3);
    const marks = (): Mark[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as Mark) : []);
    const times: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      // Settled: every lease held, every server holding one (the source's or a partition's).
      const view = await waitFor('a settled cluster', async () => {
        const v = await api<ClusterView>(cluster[0]!, '/api/cluster').catch(() => undefined);
        const owners = [...(v?.partitions ?? []), ...(v?.singletons ?? [])].map((p) => p.owner);
        return v && owners.every((o) => o !== null) && ids.every((id) => owners.includes(id)) ? v : undefined;
      }, 120_000);
      const source = view!.singletons[0]!.owner;
      const victim = view!.partitions.find((p) => p.owner !== source)!;
      const i = ids.indexOf(victim.owner!);
      const killedAt = Date.now();
      await killHard(cluster[i]!);
      const first = await waitFor(`a new owner writing partition ${victim.partition}`, () => marks().find((m) => m.at > killedAt && m.writer !== victim.owner && partitionOf({ sensor: m.sensor }) === victim.partition), 60_000);
      times.push(first!.at - killedAt);
      process.stderr.write(`cluster: kill ${k + 1}: partition ${victim.partition} of ${victim.owner} written by ${first!.writer} after ${first!.at - killedAt} ms (load ${load()})\n`);
      cluster[i] = await startServer(join(dir, `${name}-${i}`), ['--nodes', nodesModule, '--cluster', nats.urls, '--cluster-name', name]);
    }
    return times;
  } finally {
    await scope.close();
  }
}

/** `npm run bench -- cluster`: the cluster's throughput with replicas 3 and 1, the single-server figure in the same run, and takeovers. */
export async function clusterBench(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-cluster-'));
  const scope = new Scope();
  try {
    const nats = await natsCluster(scope);
    const r3 = await throughput(nats, dir, 3);
    const r1 = await throughput(nats, dir, 1);
    const core = await coreThroughput('normal', 2_000_000);
    process.stderr.write(`cluster: core.records_per_s measured at load ${load()}\n`);
    const times = (await takeovers(nats, dir)).sort((a, b) => a - b);
    return {
      'cluster.records_per_s': { value: Math.round(r3), unit: 'records/s' },
      'cluster.records_per_s_r1': { value: Math.round(r1), unit: 'records/s' },
      'core.records_per_s': { value: Math.round(core), unit: 'records/s' },
      'cluster.takeover_ms': { value: times[Math.floor(times.length / 2)]!, unit: 'ms (median)' },
      'cluster.takeover_ms_max': { value: times.at(-1)!, unit: 'ms' },
    };
  } finally {
    await scope.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
