import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { FlowMetrics } from '../server/api/metrics.js';
import { parseExposition } from './helpers/prometheus.js';
import type { FlowStatus, JournalExport } from '../server/runtime/api.js';
import { sinkControl } from './fixtures/test-nodes.js';
import { draft, openApp } from './helpers/api-app.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const checked = (id: string) => ({
  sluice: 1, id,
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 4, ratePerSecond: 400, batchMs: 20, malformedRatio: 0.2 } },
    { id: 'check', type: 'validate', config: { ranges: { value: { min: -50, max: 80 } } } },
    { id: 'tally', type: 'test-tally' },
    { id: 'show', type: 'debug' },
    { id: 'rejects', type: 'debug' },
  ],
  wires: [
    { from: 'sim', to: 'check' }, { from: 'check', to: 'tally' }, { from: 'tally', to: 'show' },
    { from: 'check:invalid', to: 'rejects' },
  ],
  settings: { checkpointIntervalMs: 100 },
});

test('the catalog lists every node type with its ports and config schema', async (t) => {
  const { app } = await openApp(t);
  const res = await app.inject({ url: '/api/nodes' });
  assert.equal(res.statusCode, 200);
  const catalog = res.json() as { type: string; outputs: { name: string }[]; configSchema: { type: string; properties: object } }[];
  const types = catalog.map((e) => e.type);
  for (const type of ['debug', 'simulate', 'validate', 'test-sink']) assert.ok(types.includes(type), type);
  assert.deepEqual(types, [...types].sort(), 'sorted by type');
  for (const entry of catalog) {
    assert.equal(entry.configSchema.type, 'object', `${entry.type} publishes a JSON schema`);
    assert.equal(typeof entry.configSchema.properties, 'object');
  }
  const validate = catalog.find((e) => e.type === 'validate')!;
  assert.deepEqual(validate.outputs.map((o) => o.name), ['out', 'invalid', 'error']);
  const simulate = (await app.inject({ url: '/api/nodes/simulate' })).json() as { configSchema: { properties: { sensors: { default: number } } } };
  assert.equal(simulate.configSchema.properties.sensors.default, 10, 'defaults travel with the schema');

  const missing = await app.inject({ url: '/api/nodes/no-such-type' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error, 'not-found');

  const schema = (await app.inject({ url: '/api/schema/flow' })).json() as { $id: string; required: string[] };
  assert.equal(schema.$id, 'https://sluice.dev/schema/flow-v1.json');
  assert.ok(schema.required.includes('nodes') && schema.required.includes('wires'));
});

test('flows: create, read, update, list revisions, export and delete round-trip', async (t) => {
  const { app } = await openApp(t);
  const doc = draft('crud');
  const created = await app.inject({ method: 'POST', url: '/api/flows', payload: doc });
  assert.equal(created.statusCode, 201);
  assert.deepEqual(created.json(), { flowId: 'crud', revision: 1 });
  assert.equal((await app.inject({ method: 'POST', url: '/api/flows', payload: doc })).statusCode, 409, 'the id is taken');

  const listed = (await app.inject({ url: '/api/flows' })).json();
  assert.deepEqual(listed, [{ id: 'crud', name: 'A flow', draftRevision: 1, deployedRevision: null, state: 'not-deployed' }]);
  const read = (await app.inject({ url: '/api/flows/crud' })).json() as { revision: number; doc: unknown };
  assert.equal(read.revision, 1);
  assert.deepEqual(read.doc, doc);

  const renamed = draft('crud', 'Renamed');
  const updated = await app.inject({ method: 'PUT', url: '/api/flows/crud', payload: renamed });
  assert.deepEqual(updated.json(), { flowId: 'crud', revision: 2 });
  const mismatch = await app.inject({ method: 'PUT', url: '/api/flows/crud', payload: draft('other') });
  assert.equal(mismatch.statusCode, 400);
  assert.deepEqual(mismatch.json(), {
    error: 'invalid-flow',
    problems: [{ nodeId: null, path: '/id', message: 'the document\'s id "other" is not the flow "crud" in the URL' }],
  });

  const revisions = (await app.inject({ url: '/api/flows/crud/revisions' })).json() as { revision: number; draft: boolean }[];
  assert.deepEqual(revisions.map((r) => [r.revision, r.draft]).sort(), [[1, false], [2, true]]);

  const exported = await app.inject({ url: '/api/flows/crud/export' });
  assert.equal(exported.statusCode, 200);
  assert.equal(exported.headers['content-disposition'], 'attachment; filename="crud.json"');
  assert.deepEqual(JSON.parse(exported.body), renamed, 'the export is exactly what was saved');
  assert.equal((await app.inject({ url: '/api/flows/crud/export?revision=deployed' })).statusCode, 404, 'not deployed yet');
  assert.equal((await app.inject({ url: '/api/flows/crud/export?revision=latest' })).statusCode, 400);

  const deployed = await app.inject({ method: 'POST', url: '/api/flows/crud/deploy' });
  assert.deepEqual(deployed.json(), { flowId: 'crud', revision: 2 });
  assert.deepEqual(JSON.parse((await app.inject({ url: '/api/flows/crud/export?revision=deployed' })).body), renamed);
  assert.deepEqual(JSON.parse((await app.inject({ url: '/api/flows/crud/export?revision=2' })).body), renamed);

  assert.equal((await app.inject({ method: 'DELETE', url: '/api/flows/crud' })).statusCode, 204);
  assert.equal((await app.inject({ url: '/api/flows/crud' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/flows/crud' })).statusCode, 404);
  assert.deepEqual((await app.inject({ url: '/api/flows' })).json(), []);
});

test('import stores a Sluice document, and a Node-RED export as a new draft without overwriting an earlier one', async (t) => {
  const { app } = await openApp(t);
  const imported = await app.inject({ method: 'POST', url: '/api/import', payload: draft('imported') });
  assert.equal(imported.statusCode, 201);
  assert.deepEqual(imported.json(), { flowId: 'imported', revision: 1 });

  const nodeRed = [
    { id: 't1', type: 'tab', label: 'Flow 1' },
    { id: 'n1', type: 'inject', z: 't1', props: [{ p: 'payload' }], payload: '1', payloadType: 'num', x: 100, y: 80, wires: [['n2']] },
    { id: 'n2', type: 'debug', z: 't1', complete: 'payload', x: 300, y: 80, wires: [] },
  ];
  for (const [i, payload] of [nodeRed, { rev: 'abc', flows: nodeRed }].entries()) {
    const res = await app.inject({ method: 'POST', url: '/api/import', payload });
    assert.equal(res.statusCode, 201);
    const body = res.json() as { flowId: string; report: { counts: { translated: number } } };
    assert.equal(body.flowId, i === 0 ? 'flow-1' : 'flow-1-2', 'a second import does not overwrite the first');
    assert.equal(body.report.counts.translated, 2);
  }
  assert.deepEqual((await app.inject({ url: '/api/flows' })).json().map((f: { id: string }) => f.id).sort(), ['flow-1', 'flow-1-2', 'imported']);
});

test('a body that is not JSON is an invalid flow located by line and column, even at 10 MB', async (t) => {
  const { app } = await openApp(t);
  const garbage = 'x'.repeat(10 * 1024 * 1024);
  for (const url of ['/api/flows', '/api/validate', '/api/flows/some/deploy', '/api/import']) {
    const res = await app.inject({ method: 'POST', url, payload: garbage, headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400, url);
    const body = res.json() as { error: string; problems: { nodeId: null; path: string; message: string }[] };
    assert.equal(body.error, 'invalid-flow');
    assert.equal(body.problems.length, 1);
    assert.equal(body.problems[0]!.nodeId, null);
    assert.equal(body.problems[0]!.path, '');
    assert.match(body.problems[0]!.message, /^not valid JSON at line 1, column 1: /);
  }
  const text = '{\n  "sluice": 1,\n  "id": "x",\n  nodes: []\n}';
  const res = await app.inject({ method: 'POST', url: '/api/flows', payload: text, headers: { 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().problems[0].message, /^not valid JSON at line 4, column 3: /);

  const tooLarge = await app.inject({ method: 'POST', url: '/api/flows', payload: 'x'.repeat(17 * 1024 * 1024), headers: { 'content-type': 'application/json' } });
  assert.equal(tooLarge.statusCode, 413);
});

test('deploy and validate report every problem with its node and path', async (t) => {
  const { app } = await openApp(t);
  const bad = {
    ...draft('bad'),
    nodes: [{ id: 'sim', type: 'simulate', config: { sensors: 0 } }, { id: 'show', type: 'no-such-type' }],
  };
  for (const [method, url] of [['POST', '/api/validate'], ['POST', '/api/flows/bad/deploy']] as const) {
    const res = await app.inject({ method, url, payload: bad });
    assert.equal(res.statusCode, 400, url);
    const body = res.json() as { error: string; problems: { nodeId: string | null; path: string; message: string }[] };
    assert.equal(body.error, 'invalid-flow');
    assert.deepEqual(body.problems.map((p) => [p.nodeId, p.path]), [['sim', '/nodes/0/config/sensors'], ['show', '/nodes/1/type']]);
  }
  assert.deepEqual((await app.inject({ method: 'POST', url: '/api/validate', payload: draft('good') })).json(), { ok: true });
  assert.equal((await app.inject({ method: 'POST', url: '/api/flows/nothing/deploy' })).statusCode, 404, 'no draft and no body');
  const mismatch = await app.inject({ method: 'POST', url: '/api/flows/one/deploy', payload: draft('two') });
  assert.equal(mismatch.statusCode, 400);
  assert.equal(mismatch.json().problems[0].path, '/id');
  assert.deepEqual((await app.inject({ url: '/api/flows' })).json(), [], 'nothing invalid was stored');
});

test('a deployed flow shows in status, node state, debug messages, the NDJSON journal and /metrics', async (t) => {
  const { app, runtime } = await openApp(t);
  const deployed = await app.inject({ method: 'POST', url: '/api/flows/live/deploy', payload: checked('live') });
  assert.deepEqual(deployed.json(), { flowId: 'live', revision: 1 });
  const status = await waitFor('records through validate', async () => {
    const s = (await app.inject({ url: '/api/flows/live/status' })).json() as FlowStatus;
    return s.nodes.rejects && s.nodes.rejects.in > 0 && s.nodes.show!.in > 0 ? s : undefined;
  }) as FlowStatus;
  assert.equal(status.state, 'running');
  assert.equal(status.nodes.check!.type, 'validate');
  assert.ok(status.journal!.head > 0);
  assert.equal((await app.inject({ url: '/api/flows/nope/status' })).statusCode, 404);

  const tally = (await app.inject({ url: '/api/flows/live/nodes/tally/state' })).json() as { state: { [sensor: string]: { n: number } } };
  assert.ok(Object.keys(tally.state).length > 0 && Object.values(tally.state).every((s) => s.n > 0), 'the stateful node\'s snapshot');
  assert.deepEqual((await app.inject({ url: '/api/flows/live/nodes/show/state' })).json(), { flowId: 'live', nodeId: 'show', state: null });
  assert.equal((await app.inject({ url: '/api/flows/live/nodes/ghost/state' })).statusCode, 404);

  const debug = (await app.inject({ url: '/api/flows/live/debug' })).json() as { flowId: string; nodeId: string }[];
  assert.ok(debug.some((m) => m.flowId === 'live' && m.nodeId === 'show'));

  await waitFor('10 journal entries', () => (runtime.status('live')?.journal?.head ?? 0) >= 10);
  const journal = await app.inject({ url: '/api/flows/live/journal?limit=5' });
  assert.equal(journal.statusCode, 200);
  assert.match(String(journal.headers['content-type']), /^application\/x-ndjson/);
  const entries = journal.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalExport);
  assert.equal(entries.length, 5);
  for (const e of entries) {
    assert.ok(Array.isArray(e.records));
    if (e.kind === 'data') assert.equal(e.node, 'sim');
  }
  assert.ok(entries.some((e) => e.kind === 'data' && e.records.length > 0), 'readings are in the journal');
  assert.ok(entries.every((e, i) => i === 0 || e.offset > entries[i - 1]!.offset), 'oldest first');
  const after = await app.inject({ url: `/api/flows/live/journal?from=${entries[0]!.offset}&limit=1` });
  assert.equal((JSON.parse(after.body) as JournalExport).offset, entries[1]!.offset, '`from` is exclusive');
  assert.equal((await app.inject({ url: '/api/flows/live/journal?limit=100001' })).statusCode, 400);
  assert.equal((await app.inject({ url: '/api/flows/nope/journal' })).statusCode, 404);

  const metrics = await app.inject({ url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const samples = parseExposition(metrics.body);
  // Labels sorted by name, as parseExposition keys them.
  const value = (name: string, labels: string) => samples.get(`${name}{${labels.split(',').sort().join(',')}}`);
  assert.ok(value('sluice_node_records_in_total', 'flow="live",node="check",type="validate"')! > 0);
  assert.ok(value('sluice_node_records_out_total', 'flow="live",node="sim",type="simulate",port="out"')! > 0);
  assert.ok(value('sluice_node_records_out_total', 'flow="live",node="check",type="validate",port="invalid"')! > 0);
  assert.equal(value('sluice_node_errors_total', 'flow="live",node="show",type="debug"'), 0);
  assert.equal(value('sluice_flow_up', 'flow="live"'), 1);
  assert.ok(value('sluice_journal_head_offset', 'flow="live"')! > 0);
  assert.ok(value('sluice_journal_quota_bytes', 'flow="live"')! > 0);
  assert.equal(value('sluice_dead_letters', 'flow="live"'), 0);
});

test('dead letters are listed, replayed and discarded through the API', async (t) => {
  const { app } = await openApp(t);
  sinkControl.set('down', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => sinkControl.delete('down'));
  const doc = {
    sluice: 1, id: 'dl',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 30, batchSize: 10 } },
      { id: 'down', type: 'test-sink', retry: { maxAttempts: 2, backoffMs: 1, maxBackoffMs: 2, jitter: 0 } },
    ],
    wires: [{ from: 'feed', to: 'down' }],
  };
  assert.equal((await app.inject({ method: 'POST', url: '/api/flows/dl/deploy', payload: doc })).statusCode, 200);
  type Letter = { id: number; nodeId: string; state: string; records: unknown[] };
  const letters = await waitFor('3 dead letters', async () => {
    const list = (await app.inject({ url: '/api/flows/dl/dead-letters?state=pending' })).json() as Letter[];
    return list.length === 3 ? list : undefined;
  }) as Letter[];
  assert.ok(letters.every((l) => l.nodeId === 'down' && l.records.length === 10));
  const page = (await app.inject({ url: `/api/flows/dl/dead-letters?limit=1&afterId=${letters[0]!.id}` })).json() as Letter[];
  assert.deepEqual(page.map((l) => l.id), [letters[1]!.id]);
  assert.equal((await app.inject({ url: '/api/flows/dl/dead-letters?state=lost' })).statusCode, 400);

  sinkControl.set('down', { failNext: 0, failAlways: false, calls: 0 });
  const replay = await app.inject({ method: 'POST', url: `/api/flows/dl/dead-letters/${letters[0]!.id}/replay` });
  assert.equal(replay.statusCode, 202);
  const discard = await app.inject({ method: 'DELETE', url: `/api/flows/dl/dead-letters/${letters[1]!.id}` });
  assert.equal(discard.statusCode, 204);
  assert.equal(discard.body, '');
  const states = (await app.inject({ url: '/api/flows/dl/dead-letters' })).json() as Letter[];
  assert.deepEqual(states.map((l) => l.state), ['replayed', 'discarded', 'pending']);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/flows/dl/dead-letters/999' })).statusCode, 404);
  assert.equal((await app.inject({ url: '/api/flows/nope/dead-letters' })).statusCode, 404);
});

test('secrets are write-only: the value goes in, only names come out', async (t) => {
  const { app } = await openApp(t);
  const put = await app.inject({ method: 'PUT', url: '/api/secrets/vendor_key', payload: { value: 'hunter2-very-secret' } });
  assert.equal(put.statusCode, 204);
  assert.equal(put.body, '');
  const list = await app.inject({ url: '/api/secrets' });
  assert.deepEqual(list.json(), { names: ['vendor_key'] });
  assert.doesNotMatch(list.body, /hunter2/);
  assert.equal((await app.inject({ method: 'PUT', url: '/api/secrets/bad%20name', payload: { value: 'x' } })).statusCode, 400);
  assert.equal((await app.inject({ method: 'PUT', url: '/api/secrets/k', payload: { nope: 'x' } })).statusCode, 400);
});

test('health, the home page and the OpenAPI document', async (t) => {
  const { app } = await openApp(t);
  await app.inject({ method: 'POST', url: '/api/flows', payload: draft('a') });
  assert.deepEqual((await app.inject({ url: '/health' })).json(), { status: 'ok', flows: 1 });
  const home = await app.inject({ url: '/' });
  assert.match(String(home.headers['content-type']), /^text\/html/);
  assert.match(home.body, /<code>a<\/code>/);
  assert.match(home.body, /href="\/api\/docs"/);

  const res = await app.inject({ url: '/api/docs/json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as { openapi: string; paths: { [path: string]: { [method: string]: { tags?: string[] } } } };
  assert.match(doc.openapi, /^3\./);
  for (const [path, method] of [
    ['/api/nodes', 'get'], ['/api/flows', 'post'], ['/api/flows/{id}', 'put'], ['/api/flows/{id}/deploy', 'post'],
    ['/api/flows/{id}/export', 'get'], ['/api/import', 'post'], ['/api/flows/{id}/journal', 'get'],
    ['/api/flows/{id}/dead-letters/{dlId}/replay', 'post'], ['/api/secrets/{name}', 'put'], ['/metrics', 'get'], ['/health', 'get'],
  ] as const) {
    assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
  }
  assert.ok((await app.inject({ url: '/api/docs' })).statusCode < 400, 'the Swagger UI is served');
});

test('a built editor directory is served at /', async (t) => {
  const editorDir = tempDir(t);
  writeFileSync(join(editorDir, 'index.html'), '<!doctype html><title>Sluice editor</title>');
  const { app } = await openApp(t, { editorDir });
  const home = await app.inject({ url: '/' });
  assert.equal(home.statusCode, 200);
  assert.match(home.body, /Sluice editor/);
  assert.equal((await app.inject({ url: '/health' })).statusCode, 200, 'the API still answers');
});

test('metric label values are escaped', async () => {
  const status: FlowStatus = {
    id: 'f', deployedRevision: 1, state: 'failed', error: 'x', journal: null, deadLetters: 2,
    nodes: { n: { type: 'a"b\\c\nd', in: 3, out: { out: 3 }, errors: 1, retries: 0, lastError: null, lagMs: 1500, status: { state: 'error', at: 0 } } },
  };
  const registry = new Registry();
  new FlowMetrics(registry).update([status]);
  const text = await registry.metrics();
  assert.ok(text.includes('sluice_node_records_in_total{flow="f",node="n",type="a\\"b\\\\c\\nd"} 3'));
  assert.ok(text.includes('sluice_node_lag_seconds{flow="f",node="n",type="a\\"b\\\\c\\nd"} 1.5'));
  assert.ok(text.includes('sluice_flow_up{flow="f"} 0'));
  assert.equal(parseExposition(text).size, 7, 'no journal: no journal metrics');
  assert.equal(parseExposition(text).get('sluice_node_lag_seconds{flow="f",node="n",type="a"b\\c\nd"}'), 1.5, 'the parser reads the escapes back');
});
