import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterView } from '../../server/runtime/api-types.js';
import { freePort } from './nats-cluster.js';
import { api, startServer, type ServerProcess, type StartOptions } from './server-process.js';
import { waitFor } from './wait.js';

export const testNodes = fileURLToPath(new URL('../fixtures/test-nodes.js', import.meta.url));

type TestContext = { after(fn: () => void | Promise<void>): void };

export type ClusterAnswer = { mode: 'cluster' } & ClusterView;

/**
 * A Sluice server of a test cluster (`sluice start --cluster`), with the test node types. `name` keeps the test's
 * streams and buckets apart from any other cluster on the same NATS.
 */
export function startClusterServer(dataDir: string, natsUrls: string, name: string, extra: string[] = [], options: StartOptions = {}): Promise<ServerProcess> {
  return startServer(dataDir, ['--nodes', testNodes, '--cluster', natsUrls, '--cluster-name', name, ...extra], options);
}

export const clusterOf = (server: ServerProcess): Promise<ClusterAnswer> => api<ClusterAnswer>(server, '/api/cluster');

/** Who owns each partition of `flow` (as `server` sees it), `stage.partition` → server id. */
export async function owners(server: ServerProcess, flow: string): Promise<Map<string, string | null>> {
  const view = await clusterOf(server);
  return new Map(view.partitions.filter((p) => p.flow === flow).map((p) => [`${p.stage}.${p.partition}`, p.owner]));
}

/** Waits until every partition of `flow` has an owner among `ids` (as `server` sees it). */
export async function waitForOwners(server: ServerProcess, flow: string, ids: string[], timeoutMs = 60_000): Promise<Map<string, string | null>> {
  const found = await waitFor(`every partition of ${flow} owned by one of ${ids.join(', ')}`, async () => {
    const o = await owners(server, flow).catch(() => undefined);
    return o && o.size > 0 && [...o.values()].every((v) => v !== null && ids.includes(v)) ? o : undefined;
  }, timeoutMs);
  return found!;
}

/** The server id a running server reports. */
export async function serverId(server: ServerProcess): Promise<string> {
  return (await clusterOf(server)).server;
}

/**
 * A Mosquitto of the test's own on a free port, configured as "nothing lost" needs (`max_queued_messages 0`:
 * the default of 1000 drops messages for a subscriber that is down or behind), stopped after the test.
 */
export async function ownMosquitto(t: TestContext): Promise<string> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(`mosquitto on port ${port}`, () => new Promise<boolean>((resolve) => {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  }), 10_000);
  return `mqtt://127.0.0.1:${port}`;
}
