import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mqtt from 'mqtt';
import type { AddressInfo } from 'node:net';
import { openApp, type OpenedApp } from './helpers/api-app.js';
import { NodeRedProcess } from './helpers/node-red.js';
import { waitFor } from './helpers/wait.js';
import { CASES, sideBySideExport, type Case } from './fixtures/node-red-side-by-side.js';

/**
 * The same Node-RED export runs in Node-RED 4.1 (bench/nodered, installed on first use) and, imported
 * through POST /api/import, in Sluice; what every debug node shows, what reaches MQTT and what HTTP
 * clients get back must be the same message for message, once generated ids are normalised. Inputs go
 * through the real Mosquitto on 127.0.0.1:1883, under a topic prefix of this run only.
 */
const BASE = `sluice-test/nr-side/${process.pid}-${Date.now()}`;
const URL_MQTT = 'mqtt://127.0.0.1:1883';

let nodeRed: NodeRedProcess;
let sluice: OpenedApp;
let sluiceUrl: string;
let flowOf: Map<string, string>;
let outputs: { topic: string; payload: string }[] = [];
let watcher: mqtt.MqttClient;
const cleanups: (() => void | Promise<void>)[] = [];

before(async () => {
  watcher = await mqtt.connectAsync(URL_MQTT, { clientId: `sluice-side-watch-${process.pid}` });
  await watcher.subscribeAsync(`${BASE}/out/#`, { qos: 1 });
  watcher.on('message', (topic, payload) => outputs.push({ topic, payload: payload.toString('utf8') }));
  nodeRed = await NodeRedProcess.start(sideBySideExport(BASE, 'nodered'));
  sluice = await openApp({ after: (fn: () => void | Promise<void>) => { cleanups.push(fn); } });
  await sluice.app.listen({ port: 0, host: '127.0.0.1' });
  sluiceUrl = `http://127.0.0.1:${(sluice.app.server.address() as AddressInfo).port}`;
  const imported = await sluice.app.inject({ method: 'POST', url: '/api/import', payload: sideBySideExport(BASE, 'sluice') });
  assert.equal(imported.statusCode, 201, imported.body);
  const body = imported.json() as { flows: { flowId: string }[]; report: { counts: { needsHand: number }; flows: { flowId: string; tab: string }[]; nodes: { status: string; id: string; notes: string[] }[] } };
  assert.equal(body.report.counts.needsHand, 0, JSON.stringify(body.report.nodes.filter((n) => n.status === 'needs-hand')));
  flowOf = new Map(body.report.flows.map((f) => [f.tab, f.flowId]));
  for (const { flowId } of body.flows) {
    const deployed = await sluice.app.inject({ method: 'POST', url: `/api/flows/${flowId}/deploy` });
    assert.equal(deployed.statusCode, 200, `${flowId}: ${deployed.body}`);
  }
  await waitFor('every Sluice MQTT in subscribed', () => [...flowOf.values()].every((flowId) => {
    const nodes = sluice.runtime.status(flowId)!.nodes;
    return Object.values(nodes).filter((n) => n.type === 'mqtt-in').every((n) => /subscribed to/.test(n.status.text ?? ''));
  }));
});

after(async () => {
  for (const fn of cleanups) await fn();
  await nodeRed?.stop();
  await watcher?.endAsync();
});

/**
 * Node-RED's generated ids (`_msgid`, `parts.id`) become comparable; its bookkeeping fields are dropped: `_topic`
 * (added for localhost brokers), `_event` (added by link nodes) and error stacks (file paths). README: message model.
 */
function normalise(values: unknown[]): unknown[] {
  const ids = new Map<unknown, string>();
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: { [k: string]: unknown } = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '_msgid' || k === '_topic' || k === '_event' || k === 'stack') continue;
      out[k] = walk(x);
    }
    const parts = out.parts as { id?: unknown } | undefined;
    if (parts && typeof parts === 'object' && 'id' in parts) {
      if (!ids.has(parts.id)) ids.set(parts.id, `id-${ids.size + 1}`);
      out.parts = { ...parts, id: ids.get(parts.id) };
    }
    return out;
  };
  return values.map(walk);
}

function sluiceShown(c: Case, id: string): unknown[] {
  return sluice.runtime.debugMessages(flowOf.get(`tab-${c.tab}`)!).filter((m) => m.nodeId === id).map((m) => m.value);
}

async function publish(c: Case): Promise<void> {
  for (const input of c.inputs ?? []) {
    for (const p of input.payloads) await watcher.publishAsync(`${BASE}/${input.topic}`, typeof p === 'string' ? p : JSON.stringify(p), { qos: 1 });
  }
}

