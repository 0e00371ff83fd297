import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { buildApp } from '../server/api/app.js';
import { packageRoot } from '../server/cli/package-root.js';
import { silentLogger } from '../server/core/logger.js';
import type { FlowDocument } from '../server/core/flow-format.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { builtinNodes } from '../nodes/index.js';
import { launchChromium, signIn } from '../test/helpers/browser.js';
import { FEEDS, startPeers } from './pictures/feeds.js';

/**
 * Renders flows in the editor and saves one PNG per flow as flows/pictures/<flow id>.png, for the README, and
 * each flow's dashboard with data as <flow id>-dashboard.png (the demo's also on a phone, -dashboard-phone.png).
 * `node dist/bench/flow-pictures.js [flow.json …]` (default: every flows/*.json).
 *
 * Each flow is deployed in a throw-away server, so the picture shows live counters and badges. The shipped
 * flows get their peers from local stand-ins (an embedded broker, the QuestDB test server, the vendors' APIs)
 * and readings through their own sources (pictures/feeds.ts). A flow the server refuses or that fails to
 * start is shown as a draft instead, and the script says so.
 */

/** Long enough for a few live counter ticks (one a second) and the debug sidebar to fill. */
const SETTLE_MS = 3500;

type Mode = 'deployed' | 'draft';

export async function renderFlowPictures(files: string[], outDir: string): Promise<{ id: string; mode: Mode; file: string; reason?: string }[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-pictures-'));
  const { peers, close: closePeers } = await startPeers();
  const environment = { ...process.env };
  // The feeds' references (broker, QuestDB, APIs, secrets) are read from the environment when flows compile.
  for (const [id, feed] of Object.entries(FEEDS)) if (!feed.unavailable?.()) Object.assign(process.env, await feed.env(peers).catch((err: unknown) => { throw new Error(`${id}: ${(err as Error).message}`); }));
  const runtime = await RuntimeManager.open({ dataDir, registry: new NodeRegistry(builtinNodes), log: silentLogger });
  const app = await buildApp(runtime, { editorDir: join(packageRoot(), 'dist', 'editor') });
  const browser = await launchChromium();
  const done: { id: string; mode: Mode; file: string; reason?: string }[] = [];
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    mkdirSync(outDir, { recursive: true });
    for (const file of files) {
      const shipped = JSON.parse(readFileSync(file, 'utf8')) as FlowDocument;
      if (typeof shipped.id !== 'string') throw new Error(`${file}: not a Sluice flow (no "id")`);
      const feed = FEEDS[shipped.id];
      const cannot = feed?.unavailable?.();
      if (cannot) process.stderr.write(`${shipped.id}: no dashboard data: ${cannot}\n`);
      const fed = feed && !cannot ? feed : undefined;
      const doc = fed?.prepare?.(shipped) ?? shipped;
      const { mode, reason } = await show(runtime, doc);
      if (mode === 'deployed') await fed?.feed(runtime, peers);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      try {
        await signIn(page, base, runtime.auth);
        await page.goto(`${base}/#/flows/${encodeURIComponent(doc.id)}`);
        await page.waitForFunction(`document.querySelectorAll('.react-flow__node').length === ${doc.nodes.length}`, undefined, { timeout: 60_000 });
        await page.waitForFunction(`document.querySelectorAll('.react-flow__edge').length === ${doc.wires.length}`, undefined, { timeout: 60_000 });
        // Away from the nodes, so no documentation pops up over them; then fit the laid-out flow to the view.
        await page.mouse.move(1, 1);
        await page.locator('.react-flow__controls-fitview').click();
        await delay(mode === 'deployed' ? SETTLE_MS : 500);
        const out = join(outDir, `${doc.id}.png`);
        await page.screenshot({ path: out });
        if (errors.length) throw new Error(`${file}: the editor logged errors: ${errors.join('; ')}`);
        done.push({ id: doc.id, mode, file: out, reason });
      } finally {
        await page.close();
      }
      if (mode === 'deployed') done.push(...await dashboardPictures(browser, base, runtime, doc.id, outDir));
      // Stopped before the next flow starts: two flows must not compete for the same port or ingest path.
      await runtime.deleteFlow(doc.id);
    }
    return done;
  } finally {
    await browser.close();
    await app.close();
    await runtime.close();
    await closePeers();
    for (const k of Object.keys(process.env)) if (!(k in environment)) delete process.env[k];
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The pages a flow's widgets are on, each at laptop size (and the demo's on a phone), once every widget has drawn. */
async function dashboardPictures(browser: Browser, base: string, runtime: RuntimeManager, flowId: string, outDir: string) {
  const pages = [...new Set(runtime.widgets().filter((w) => w.flowId === flowId).map((w) => w.page))];
  const shots: { id: string; mode: Mode; file: string }[] = [];
  for (const name of pages) {
    const sizes: [string, { width: number; height: number }][] = [['', { width: 1440, height: 900 }]];
    if (flowId === 'demo') sizes.push(['-phone', { width: 390, height: 844 }]);
    for (const [suffix, viewport] of sizes) {
      const page = await browser.newPage({ viewport });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
      try {
        await signIn(page, base, runtime.auth, 'editor', 'site-manager');
        await page.goto(`${base}/dashboards/${name}`);
        await page.getByTestId('widget').first().waitFor({ timeout: 60_000 });
        // Every chart has drawn its first answer, and nothing is loading any more.
        await page.waitForFunction(`[...document.querySelectorAll('[data-testid="chart"]')].every((c) => Number(c.dataset.fetched) >= 1)
          && !document.body.innerText.includes('Loading…')`, undefined, { timeout: 60_000 });
        await page.mouse.move(1, 1);
        await delay(1500);
        const out = join(outDir, `${pages.length > 1 ? name : flowId}-dashboard${suffix}.png`);
        await page.screenshot({ path: out, fullPage: true });
        if (errors.length) throw new Error(`dashboard ${name}: the page logged errors: ${errors.join('; ')}`);
        shots.push({ id: `${flowId} dashboard${suffix}`, mode: 'deployed', file: out });
      } finally {
        await page.close();
      }
    }
  }
  return shots;
}

async function show(runtime: RuntimeManager, doc: FlowDocument): Promise<{ mode: Mode; reason?: string }> {
  try {
    await runtime.deploy(doc.id, doc);
  } catch (err) {
    runtime.saveDraft(doc);
    return { mode: 'draft', reason: `deploy refused: ${(err as Error).message}` };
  }
  await delay(300);
  const status = runtime.status(doc.id);
  if (status?.state === 'failed') {
    await runtime.deleteFlow(doc.id);
    runtime.saveDraft(doc);
    return { mode: 'draft', reason: `did not start: ${status.error ?? 'failed'}` };
  }
  return { mode: 'deployed' };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = packageRoot();
  const args = process.argv.slice(2);
  const flowsDir = join(root, 'flows');
  const files = args.length ? args.map((a) => resolve(a)) : readdirSync(flowsDir).filter((f) => f.endsWith('.json')).sort().map((f) => join(flowsDir, f));
  const results = await renderFlowPictures(files, join(flowsDir, 'pictures'));
  for (const r of results) console.log(`${r.id}: ${r.mode}${r.reason ? ` (${r.reason})` : ''} -> ${r.file.replace(`${root}/`, '')}`);
  if (results.length === 0) console.log(`no flows to render (${files.map((f) => basename(f)).join(', ') || 'flows/ is empty'})`);
}
