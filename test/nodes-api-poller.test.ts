import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import type { DataRecord } from '../server/core/types.js';
import type { StatusEvent } from '../server/runtime/api.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { received, sinkControl, testNodes } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { sendJson, startHttpServer, type SeenRequest, type TestServer } from './helpers/http-server.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

type TestContext = Parameters<typeof tempDir>[0];

/** The seed schema of the vendor API. */
interface Reading {
  id: string;
  timestamp: string;
  lat: number;
  lon: number;
  temperature: number;
  country: string;
}

type Failure = '500' | 'timeout' | 'reset' | '401' | '404';
type Paging = 'none' | 'next' | 'link' | 'page';

/**
 * A vendor API: `GET /devices/:device/readings?since=<ISO>` answers the readings strictly after `since`,
 * oldest first, in pages of `pageSize` when paging. `failures` are consumed one per request.
 */
class VendorApi {
  readonly readings = new Map<string, Reading[]>();
  paging: Paging = 'none';
  pageSize = 3;
  failures: Failure[] = [];
  /** Per device: the failure every request gets. */
  broken = new Map<string, Failure>();
  private clock = Date.parse('2026-05-01T00:00:00.000Z');
  private serial = 0;

  add(device: string, count: number): Reading[] {
    const list = this.readings.get(device) ?? [];
    const added = Array.from({ length: count }, () => {
      this.clock += 60_000;
      this.serial++;
      return { id: `${device}-${this.serial}`, timestamp: new Date(this.clock).toISOString(), lat: 48.85, lon: 2.35, temperature: 15 + (this.serial % 10), country: 'FR' };
    });
    list.push(...added);
    this.readings.set(device, list);
    return added;
  }

  readonly handle = async (req: SeenRequest, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url, 'http://vendor');
    const m = /^\/devices\/([^/]+)\/readings$/.exec(url.pathname);
    if (!m) return sendJson(res, 404, { error: 'no such route' });
    const device = decodeURIComponent(m[1]!);
    const failure = this.broken.get(device) ?? this.failures.shift();
    if (failure) return this.fail(failure, device, res);
    if (req.headers['x-api-key'] !== 's3cret') return sendJson(res, 401, { error: 'missing or wrong API key' });
    const since = url.searchParams.get('since') ?? '';
    const after = (this.readings.get(device) ?? []).filter((r) => since === '' || Date.parse(r.timestamp) > Date.parse(since));
    if (this.paging === 'none') return sendJson(res, 200, { data: after });
    if (this.paging === 'page') {
      const page = Number(url.searchParams.get('page'));
      return sendJson(res, 200, { data: after.slice((page - 1) * this.pageSize, page * this.pageSize) });
    }
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const data = after.slice(offset, offset + this.pageSize);
    const more = offset + this.pageSize < after.length;
    const next = more ? `/devices/${m[1]}/readings?since=${encodeURIComponent(since)}&offset=${offset + this.pageSize}` : null;
    if (this.paging === 'next') return sendJson(res, 200, { data, next });
    return sendJson(res, 200, { data }, next ? { link: `<${next}>; rel="next"` } : {});
  };

  private fail(failure: Failure, device: string, res: ServerResponse): void {
    if (failure === '500') return sendJson(res, 500, { error: 'internal error' });
    if (failure === '401') return sendJson(res, 401, { error: 'API key revoked' });
    if (failure === '404') return sendJson(res, 404, { error: `device ${device} not found` });
    if (failure === 'reset') {
      res.socket?.resetAndDestroy();
      return;
    }
    // timeout: answer long after the poller gave up
    setTimeout(() => { if (!res.writableEnded) sendJson(res, 200, { data: [] }); }, 2000).unref();
  }
}

const ids = (records: readonly DataRecord[] | undefined): string[] => (records ?? []).map((r) => String(r.id));
const sinceOf = (req: SeenRequest): string => new URL(req.url, 'http://vendor').searchParams.get('since') ?? '';

function pollerFlow(server: TestServer, config: object, settings: object = {}) {
  return {
    sluice: 1, id: 'vendor',
    nodes: [
      {
        id: 'poll', type: 'api-poller',
        config: {
          url: `${server.url}/devices/{{device}}/readings?since={{cursor}}`, devices: ['d1'], intervalMs: 150,
          headers: { 'X-API-Key': '${secret:vendor_key}' }, recordsPointer: '/data', cursor: { field: 'timestamp' },
          retry: { maxAttempts: 3, backoffMs: 10, maxBackoffMs: 50 }, timeoutMs: 300, ...config,
        },
      },
      { id: 'sink', type: 'test-sink' },
      { id: 'errors', type: 'test-sink' },
    ],
    wires: [{ from: 'poll', to: 'sink' }, { from: 'poll:error', to: 'errors' }],
    settings: { checkpointIntervalMs: 50, ...settings },
  };
}

