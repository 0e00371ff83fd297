import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  canvasNode, dragFromPalette, dragWire, flowUrl, handle, LONG, openEditorPage, serveEditor,
} from './helpers/editor-page.js';
import { waitFor } from './helpers/wait.js';

/* The canvas by hand: wires drawn with the mouse, and the clipboard between two tabs. */

const edgeCount = (page: Page) => page.locator('.react-flow__edge').count();

test('wires are drawn with the mouse from an output handle to an input, right after the nodes were dropped; invalid pairs are refused', async (t) => {
  const { base, runtime, browser } = await serveEditor(t);
  runtime.saveDraft({ sluice: 1, id: 'wiring', name: 'Wiring', nodes: [], wires: [] });
  const { page, errors } = await openEditorPage(await browser.newContext({ viewport: { width: 1440, height: 900 } }), flowUrl(base, 'wiring'));
  const wires = () => runtime.getDraft('wiring')!.doc.wires;

  // Left of the properties panel that opens over the canvas's right side when a dropped node is selected.
  await dragFromPalette(page, 'simulate', 130, 80);
  await dragFromPalette(page, 'validate', 330, 300);
  // No pause: the handles must be usable as soon as the node is on the canvas.
  await dragWire(page, handle(page, 'simulate', 'out', 'source'), handle(page, 'validate', 'in', 'target'));
  await waitFor('the wire simulate → validate in the draft', () => wires().length === 1, LONG);
  assert.deepEqual(wires(), [{ from: 'simulate', to: 'validate' }]);
  await dragFromPalette(page, 'debug', 130, 540);
  // From the `invalid` port: the wire keeps the port name, the input is the default `in`.
  let validWhileOver = -1;
  await dragWire(page, handle(page, 'validate', 'invalid', 'source'), handle(page, 'debug', 'in', 'target'), async () => {
    validWhileOver = await page.locator('.react-flow__handle.valid').count();
  });
  await waitFor('the wire validate:invalid → debug', () => wires().length === 2, LONG);
  assert.equal(validWhileOver, 1, 'the input under the pointer is marked valid while the wire is drawn');
  assert.deepEqual(wires()[1], { from: 'validate:invalid', to: 'debug' });
  await waitFor('two edges on the canvas', async () => (await edgeCount(page)) === 2, LONG);

  // Refused: a self-loop, an input to an input, and the same wire again; the pointer shows it is not valid.
  const refused: [string, ReturnType<typeof handle>, ReturnType<typeof handle>][] = [
    ['a self-loop', handle(page, 'validate', 'out', 'source'), handle(page, 'validate', 'in', 'target')],
    ['input to input', handle(page, 'validate', 'in', 'target'), handle(page, 'debug', 'in', 'target')],
    ['a duplicate', handle(page, 'simulate', 'out', 'source'), handle(page, 'validate', 'in', 'target')],
  ];
  for (const [what, from, to] of refused) {
    let valid = -1;
    await dragWire(page, from, to, async () => {
      valid = await page.locator('.react-flow__handle.valid').count();
    });
    assert.equal(valid, 0, `${what} is not marked valid`);
  }
  // Edits reach the draft in order: once a later valid wire is there, a refused one would be there too.
  await dragWire(page, handle(page, 'simulate', 'out', 'source'), handle(page, 'debug', 'in', 'target'));
  await waitFor('the wire simulate → debug', () => wires().length >= 3, LONG);
  assert.deepEqual(wires().map((w) => `${w.from} → ${w.to}`).sort(), ['simulate → debug', 'simulate → validate', 'validate:invalid → debug'], 'no refused wire reached the draft');
  await waitFor('three edges on the canvas', async () => (await edgeCount(page)) === 3, LONG);
  assert.deepEqual(errors, []);
});

