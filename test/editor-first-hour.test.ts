import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { packageRoot } from '../server/cli/package-root.js';
import type { RuntimeManager } from '../server/runtime/manager.js';
import type { TestContext } from 'node:test';
import { launchChromium, signInContext } from './helpers/browser.js';
import { canvasNode as node, collectErrors, flowUrl, LONG, openEditorPage, serveEditor } from './helpers/editor-page.js';
import { waitFor } from './helpers/wait.js';

/*
 * What a new user met in their first hour with the editor (issue 20), each as the behaviour they rely on.
 * Screenshots go to dist/test-output/first-hour-*.png.
 */

const VIEWPORT = { width: 1440, height: 900 };

async function screenshot(t: TestContext, page: Page, name: string): Promise<void> {
  const path = join(packageRoot(), 'dist', 'test-output', `first-hour-${name}.png`);
  mkdirSync(join(packageRoot(), 'dist', 'test-output'), { recursive: true });
  await page.screenshot({ path });
  t.diagnostic(`screenshot: ${path}`);
}

const threeNodes = (id: string) => ({
  sluice: 1, id, name: 'Three nodes',
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 3 }, position: { x: 40, y: 60 } },
    { id: 'check', type: 'validate', position: { x: 320, y: 60 } },
    { id: 'show', type: 'debug', position: { x: 900, y: 60 } },
  ],
  wires: [{ from: 'sim', to: 'check' }, { from: 'check', to: 'show' }],
});

async function open(t: TestContext, doc: { id: string; nodes: { id: string }[] } = threeNodes('first')): Promise<{ page: Page; errors: string[]; runtime: RuntimeManager; browser: Browser; base: string }> {
  const { base, runtime, browser } = await serveEditor(t);
  runtime.saveDraft(doc);
  const { page, errors } = await openEditorPage(await browser.newContext({ viewport: VIEWPORT }), flowUrl(base, doc.id));
  await node(page, doc.nodes[0]!.id).waitFor({ timeout: LONG });
  return { page, errors, runtime, browser, base };
}

const box = async (page: Page, testId: string) => (await page.getByTestId(testId).boundingBox())!;

test('resting the pointer on a node shows no documentation over the canvas; a palette entry shows its docs inside the palette', async (t) => {
  const { page, errors } = await open(t);
  await node(page, 'check').hover();
  await page.waitForTimeout(400);
  assert.equal(await page.getByTestId('node-docs').count(), 0, 'no docs card over the canvas');

  await page.locator('[data-testid="palette-item"][data-type="validate"]').hover();
  const docs = page.getByTestId('palette-docs');
  await docs.waitFor();
  assert.match(await docs.textContent() ?? '', /Checks every record/);
  assert.match(await docs.textContent() ?? '', /invalid/, 'with its ports');
  const palette = (await page.getByRole('navigation', { name: 'Node palette' }).boundingBox())!;
  const shown = (await docs.boundingBox())!;
  assert.ok(shown.x >= palette.x && shown.x + shown.width <= palette.x + palette.width + 1, 'inside the palette column');
  const canvas = await box(page, 'canvas');
  assert.ok(shown.x + shown.width <= canvas.x + 1, 'left of the canvas');
  await screenshot(t, page, 'palette-docs');
  assert.deepEqual(errors, []);
});

test('the properties panel is docked beside the canvas, never over it, resizable by its edge, and each node\'s form opens at its top', async (t) => {
  const { page, errors } = await open(t);
  const before = await box(page, 'canvas');
  await node(page, 'sim').click();
  const props = page.getByTestId('properties');
  await props.waitFor();
  const canvas = await box(page, 'canvas');
  const panel = await box(page, 'properties');
  assert.ok(canvas.x + canvas.width <= panel.x + 1, `the canvas (right edge ${canvas.x + canvas.width}) ends where the panel (${panel.x}) begins`);
  assert.ok(canvas.width < before.width, 'the canvas made room');
  // What is left of the panel is the canvas itself: nothing of the flow is under a floating panel.
  const atEdge = await page.evaluate(`document.elementFromPoint(${canvas.x + canvas.width - 4}, ${canvas.y + 100})?.closest('.sl-canvas, .sl-props')?.className`);
  assert.equal(atEdge, 'sl-canvas');
  await screenshot(t, page, 'properties-docked');

  const handle = (await box(page, 'properties-resizer'));
  await page.mouse.move(handle.x + 3, handle.y + 200);
  await page.mouse.down();
  await page.mouse.move(handle.x - 117, handle.y + 200, { steps: 5 });
  await page.mouse.up();
  const wider = await box(page, 'properties');
  assert.ok(Math.abs(wider.width - panel.width - 120) <= 4, `dragged 120 px: ${panel.width} → ${wider.width}`);
  const narrower = await box(page, 'canvas');
  assert.ok(narrower.x + narrower.width <= wider.x + 1 && narrower.width < canvas.width - 100);

  // Scrolled down in one node's form, the next node's form starts at its top.
  const body = page.getByTestId('properties-body');
  await body.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  assert.ok(await body.evaluate((el) => el.scrollTop) > 100, 'the simulate form scrolls');
  await node(page, 'check').click();
  await props.getByText('validate · ').first().waitFor();
  assert.equal(await page.getByTestId('properties-body').evaluate((el) => el.scrollTop), 0);
  assert.deepEqual(errors, []);
});

