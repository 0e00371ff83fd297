import { openSync } from 'node:fs';
import { Tally } from './tally.js';

/** What the head-to-head parent (bench/h2h.ts) tells each system child, as its one argument (JSON). */
export interface ChildArgs {
  /** Broker URL (MQTT workload); empty for the in-process workload. */
  url: string;
  /** Topic prefix the publisher uses. */
  prefix: string;
  /** Readings the run publishes (the seq keys are 0 … total-1). */
  total: number;
  clientId: string;
  /** Persistent session (clean: false) for the crash run. */
  persistent: boolean;
  /** Broker has MQTT 5 shared subscriptions (Mosquitto), so Sluice can spread the subscription. */
  shared: boolean;
  /** Sluice's data directory / Node-RED's user directory; kept across the crash run's restart. */
  dir: string;
  /** Started again after a SIGKILL: the flow is already deployed. */
  restart: boolean;
  /** File the sink appends new keys to (crash run), or empty. */
  seqFile: string;
  /** In-process workload: readings to generate (0 for the MQTT workload). */
  generate: number;
  /** In-process workload: Sluice's transforms are function nodes (sandboxed) rather than in-process node types. */
  sandboxed: boolean;
}

export const childArgs = (): ChildArgs => JSON.parse(process.argv[2]!) as ChildArgs;

export const tallyFor = (args: ChildArgs) => new Tally(args.total, args.seqFile ? openSync(args.seqFile, 'a') : undefined);

/**
 * Reports the tally to the parent every 50 ms and answers its `stats` request; `ready` is sent once the system
 * subscribed (or started), so the parent starts the publisher only then. The parent ends the child with a signal.
 */
export function serve(tally: Tally): { ready(): void } {
  const send = (m: object) => { if (process.connected) process.send!(m); };
  setInterval(() => {
    const m = process.memoryUsage();
    send({ type: 'tally', ...tally.report(), heapMb: m.heapUsed / 2 ** 20, externalMb: (m.external + m.arrayBuffers) / 2 ** 20 });
  }, 50).unref();
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stats') send({ type: 'stats', ...tally.report(), latency: tally.latency() });
  });
  process.on('disconnect', () => process.exit(0));
  return { ready: () => send({ type: 'ready' }) };
}