test('copy in one tab, paste in another: the nodes and the wires between them arrive under fresh ids, secrets only as references', async (t) => {
  const { base, runtime, browser } = await serveEditor(t);
  runtime.setSecret('broker_password', 'hunter2-do-not-leak');
  runtime.saveDraft({
    sluice: 1, id: 'origin', name: 'Origin',
    nodes: [
      { id: 'sim', type: 'simulate', config: { sensors: 2 }, position: { x: 0, y: 0 } },
      { id: 'check', type: 'validate', position: { x: 260, y: 0 } },
      { id: 'publish', type: 'mqtt-out', config: { url: 'mqtt://127.0.0.1:1883', topic: 't', password: '${secret:broker_password}' }, position: { x: 520, y: 0 } },
      { id: 'left-behind', type: 'debug', position: { x: 260, y: 200 } },
    ],
    wires: [{ from: 'sim', to: 'check' }, { from: 'check', to: 'publish' }, { from: 'check:invalid', to: 'left-behind' }],
  });
  runtime.saveDraft({
    sluice: 1, id: 'target', name: 'Target',
    nodes: [{ id: 'sim', type: 'simulate', position: { x: 0, y: 300 } }], wires: [],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const a = await openEditorPage(context, flowUrl(base, 'origin'));
  const b = await openEditorPage(context, flowUrl(base, 'target'));

  await a.page.bringToFront();
  await canvasNode(a.page, 'sim').click();
  await canvasNode(a.page, 'check').click({ modifiers: ['Shift'] });
  await canvasNode(a.page, 'publish').click({ modifiers: ['Shift'] });
  await waitFor('three nodes selected', async () => (await a.page.locator('.react-flow__node.selected').count()) === 3, LONG);
  await a.page.keyboard.press('Control+c');
  const copied = await a.page.evaluate<string>('navigator.clipboard.readText()');
  assert.match(copied, /\$\{secret:broker_password\}/, 'the reference travels');
  assert.doesNotMatch(copied, /hunter2/, 'the secret value does not');

  await b.page.bringToFront();
  await b.page.getByTestId('canvas').click({ position: { x: 40, y: 600 } });
  await b.page.keyboard.press('Control+v');
  const target = () => runtime.getDraft('target')!.doc;
  await waitFor('the pasted nodes in the other flow', () => target().nodes.length === 4, LONG);
  assert.deepEqual(target().nodes.map((n) => n.id), ['sim', 'sim-2', 'check', 'publish'], 'the copy of `sim` is renamed: the flow has one');
  const wireSet = (doc: { wires: { from: string; to: string }[] }) => doc.wires.map((w) => `${w.from} → ${w.to}`).sort();
  assert.deepEqual(wireSet(target()), ['check → publish', 'sim-2 → check'], 'only the wires between copied nodes, renamed');
  assert.equal(target().nodes.find((n) => n.id === 'publish')!.config!.password, '${secret:broker_password}');
  assert.deepEqual(target().nodes.find((n) => n.id === 'sim-2')!.position, { x: 40, y: 40 }, 'offset from the original');
  assert.equal(runtime.getDraft('origin')!.doc.nodes.length, 4, 'copying leaves the origin as it was');
  await waitFor('the two pasted wires on the target\'s canvas', async () => (await edgeCount(b.page)) === 2, LONG);

  // The pasted nodes are selected: Delete removes them (with their wires), Ctrl+Z brings them back, Ctrl+Shift+Z again.
  await waitFor('the pasted nodes selected', async () => (await b.page.locator('.react-flow__node.selected').count()) === 3, LONG);
  await b.page.keyboard.press('Delete');
  await waitFor('the pasted nodes deleted', () => target().nodes.length === 1 && target().wires.length === 0, LONG);
  await b.page.keyboard.press('Control+z');
  await waitFor('undone with Ctrl+Z', () => target().nodes.length === 4 && target().wires.length === 2, LONG);
  await b.page.keyboard.press('Control+Shift+z');
  await waitFor('redone with Ctrl+Shift+Z', () => target().nodes.length === 1 && target().wires.length === 0, LONG);
  await waitFor('the canvas agrees', async () => (await b.page.locator('.react-flow__node').count()) === 1, LONG);
  assert.deepEqual([...a.errors, ...b.errors], []);
});