async function setup(t: TestContext): Promise<{ api: VendorApi; server: TestServer }> {
  received.clear();
  const api = new VendorApi();
  const server = await startHttpServer(t, api.handle);
  return { api, server };
}

async function deploy(runtime: RuntimeManager, flow: object): Promise<void> {
  runtime.setSecret('vendor_key', 's3cret');
  await runtime.deploy('vendor', flow);
}

const pollerState = (runtime: RuntimeManager) =>
  runtime.queryNode('vendor', 'poll', 'state', {}) as { cursors: { [device: string]: string }; polls: number; skipped: number; records: number };

test('each device is polled from its own cursor and every reading is journaled once', async (t) => {
  const { api, server } = await setup(t);
  const { runtime } = await openApp(t);
  const first = [...api.add('d1', 3), ...api.add('d2', 2)];
  await deploy(runtime, pollerFlow(server, { devices: ['d1', 'd2'], deviceField: 'device' }));
  await waitFor('the first readings', () => received.get('sink')?.length === 5);
  const later = [...api.add('d1', 2), ...api.add('d2', 1)];
  await waitFor('the later readings', () => received.get('sink')?.length === 8);
  const seen = server.requests.length;
  await waitFor('another poll of both devices', () => server.requests.length >= seen + 2);

  const got = received.get('sink')!;
  assert.deepEqual(ids(got).sort(), [...first, ...later].map((r) => r.id).sort(), 'every reading once, none twice');
  assert.equal(pollerState(runtime).records, 8, 'the poller journaled 8 records in all');
  assert.deepEqual(got[0], { ...first[0], device: 'd1' }, 'records as the API sent them, plus their device');
  const lastOf = (device: string): string => api.readings.get(device)!.at(-1)!.timestamp;
  assert.deepEqual(pollerState(runtime).cursors, { d1: lastOf('d1'), d2: lastOf('d2') }, 'the cursor is the highest timestamp per device');
  const d1Since = server.requests.filter((r) => r.url.startsWith('/devices/d1/')).map(sinceOf);
  assert.equal(d1Since[0], '', 'the first poll starts from the initial cursor');
  assert.ok(d1Since.includes(first[2]!.timestamp), 'd1 is then asked for readings after its own last one');
  assert.ok(server.requests.filter((r) => r.url.startsWith('/devices/d2/')).map(sinceOf).includes(first[4]!.timestamp));
  assert.equal(received.get('errors'), undefined);
});

test('after a restart on the same data directory the poller resumes exactly at its cursor', async (t) => {
  const { api, server } = await setup(t);
  const dataDir = tempDir(t);
  const open = () => RuntimeManager.open({ dataDir, registry: new NodeRegistry([...builtinNodes, ...testNodes]), log: silentLogger });
  let runtime = await open();
  api.add('d1', 4);
  await deploy(runtime, pollerFlow(server, {}));
  await waitFor('the readings before the restart', () => received.get('sink')?.length === 4);
  await runtime.close();

  const whileDown = api.add('d1', 3);
  const requestsBefore = server.requests.length;
  runtime = await open();
  t.after(() => runtime.close());
  await waitFor('the readings made while it was down', () => received.get('sink')?.length === 7);
  await waitFor('two more polls', () => server.requests.length >= requestsBefore + 3);

  assert.equal(sinceOf(server.requests[requestsBefore]!), api.readings.get('d1')![3]!.timestamp, 'the first request after restart uses the committed cursor');
  const got = ids(received.get('sink'));
  assert.deepEqual(got, api.readings.get('d1')!.map((r) => r.id), 'no duplicate and no gap, in order');
  assert.deepEqual(got.slice(4), whileDown.map((r) => r.id));
  assert.equal(pollerState(runtime).records, 3, 'after the restart the poller journaled only the new readings');
});

