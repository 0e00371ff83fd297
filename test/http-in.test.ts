import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { RuntimeManager } from '../server/runtime/manager.js';
import { received, sinkControl } from './fixtures/test-nodes.js';
import { openApp, type TestContext } from './helpers/api-app.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const run = promisify(execFile);
const TOKEN = 'a-long-enough-test-token-0123456789';

interface Served { url: string; runtime: RuntimeManager; flowId: string }

async function serve(t: TestContext, config: object = {}, settings?: object): Promise<Served> {
  const { app, runtime } = await openApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const flowId = `http-${randomBytes(4).toString('hex')}`;
  received.delete('rows');
  await runtime.deploy(flowId, {
    sluice: 1, id: flowId,
    nodes: [
      { id: 'in', type: 'http-in', config: { path: `${flowId}/readings`, token: TOKEN, timestamp: { field: 'ts', format: 'iso8601' }, ...config } },
      { id: 'rows', type: 'test-sink' },
    ],
    wires: [{ from: 'in', to: 'rows' }],
    ...(settings ? { settings } : {}),
  });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/ingest/${flowId}/readings`, runtime, flowId };
}

/** curl with a body file; returns status, headers and the JSON answer. */
async function curl(t: TestContext, url: string, body: Buffer | string, headers: string[]): Promise<{ status: number; json: { [k: string]: unknown }; headers: string }> {
  const file = join(tempDir(t), 'body');
  writeFileSync(file, body);
  const args = ['-sS', '-D', '-', '-X', 'POST', '--data-binary', `@${file}`, url];
  for (const h of headers) args.push('-H', h);
  const { stdout } = await run('curl', args);
  const [head, ...rest] = stdout.split('\r\n\r\n');
  return { status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(head!)![1]), json: JSON.parse(rest.join('\r\n\r\n') || 'null'), headers: head! };
}

const auth = `Authorization: Bearer ${TOKEN}`;
const head = (s: Served) => s.runtime.status(s.flowId)!.journal!.head;

test('each content type is accepted with 202 and the count, after the journal commit', async (t) => {
  const s = await serve(t);
  const one = await curl(t, s.url, '{"ts":"2024-05-01T00:00:00Z","sensor":"a","value":1}', [auth, 'Content-Type: application/json']);
  assert.deepEqual([one.status, one.json], [202, { accepted: 1 }]);
  assert.equal(head(s), 1, 'journaled before the answer');
  const array = await curl(t, s.url, '[{"sensor":"b","value":2},{"sensor":"c","value":3}]', [auth, 'Content-Type: application/json']);
  assert.deepEqual(array.json, { accepted: 2 });
  const nd = await curl(t, s.url, '{"sensor":"d","value":4}\n{"sensor":"e","value":5}\n', [auth, 'Content-Type: application/x-ndjson']);
  assert.deepEqual(nd.json, { accepted: 2 });
  const csv = await curl(t, s.url, '\ufeffts,sensor,value\n2024-05-01T00:00:00Z,f,6\n', [auth, 'Content-Type: text/csv; charset=utf-8']);
  assert.deepEqual(csv.json, { accepted: 1 });
  const gz = await curl(t, s.url, gzipSync('{"sensor":"g","value":7}\n'), [auth, 'Content-Type: application/x-ndjson', 'Content-Encoding: gzip']);
  assert.deepEqual(gz.json, { accepted: 1 });
  await waitFor('all records delivered', () => (received.get('rows') ?? []).length === 7);
  assert.deepEqual(received.get('rows')![0], { ts: Date.parse('2024-05-01T00:00:00Z'), sensor: 'a', value: 1 });
});

test('a wrong token is 401, an oversized body 413, an unknown type 415: nothing journaled', async (t) => {
  const s = await serve(t, { maxBodyBytes: 1000 });
  const wrong = await curl(t, s.url, '{"a":1}', ['Authorization: Bearer not-the-token', 'Content-Type: application/json']);
  assert.equal(wrong.status, 401);
  const none = await curl(t, s.url, '{"a":1}', ['Content-Type: application/json']);
  assert.equal(none.status, 401);
  const big = await curl(t, s.url, `[${'{"a":1},'.repeat(500)}{"a":1}]`, [auth, 'Content-Type: application/json']);
  assert.equal(big.status, 413);
  const bomb = await curl(t, s.url, gzipSync(`[${'{"a":1},'.repeat(5000)}{"a":1}]`), [auth, 'Content-Type: application/json', 'Content-Encoding: gzip']);
  assert.equal(bomb.status, 413, 'the limit applies to the decoded body');
  const xml = await curl(t, s.url, '<a/>', [auth, 'Content-Type: application/xml']);
  assert.equal(xml.status, 415);
  assert.equal(head(s), 0);
});

test('an unparseable body is 400 with the position of each problem, and nothing of it is journaled', async (t) => {
  const s = await serve(t);
  const cases: [string, string, RegExp, number][] = [
    ['application/json', '[{"sensor":"a","value":1},\n{"sensor":"b",', /truncated/, 2],
    ['application/x-ndjson', '{"sensor":"a"}\n{"sensor": b}\n{"sensor":"c"}\n', /Unexpected token/, 2],
    ['text/csv', 'ts,sensor,value\n2024-05-01T00:00:00Z,a,1\n2024-05-01T00:00:00Z,b\n', /2 fields, expected 3/, 3],
    ['text/csv', 'ts,sensor,value\nyesterday,a,1\n', /not an ISO 8601/, 2],
  ];
  for (const [type, body, reason, line] of cases) {
    const res = await curl(t, s.url, body, [auth, `Content-Type: ${type}`]);
    assert.equal(res.status, 400, body);
    const problems = res.json.problems as { line: number; reason: string }[];
    assert.equal(problems[0]!.line, line, body);
    assert.match(problems[0]!.reason, reason);
  }
  assert.equal(head(s), 0, 'nothing journaled');
});

test('a full journal answers 503 with Retry-After', async (t) => {
  sinkControl.set('rows', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => { sinkControl.delete('rows'); });
  const s = await serve(t, { retryAfterS: 7 }, { quotaBytes: 1024 });
  const body = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ sensor: `s${i}`, value: i })));
  const res = await curl(t, s.url, body, [auth, 'Content-Type: application/json']);
  assert.equal(res.status, 503);
  assert.match(res.headers, /retry-after: 7/i);
  assert.equal(head(s), 0);
});