async function compareDebug(c: Case): Promise<void> {
  for (const [id, count] of Object.entries(c.debug)) {
    await waitFor(`${count} messages at ${id} in both`, () => nodeRed.shown(id).length >= count && sluiceShown(c, id).length >= count, 15_000)
      .catch((err: Error) => assert.fail(`${err.message}: Node-RED showed ${JSON.stringify(nodeRed.shown(id))}, Sluice ${JSON.stringify(sluiceShown(c, id))}`));
  }
  // Anything more arrives within a tick or two: wait so an extra message on either side is seen too.
  await new Promise((r) => setTimeout(r, 600));
  for (const id of Object.keys(c.debug)) {
    assert.deepEqual(normalise(sluiceShown(c, id)), normalise(nodeRed.shown(id)), `debug node ${id} of tab ${c.tab}`);
    assert.equal(nodeRed.shown(id).length, c.debug[id], `Node-RED's ${id} showed what the case expects`);
  }
}

const byTab = new Map(CASES.map((c) => [c.tab, c]));

describe('a Node-RED export behaves the same in Sluice as in Node-RED', () => {
  for (const tab of ['function', 'change', 'switch', 'range', 'json', 'csv', 'split-join', 'catch', 'trigger', 'link']) {
    test(`${tab}: every debug node shows the same messages`, async () => {
      const c = byTab.get(tab)!;
      await publish(c);
      await compareDebug(c);
    });
  }

  test('function with two outputs and context: the counter survives from message to message', () => {
    const main = normalise(nodeRed.shown('fn-main')) as { count?: number; payload: unknown }[];
    assert.deepEqual(main.map((m) => m.count ?? m.payload), [1, 'hot 25', 2, 'hot 30', 4]);
  });

  test('delay (rate limit 5 msgs/s): the same messages in the same order, spread over at least 0.8 s on both sides', async () => {
    const c = byTab.get('delay')!;
    await publish(c);
    await compareDebug(c);
    const spread = (ats: number[]) => ats[ats.length - 1]! - ats[0]!;
    const flow = flowOf.get('tab-delay')!;
    assert.ok(spread(nodeRed.captured.filter((m) => m.node === 'delay-out').map((m) => m.at)) >= 750);
    assert.ok(spread(sluice.runtime.debugMessages(flow).filter((m) => m.nodeId === 'delay-out').map((m) => m.at)) >= 600, 'Sluice releases on 100 ms ticks');
  });

  test('inject: once at start and every 0.3 s, the same records', async () => {
    const c = byTab.get('inject')!;
    for (const id of ['inject-once', 'inject-repeat']) {
      await waitFor(`${id} in both`, () => nodeRed.shown(id).length >= c.debug[id]! && sluiceShown(c, id).length >= c.debug[id]!, 15_000);
    }
    assert.deepEqual(normalise(sluiceShown(c, 'inject-once')), normalise(nodeRed.shown('inject-once')));
    assert.deepEqual(normalise(nodeRed.shown('inject-once')), [{ payload: { a: 1, b: 2 }, topic: 'start', site: 'north' }]);
    const first = (vs: unknown[]) => normalise(vs).slice(0, 2);
    assert.deepEqual(first(sluiceShown(c, 'inject-repeat')), first(nodeRed.shown('inject-repeat')));
  });

  test('mqtt in → function → mqtt out: the same payloads reach the broker', async () => {
    outputs = [];
    await publish(byTab.get('mqtt')!);
    const of = (side: string, kind: string) => outputs.filter((o) => o.topic === `${BASE}/out/${side}/${kind}`).map((o) => o.payload);
    await waitFor('both sides published 4 messages', () => outputs.length >= 8);
    for (const kind of ['json', 'number']) assert.deepEqual(of('sluice', kind), of('nodered', kind), kind);
    assert.deepEqual(of('nodered', 'json').map((p) => JSON.parse(p)), [{ doubled: 4, at: 'mqtt-in' }, { doubled: 11, at: 'mqtt-in' }]);
    assert.deepEqual(of('nodered', 'number'), ['4', '11']);
  });

  test('http in → function → http response: the same status, body and headers', async () => {
    const ask = async (url: string, init?: RequestInit) => {
      const res = await fetch(url, init);
      return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0], sum: res.headers.get('x-sum'), body: await res.text() };
    };
    const hello = await Promise.all([ask(`${nodeRed.httpUrl}/nodered/hello/bob?q=yes&n=41`), ask(`${sluiceUrl}/ingest/sluice/hello/bob?q=yes&n=41`)]);
    assert.deepEqual(hello[1], hello[0]);
    assert.deepEqual(JSON.parse(hello[0].body), { hello: 'bob', q: 'yes', n: 42 });
    assert.equal(hello[0].status, 201);
    const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 2, b: 3 }) };
    const sum = await Promise.all([ask(`${nodeRed.httpUrl}/nodered/sum`, post), ask(`${sluiceUrl}/ingest/sluice/sum`, post)]);
    assert.deepEqual(sum[1], sum[0]);
    assert.deepEqual(sum[0], { status: 200, type: 'text/plain', sum: 'yes', body: 'sum=5' });
  });
});
