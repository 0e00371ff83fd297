import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page, WebSocketRoute } from 'playwright-core';
import { buildApp } from '../server/api/app.js';
import { packageRoot } from '../server/cli/package-root.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { builtinNodes } from '../nodes/index.js';
import { launchChromium, signIn } from './helpers/browser.js';
import { embeddedBroker } from './helpers/mqtt-broker.js';
import { setEnv } from './helpers/shipped-flow.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

type TestContext = Parameters<typeof embeddedBroker>[0];

interface DemoFlow {
  id: string;
  name: string;
  nodes: { id: string }[];
  wires: unknown[];
}

const root = packageRoot();
const editorDir = join(root, 'dist', 'editor');

/** A real server on a free port with the built editor, the demo flow deployed (with its own MQTT broker). */
async function serveDemo(t: TestContext): Promise<{ url: string; demo: DemoFlow; runtime: RuntimeManager }> {
  assert.ok(existsSync(join(editorDir, 'index.html')), `${editorDir}/index.html is missing: run \`npm run build\` (vite builds the editor)`);
  const broker = await embeddedBroker(t, 'the demo publishes to and subscribes from the broker sluice start embeds');
  setEnv(t, { SLUICE_MQTT_URL: broker.url });
  const runtime = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(builtinNodes), log: silentLogger });
  t.after(() => runtime.close());
  const app = await buildApp(runtime, { editorDir });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const demo = JSON.parse(readFileSync(join(root, 'flows', 'demo.json'), 'utf8')) as DemoFlow;
  await runtime.deploy(demo.id, demo);
  runtime.saveDraft(UNPLACED);
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, demo, runtime };
}

/** A draft that was never deployed and has no positions: shown as the draft, laid out by the editor. */
const UNPLACED = {
  sluice: 1, id: 'unplaced', name: 'Unplaced draft',
  nodes: [{ id: 'show', type: 'debug' }, { id: 'check', type: 'validate' }, { id: 'sim', type: 'simulate' }],
  wires: [{ from: 'sim', to: 'check' }, { from: 'check', to: 'show' }],
};

async function openEditor(t: TestContext, prepare?: (page: Page) => Promise<void>): Promise<{ page: Page; demo: DemoFlow; errors: string[] }> {
  const { url, demo, runtime } = await serveDemo(t);
  const browser = await launchChromium();
  // Registered last, so it runs first: the page's socket is gone before the server closes.
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await prepare?.(page);
  await signIn(page, url, runtime.auth);
  await page.goto(url);
  return { page, demo, errors };
}

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

/** The exact count is in the title ("1,234 records"); the text is compacted (12.3k). */
async function inputCount(page: Page, nodeId: string): Promise<number> {
  const title = await node(page, nodeId).locator('[data-direction="input"][data-port="in"] [data-testid="count"]').getAttribute('title');
  return title === null ? -1 : Number(title.replace(/[^0-9]/g, ''));
}