for (const paging of ['next', 'link', 'page'] as const) {
  test(`pagination (${paging}): all pages of a poll are journaled with the cursor after the last page`, async (t) => {
    const { api, server } = await setup(t);
    const { runtime } = await openApp(t);
    api.paging = paging;
    api.add('d1', 7);
    const pagination = paging === 'next' ? { mode: 'next-link', nextPointer: '/next' }
      : paging === 'link' ? { mode: 'next-link', nextPointer: '' } : { mode: 'page', pageParam: 'page', firstPage: 1 };
    await deploy(runtime, pollerFlow(server, { pagination }));
    await waitFor('seven readings', () => received.get('sink')?.length === 7);
    const pagesOfFirstPoll = paging === 'page' ? 4 : 3; // page mode stops at the first empty page
    await waitFor('a second poll', () => server.requests.length > pagesOfFirstPoll);

    assert.deepEqual(ids(received.get('sink')), api.readings.get('d1')!.map((r) => r.id));
    assert.equal(runtime.status('vendor')!.nodes.sink!.in, 7);
    const firstPoll = server.requests.slice(0, pagesOfFirstPoll).map((r) => sinceOf(r));
    assert.deepEqual(firstPoll, Array(pagesOfFirstPoll).fill(''), 'every page of the first poll uses the cursor it started with');
    assert.equal(sinceOf(server.requests[pagesOfFirstPoll]!), api.readings.get('d1')![6]!.timestamp, 'the next poll starts after the last page');
  });
}

test('a page that keeps failing commits no page of that poll; the next poll fetches them all once', async (t) => {
  const { api, server } = await setup(t);
  const { runtime } = await openApp(t);
  api.paging = 'next';
  api.add('d1', 7);
  // Page 1 answers, then page 2 fails on both attempts.
  const original = api.handle;
  let calls = 0;
  server.handle = (req, res) => (++calls === 2 || calls === 3 ? sendJson(res, 503, { error: 'maintenance' }) : original(req, res));
  await deploy(runtime, pollerFlow(server, { pagination: { mode: 'next-link' }, retry: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 10 } }));
  await waitFor('the failed poll reported', () => received.get('errors')?.length === 1);
  await waitFor('the readings of the next poll', () => received.get('sink')?.length === 7);
  await waitFor('another poll', () => calls >= 8);

  assert.deepEqual(ids(received.get('sink')), api.readings.get('d1')!.map((r) => r.id), 'page 1 is not journaled twice');
  const problem = received.get('errors')![0]!;
  assert.equal(problem.status, 503);
  assert.equal(problem.attempts, 2);
  assert.match(String(problem.error), /HTTP 503.*maintenance.*gave up after 2 attempts/);
});

test('5xx, timeouts and connection resets are retried until the poll succeeds', async (t) => {
  const { api, server } = await setup(t);
  const { runtime } = await openApp(t);
  const statuses: StatusEvent[] = [];
  runtime.events.on('status', (e: StatusEvent) => { if (e.nodeId === 'poll') statuses.push(e); });
  api.add('d1', 3);
  api.failures = ['500', 'timeout', 'reset'];
  await deploy(runtime, pollerFlow(server, { retry: { maxAttempts: 4, backoffMs: 10, maxBackoffMs: 20 } }));
  await waitFor('the readings', () => received.get('sink')?.length === 3);

  assert.equal(received.get('errors'), undefined, 'nothing failed for good');
  const retrying = statuses.filter((s) => s.status.state === 'retrying').map((s) => s.status.text ?? '');
  assert.ok(retrying.some((text) => /attempt 2 of 4 .*HTTP 500/.test(text)), retrying.join('\n'));
  assert.ok(retrying.some((text) => /attempt 3 of 4 .*no complete answer within 300 ms/.test(text)), retrying.join('\n'));
  assert.ok(retrying.some((text) => /attempt 4 of 4 .*connection failed/.test(text)), retrying.join('\n'));
  assert.deepEqual(pollerState(runtime).cursors, { d1: api.readings.get('d1')![2]!.timestamp });
});

