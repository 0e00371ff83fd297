import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Node-RED in a child process for the side-by-side tests: the flows file in argv[2], HTTP in nodes served on
 * a free loopback port, the editor and admin API off. Says `ready` with its URL once every MQTT broker
 * connection is up (argv[3] = "wait"), then fires inject nodes when the parent asks.
 */
// `node --test dist/test/` also loads this file: only a parent's fork has a channel to talk over.
if (!process.send) process.exit(0);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(join(ROOT, 'bench/nodered/package.json'));
const RED = require('node-red') as {
  init(server: unknown, settings: object): void;
  start(): Promise<void>;
  httpNode: unknown;
  nodes: { getNode(id: string): { connected?: boolean; receive(msg?: object): void } | null };
};
const express = require('express') as () => { use(path: string, handler: unknown): void };

const [dir, wait] = process.argv.slice(2) as [string, string];
try {
  const app = express();
  const server = createServer(app as never);
  RED.init(server, {
    userDir: dir, flowFile: 'flows.json', credentialSecret: false, httpAdminRoot: false, httpNodeRoot: '/', disableEditor: true,
    nodesDir: [join(ROOT, 'bench/nodered/nodes')],
    logging: { console: { level: 'error', metrics: false, audit: false } },
    diagnostics: { enabled: false }, runtimeState: { enabled: false }, telemetry: { enabled: false },
  });
  app.use('/', RED.httpNode);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await RED.start();
  if (wait === 'wait') {
    const { readFileSync } = await import('node:fs');
    const flows = JSON.parse(readFileSync(join(dir, 'flows.json'), 'utf8')) as { id: string; type: string }[];
    const brokers = flows.filter((n) => n.type === 'mqtt-broker').map((n) => n.id);
    const deadline = Date.now() + 20_000;
    while (!brokers.every((id) => RED.nodes.getNode(id)?.connected)) {
      if (Date.now() > deadline) throw new Error('Node-RED did not connect to every MQTT broker');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Node-RED subscribes in its connect handler; give the SUBACKs time to come back.
    if (brokers.length) await new Promise((r) => setTimeout(r, 500));
  }
  process.on('message', (m: { kind: string; id: string }) => {
    if (m.kind === 'inject') RED.nodes.getNode(m.id)?.receive();
  });
  process.send!({ kind: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
} catch (err) {
  process.send!({ kind: 'failed', error: (err as Error).stack ?? String(err) });
  process.exit(1);
}
process.on('disconnect', () => process.exit(0));
