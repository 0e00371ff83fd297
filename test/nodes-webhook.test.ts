import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataRecord } from '../server/core/types.js';
import type { RuntimeManager } from '../server/runtime/manager.js';
import { received } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { sendJson, startHttpServer, type SeenRequest, type TestServer } from './helpers/http-server.js';
import { waitFor } from './helpers/wait.js';

type TestContext = Parameters<typeof openApp>[0];

/** test-feed → webhook, with the webhook's error port wired to a test sink. */
function hookFlow(server: TestServer, feed: object, config: object) {
  return {
    sluice: 1, id: 'hooks',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { sensors: 2, ...feed } },
      { id: 'hook', type: 'webhook', config: { url: `${server.url}/hooks/{{sensor}}`, ...config }, retry: { maxAttempts: 3, backoffMs: 10, maxBackoffMs: 20, jitter: 0 } },
      { id: 'errors', type: 'test-sink' },
    ],
    wires: [{ from: 'feed', to: 'hook' }, { from: 'hook:error', to: 'errors' }],
  };
}

async function setup(t: TestContext, handle: (req: SeenRequest) => number | { status: number; body: unknown }): Promise<{ server: TestServer; runtime: RuntimeManager }> {
  received.clear();
  const server = await startHttpServer(t, (req, res) => {
    const answer = handle(req);
    if (typeof answer === 'number') sendJson(res, answer, { ok: answer < 300 });
    else sendJson(res, answer.status, answer.body);
  });
  const { runtime } = await openApp(t);
  return { server, runtime };
}

const seqs = (records: readonly DataRecord[]): number[] => records.map((r) => Number(r.seq));
const bodyOf = (req: SeenRequest): unknown => JSON.parse(req.body);

test('batch mode: one JSON array per request, grouped by the templated URL, in order', async (t) => {
  const { server, runtime } = await setup(t, () => 204);
  await runtime.deploy('hooks', hookFlow(server, { count: 12, batchSize: 6 }, { maxBatch: 2 }));
  await waitFor('all records sent', () => server.requests.flatMap((r) => bodyOf(r) as DataRecord[]).length === 12);

  for (const req of server.requests) {
    const body = bodyOf(req) as DataRecord[];
    assert.ok(Array.isArray(body) && body.length >= 1 && body.length <= 2, `at most maxBatch records: ${req.body}`);
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['content-type'], 'application/json');
    for (const r of body) assert.equal(req.url, `/hooks/${String(r.sensor)}`, 'each record goes to its own sensor\'s URL');
  }
  assert.deepEqual(seqs(server.requests.slice(0, 4).flatMap((r) => bodyOf(r) as DataRecord[])), [0, 2, 1, 3, 4, 5], 'per URL, records keep their order');
  assert.deepEqual(seqs(server.requests.flatMap((r) => bodyOf(r) as DataRecord[])).sort((a, b) => a - b), [...Array(12).keys()]);
  await waitFor('the webhook idle', () => runtime.status('hooks')!.nodes.hook!.in === 12);
  assert.equal(runtime.status('hooks')!.nodes.hook!.errors, 0);
});

test('record mode: one request per record with templated URL and headers and a secret header', async (t) => {
  const { server, runtime } = await setup(t, () => 200);
  runtime.setSecret('hook_token', 't0ken');
  await runtime.deploy('hooks', hookFlow(server, { count: 5, batchSize: 5 }, {
    mode: 'record', method: 'PUT', url: `${server.url}/alerts/{{sensor}}?seq={seq}`,
    headers: { 'X-Token': '${secret:hook_token}', 'X-Sensor': '{{sensor}}' },
  }));
  await waitFor('five requests', () => server.requests.length === 5);

  server.requests.forEach((req, i) => {
    const sensor = `s${i % 2}`;
    assert.equal(req.method, 'PUT');
    assert.equal(req.url, `/alerts/${sensor}?seq=${i}`);
    assert.equal(req.headers['x-token'], 't0ken');
    assert.equal(req.headers['x-sensor'], sensor);
    assert.deepEqual(bodyOf(req), { seq: i, sensor, value: i });
  });
});

