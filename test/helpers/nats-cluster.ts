import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait.js';

export const NATS_SERVER = '/usr/sbin/nats-server';

export interface NatsNode {
  name: string;
  port: number;
  url: string;
  /** The node's monitoring port (`/healthz`, `/jsz`). */
  httpPort: number;
  child: ChildProcess | undefined;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** `nats://…` of every node, comma-separated: what `sluice start --cluster` takes. */
  urls: string;
  /** SIGKILL: the node's JetStream store is left as a power cut leaves it. */
  kill(i: number): Promise<void>;
  /** Starts a killed node again on the same ports and store, and waits until it serves JetStream. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** A free loopback port (a listener on port 0, closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type TestContext = { after(fn: () => void | Promise<void>): void };

/**
 * `size` nats-server processes (Debian's package) clustered on loopback ports with JetStream stores in a temp
 * dir; resolves once JetStream answers on every node. Stopped after the test, also when it fails.
 */
export async function natsCluster(t: TestContext, size = 3, auth?: { user: string; password: string }): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nats-'));
  const ports = await Promise.all(Array.from({ length: size * 3 }, freePort));
  const nodes: NatsNode[] = [];
  const routes = Array.from({ length: size }, (_, i) => `nats://127.0.0.1:${ports[size + i]}`);
  for (let i = 0; i < size; i++) {
    const name = `n${i + 1}`;
    const store = join(dir, name);
    mkdirSync(store, { recursive: true });
    const port = ports[i]!;
    const httpPort = ports[2 * size + i]!;
    writeFileSync(join(dir, `${name}.conf`), [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${httpPort}`,
      `jetstream { store_dir: "${store}", max_memory_store: 268435456, max_file_store: 8589934592 }`,
      auth ? `authorization { user: "${auth.user}", password: "${auth.password}" }` : '',
      // One server is JetStream on its own (replicas 1), as a small installation runs it.
      size === 1 ? '' : `cluster { name: sluice-test, listen: 127.0.0.1:${ports[size + i]}, routes: [${routes.filter((_, j) => j !== i).join(', ')}] }`,
      '',
    ].join('\n'));
    nodes.push({ name, port, url: `nats://127.0.0.1:${port}`, httpPort, child: undefined });
  }
  const start = (node: NatsNode): void => {
    const child = spawn(NATS_SERVER, ['-c', join(dir, `${node.name}.conf`)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-8000); });
    child.once('exit', (code, signal) => {
      if (node.child === child) node.child = undefined;
      if (code && code !== 0 && signal === null) process.stderr.write(`nats-server ${node.name} exited with ${code}:\n${log}\n`);
    });
    node.child = child;
  };
  const ready = (node: NatsNode) => waitFor(`nats-server ${node.name} serving JetStream`, async () => {
    const res = await fetch(`http://127.0.0.1:${node.httpPort}/healthz`).catch(() => undefined);
    return res?.ok === true;
  }, 60_000);
  const kill = (node: NatsNode): Promise<void> => new Promise((resolve) => {
    const child = node.child;
    if (!child || child.exitCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    kill: (i) => kill(nodes[i]!),
    async restart(i) {
      start(nodes[i]!);
      await ready(nodes[i]!);
    },
    async stop() {
      await Promise.all(nodes.map(kill));
    },
  };
  // Registered before the first start: a failing start still stops what did start.
  t.after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  nodes.forEach(start);
  await Promise.all(nodes.map(ready));
  return cluster;
}