test('forms label fields with their schema titles and show defaults as values, marked as defaults', async (t) => {
  const { page, errors, runtime } = await open(t);
  const batchMs = () => (runtime.getDraft('first')!.doc.nodes[0]!.config as { batchMs?: number }).batchMs;
  await node(page, 'sim').click();
  const props = page.getByTestId('properties');
  const batch = props.getByLabel('Batch (ms)');
  assert.equal(await batch.inputValue(), '100', 'the default is the value shown, not a placeholder');
  assert.equal(await batch.getAttribute('placeholder'), null);
  assert.equal(await props.getByLabel('Sensors', { exact: true }).inputValue(), '3', 'a value set in the flow');
  const field = props.locator('.sl-field[data-path="/batchMs"]');
  assert.equal(await field.getByTestId('field-default').count(), 1, 'marked as the default');
  assert.equal(await field.locator('.sl-required').count(), 0, 'a field with a default is not shown as required');
  assert.equal(await props.locator('.sl-field[data-path="/sensors"]').getByTestId('field-default').count(), 0);
  assert.equal(await props.getByLabel('Retry (ms)').inputValue(), '1000');
  assert.equal(await props.getByLabel('Period (s)').inputValue(), '86400');
  assert.equal(await props.getByText('Batch Ms').count(), 0, 'no label made from the field name');

  // Emptied while typing, the field stays empty under the cursor; the config falls back to the default.
  await batch.fill('250');
  await waitFor('the value saved', () => batchMs() === 250, LONG);
  assert.equal(await field.getByTestId('field-default').count(), 0, 'set: no longer the default');
  await batch.fill('');
  await waitFor('the field removed from the config', () => batchMs() === undefined, LONG);
  assert.equal(await batch.inputValue(), '');
  await batch.pressSequentially('50');
  assert.equal(await batch.inputValue(), '50');
  await screenshot(t, page, 'form-defaults');
  assert.deepEqual(errors, []);
});

test('a problem the server found clears from the node when the value it was about is undone', async (t) => {
  const { page, errors, runtime } = await open(t);
  await node(page, 'sim').click();
  const sensors = page.getByTestId('properties').getByLabel('Sensors', { exact: true });
  await sensors.fill('-4');
  await waitFor('the draft saved', () => (runtime.getDraft('first')!.doc.nodes[0]!.config as { sensors: number }).sensors === -4, LONG);
  await page.keyboard.press('Control+Enter');
  const dialog = page.getByTestId('deploy-dialog');
  await dialog.getByRole('button', { name: 'Deploy now' }).click();
  await dialog.getByTestId('deploy-result').waitFor({ timeout: LONG });
  await dialog.getByRole('button', { name: 'Close' }).click();
  const problems = node(page, 'sim').getByTestId('node-problems');
  await problems.waitFor({ timeout: LONG });
  assert.match(await problems.textContent() ?? '', /sensors/);

  await page.getByRole('button', { name: 'Undo' }).click();
  await waitFor('the field back to 3', async () => (await sensors.inputValue()) === '3', LONG);
  await problems.waitFor({ state: 'detached', timeout: 5000 });
  assert.equal(await node(page, 'sim').evaluate((el) => el.querySelector('.sl-node-invalid') !== null), false, 'no red outline left');
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
});

test('New flow asks for a name in a dialog and opens the new flow', async (t) => {
  const { page, errors, runtime } = await open(t);
  await page.getByRole('button', { name: 'New flow' }).click();
  const dialog = page.getByRole('dialog', { name: 'New flow' });
  await dialog.waitFor();
  await dialog.getByLabel('Name').fill('Boiler room');
  assert.equal(await dialog.getByLabel('ID').inputValue(), 'boiler-room');
  await screenshot(t, page, 'new-flow');
  await dialog.getByRole('button', { name: 'Create and open' }).click();
  await waitFor('the new flow open', async () => page.url().endsWith('#/flows/boiler-room'), LONG);
  await page.getByTestId('canvas').waitFor({ timeout: LONG });
  assert.equal(await page.locator('.sl-header h1').textContent(), 'Boiler room');
  assert.equal(await page.locator('.sl-tab-active').textContent(), 'Boiler room');
  // Still the new flow a moment later: the editor does not fall back to the first tab.
  await page.waitForTimeout(1500);
  assert.ok(page.url().endsWith('#/flows/boiler-room'), page.url());
  assert.equal(runtime.getDraft('boiler-room')?.doc.name, 'Boiler room');

  // A taken id is said in the dialog, before anything is sent.
  await page.getByRole('button', { name: 'New flow' }).click();
  await dialog.getByLabel('Name').fill('Boiler room');
  await dialog.getByText('A flow with the ID “boiler-room” exists already.').waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Create and open' }).isDisabled(), true);
  assert.deepEqual(errors, []);
});

