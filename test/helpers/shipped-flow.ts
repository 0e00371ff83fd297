import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import mqtt from 'mqtt';
import { validateCommand } from '../../server/cli/commands/validate.js';
import { packageRoot } from '../../server/cli/package-root.js';
import type { FlowDocument } from '../../server/core/flow-format.js';
import type { FlowStatus } from '../../server/runtime/api-types.js';
import { IlpTestServer } from '../fixtures/ilp-server.js';
import { openApp } from './api-app.js';
import { testBroker } from './mqtt-broker.js';
import { waitFor } from './wait.js';

type TestContext = Parameters<typeof testBroker>[0];

/** `flows/<id>.json` exactly as shipped: the tests deploy this document unmodified. */
export function shippedFlow(id: string): FlowDocument {
  return JSON.parse(readFileSync(join(packageRoot(), 'flows', `${id}.json`), 'utf8')) as FlowDocument;
}

/** Sets environment variables (what `${env:NAME}` references read) for one test, restored after it. */
export function setEnv(t: TestContext, vars: { [name: string]: string }): void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  t.after(() => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

/** `sluice validate flows/<name>.json`, in process: its exit code and the references it says it assumed set. */
export async function validateOffline(name: string): Promise<{ code: number; lines: string[]; references: string[] }> {
  const lines: string[] = [];
  const code = await validateCommand([join(packageRoot(), 'flows', `${name}.json`)], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  const assumed = lines.find((l) => l.startsWith('note: not checked offline, assumed set on the server: '));
  return { code, lines, references: assumed ? assumed.slice(assumed.indexOf(': ', 30) + 2).split(', ') : [] };
}

/**
 * Drops the persistent session a shipped flow's fixed client id may have left on a shared broker
 * (a clean connection discards it), so messages queued by earlier runs do not reach this one.
 */
export async function dropMqttSession(url: string, clientId: string): Promise<void> {
  const c = await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0 });
  await c.endAsync();
}

/** Deploys through the API as `sluice deploy` does; fails the test with the server's problems. */
export async function deployFlow(app: FastifyInstance, doc: FlowDocument): Promise<void> {
  const res = await app.inject({ method: 'POST', url: `/api/flows/${doc.id}/deploy`, payload: doc });
  assert.equal(res.statusCode, 200, res.body);
}

export async function flowStatus(app: FastifyInstance, flowId: string): Promise<FlowStatus> {
  const res = await app.inject({ url: `/api/flows/${flowId}/status` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as FlowStatus;
}

/** Waits until the node's status text matches, e.g. an MQTT in node's `subscribed to`. */
export async function waitForNodeStatus(app: FastifyInstance, flowId: string, nodeId: string, text: RegExp): Promise<void> {
  let last = '';
  await waitFor(`${flowId}/${nodeId} status matching ${text}`, async () => {
    last = JSON.stringify((await flowStatus(app, flowId)).nodes[nodeId]?.status);
    return text.test(last);
  }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last status: ${last}`);
  });
}

/** The result of `GET /api/flows/:flow/nodes/:node/query/:name?params`. */
export async function nodeQuery<T>(app: FastifyInstance, flowId: string, nodeId: string, name: string, params: { [k: string]: string } = {}): Promise<T> {
  const res = await app.inject({ url: `/api/flows/${flowId}/nodes/${nodeId}/query/${name}?${new URLSearchParams(params)}` });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { result: T }).result;
}

/**
 * Deploys a shipped flow whose peers are `${env:MQTT_URL}` and `${env:QUESTDB_URL}`: the test broker
 * (Mosquitto, else aedes) and an ILP test server stand in for them. Waits until its MQTT in node
 * `mqttInNode` (default client id, persistent session, dropped first) is subscribed. `end()` deletes the
 * flow and then drops the session, so a shared Mosquitto keeps nothing for it; call it when the test
 * passed (a failed run leaves the session to the next run's drop).
 */
export async function deployMqttQuestDbFlow(t: TestContext, flowId: string, mqttInNode: string) {
  const broker = await testBroker(t);
  const ilp = await new IlpTestServer().listen();
  t.after(() => ilp.close());
  setEnv(t, { MQTT_URL: broker.url, QUESTDB_URL: ilp.url });
  const clientId = `sluice-${flowId}-${mqttInNode}`;
  await dropMqttSession(broker.url, clientId);
  const { app } = await openApp(t);
  await deployFlow(app, shippedFlow(flowId));
  await waitForNodeStatus(app, flowId, mqttInNode, /subscribed to/);
  const end = async (): Promise<void> => {
    const res = await app.inject({ method: 'DELETE', url: `/api/flows/${flowId}` });
    assert.equal(res.statusCode, 204, res.body);
    await dropMqttSession(broker.url, clientId);
  };
  return { app, broker, ilp, end };
}

/** A dashboard widget's data as its page's viewers get it: `GET /api/dashboards/<page>/widgets/<flow>/<node>/query/<name>`. */
export async function widgetQuery<T>(app: FastifyInstance, page: string, flowId: string, nodeId: string, name: string, params: { [k: string]: string } = {}): Promise<T> {
  const res = await app.inject({ url: `/api/dashboards/${page}/widgets/${flowId}/${nodeId}/query/${name}?${new URLSearchParams(params)}` });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { result: T }).result;
}
