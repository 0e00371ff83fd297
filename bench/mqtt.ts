import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { MqttBroker } from '../server/services/mqtt-broker.js';
import { countingSink } from './counting-sink.js';

const MESSAGES = 20_000;
const PER_MESSAGE = 10;
const READINGS = MESSAGES * PER_MESSAGE;
const publisher = fileURLToPath(new URL('./mqtt-publisher.js', import.meta.url));

export interface Broker { url: string; shared: boolean; close(): Promise<void> }

/** Mosquitto at 127.0.0.1:1883 when it answers (shared subscriptions), otherwise an embedded aedes broker. */
export async function broker(): Promise<Broker> {
  const up = await new Promise<boolean>((resolve) => {
    const s = tcpConnect(1883, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  if (up) return { url: 'mqtt://127.0.0.1:1883', shared: true, close: async () => undefined };
  const b = await MqttBroker.start({ host: '127.0.0.1', port: 0 });
  return { url: b.url, shared: false, close: () => b.close() };
}

/** Resolves once the flow's mqtt-in node reports its subscription (messages sent before it would be missed). */
export async function subscribed(manager: RuntimeManager, flowId: string, nodeId: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!/subscribed to/.test(manager.status(flowId)!.nodes[nodeId]!.status.text ?? '')) {
    if (Date.now() > deadline) throw new Error(`mqtt-in did not subscribe: ${JSON.stringify(manager.status(flowId)!.nodes[nodeId]!.status)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs the publisher child and returns readings per second from its start to the last reading counted.
 * A broker may drop messages for a slow subscriber (Mosquitto's max_queued_messages counts an online
 * client's backlog too), so the run also ends once the publisher is done and nothing arrived for 2 s;
 * what was missing is reported on stderr.
 */
async function timed(what: string, url: string, prefix: string, counted: () => number): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [publisher, url, prefix, String(MESSAGES), String(PER_MESSAGE)], { stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  child.once('exit', (code) => {
    exited = true;
    if (code !== 0) process.stderr.write(`${what}: publisher exited with ${code}\n`);
  });
  let last = counted();
  let lastAt = process.hrtime.bigint();
  for (;;) {
    await new Promise((r) => setTimeout(r, 5));
    const now = counted();
    if (now !== last) { last = now; lastAt = process.hrtime.bigint(); }
    if (now >= READINGS) break;
    if (exited && process.hrtime.bigint() - lastAt > 2_000_000_000n) break;
  }
  if (last < READINGS) process.stderr.write(`${what}: ${READINGS - last} of ${READINGS} readings never arrived (dropped by the broker)\n`);
  return last / (Number(lastAt - started) / 1e9);
}

const prefixFor = (what: string) => `sluice-bench/${what}-${process.pid}-${Date.now()}`;

/** The broker-to-client limit: a bare mqtt.js subscriber at QoS 1 that acknowledges on arrival. */
export async function mqttLimit(): Promise<number> {
  const b = await broker();
  const prefix = prefixFor('limit');
  const sub = await mqtt.connectAsync(b.url, { clientId: `sluice-bench-limit-${process.pid}`, clean: true });
  try {
    await sub.subscribeAsync(`${prefix}/#`, { qos: 1 });
    let readings = 0;
    sub.on('message', () => { readings += PER_MESSAGE; });
    return await timed('mqtt.limit_per_s', b.url, prefix, () => readings);
  } finally {
    await sub.endAsync(true);
    await b.close();
  }
}

/** Readings per second from the same publisher through mqtt-in → validate → a counting sink. */
export async function mqttThroughput(): Promise<number> {
  const b = await broker();
  const prefix = prefixFor('in');
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-mqtt-'));
  let readings = 0;
  const sink = countingSink((total) => { readings = total; });
  const manager = await RuntimeManager.open({ dataDir, log: silentLogger, registry: new NodeRegistry([...builtinNodes, sink]) });
  try {
    await manager.deploy('bench', {
      sluice: 1, id: 'bench',
      nodes: [
        // One commit per message per connection: 16 connections sharing the subscription let commits group.
        { id: 'in', type: 'mqtt-in', config: { url: b.url, clientId: `sluice-bench-in-${process.pid}`, clean: true, topics: [`${prefix}/{sensor}`], qos: 1, connections: b.shared ? 16 : 1 } },
        { id: 'check', type: 'validate', config: { ranges: { value: { min: -100, max: 100 } } } },
        { id: 'count', type: 'bench-count' },
      ],
      wires: [{ from: 'in', to: 'check' }, { from: 'check', to: 'count' }],
    });
    await subscribed(manager, 'bench', 'in');
    return await timed('mqtt.readings_per_s', b.url, prefix, () => readings);
  } finally {
    await manager.close();
    await b.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