test('presence shows people under their login name, and a reloaded page leaves no ghost of itself', async (t) => {
  const { base, runtime, browser } = await serveEditor(t);
  runtime.saveDraft(threeNodes('shared'));
  const url = flowUrl(base, 'shared');
  const aliceContext = await browser.newContext({ viewport: VIEWPORT });
  await signInContext(aliceContext, base, runtime.auth, 'editor', 'alice');
  const bobContext = await browser.newContext({ viewport: VIEWPORT });
  await signInContext(bobContext, base, runtime.auth, 'editor', 'bob');
  const alice = await openEditorPage(aliceContext, url);
  const bob = await openEditorPage(bobContext, url);
  const peers = (page: Page) => page.getByTestId('presence').locator('.sl-peer').allTextContents();
  await waitFor('each sees the other by name', async () => (await peers(bob.page)).join() === 'alice' && (await peers(alice.page)).join() === 'bob', LONG);

  await alice.page.reload();
  await alice.page.getByTestId('canvas').waitFor({ timeout: LONG });
  // The old page's presence goes with it: within a couple of seconds, never after awareness times out (30 s).
  await waitFor('one alice for bob', async () => (await peers(bob.page)).join() === 'alice', 3000);
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    seen.add((await peers(bob.page)).join());
    await bob.page.waitForTimeout(100);
  }
  assert.deepEqual([...seen], ['alice']);
  await screenshot(t, bob.page, 'presence');

  // A second tab of alice's: bob still sees one alice; alice's first tab sees it as her own other tab.
  const second = await openEditorPage(aliceContext, url);
  await waitFor('alice once for bob', async () => (await bob.page.locator('[data-testid="presence"] .sl-peer[data-name="alice"]').count()) === 1 && /2 tabs/.test(await bob.page.locator('.sl-peer[data-name="alice"]').getAttribute('title') ?? ''), LONG);
  await waitFor('her other tab', async () => (await peers(alice.page)).sort().join() === 'alice (other tab),bob', LONG);
  assert.deepEqual(second.errors, []);
  assert.deepEqual([...alice.errors, ...bob.errors], []);
});

test('alerts read by state: firing, acknowledged by whom, resolved by whom, never "(firing)" on a resolved one', async (t) => {
  const doc = {
    sluice: 1, id: 'warm', name: 'Warm',
    nodes: [
      { id: 'sim', type: 'simulate', config: { sensors: 2, ratePerSecond: 50, batchMs: 100, value: { base: 30, amplitude: 0, noise: 0 } }, position: { x: 40, y: 60 } },
      { id: 'hot', type: 'alert', config: { rules: [{ id: 'hot', kind: 'threshold', field: 'value', op: '>', value: 25, message: '{sensor} at {value}' }] }, position: { x: 320, y: 60 } },
    ],
    wires: [{ from: 'sim', to: 'hot' }],
  };
  const { page, errors, runtime } = await open(t, doc);
  await runtime.deploy('warm', doc);
  await page.getByRole('tab', { name: 'Alerts' }).click();
  const alerts = page.getByTestId('alert');
  await waitFor('two firing alerts', async () => (await alerts.count()) === 2, LONG);
  const first = alerts.first();
  assert.equal(await first.getByTestId('alert-state').textContent(), 'firing');
  await first.getByLabel('Note').fill('looking');
  await first.getByRole('button', { name: 'Acknowledge' }).click();
  await waitFor('acknowledged', async () => /^acknowledged by test-admin at /.test(await first.getByTestId('alert-state').textContent() ?? ''), LONG);
  await first.getByLabel('Note').fill('fan replaced');
  await first.getByRole('button', { name: 'Resolve' }).click();
  await waitFor('resolved', async () => /^resolved by test-admin at .*, acknowledged by test-admin$/.test(await page.locator('[data-testid="alert"].sl-alert-resolved [data-testid="alert-state"]').first().textContent() ?? ''), LONG);
  const resolved = page.locator('[data-testid="alert"].sl-alert-resolved').first();
  assert.doesNotMatch(await resolved.textContent() ?? '', /firing/);
  assert.match(await resolved.textContent() ?? '', /resolved: “fan replaced”/);
  await screenshot(t, page, 'alerts');
  assert.deepEqual(errors, []);
});

test('a failed login says what went wrong in words, without the protocol\'s status line', async (t) => {
  const { base, runtime } = await serveEditor(t);
  await runtime.auth.addUser('carol', 'viewer', 'carol-password');
  // A browser of its own: serveEditor's contexts start logged in.
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: VIEWPORT });
  const errors = collectErrors(page);
  await page.goto(base);
  await page.getByLabel('Name').fill('carol');
  await page.getByLabel('Password').fill('not-her-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: LONG });
  assert.equal(await alert.textContent(), 'Unknown user or wrong password.');
  await screenshot(t, page, 'login-error');
  assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), []);
});
