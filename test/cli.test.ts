import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { builtinNodes } from '../nodes/index.js';
import type { FlowStatus, FlowSummary } from '../server/runtime/api.js';
import { tempDir } from './helpers/temp-dir.js';
import { api, spawnServer, startServer, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { sluice } from './helpers/sluice-cli.js';
import { waitFor } from './helpers/wait.js';

const demoFile = fileURLToPath(new URL('../../flows/demo.json', import.meta.url));
const testNodes = fileURLToPath(new URL('./fixtures/test-nodes.js', import.meta.url));

const lines = (text: string) => text.split('\n').filter(Boolean);

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

const feedToSink = (id: string) => ({
  sluice: 1, id,
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count: 20, batchSize: 5 } },
    { id: 'sink', type: 'test-sink', config: { file: '${env:SINK_FILE}' } },
  ],
  wires: [{ from: 'feed', to: 'sink' }],
});

test('validate accepts the demo flow offline; what depends on a reference is listed as not checked', async () => {
  const r = await sluice(['validate', demoFile]);
  assert.equal(r.code, 0, r.stderr);
  const unchecked = (i: number, node: string) =>
    `note: /nodes/${i}/config/url (node ${node}) is checked on the server, where \${env:SLUICE_MQTT_URL} has a value`;
  assert.deepEqual(lines(r.stdout), [
    'ok: demo (11 nodes, 9 wires)', unchecked(1, 'publish'), unchecked(2, 'subscribe'),
    'note: not checked offline, assumed set on the server: ${env:SLUICE_MQTT_URL}',
  ]);
});

