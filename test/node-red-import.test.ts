import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileFlow } from '../server/core/compile-flow.js';
import type { FlowDocument } from '../server/core/flow-format.js';
import { NodeRegistry } from '../server/core/registry.js';
import { translateNodeRed, TABLE } from '../server/node-red/index.js';
import { builtinNodes } from '../nodes/index.js';
import { openApp } from './helpers/api-app.js';
import { importExamples, translatedShare } from './helpers/node-red-examples.js';
import { sluice } from './helpers/sluice-cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { CONTRIB, largeExport, LINK_LOOP, SUBFLOWS, WITH_CREDENTIALS } from './fixtures/node-red-exports.js';

const registry = new NodeRegistry(builtinNodes);
const everySecretSet = { get: () => 'set-for-the-test' };

/** Deploy's checks; the only problems left must be the placeholders' own refusals. */
function deployProblems(doc: FlowDocument) {
  const r = compileFlow(doc, registry, everySecretSet);
  return r.ok ? [] : r.problems;
}

test('every example flow Node-RED ships imports without an exception, and 90 % of the nodes of translated types become Sluice nodes', () => {
  const imports = importExamples();
  assert.ok(imports.length >= 100, `found ${imports.length} example files`);
  for (const { file, result } of imports) {
    for (const flow of result.flows) {
      for (const p of deployProblems(flow)) {
        const node = flow.nodes.find((n) => n.id === p.nodeId);
        assert.equal(node?.type, 'node-red-placeholder', `${file}: ${p.path} ${p.message}`);
      }
    }
    for (const n of result.report.nodes.filter((x) => x.status === 'needs-hand')) {
      assert.ok(n.notes[0] && n.notes[0].length > 10, `${file}: ${n.type} ${n.id} is named with a reason`);
    }
  }
  const share = translatedShare(imports);
  assert.ok(share.translated / share.inTable >= 0.9, `${share.translated} of ${share.inTable}`);
});

test('what cannot be translated (a contrib node) stays as a placeholder with its wires, and deploy refuses it with the reason', async (t) => {
  const { flows: [flow], report } = translateNodeRed(CONTRIB);
  const entry = report.nodes.find((n) => n.id === 'c-modbus')!;
  assert.equal(entry.status, 'needs-hand');
  assert.match(entry.notes[0]!, /"modbus-read" is not a Node-RED core type \(a contrib node\?\)/);
  assert.deepEqual(flow!.wires, [{ from: 'c-inject', to: 'c-modbus' }, { from: 'c-modbus', to: 'c-debug' }]);
  const config = report.nodes.find((n) => n.id === 'c-server')!;
  assert.equal(config.status, 'needs-hand');
  assert.match(config.notes[0]!, /config node of type "modbus-client" has no translation \(used by c-modbus\)/);

  const { app } = await openApp(t);
  const imported = (await app.inject({ method: 'POST', url: '/api/import', payload: CONTRIB })).json() as { flowId: string };
  const deploy = await app.inject({ method: 'POST', url: `/api/flows/${imported.flowId}/deploy` });
  assert.equal(deploy.statusCode, 400);
  const problems = (deploy.json() as { problems: { nodeId: string; message: string }[] }).problems;
  assert.deepEqual(problems.map((p) => p.nodeId), ['c-modbus']);
  assert.equal(problems[0]!.message, `Node-RED node of type "modbus-read" was not translated: ${entry.notes[0]}; replace this placeholder with Sluice nodes, then deploy`);
});

test('link nodes that form a loop are reported, and the wire closing the loop ends in a placeholder deploy refuses', async (t) => {
  const { flows: [flow], report } = translateNodeRed(LINK_LOOP);
  assert.equal(report.problems.length, 1);
  assert.match(report.problems[0]!.message, /the wire from "count" to "count" closes a loop \(count → count\); Sluice flows are acyclic/);
  assert.ok(flow!.wires.some((w) => w.from === 'count' && w.to === 'loop-1'));
  assert.equal(flow!.nodes.find((n) => n.id === 'loop-1')?.type, 'node-red-placeholder');

  const { app } = await openApp(t);
  const imported = (await app.inject({ method: 'POST', url: '/api/import', payload: LINK_LOOP })).json() as { flowId: string };
  const deploy = await app.inject({ method: 'POST', url: `/api/flows/${imported.flowId}/deploy` });
  assert.equal(deploy.statusCode, 400);
  assert.match(deploy.body, /closes a loop/);
});