test('4xx answers go to the error port with status and body, and the device keeps its cursor', async (t) => {
  const { api, server } = await setup(t);
  const { runtime } = await openApp(t);
  api.add('d1', 2);
  api.add('gone', 1);
  api.add('locked', 1);
  api.broken.set('gone', '404');
  api.broken.set('locked', '401');
  await deploy(runtime, pollerFlow(server, { devices: ['d1', 'gone', 'locked'] }));
  await waitFor('both failures reported', () => (received.get('errors')?.length ?? 0) >= 2);

  const byDevice = new Map((received.get('errors') ?? []).map((r) => [r.device, r]));
  const gone = byDevice.get('gone')!;
  assert.equal(gone.status, 404);
  assert.match(String(gone.body), /device gone not found/);
  assert.match(String(gone.error), /^HTTP 404 Not Found/);
  assert.equal(gone.attempts, 1, 'a 4xx is not retried');
  assert.equal(gone.url, `${server.url}/devices/gone/readings?since=`);
  assert.equal(byDevice.get('locked')!.status, 401);
  assert.match(String(byDevice.get('locked')!.body), /API key revoked/);
  assert.deepEqual(ids(received.get('sink')), api.readings.get('d1')!.map((r) => r.id), 'the other devices are unaffected');
  assert.deepEqual(Object.keys(pollerState(runtime).cursors), ['d1']);
  assert.equal(runtime.status('vendor')!.nodes.poll!.status.state, 'error');
  assert.match(runtime.status('vendor')!.nodes.poll!.status.text ?? '', /2 of 3 failed/);
});

test('a slow API never sees a second poll while one is running', async (t) => {
  const { api, server } = await setup(t);
  const { runtime } = await openApp(t);
  api.add('d1', 1);
  server.handle = async (req, res) => {
    await delay(350);
    await api.handle(req, res);
  };
  await deploy(runtime, pollerFlow(server, { intervalMs: 100, timeoutMs: 2000 }));
  await waitFor('four polls', () => server.requests.length >= 4 && server.inFlight.now === 0, 10_000);

  assert.equal(server.inFlight.max, 1, 'requests never overlap');
  assert.ok(pollerState(runtime).skipped >= 4, `slots that fell due during a poll are skipped (${pollerState(runtime).skipped})`);
  assert.equal(received.get('sink')?.length, 1);
});

test('past the journal quota the poll is skipped, the cursor kept, and nothing is lost', async (t) => {
  const { api, server } = await setup(t);
  const { runtime } = await openApp(t);
  sinkControl.set('sink', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => { sinkControl.delete('sink'); });
  // About 105 bytes a reading: the first 15 fit under the quota, 20 more do not until the sink drains it.
  api.add('d1', 15);
  const flow = pollerFlow(server, {}, { quotaBytes: 3000 });
  flow.nodes[1] = { ...flow.nodes[1]!, retry: { maxAttempts: 1000, backoffMs: 20, maxBackoffMs: 20, jitter: 0 } } as never;
  await deploy(runtime, flow);
  await waitFor('the first readings journaled', () => Object.keys(pollerState(runtime).cursors).length === 1);
  const cursor = pollerState(runtime).cursors.d1;
  api.add('d1', 20);
  await waitFor('the poller refused', () => runtime.status('vendor')!.nodes.poll!.status.state === 'refused');
  assert.match(runtime.status('vendor')!.nodes.poll!.status.text ?? '', /journal full.*cursors kept/);
  assert.equal(pollerState(runtime).cursors.d1, cursor, 'the cursor does not move past what was refused');

  sinkControl.get('sink')!.failAlways = false;
  await waitFor('every reading delivered once the sink is back', () => received.get('sink')?.length === 35);
  await waitFor('another poll', () => runtime.status('vendor')!.nodes.poll!.status.state === 'running');
  assert.deepEqual(ids(received.get('sink')), api.readings.get('d1')!.map((r) => r.id));
  assert.equal(runtime.status('vendor')!.deadLetters, 0);
});

test('deploy refuses a bad cron, time zone, pointer or placeholder, naming the config field', async (t) => {
  const { runtime } = await openApp(t);
  runtime.setSecret('vendor_key', 's3cret');
  const flow = pollerFlow({ url: 'http://127.0.0.1:9' } as TestServer, {
    url: 'http://127.0.0.1:9/sites/{{site}}/readings', devices: [], cron: '*/5 * * 13 *', timezone: 'Mars/Olympus', recordsPointer: 'data',
  });
  const result = runtime.validate(flow);
  assert.equal(result.ok, false);
  const problems = result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
  assert.deepEqual(problems, [
    '/nodes/0/config/url: unknown placeholder {{site}}: use {{device}} or {{cursor}}',
    '/nodes/0/config/cron: cron field 4 (month): 13 is out of range 1-12',
    '/nodes/0/config/timezone: unknown time zone "Mars/Olympus"',
    '/nodes/0/config/recordsPointer: JSON pointer "data" must be empty or start with "/"',
  ]);
});