test('validate prints one line per problem and exits 1', async (t) => {
  const dir = tempDir(t);
  const bad = writeJson(dir, 'bad.json', {
    sluice: 1, id: 'bad',
    nodes: [
      { id: 'sim', type: 'simulate', config: { sensors: 0 } },
      { id: 'check', type: 'validate', config: { ranges: 'wide' } },
      { id: 'x', type: 'mystery' },
    ],
    wires: [{ from: 'sim:nowhere', to: 'check' }],
  });
  const r = await sluice(['validate', bad]);
  assert.equal(r.code, 1);
  assert.deepEqual(lines(r.stdout), [
    '/nodes/0/config/sensors (node sim): expected integer to be greater or equal to 1 (got 0)',
    '/nodes/1/config/ranges (node check): expected object (got "wide")',
    `/nodes/2/type (node x): unknown node type "mystery"; known types: ${builtinNodes.map((n) => n.type).sort().join(', ')}`,
    '/wires/0/from (node sim): node "sim" (simulate) has no output port "nowhere"; its outputs: out',
  ]);

  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{\n  "sluice": 1,\n  "id": "b",,\n}');
  const syntax = await sluice(['validate', broken]);
  assert.equal(syntax.code, 1);
  assert.equal(lines(syntax.stdout).length, 1);
  assert.match(syntax.stdout, /^\/: not valid JSON at line 3, column 13: /);

  const missing = await sluice(['validate', join(dir, 'absent.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /ENOENT/);
});

test('validate loads extra node modules and assumes secret references are set', async (t) => {
  const file = writeJson(tempDir(t), 'custom.json', feedToSink('custom'));
  const without = await sluice(['validate', file]);
  assert.equal(without.code, 1);
  assert.match(without.stdout, /unknown node type "test-feed"/);

  const r = await sluice(['validate', file, '--nodes', testNodes]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(lines(r.stdout), [
    'ok: custom (2 nodes, 1 wires)',
    'note: not checked offline, assumed set on the server: ${env:SINK_FILE}',
  ]);
});

test('bad arguments print the usage and exit 2', async () => {
  for (const args of [[], ['validate'], ['frobnicate'], ['deploy', 'a.json', '--bogus'], ['start', '--port', 'high'], ['start', '--heap-growth', '-5'], ['start', '--heap-growth', '1.5'], ['export', 'x', '--revision', 'latest']]) {
    const r = await sluice(args);
    assert.equal(r.code, 2, `sluice ${args.join(' ')}`);
    assert.match(r.stderr, /Usage: sluice <command>/);
  }
  const heap = await sluice(['start', '--heap-growth', 'lots']);
  assert.match(heap.stderr, /--heap-growth must be a whole percent 0\.\.1000 \(0: V8's own\), got lots/);
  const help = await sluice(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Commands:/);
});

test('deploy and export against a running server; SIGTERM stops it with code 0', async (t) => {
  const dir = tempDir(t);
  const server = await startServer(join(dir, 'data'), ['--nodes', testNodes]);
  t.after(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });
  const sinkFile = join(dir, 'sink.ndjson');

  const doc = { ...feedToSink('cli'), nodes: [feedToSink('cli').nodes[0], { id: 'sink', type: 'test-sink', config: { file: sinkFile } }] };
  const file = writeJson(dir, 'cli.json', doc);
  assert.equal(process.env.SLUICE_TOKEN, undefined, 'the test runs without a token of its own');
  const anonymous = await sluice(['deploy', file, '--server', server.url]);
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /deploy failed: 401 .*needs a session or an API token.*; create one with `npx sluice token create --scope editor`/);
  // What `export SLUICE_TOKEN=$(sluice token create …)` leaves when the command inside failed: said, never sent.
  const empty = await sluice(['deploy', file, '--server', server.url], { env: { SLUICE_TOKEN: '' } });
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /SLUICE_TOKEN is set but empty \(did the command that set it fail\?\)/);
  const deployed = await sluice(['deploy', file, '--server', server.url, '--token', server.token]);
  assert.equal(deployed.code, 0, deployed.stderr + server.stderr());
  assert.deepEqual(lines(deployed.stdout), ['deployed cli revision 1']);
  await waitFor('20 records at the sink', () => {
    return existsSync(sinkFile) && lines(readFileSync(sinkFile, 'utf8')).length === 20;
  });

  const invalid = writeJson(dir, 'invalid.json', { ...doc, nodes: [{ ...doc.nodes[0], config: { count: 'many' } }, doc.nodes[1]] });
  const refused = await sluice(['deploy', invalid, '--server', server.url], { env: { SLUICE_TOKEN: server.token } });
  assert.equal(refused.code, 1);
  assert.deepEqual(lines(refused.stdout), ['/nodes/0/config/count (node feed): expected integer (got "many")']);
  assert.equal((await api<FlowStatus>(server, '/api/flows/cli/status')).deployedRevision, 1, 'the running flow is untouched');

  const exported = await sluice(['export', 'cli', '--server', server.url], { env: { SLUICE_TOKEN: server.token } });
  assert.equal(exported.code, 0, exported.stderr);
  assert.deepEqual(JSON.parse(exported.stdout), doc);
  const deployedRevision = await sluice(['export', 'cli', '--server', server.url, '--revision', 'deployed', '--token', server.token]);
  assert.deepEqual(JSON.parse(deployedRevision.stdout), doc);

  const unknown = await sluice(['export', 'nope', '--server', server.url, '--token', server.token]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /export failed: 404 flow "nope" not found/);

  assert.equal(await stopGracefully(server), 0, server.stderr());
  const unreachable = await sluice(['deploy', file, '--server', server.url]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /cannot reach the Sluice server/);
});

test('the first start of an empty data directory deploys the demo flow, and only the first', async (t) => {
  const data = join(tempDir(t), 'data');
  const first = await startWithDemo(data);
  t.after(() => { if (first.child.exitCode === null) first.child.kill('SIGKILL'); });
  const status = await waitFor('readings through the demo', async () => {
    const s = await api<FlowStatus>(first, '/api/flows/demo/status');
    return s.nodes.readings && s.nodes.readings.in > 0 ? s : undefined;
  });
  assert.equal(status?.state, 'running');
  assert.equal(await stopGracefully(first), 0, first.stderr());

  const second = await startWithDemo(data);
  t.after(() => { if (second.child.exitCode === null) second.child.kill('SIGKILL'); });
  const flows = await api<FlowSummary[]>(second, '/api/flows');
  assert.deepEqual(flows.map((f) => [f.id, f.draftRevision, f.deployedRevision, f.state]), [['demo', 1, 1, 'running']]);
  assert.equal(await stopGracefully(second), 0, second.stderr());
});

/** Like the shared startServer, but with the demo (and its embedded broker on a free port). */
const startWithDemo = (dataDir: string) => spawnServer(['--data', dataDir, '--mqtt-port', '0']);

test('validate accepts every shipped flow offline, references in patterned fields (broker and QuestDB URLs) included', async () => {
  const shipped = readdirSync(fileURLToPath(new URL('../../flows/', import.meta.url))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  assert.ok(shipped.length >= 6, `flows/ holds ${shipped.join(', ')}`);
  for (const flow of shipped) {
    const r = await sluice(['validate', fileURLToPath(new URL(`../../flows/${flow}.json`, import.meta.url))]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(lines(r.stdout)[0]!, new RegExp(`^ok: ${flow} \\(\\d+ nodes, \\d+ wires\\)$`));
  }
  const r = await sluice(['validate', fileURLToPath(new URL('../../flows/vibration-mqtt.json', import.meta.url))]);
  assert.ok(lines(r.stdout).includes('note: not checked offline, assumed set on the server: ${env:MQTT_URL}, ${env:QUESTDB_URL}'), r.stdout);
});

test('validate never quotes the stand-in it checks a reference with: it names the field and the reference', async () => {
  const file = fileURLToPath(new URL('../../flows/construction-site-monitoring.json', import.meta.url));
  const r = await sluice(['validate', file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /offline-reference|placeholder/);
  assert.ok(lines(r.stdout).includes('note: /nodes/1/config/url (node dust-api) is checked on the server, where ${env:SITE_VENDOR_API} has a value'), r.stdout);
});

test('validate locates a function missing its closing brace where the code ends, on one line or many', async (t) => {
  const dir = tempDir(t);
  const flow = (code: string) => writeJson(dir, 'fn.json', { sluice: 1, id: 'fn', nodes: [{ id: 'fn', type: 'function', config: { code } }], wires: [] });
  const oneLine = await sluice(['validate', flow('export function process(records) { return records.filter((r) => r.value > 0);')]);
  assert.equal(oneLine.code, 1);
  assert.match(oneLine.stdout, /^\/nodes\/0\/config\/code \(node fn\): SyntaxError: Unexpected end of input at line 1, column 78 \(a `\{`, `\(` or `\[` is not closed\)$/m);
  const nested = await sluice(['validate', flow('export function process(records) {\n  return records.map((r) => {\n    return r;\n  });')]);
  assert.match(nested.stdout, /Unexpected end of input at line 4, column 6 /);
  const token = await sluice(['validate', flow('export function process(records) {\n  return records.map((r) => {\n    return r;\n  );\n}\n')]);
  assert.match(token.stdout, /Unexpected token '\)' at line 4, column 3$/m);
});
