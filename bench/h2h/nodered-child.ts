import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childArgs, serve, tallyFor, type ChildArgs } from './child-link.js';
import { NODERED_GENERATOR, NODERED_ROLLUP, NODERED_VALIDATE, TRANSFORMS } from './transforms.js';

/**
 * Node-RED 4.1 in its own process for the head-to-head, embedded with the editor and admin API off (Sluice's
 * child runs no HTTP server either): mqtt in → validate → rollup → count, or inject → generator → 3 functions → count.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(join(ROOT, 'bench/nodered/package.json'));
const RED = require('node-red') as {
  init(server: unknown, settings: object): void;
  start(): Promise<void>;
  nodes: { getNode(id: string): { connected?: boolean } | null };
};

const args = childArgs();
const tally = tallyFor(args);
(globalThis as { h2hTally?: unknown }).h2hTally = tally;
const link = serve(tally);

if (!args.restart) writeFileSync(join(args.dir, 'flows.json'), JSON.stringify(args.generate > 0 ? inProcess(args) : overMqtt(args)));
RED.init(createServer(), {
  userDir: args.dir, flowFile: 'flows.json', credentialSecret: false,
  httpAdminRoot: false, httpNodeRoot: false, disableEditor: true,
  nodesDir: [join(ROOT, 'bench/nodered/nodes')],
  functionGlobalContext: { h2h: { received: () => tally.received } },
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  diagnostics: { enabled: false }, runtimeState: { enabled: false }, telemetry: { enabled: false },
});
await RED.start();
if (args.generate === 0) {
  const deadline = Date.now() + 20_000;
  while (!RED.nodes.getNode('broker')?.connected) {
    if (Date.now() > deadline) throw new Error('Node-RED did not connect to the broker');
    await new Promise((r) => setTimeout(r, 20));
  }
  // Node-RED subscribes in its connect handler; give the SUBACK time to come back.
  await new Promise((r) => setTimeout(r, 500));
}
link.ready();

function overMqtt(a: ChildArgs): object[] {
  const url = new URL(a.url);
  return [
    { id: 'tab', type: 'tab', label: 'h2h' },
    {
      id: 'broker', type: 'mqtt-broker', name: 'bench', broker: url.hostname, port: url.port, clientid: a.clientId,
      autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: !a.persistent, autoUnsubscribe: true,
    },
    { id: 'in', z: 'tab', type: 'mqtt in', topic: `${a.prefix}/#`, qos: '1', datatype: 'json', broker: 'broker', nl: false, rap: true, rh: 0, inputs: 0, wires: [['check']] },
    { id: 'check', z: 'tab', type: 'function', name: 'validate', func: NODERED_VALIDATE, outputs: 2, wires: [['roll'], []] },
    { id: 'roll', z: 'tab', type: 'function', name: 'rollup 1m', func: NODERED_ROLLUP, outputs: 2, wires: [['count'], ['count']] },
    { id: 'count', z: 'tab', type: 'h2h-count', wires: [] },
  ];
}

function inProcess(a: ChildArgs): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'h2h' },
    { id: 'go', z: 'tab', type: 'inject', props: [{ p: 'payload' }], payload: String(a.generate), payloadType: 'num', once: true, onceDelay: 0.5, repeat: '', wires: [['gen']] },
    { id: 'gen', z: 'tab', type: 'function', name: 'generate', func: NODERED_GENERATOR, outputs: 1, wires: [['f1']] },
    ...TRANSFORMS.map((t, i) => ({ id: `f${i + 1}`, z: 'tab', type: 'function', name: t.name, func: t.nodered, outputs: 1, wires: [[i < 2 ? `f${i + 2}` : 'count']] })),
    { id: 'count', z: 'tab', type: 'h2h-count', wires: [] },
  ];
}