test('a 500 is retried by the runtime and requests already answered are not sent again', async (t) => {
  let n = 0;
  // The second and third requests (both carrying record 1) fail.
  const { server, runtime } = await setup(t, () => (++n === 2 || n === 3 ? { status: 500, body: { error: 'upstream down' } } : 200));
  await runtime.deploy('hooks', hookFlow(server, { count: 3, batchSize: 3 }, { mode: 'record' }));
  await waitFor('record 2 delivered', () => server.requests.some((r) => (bodyOf(r) as DataRecord).seq === 2));
  await waitFor('the batch settled', () => runtime.status('hooks')!.nodes.hook!.status.state === 'running');

  assert.deepEqual(server.requests.map((r) => (bodyOf(r) as DataRecord).seq), [0, 1, 1, 1, 2], 'record 0 is not repeated by the retries');
  const hook = runtime.status('hooks')!.nodes.hook!;
  assert.equal(hook.retries, 2);
  assert.match(hook.lastError?.message ?? '', /^record 1 of 3: POST http:\/\/127\.0\.0\.1:\d+\/hooks\/s1 answered HTTP 500 Internal Server Error: \{"error":"upstream down"\}; 1 of 3 requests delivered$/);
  assert.match(hook.status.text ?? '', /recovered after 3 attempts/);
  assert.equal(received.get('errors'), undefined);
});

test('a permanent 4xx goes to the error port without being sent again', async (t) => {
  const { server, runtime } = await setup(t, (req) => (req.url === '/hooks/s1' ? { status: 400, body: { error: 'unknown channel s1' } } : 200));
  await runtime.deploy('hooks', hookFlow(server, { count: 4, batchSize: 4 }, { mode: 'record' }));
  await waitFor('the batch on the error port', () => received.get('errors')?.length === 4);

  assert.deepEqual(server.requests.map((r) => r.url), ['/hooks/s0', '/hooks/s1', '/hooks/s0', '/hooks/s1'], 'each record sent once, none again in the retries');
  const failed = received.get('errors')!;
  assert.deepEqual(failed.map((f) => (f.record as DataRecord).seq), [0, 1, 2, 3], 'the error port carries the whole batch');
  assert.equal(failed[0]!.attempts, 1, 'a permanent failure skips the remaining attempts');
  assert.match(String(failed[0]!.error), /^permanent failure, not sent again: record 1 of 4: POST http:\/\/127\.0\.0\.1:\d+\/hooks\/s1 answered HTTP 400 Bad Request: \{"error":"unknown channel s1"\}; record 3 of 4: .*; 2 of 4 requests delivered$/);
});

test('a request that times out is retried; the receiver may see that batch twice', async (t) => {
  let n = 0;
  const server = await startHttpServer(t, async (_req, res) => {
    if (++n === 1) await delay(1000);
    if (!res.destroyed) sendJson(res, 200, { ok: true });
  });
  received.clear();
  const { runtime } = await openApp(t);
  await runtime.deploy('hooks', hookFlow(server, { count: 2, batchSize: 2 }, { timeoutMs: 200, url: `${server.url}/batch` }));
  await waitFor('a second request', () => server.requests.length === 2);
  await waitFor('the batch acknowledged', () => runtime.status('hooks')!.nodes.hook!.status.state === 'running');

  const hook = runtime.status('hooks')!.nodes.hook!;
  assert.equal(hook.retries, 1);
  assert.match(hook.lastError?.message ?? '', /request 1 \(2 records\): POST http:\/\/127\.0\.0\.1:\d+\/batch: no complete answer within 200 ms/);
  assert.deepEqual(bodyOf(server.requests[1]!), bodyOf(server.requests[0]!), 'the retry sends the same batch');
  assert.equal(received.get('errors'), undefined);
});

test('a record missing a field of the URL template is a permanent failure and is never sent', async (t) => {
  const { server, runtime } = await setup(t, () => 200);
  await runtime.deploy('hooks', hookFlow(server, { count: 2, batchSize: 2 }, { url: `${server.url}/sites/{{site.id}}` }));
  await waitFor('the batch on the error port', () => received.get('errors')?.length === 2);

  assert.equal(server.requests.length, 0);
  assert.match(String(received.get('errors')![0]!.error), /record 0: template "http:\/\/127\.0\.0\.1:\d+\/sites\/\{\{site\.id\}\}" needs field "site\.id", which is missing/);
});
