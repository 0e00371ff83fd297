import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../server/api/app.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { testNodes } from './fixtures/test-nodes.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

interface Doc {
  sluice: number;
  id: string;
  name?: string;
  nodes: { id: string; type: string; config?: { [k: string]: unknown }; retry?: object }[];
  wires: { from: string; to: string }[];
}

const good = (): Doc => ({
  sluice: 1, id: 'live', name: 'Live flow',
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count: 1_000_000, batchSize: 5, intervalMs: 20 } },
    { id: 'tally', type: 'test-tally' },
    { id: 'sink', type: 'test-sink' },
  ],
  wires: [{ from: 'feed', to: 'tally' }, { from: 'tally', to: 'sink' }],
});
const edit = (f: (d: Doc) => void) => () => {
  const d = good();
  f(d);
  return JSON.stringify(d);
};

/** Each bad document, and the path (and words) its problem must carry. */
const cases: { name: string; body: () => string; path: string; nodeId?: string | null; message: RegExp }[] = [
  { name: 'unknown node type', body: edit((d) => { d.nodes[1]!.type = 'tally-ho'; }), path: '/nodes/1/type', nodeId: 'tally', message: /unknown node type "tally-ho"/ },
  { name: 'wire from a missing port', body: edit((d) => { d.wires[0]!.from = 'feed:nope'; }), path: '/wires/0/from', nodeId: 'feed', message: /no output port "nope"/ },
  { name: 'wire to a missing input port', body: edit((d) => { d.wires[1]!.to = 'sink:side'; }), path: '/wires/1/to', nodeId: 'sink', message: /no input port "side"/ },
  { name: 'wire to a missing node', body: edit((d) => { d.wires.push({ from: 'tally', to: 'ghost' }); }), path: '/wires/2/to', nodeId: null, message: /missing node "ghost"/ },
  { name: 'wire into a source', body: edit((d) => { d.wires.push({ from: 'tally', to: 'feed' }); }), path: '/wires/2/to', nodeId: 'feed', message: /is a source and takes no input/ },
  { name: 'config of the wrong type', body: edit((d) => { d.nodes[0]!.config!.count = 'ten'; }), path: '/nodes/0/config/count', nodeId: 'feed', message: /integer/ },
  { name: 'unknown config field', body: edit((d) => { d.nodes[0]!.config!.bogus = 1; }), path: '/nodes/0/config/bogus', nodeId: 'feed', message: /unexpected property/ },
  { name: 'config that is not an object', body: edit((d) => { (d.nodes[0] as { config: unknown }).config = 5; }), path: '/nodes/0/config', nodeId: 'feed', message: /object/ },
  { name: 'duplicate node ids', body: edit((d) => { d.nodes[2]!.id = 'tally'; }), path: '/nodes/2/id', nodeId: 'tally', message: /duplicate node id "tally"/ },
  { name: 'missing secret', body: edit((d) => { d.nodes[2]!.config = { file: '${secret:NOPE}' }; }), path: '/nodes/2/config/file', nodeId: 'sink', message: /\$\{secret:NOPE\} does not resolve/ },
  { name: 'missing environment variable', body: edit((d) => { d.nodes[2]!.config = { file: '/tmp/${env:SLUICE_TEST_UNSET_VAR}' }; }), path: '/nodes/2/config/file', nodeId: 'sink', message: /no such environment variable/ },
  { name: 'retry policy out of range', body: edit((d) => { d.nodes[2]!.retry = { maxAttempts: 0 }; }), path: '/nodes/2/retry/maxAttempts', nodeId: 'sink', message: /greater or equal to 1/ },
  { name: 'invalid node id', body: edit((d) => { d.nodes[1]!.id = 'has space'; d.wires = []; }), path: '/nodes/1/id', nodeId: 'has space', message: /contains " " \(U\+0020\): names are ASCII letters/ },
  { name: 'cycle', body: edit((d) => { d.nodes.push({ id: 'tally2', type: 'test-tally' }); d.wires.push({ from: 'tally', to: 'tally2' }, { from: 'tally2', to: 'tally' }); }), path: '/wires', message: /cycle/ },
  { name: 'unsupported format version', body: edit((d) => { d.sluice = 2; }), path: '/sluice', nodeId: null, message: /expected 1/ },
  { name: 'nodes missing', body: edit((d) => { delete (d as Partial<Doc>).nodes; }), path: '/nodes', nodeId: null, message: /required/ },
  { name: 'document id is another flow', body: edit((d) => { d.id = 'other'; }), path: '/id', nodeId: null, message: /not the flow "live"/ },
  { name: 'a JSON array', body: () => '[1, 2, 3]', path: '', nodeId: null, message: /must be a JSON object/ },
  { name: 'not JSON at all', body: () => '{"sluice": 1,\n  "id": "live",\n  nodes: []}', path: '', nodeId: null, message: /not valid JSON at line 3, column 3/ },
  { name: '10 MB of garbage', body: () => '\u0001garbage'.repeat(1_300_000), path: '', nodeId: null, message: /not valid JSON at line 1, column 1/ },
];

test('deploy refuses bad documents with a precise problem each, and the running flow keeps running', async (t) => {
  const runtime = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(testNodes), log: silentLogger });
  const app = await buildApp(runtime);
  const { token } = runtime.auth.createToken({ name: 'test', scopes: ['editor'], createdBy: 'test' });
  const auth = { authorization: `Bearer ${token}` };
  t.after(async () => {
    await app.close();
    await runtime.close();
  });
  const ok = await app.inject({ method: 'POST', url: '/api/flows/live/deploy', headers: auth, payload: good() });
  assert.equal(ok.statusCode, 200, ok.body);
  await waitFor('the flow to process records', () => (runtime.status('live')?.nodes.sink?.in ?? 0) > 0);
  const revision = runtime.status('live')!.deployedRevision;

  for (const c of cases) {
    const res = await app.inject({ method: 'POST', url: '/api/flows/live/deploy', headers: { ...auth, 'content-type': 'application/json' }, payload: c.body() });
    assert.equal(res.statusCode, 400, `${c.name}: ${res.body.slice(0, 300)}`);
    const body = res.json() as { error: string; problems: { nodeId: string | null; path: string; message: string }[] };
    assert.equal(body.error, 'invalid-flow', c.name);
    const hit = body.problems.find((p) => p.path === c.path && c.message.test(p.message));
    assert.ok(hit, `${c.name}: expected a problem at "${c.path}" matching ${c.message}, got ${JSON.stringify(body.problems)}`);
    if (c.nodeId !== undefined) assert.equal(hit.nodeId, c.nodeId, `${c.name}: node id`);
  }

  const before = runtime.status('live')!.nodes.sink!.in;
  await waitFor('records still flowing after the refused deploys', () => runtime.status('live')!.nodes.sink!.in > before);
  assert.equal(runtime.status('live')!.deployedRevision, revision, 'the deployed revision is unchanged');
  assert.equal(runtime.status('live')!.state, 'running');
});

test('every problem of a document is reported at once', async (t) => {
  const runtime = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(testNodes), log: silentLogger });
  t.after(() => runtime.close());
  const d = good();
  d.nodes[1]!.type = 'nope';
  d.nodes[0]!.config!.count = -0.5;
  d.wires.push({ from: 'tally', to: 'ghost' });
  const result = runtime.validate(d);
  assert.equal(result.ok, false);
  const paths = !result.ok ? result.problems.map((p) => p.path).sort() : [];
  assert.deepEqual(paths, ['/nodes/0/config/count', '/nodes/1/type', '/wires/2/to']);
});
