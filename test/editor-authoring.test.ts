import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { packageRoot } from '../server/cli/package-root.js';
import type { RuntimeManager } from '../server/runtime/manager.js';
import type { TestContext } from './helpers/api-app.js';
import { canvasNode as node, dragFromPalette, flowUrl, LONG, openEditorPage, serveEditor, wireByMenu } from './helpers/editor-page.js';
import { waitFor } from './helpers/wait.js';

/** A real server with the built editor and one empty flow, and a browser. */
async function setup(t: TestContext): Promise<{ url: string; runtime: RuntimeManager; browser: Browser }> {
  const { base, runtime, browser } = await serveEditor(t);
  runtime.saveDraft({ sluice: 1, id: 'authored', name: 'Authored', nodes: [], wires: [] });
  return { url: flowUrl(base, 'authored'), runtime, browser };
}

/** Each page in a context of its own, as two people on two machines. */
const openPage = async (browser: Browser, url: string) => openEditorPage(await browser.newContext({ viewport: { width: 1440, height: 900 } }), url);

const nodeIds = async (page: Page) => (await page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort();

const wire = wireByMenu;

test('drag simulate → validate → debug from the palette, wire, configure, deploy, see records in the debug sidebar', async (t) => {
  const { url, runtime, browser } = await setup(t);
  const { page, errors } = await openPage(browser, url);

  await page.locator('[data-testid="palette-item"][data-type="validate"]').hover();
  assert.match(await page.getByTestId('palette-docs').textContent() ?? '', /Checks every record/, 'hovering a palette entry shows its docs');

  // Down the left of the canvas, which narrows while the properties panel is open.
  await dragFromPalette(page, 'simulate', 140, 90);
  await dragFromPalette(page, 'validate', 140, 270);
  await dragFromPalette(page, 'debug', 140, 450);
  await wire(page, 'simulate', 'validate');
  await wire(page, 'validate', 'debug');
  await waitFor('two edges', async () => (await page.locator('.react-flow__edge').count()) === 2, LONG);

  await node(page, 'simulate').click();
  const props = page.getByTestId('properties');
  await props.waitFor();
  await props.getByLabel('Rate (readings/s)').fill('40');
  await props.getByLabel('Sensors').fill('3');
  assert.equal(await props.getByText('Rate (readings/s)', { exact: true }).count(), 1, 'the rate\'s label names its unit');
  await waitFor('the config saved to the draft', () => JSON.stringify(runtime.getDraft('authored')!.doc.nodes.find((n) => n.id === 'simulate')?.config) === '{"ratePerSecond":40,"sensors":3}', LONG);

  await page.getByRole('button', { name: 'Deploy…' }).click();
  const dialog = page.getByTestId('deploy-dialog');
  assert.match(await dialog.getByTestId('deploy-diff').textContent() ?? '', /\+ node simulate.*\+ node validate.*\+ node debug/);
  await dialog.getByRole('button', { name: 'Deploy now' }).click();
  await waitFor('the deployed revision', async () => /revision \d+ deployed/.test(await page.getByTestId('flow-revision').textContent() ?? ''), LONG);
  assert.equal(runtime.status('authored')?.state, 'running');

  const entries = page.locator('[data-testid="debug-entry"][data-node="debug"]');
  await waitFor('records in the debug sidebar', async () => (await entries.count()) >= 2, LONG);
  await entries.filter({ hasText: '"sensor"' }).first().locator('button').click();
  assert.match(await page.locator('.sl-debug-json').first().textContent() ?? '', /"sensor": "sim-\d"/);

  // Kept after the run (dist/ is the build output), unlike the test's temporary data directory.
  const shot = join(packageRoot(), 'dist', 'test-output', 'editor-running-flow.png');
  mkdirSync(dirname(shot), { recursive: true });
  await page.keyboard.press('Escape');
  await page.screenshot({ path: shot });
  t.diagnostic(`screenshot of the editor with a running flow: ${shot}`);

  // An invalid value: the form says so at once, and the deploy's refusal appears on the node.
  await node(page, 'simulate').click();
  await props.getByLabel('Sensors').fill('0');
  await props.getByText('must be at least 1').waitFor();
  await page.keyboard.press('Control+Enter');
  await dialog.getByRole('button', { name: 'Deploy now' }).click();
  await dialog.getByTestId('deploy-result').waitFor({ timeout: LONG });
  await page.keyboard.press('Escape');
  const problems = node(page, 'simulate').getByTestId('node-problems');
  await problems.waitFor({ timeout: LONG });
  assert.match(await problems.textContent() ?? '', /sensors: .*1/);
  assert.equal(await node(page, 'validate').getByTestId('node-problems').count(), 0, 'only the node concerned');
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), [], 'the page logged no error besides the refused deploy');
});

