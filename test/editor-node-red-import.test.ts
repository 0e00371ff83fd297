import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { packageRoot } from '../server/cli/package-root.js';
import { canvasNode as node, dragFromPalette, flowUrl, LONG, openEditorPage, serveEditor, wireByMenu } from './helpers/editor-page.js';
import { waitFor } from './helpers/wait.js';

/** A greenhouse flow as Node-RED exports it: a contrib node in the middle, a comment and a group around two nodes. */
const EXPORT = [
  { id: 'gh', type: 'tab', label: 'Greenhouse', info: 'Climate of greenhouse 3' },
  { id: 'gh-note', type: 'comment', z: 'gh', name: 'Readings every second', info: 'The sensor bus is polled by the **modbus** node.', x: 170, y: 40, wires: [] },
  { id: 'gh-group', type: 'group', z: 'gh', name: 'Pre-processing', nodes: ['gh-tick', 'gh-tag'], x: 34, y: 79, w: 372, h: 82, style: { label: true } },
  { id: 'gh-tick', type: 'inject', z: 'gh', g: 'gh-group', name: 'every second', props: [{ p: 'payload' }], payload: '{"temp":21.5}', payloadType: 'json', repeat: '1', once: true, onceDelay: 0.1, x: 130, y: 120, wires: [['gh-tag']] },
  { id: 'gh-tag', type: 'change', z: 'gh', g: 'gh-group', name: 'tag house', rules: [{ t: 'set', p: 'payload.house', pt: 'msg', to: '3', tot: 'num' }], x: 310, y: 120, wires: [['gh-bus']] },
  { id: 'gh-bus', type: 'bus-decode', z: 'gh', name: 'decode bus frame', x: 500, y: 120, wires: [['gh-show']] },
  { id: 'gh-show', type: 'debug', z: 'gh', name: 'show', complete: 'payload', x: 680, y: 120, wires: [] },
];

async function shot(page: Page, name: string, t: { diagnostic(m: string): void }): Promise<void> {
  const path = join(packageRoot(), 'dist', 'test-output', name);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
  t.diagnostic(`screenshot: ${path}`);
}

const wire = wireByMenu;

test('import a Node-RED export in the editor: read the report, replace the placeholder, deploy', async (t) => {
  const { base, runtime, browser } = await serveEditor(t);
  runtime.saveDraft({ sluice: 1, id: 'start', name: 'Start', nodes: [], wires: [] });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const { page, errors } = await openEditorPage(context, flowUrl(base, 'start'));

  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByLabel('Flow JSON').fill(JSON.stringify(EXPORT));
  await page.getByTestId('import-dialog').getByRole('button', { name: 'Import' }).click();
  const report = page.getByTestId('import-report');
  await report.waitFor({ timeout: LONG });
  assert.match(await report.textContent() ?? '', /One flow \(greenhouse: 6 nodes\): 5 translated, 0 approximated, 1 need a hand/);
  const hand = report.locator('[data-testid="import-report-row"][data-status="needs-hand"]');
  assert.equal(await hand.count(), 1);
  assert.match(await hand.textContent() ?? '', /bus-decode.*decode bus frame.*placeholder.*not a Node-RED core type/);
  await shot(page, 'node-red-import-report.png', t);
  assert.equal(runtime.getDraft('greenhouse'), undefined, 'nothing is saved before the import is applied');

  await page.getByTestId('import-dialog').getByRole('button', { name: 'Import as a draft' }).click();
  await node(page, 'gh-bus').waitFor({ timeout: 15_000 }).catch(async (err: Error) => { await shot(page, 'node-red-import-failed.png', t); throw err; });
  assert.match(await page.locator('[data-testid="flow-note"]').first().textContent() ?? '', /Readings every second/);
  assert.equal(await page.locator('[data-testid="flow-note"]').count(), 2, 'the comment and the group are notes on the canvas');

  // Deploy refuses the placeholder with the import's reason, shown on the node.
  await page.getByRole('button', { name: 'Deploy…' }).click();
  const dialog = page.getByTestId('deploy-dialog');
  await dialog.getByRole('button', { name: 'Deploy now' }).click();
  await dialog.getByTestId('deploy-result').waitFor({ timeout: LONG });
  await shot(page, 'node-red-import-refused.png', t);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await node(page, 'gh-bus').getByTestId('node-problems').waitFor({ timeout: LONG });
  assert.match(await node(page, 'gh-bus').getByTestId('node-problems').textContent() ?? '', /"bus-decode" was not translated/);
  await shot(page, 'node-red-import-placeholder.png', t);

  // Replace it: delete the placeholder, put a JSON node in its place, wire it in.
  await node(page, 'gh-bus').click();
  await page.keyboard.press('Delete');
  await waitFor('the placeholder deleted', () => !runtime.getDraft('greenhouse')!.doc.nodes.some((n) => n.id === 'gh-bus'), LONG);
  // Down the left of the canvas: the properties panel covers its right side while a node is selected.
  await dragFromPalette(page, 'json', 140, 560);
  await wire(page, 'gh-tag', 'json');
  await wire(page, 'json', 'gh-show');
  await waitFor('the draft rewired', () => runtime.getDraft('greenhouse')!.doc.wires.length === 3, LONG);

  await page.getByRole('button', { name: 'Deploy…' }).click();
  await dialog.getByRole('button', { name: 'Deploy now' }).click();
  await waitFor('the deployed revision', async () => /revision \d+ deployed/.test(await page.getByTestId('flow-revision').textContent() ?? ''), LONG);
  assert.equal(runtime.status('greenhouse')?.state, 'running');
  const entries = page.locator('[data-testid="debug-entry"][data-node="gh-show"]');
  await waitFor('the imported flow\'s records in the debug sidebar', async () => (await entries.count()) >= 1, LONG);
  assert.match(await entries.first().textContent() ?? '', /temp.*21\.5.*house.*3/);
  await page.keyboard.press('Escape');
  await shot(page, 'node-red-import-deployed.png', t);
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), [], 'the page logged no error besides the refused deploy');
});
