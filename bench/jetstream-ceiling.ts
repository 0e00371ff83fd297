import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { natsCluster } from '../test/helpers/nats-cluster.js';

/**
 * What JetStream itself achieves on this machine, without Sluice: equal-sized messages (a little larger than the body of one
 * `simulate` batch of the cluster benchmark) published with `window` PubAcks awaited at once to a stream with
 * `replicas`, on a 3-node cluster started as the benchmark starts it.
 *
 *   node dist/bench/jetstream-ceiling.js [records per message=10000] [window=1,2,4,8] [replicas=3,1] [seconds=10]
 */
const [recordsArg = '10000', windowsArg = '1,2,4,8', replicasArg = '3,1', secondsArg = '10'] = process.argv.slice(2);
const RECORDS = Number(recordsArg);
const SECONDS = Number(secondsArg);

/** A body the size and shape of a simulate batch split over 3 partitions: one JSON array per partition. */
function body(records: number): Uint8Array {
  const now = Date.now();
  const parts: object[][] = [[], [], []];
  for (let i = 0; i < records; i++) parts[i % 3]!.push({ ts: now, sensor: `sim-${i % 300}`, seq: 1_000_000 + i, value: 20.123456789 + (i % 7) / 10 });
  return Buffer.from(parts.map((p) => JSON.stringify(p)).join(''));
}

/** CPU seconds (user + system) a process used so far, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

type Scope = { after(fn: () => void | Promise<void>): void };
const cleanups: (() => void | Promise<void>)[] = [];
const scope: Scope = { after: (fn) => { cleanups.push(fn); } };

try {
  const nats = await natsCluster(scope);
  const nc = await connect({ servers: nats.urls.split(','), ignoreClusterUpdates: true });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc, { timeout: 10_000 });
  const data = body(RECORDS);
  process.stdout.write(`message: ${RECORDS} records, ${data.length} bytes; max_payload ${nc.info?.max_payload}\n`);
  let n = 0;
  for (const replicas of replicasArg.split(',').map(Number)) {
    for (const window of windowsArg.split(',').map(Number)) {
      const name = `CEILING_${++n}`;
      await jsm.streams.add({ name, subjects: [`ceiling.${n}.>`], num_replicas: replicas, duplicate_window: 600e9 });
      // Warm up: a new stream elects its leader first.
      await js.publish(`ceiling.${n}.x`, data, { msgID: 'warm' });
      const cpu0 = process.cpuUsage();
      const servers0 = nats.nodes.map((node) => cpuSeconds(node.child?.pid));
      const started = Date.now();
      let sent = 0;
      const lane = async (): Promise<void> => {
        while (Date.now() - started < SECONDS * 1000) {
          await js.publish(`ceiling.${n}.x`, data, { msgID: `m${sent++}` });
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
      const s = (Date.now() - started) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const servers = nats.nodes.map((node, i) => `${(((cpuSeconds(node.child?.pid) - servers0[i]!) / s) * 100).toFixed(0)}`).join('/');
      process.stdout.write(`replicas ${replicas}, ${window} in flight: ${(sent / s).toFixed(1)} msg/s = ${Math.round((sent * RECORDS) / s)} records/s, `
        + `${((sent * data.length) / s / 1e6).toFixed(1)} MB/s (CPU %: publisher ${(((cpu.user + cpu.system) / 1e6 / s) * 100).toFixed(0)}, nats-servers ${servers})\n`);
      await jsm.streams.delete(name);
    }
  }
  await nc.close();
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