test('export then import gives the same flow; a Node-RED export shows the import\'s report first', async (t) => {
  const { url, runtime, browser } = await setup(t);
  runtime.saveDraft({
    sluice: 1, id: 'authored', name: 'Authored',
    nodes: [
      { id: 'sim', type: 'simulate', config: { sensors: 2 }, position: { x: 0, y: 0 } },
      { id: 'check', type: 'validate', retry: { maxAttempts: 3 }, position: { x: 260, y: 0 } },
    ],
    wires: [{ from: 'sim', to: 'check' }],
  });
  const { page, errors } = await openPage(browser, url);
  await node(page, 'check').waitFor();

  await page.getByRole('button', { name: 'Export' }).click();
  const exported = await page.getByTestId('export-json').inputValue();
  assert.deepEqual(JSON.parse(exported), runtime.getDraft('authored')!.doc);
  await page.keyboard.press('Escape');

  await page.getByTestId('canvas').click({ position: { x: 20, y: 400 } });
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await waitFor('an empty canvas', async () => (await page.locator('.react-flow__node').count()) === 0, LONG);
  await waitFor('the empty draft saved', () => runtime.getDraft('authored')!.doc.nodes.length === 0, LONG);

  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByLabel('Flow JSON').fill(exported);
  await page.getByTestId('import-dialog').getByRole('button', { name: 'Import' }).click();
  await waitFor('the imported draft saved', () => runtime.getDraft('authored')!.doc.nodes.length === 2, LONG);
  assert.deepEqual(runtime.getDraft('authored')!.doc, JSON.parse(exported));

  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByLabel('Flow JSON').fill(JSON.stringify([{ id: 'n1', type: 'tab', label: 'Flow 1' }, { id: 'n2', type: 'inject', z: 'n1', wires: [[]] }]));
  await page.getByTestId('import-dialog').getByRole('button', { name: 'Import' }).click();
  const report = page.getByTestId('import-report');
  await report.waitFor({ timeout: LONG });
  assert.match(await report.textContent() ?? '', /1 translated/);
  assert.deepEqual(errors, []);
});

test('keyboard only: add nodes from the palette search, connect them through the menu, deploy', async (t) => {
  const { url, runtime, browser } = await setup(t);
  const { page, errors } = await openPage(browser, url);
  await page.keyboard.press('/');
  await page.keyboard.type('debug');
  await page.keyboard.press('Enter');
  await node(page, 'debug').waitFor({ timeout: LONG });
  await page.keyboard.type('simulate');
  await page.keyboard.press('Enter');
  await node(page, 'simulate').waitFor({ timeout: LONG });
  const props = page.getByTestId('properties');
  await props.getByLabel('Target input').focus();
  await page.keyboard.press('ArrowDown');
  await props.getByRole('button', { name: 'Connect' }).focus();
  await page.keyboard.press('Enter');
  await waitFor('one edge', async () => (await page.locator('.react-flow__edge').count()) === 1, LONG);
  await page.getByTestId('palette-search').focus();
  await page.keyboard.press('Control+Enter');
  await page.getByTestId('deploy-dialog').waitFor();
  await page.keyboard.press('Enter');
  await waitFor('deployed', () => runtime.status('authored')?.state === 'running', LONG);
  assert.deepEqual(runtime.getDeployed('authored')!.doc.wires, [{ from: 'simulate', to: 'debug' }]);
  assert.deepEqual(errors, []);
});

