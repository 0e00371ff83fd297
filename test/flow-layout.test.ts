import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../server/cli/package-root.js';
import type { FlowDocument } from '../server/core/flow-format.js';
import { NodeRegistry } from '../server/core/registry.js';
import { builtinNodes } from '../nodes/index.js';
import { signIn } from './helpers/browser.js';
import { LONG, serveEditor } from './helpers/editor-page.js';
import { handlePoint, layoutProblems, nodeBoxes } from './helpers/node-box.js';
import { embeddedBroker } from './helpers/mqtt-broker.js';
import { setEnv } from './helpers/shipped-flow.js';

const registry = new NodeRegistry(builtinNodes);
const flowsDir = join(packageRoot(), 'flows');
const shipped = readdirSync(flowsDir).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(flowsDir, f), 'utf8')) as FlowDocument);

test('no shipped flow has nodes that overlap, or wires that pass behind a node, at the size the editor draws them while running', () => {
  assert.ok(shipped.length >= 6, shipped.map((d) => d.id).join(', '));
  for (const doc of shipped) assert.ok(doc.nodes.every((n) => n.position), `${doc.id}: every node has a position`);
  assert.deepEqual(shipped.flatMap((d) => layoutProblems(d, registry)), []);
});

test('the check catches the demo\'s old layout, where the alert overlapped "rejected readings" with a wire behind it', () => {
  const demo = structuredClone(shipped.find((d) => d.id === 'demo')!);
  const at = { sensors: [60, 120], publish: [300, 120], subscribe: [60, 300], check: [300, 300], readings: [560, 180], rejected: [560, 460], 'too-warm': [560, 300], alerts: [800, 300] } as const;
  // Only the nodes the old demo had: what was added since (its dashboard widgets) is not part of that layout.
  demo.nodes = demo.nodes.filter((n) => n.id in at);
  demo.wires = demo.wires.filter((w) => [w.from, w.to].every((end) => end.split(':')[0]! in at));
  for (const n of demo.nodes) n.position = { x: at[n.id as keyof typeof at][0], y: at[n.id as keyof typeof at][1] };
  const problems = layoutProblems(demo, registry);
  assert.ok(problems.includes('demo: nodes "rejected" and "too-warm" overlap (or are less than 16 px apart)'), problems.join('\n'));
  // …and a wire drawn through a node: the demo's alert moved into the path of check:invalid → rejected.
  demo.nodes.find((n) => n.id === 'too-warm')!.position = { x: 400, y: 420 };
  assert.ok(layoutProblems(demo, registry).includes('demo: the wire check:invalid → rejected passes behind node "too-warm"'), layoutProblems(demo, registry).join('\n'));
});

test('the boxes the check uses are the ones the editor draws: the running demo, measured in the browser', { timeout: 120_000 }, async (t) => {
  const broker = await embeddedBroker(t, 'the demo publishes to and subscribes from a broker');
  setEnv(t, { SLUICE_MQTT_URL: broker.url });
  const { base, runtime, browser } = await serveEditor(t);
  const demo = shipped.find((d) => d.id === 'demo')!;
  await runtime.deploy('demo', demo);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page, base, runtime.auth);
  await page.goto(`${base}/#/flows/demo`);
  // Live figures make nodes taller: wait until every node shows them.
  await page.waitForFunction(`document.querySelectorAll('.react-flow__node .sl-node-health').length === ${demo.nodes.length}`, undefined, { timeout: LONG });
  const measured = await page.evaluate<[string, number, number, number, number, [string, number][]][]>(`(() => {
    const m = new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')).transform);
    return [...document.querySelectorAll('.react-flow__node')].map((n) => {
      const r = n.getBoundingClientRect();
      const handles = [...n.querySelectorAll('.react-flow__handle.source')].map((h) => { const b = h.getBoundingClientRect(); return [h.dataset.handleid, (b.y + b.height / 2 - r.y) / m.a]; });
      return [n.dataset.id, r.width / m.a, r.height / m.a, 0, 0, handles];
    });
  })()`);
  const model = new Map(nodeBoxes(demo, registry).map((b) => [b.id, b]));
  for (const [id, width, height, , , handles] of measured) {
    const box = model.get(id)!;
    assert.ok(Math.abs(width - box.width) <= 2, `${id}: width ${width} drawn, ${box.width} in the check`);
    assert.ok(Math.abs(height - box.height) <= 3, `${id}: height ${height} drawn, ${box.height} in the check`);
    for (const [port, y] of handles) assert.ok(Math.abs(y - (handlePoint(box, port, 'output').y - box.y)) <= 2, `${id}:${port} handle at ${y}`);
  }
});