test('the editor shows the deployed demo flow with live counters and debug messages', async (t) => {
  const { page, demo, errors } = await openEditor(t);
  await page.getByRole('tab', { name: demo.name }).waitFor();
  assert.equal(await page.getByRole('tab', { name: demo.name }).getAttribute('aria-selected'), 'true');

  for (const n of demo.nodes) await node(page, n.id).waitFor();
  assert.equal(await page.locator('.react-flow__node').count(), demo.nodes.length);
  const check = node(page, 'check');
  assert.equal(await check.locator('.react-flow__handle.target[data-handleid="in"]').count(), 1);
  for (const port of ['out', 'invalid', 'error']) {
    assert.equal(await check.locator(`.react-flow__handle.source[data-handleid="${port}"]`).count(), 1, `check has a handle for ${port}`);
    assert.equal(await check.locator(`[data-direction="output"][data-port="${port}"] .sl-port-label`).textContent(), port);
  }
  assert.equal(await node(page, 'sensors').locator('.react-flow__handle.target').count(), 0, 'a source has no input');
  await waitFor('one edge per wire', async () => (await page.locator('.react-flow__edge').count()) === demo.wires.length);

  assert.match(await page.getByTestId('flow-revision').textContent() ?? '', /revision 1 deployed/);
  await waitFor('the flow state in the header', async () => (await page.getByTestId('flow-state').textContent()) === 'running');
  assert.match(await page.getByTestId('journal-figures').textContent() ?? '', /journal head.*checkpoint.*backlog.*dead letters/);

  // Counters arrive over the WebSocket once a second; two different readings prove the feed is live.
  await waitFor('the live feed', async () => (await page.getByTestId('connection').textContent()) === 'live');
  const first = await waitFor('a first count on the valid readings node', async () => Math.max(0, await inputCount(page, 'readings')));
  await waitFor('the valid readings count to grow', async () => (await inputCount(page, 'readings')) > first);
  assert.equal(await node(page, 'readings').getByTestId('node-status').textContent(), 'running');

  const entries = page.getByTestId('debug-entry');
  await waitFor('debug messages in the sidebar', async () => (await entries.count()) >= 3);
  const filter = page.getByLabel('Filter by node');
  await filter.selectOption('readings');
  const others = page.locator('[data-testid="debug-entry"]:not([data-node="readings"])');
  await waitFor('only the valid readings node', async () => (await entries.count()) > 0 && (await others.count()) === 0);
  await filter.selectOption('sensors');
  await waitFor('no message from the source', async () => (await entries.count()) === 0);
  await filter.selectOption('');
  await waitFor('every message again', async () => (await entries.count()) >= 3);

  await page.getByLabel('Filter by node').selectOption('readings');
  // New messages push the list down while the test clicks: find the record again by its sequence number.
  const seq = await entries.filter({ hasText: '"sensor"' }).first().getAttribute('data-seq');
  const record = page.locator(`[data-testid="debug-entry"][data-seq="${seq}"]`);
  await record.locator('button').click();
  assert.match(await record.locator('pre').textContent() ?? '', /"sensor": "temp-\d+"/);

  mkdirSync(join(root, 'test-output'), { recursive: true });
  // A viewer has no palette: a node's docs are at the foot of its properties, opened on demand.
  await check.click();
  const docs = page.getByTestId('properties-docs');
  await docs.locator('summary').click();
  assert.match(await docs.textContent() ?? '', /Checks every record/);
  await page.screenshot({ path: join(root, 'test-output', 'editor-viewer-docs.png') });
  await page.getByRole('button', { name: 'Close properties' }).click();

  await filter.selectOption('');
  await page.screenshot({ path: join(root, 'test-output', 'editor-viewer.png') });

  await page.getByRole('tab', { name: UNPLACED.name }).click();
  await waitFor('the draft tab', async () => (await page.getByTestId('flow-revision').textContent()) === 'draft revision 1');
  await waitFor('the draft state', async () => (await page.getByTestId('flow-state').textContent()) === 'not deployed');
  const x = async (id: string) => (await node(page, id).boundingBox())?.x ?? NaN;
  await node(page, 'show').waitFor();
  assert.ok(await x('sim') < await x('check') && await x('check') < await x('show'), 'laid out left to right by depth');
  await page.screenshot({ path: join(root, 'test-output', 'editor-viewer-draft.png') });
  assert.deepEqual(errors, [], 'the page logged no error');
});

test('the editor shows "disconnected" when the live socket closes, then reconnects', async (t) => {
  const routes: WebSocketRoute[] = [];
  const { page, errors } = await openEditor(t, (p) => p.routeWebSocket(/\/api\/ws$/, (ws) => {
    ws.connectToServer();
    routes.push(ws);
  }));
  const connection = page.getByTestId('connection');
  await waitFor('the live feed', async () => (await connection.textContent()) === 'live');
  await routes[0]!.close({ code: 1012, reason: 'server restart' });
  await waitFor('the disconnected state', async () => (await connection.textContent()) === 'disconnected', 5000);
  await waitFor('a reconnection', async () => routes.length === 2 && (await connection.textContent()) === 'live');
  // Counters flow again through the new socket.
  const before = await inputCount(page, 'readings');
  await waitFor('counters after reconnecting', async () => (await inputCount(page, 'readings')) > before);
  assert.deepEqual(errors, [], 'the page logged no error');
});