test('two people edit the same flow at once and end with the same nodes and wires', async (t) => {
  const { url, runtime, browser } = await setup(t);
  const [a, b] = await Promise.all([openPage(browser, url), openPage(browser, url)]);
  await Promise.all([dragFromPalette(a.page, 'simulate', 140, 100), dragFromPalette(b.page, 'debug', 140, 350)]);
  await waitFor('each sees the other\'s node', async () => (await nodeIds(a.page)).length === 2 && (await nodeIds(b.page)).length === 2, LONG);
  await wire(a.page, 'simulate', 'debug');
  await waitFor('the wire on both', async () => (await b.page.locator('.react-flow__edge').count()) === 1, LONG);

  // Selections are shown to the others, in the selecting person's colour.
  await a.page.locator('.react-flow__node[data-id="debug"]').click();
  await b.page.locator('.react-flow__node[data-id="debug"] [data-testid="node-peers"]').waitFor({ timeout: LONG });

  // So is the pointer: B sees A's cursor, with A's name, follow A's mouse over the canvas (in flow coordinates).
  // serveEditor logs every page in as test-admin: A is shown under that login name.
  const nameOfA = 'test-admin';
  const cursorOfA = b.page.locator('[data-testid="peer-cursor"]');
  const canvasOfA = (await a.page.getByTestId('canvas').boundingBox())!;
  await a.page.mouse.move(canvasOfA.x + 60, canvasOfA.y + 500, { steps: 4 });
  await cursorOfA.waitFor({ timeout: LONG });
  assert.equal(await cursorOfA.getAttribute('data-name'), nameOfA);
  assert.match(await cursorOfA.textContent() ?? '', new RegExp(nameOfA!));
  const at = async () => [Number(await cursorOfA.getAttribute('data-x')), Number(await cursorOfA.getAttribute('data-y'))] as const;
  // Flow coordinates of a screen point, as A's canvas maps it.
  const flowOnA = (clientX: number, clientY: number) => a.page.evaluate<[number, number]>(`(() => {
    const r = document.querySelector('.react-flow').getBoundingClientRect();
    const m = new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')).transform);
    return [Math.round((${clientX} - r.left - m.e) / m.a), Math.round((${clientY} - r.top - m.f) / m.d)];
  })()`);
  // B first shows where A's first move ended (the throttle sends the end of every burst), then follows the next.
  const seenAt = async (what: string, target: readonly [number, number]) => {
    let seen: readonly number[] = [];
    await waitFor(what, async () => {
      seen = await at();
      return seen[0] === target[0] && seen[1] === target[1];
    }, LONG).catch((err: unknown) => { throw new Error(`${(err as Error).message}: at ${seen.join()}, not ${target.join()}`); });
  };
  const first = await flowOnA(canvasOfA.x + 60, canvasOfA.y + 500);
  await seenAt('A\'s cursor where A\'s mouse stopped', first);
  await a.page.mouse.move(canvasOfA.x + 260, canvasOfA.y + 600, { steps: 8 });
  const settled = await flowOnA(canvasOfA.x + 260, canvasOfA.y + 600);
  assert.ok(settled[0] - first[0] >= 150 && settled[1] - first[1] >= 50, `the mouse moved right and down in flow coordinates: ${first} → ${settled}`);
  await seenAt('A\'s cursor to follow A\'s mouse right and down on B\'s canvas', settled);

  // Throttled: 100 pointer moves within one task reach B as at most two updates (the first at once, the last
  // when the interval ends), and B ends on the last position.
  await b.page.evaluate(`(() => {
    window.cursorChanges = 0;
    new MutationObserver((records) => { window.cursorChanges += records.filter((r) => r.attributeName === 'data-x').length; })
      .observe(document.querySelector('[data-testid="peer-cursor"]'), { attributes: true });
  })()`);
  const burstEnd = canvasOfA.x + 360 + 99;
  await a.page.evaluate(`(() => {
    const pane = document.querySelector('.react-flow');
    for (let i = 99; i >= 0; i--) pane.dispatchEvent(new PointerEvent('pointermove', { bubbles: true, clientX: ${burstEnd} - i, clientY: ${canvasOfA.y + 600} }));
  })()`);
  await seenAt('B to show where the burst ended', await flowOnA(burstEnd, canvasOfA.y + 600));
  const changes = await b.page.evaluate<number>('window.cursorChanges');
  assert.ok(changes >= 1 && changes <= 2, `${changes} cursor updates for a burst of 100 moves`);

  // Undo takes back only one's own edit: B undoes its node; A's node and wire... the wire to B's node goes with it.
  await b.page.getByRole('button', { name: 'Undo' }).click();
  await waitFor('B\'s node undone on both', async () => (await nodeIds(a.page)).join() === 'simulate' && (await nodeIds(b.page)).join() === 'simulate', LONG);
  await a.page.getByRole('button', { name: 'Undo' }).click();
  await a.page.getByRole('button', { name: 'Undo' }).click();
  await waitFor('A undid its node', async () => (await nodeIds(b.page)).length === 0, LONG);
  await b.page.getByRole('button', { name: 'Redo' }).click();
  await waitFor('B\'s redo brings back only B\'s node', async () => (await nodeIds(a.page)).join() === 'debug' && (await nodeIds(b.page)).join() === 'debug', LONG);
  await waitFor('the saved draft agrees', () => runtime.getDraft('authored')!.doc.nodes.map((n) => n.id).join() === 'debug', LONG);
  assert.deepEqual([...a.errors, ...b.errors], []);

  // A leaves: its cursor disappears from B's canvas.
  await a.page.mouse.move(canvasOfA.x + 300, canvasOfA.y + 300);
  await cursorOfA.waitFor({ timeout: LONG });
  await a.page.context().close();
  await cursorOfA.waitFor({ state: 'detached', timeout: LONG });
  assert.deepEqual(b.errors, []);
});
