import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { packageRoot } from '../../server/cli/package-root.js';
import type { RuntimeManager } from '../../server/runtime/manager.js';
import { openApp, type AuthHeaders, type TestContext } from './api-app.js';
import { launchChromium, signInContext } from './browser.js';

export const EDITOR_DIR = join(packageRoot(), 'dist', 'editor');
/** Generous: two cores are shared by several test runs, and Chromium starts slowly on them. */
export const LONG = 60_000;

/**
 * A real server (built-in and test node types) serving the built editor on a free port, and a browser.
 * Every context (and page) the browser opens starts logged in as the admin `test-admin`, with a session of
 * its own (see signIn in browser.ts); tests of the login page itself use a browser of their own.
 */
export async function serveEditor(t: TestContext): Promise<{ base: string; runtime: RuntimeManager; browser: Browser; auth: AuthHeaders }> {
  if (!existsSync(join(EDITOR_DIR, 'index.html'))) throw new Error(`${EDITOR_DIR}/index.html is missing: run \`npm run build\``);
  const { app, runtime, auth } = await openApp(t, { editorDir: EDITOR_DIR, collab: { saveDelayMs: 50 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  // Registered last, so it runs first: the pages' sockets are gone before the server closes.
  t.after(() => browser.close());
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await signInContext(context, base, runtime.auth);
    return context;
  };
  return { base, runtime, browser, auth };
}

/** The console errors and page errors of a page: the editor must log none during the tests. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return errors;
}

/** Opens `url` in a new page of `context` and waits until the canvas and the node catalog are there. */
export async function openEditorPage(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  await page.getByTestId('canvas').waitFor({ timeout: LONG });
  // Keys typed before the node catalog arrived would search an empty palette.
  await page.locator('[data-testid="palette-item"][data-type="debug"]').waitFor({ timeout: LONG });
  return { page, errors };
}

export const flowUrl = (base: string, flowId: string) => `${base}/#/flows/${encodeURIComponent(flowId)}`;

export const canvasNode = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

export const handle = (page: Page, nodeId: string, port: string, kind: 'source' | 'target') =>
  canvasNode(page, nodeId).locator(`.react-flow__handle.${kind}[data-handleid="${port}"]`);

export async function dragFromPalette(page: Page, type: string, x: number, y: number): Promise<void> {
  await page.locator(`[data-testid="palette-item"][data-type="${type}"]`).dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
  await canvasNode(page, type).waitFor({ timeout: LONG });
}

/**
 * Presses the mouse on one handle and releases it on another, moving in steps as a hand does;
 * `beforeRelease` looks at the page while the wire hangs over the target.
 */
export async function dragWire(page: Page, from: ReturnType<typeof handle>, to: ReturnType<typeof handle>, beforeRelease?: () => Promise<void>): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('a handle to wire is not on screen');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 6 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 6 });
  await beforeRelease?.();
  await page.mouse.up();
}

/**
 * Wires `from`'s `out` port to `to` through the properties panel's Connect menu, the keyboard path.
 * Wires drawn with the pointer are the subject of editor-canvas.test.ts.
 */
export async function wireByMenu(page: Page, from: string, to: string): Promise<void> {
  await canvasNode(page, from).click();
  const props = page.getByTestId('properties');
  await props.getByLabel('Output port').selectOption('out');
  await props.getByLabel('Target input').selectOption({ value: `${to}\u0000in` });
  await props.getByRole('button', { name: 'Connect' }).click();
}