test('a body that is not JSON is refused with its line and column, by the API and by the CLI', async (t) => {
  const { app } = await openApp(t);
  const res = await app.inject({ method: 'POST', url: '/api/import', payload: '[{"id": "a", "type": "inject",\n  "wires": [[]]', headers: { 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 400);
  const body = res.json() as { error: string; problems: { message: string }[] };
  assert.equal(body.error, 'invalid-flow');
  assert.match(body.problems[0]!.message, /line 2, column \d+/);

  const dir = tempDir(t);
  writeFileSync(join(dir, 'broken.json'), '[{"id": "a",, "type": "inject"}]');
  const cli = await sluice(['import-node-red', join(dir, 'broken.json'), '--out', dir]);
  assert.equal(cli.code, 1);
  assert.match(cli.stdout, /line 1, column 13/);
});

test('an export of 5,000 nodes over 5 tabs imports as 5 flows with every node reported; one tab of 5,000 is refused with the reason', async (t) => {
  const big = largeExport(5000, 5);
  const { flows, report } = translateNodeRed(big);
  assert.equal(flows.length, 5);
  assert.equal(report.nodes.length, big.length - 5);
  assert.equal(report.counts.needsHand, 0);
  for (const flow of flows) assert.deepEqual(deployProblems(flow), [], flow.id);

  const { app } = await openApp(t);
  const imported = await app.inject({ method: 'POST', url: '/api/import', payload: big });
  assert.equal(imported.statusCode, 201);
  assert.equal((imported.json() as { flows: unknown[] }).flows.length, 5);

  const oneTab = largeExport(5000, 1);
  const refused = await app.inject({ method: 'POST', url: '/api/import', payload: oneTab });
  assert.equal(refused.statusCode, 422);
  assert.match((refused.json() as { message: string }).message, /the tab "Line 1" \(big-tab-0\) makes 4998 nodes .*a Sluice flow holds at most 2000 nodes/);
  assert.equal((await app.inject({ url: '/api/flows' })).json().length, 5, 'nothing of the refused import was saved');
});

test('credentials in an export become secret references named after the broker; no value reaches the database, the draft, the report or an export', async (t) => {
  const values = ['gateway-user-7731', 'hunter2-broker-secret', 'http-request-secret-99', 'api-user'];
  const { app, runtime } = await openApp(t);
  const res = await app.inject({ method: 'POST', url: '/api/import', payload: WITH_CREDENTIALS });
  assert.equal(res.statusCode, 201);
  const { flowId, report } = res.json() as { flowId: string; report: { secrets: { name: string; usedBy: string[] }[] } };
  assert.deepEqual(report.secrets.map((s) => [s.name, s.usedBy]), [
    ['mqtt_site_broker_user', ['k-in', 'k-out']], ['mqtt_site_broker_password', ['k-in', 'k-out']],
  ]);
  const draft = (await app.inject({ url: `/api/flows/${flowId}` })).body;
  assert.match(draft, /"password":"\$\{secret:mqtt_site_broker_password\}"/);
  const exported = (await app.inject({ url: `/api/flows/${flowId}/export` })).body;
  const preview = (await app.inject({ method: 'POST', url: '/api/import?preview=true', payload: WITH_CREDENTIALS })).body;
  await runtime.close();
  const dataDir = (runtime as unknown as { options: { dataDir: string } }).options.dataDir;
  const files = readdirSync(dataDir, { recursive: true }).map(String).filter((f) => /\.db(-wal)?$/.test(f));
  assert.ok(files.length > 0);
  for (const v of values) {
    for (const [where, text] of [['the import answer', res.body], ['the draft', draft], ['the export', exported], ['the preview', preview]] as const) {
      assert.ok(!text.includes(v), `${v} in ${where}`);
    }
    for (const f of files) assert.ok(!readFileSync(join(dataDir, f)).includes(v), `${v} in ${f}`);
  }
});

test('subflows are expanded inline in each instance, wired where the instance was', () => {
  const { flows: [flow], report } = translateNodeRed(SUBFLOWS);
  const ids = flow!.nodes.map((n) => n.id).sort();
  assert.deepEqual(ids, ['a-in', 'a-out', 'b-in', 'b-out', 'use-1-sf-scale', 'use-1-sf-tag', 'use-2-sf-scale', 'use-2-sf-tag']);
  assert.deepEqual(flow!.wires, [
    { from: 'a-in', to: 'use-1-sf-scale' }, { from: 'use-1-sf-scale', to: 'use-1-sf-tag' }, { from: 'use-1-sf-tag', to: 'a-out' },
    { from: 'b-in', to: 'use-2-sf-scale' }, { from: 'use-2-sf-scale', to: 'use-2-sf-tag' }, { from: 'use-2-sf-tag', to: 'b-out' },
  ]);
  assert.deepEqual(report.nodes.filter((n) => n.id.includes('/')).map((n) => `${n.id} ${n.becomes}`).sort(), [
    'use-1/sf-scale range', 'use-1/sf-tag change', 'use-2/sf-scale range', 'use-2/sf-tag change',
  ]);
});

test('a catch node becomes a catch fed by the error ports of the nodes it covers, except those downstream of it', () => {
  const { flows: [flow] } = translateNodeRed([
    { id: 't', type: 'tab', label: 'c' },
    { id: 'in', type: 'inject', z: 't', x: 1, y: 1, wires: [['f']] },
    { id: 'f', type: 'function', z: 't', func: 'return msg;', outputs: 1, x: 1, y: 1, wires: [['j']] },
    { id: 'j', type: 'json', z: 't', x: 1, y: 1, wires: [[]] },
    { id: 'c', type: 'catch', z: 't', scope: null, x: 1, y: 1, wires: [['log']] },
    { id: 'log', type: 'function', z: 't', func: 'return msg;', outputs: 1, x: 1, y: 1, wires: [[]] },
    { id: 'c2', type: 'catch', z: 't', scope: ['j'], x: 1, y: 1, wires: [[]] },
  ]);
  const errorWires = flow!.wires.filter((w) => w.from.endsWith(':error')).map((w) => `${w.from} → ${w.to}`);
  assert.deepEqual(errorWires, ['f:error → c', 'j:error → c', 'j:error → c2']);
  assert.deepEqual(deployProblems(flow!), []);
});

test('sluice import-node-red writes one document per tab and the report; sluice validate says how to import a Node-RED file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'flows.json');
  writeFileSync(file, JSON.stringify(largeExport(60, 2)));
  const out = join(dir, 'out');
  const r = await sluice(['import-node-red', file, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['line-1.json', 'line-2.json', 'node-red-import-report.json']);
  assert.match(r.stdout, /^ok {5}mqtt in n0-0 "mqtt in 0" → mqtt-in$/m);
  assert.match(r.stdout, /57 translated, 0 approximated, 0 need a hand/);
  const ok = await sluice(['validate', join(out, 'line-1.json')]);
  assert.equal(ok.code, 0, ok.stdout);

  const v = await sluice(['validate', file]);
  assert.equal(v.code, 1);
  assert.match(v.stdout, /this is a Node-RED export \(59 nodes on 2 tabs\), not a Sluice flow document; translate it with\n {2}sluice import-node-red .*flows\.json --out DIR/);
  assert.ok(Object.keys(TABLE).includes('mqtt in'));
});

test('the tab chosen (by id or label) is imported alone; an unknown tab is refused with the list of tabs', async (t) => {
  const { app } = await openApp(t);
  const two = largeExport(60, 2);
  const one = (await app.inject({ method: 'POST', url: '/api/import?tab=Line%202', payload: two })).json() as { flows: { flowId: string }[] };
  assert.deepEqual(one.flows.map((f) => f.flowId), ['line-2']);
  const byId = (await app.inject({ method: 'POST', url: '/api/import?tab=big-tab-0&flowId=first-line', payload: two })).json() as { flowId: string };
  assert.equal(byId.flowId, 'first-line');
  const unknown = await app.inject({ method: 'POST', url: '/api/import?tab=Line%209', payload: two });
  assert.equal(unknown.statusCode, 422);
  assert.equal((unknown.json() as { message: string }).message, 'no tab "Line 9" in the export; its tabs: "Line 1" (big-tab-0), "Line 2" (big-tab-1)');
});
