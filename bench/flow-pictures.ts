import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { buildApp } from '../server/api/app.js';
import { packageRoot } from '../server/cli/package-root.js';
import { silentLogger } from '../server/core/logger.js';
import type { FlowDocument } from '../server/core/flow-format.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { environmentSecrets } from '../server/core/secrets.js';
import { MqttBroker } from '../server/services/mqtt-broker.js';
import { builtinNodes } from '../nodes/index.js';
import { launchChromium, signIn } from '../test/helpers/browser.js';

/**
 * Renders flows in the editor and saves one PNG per flow as flows/pictures/<flow id>.png, for the README.
 * `node dist/bench/flow-pictures.js [flow.json …]` (default: every flows/*.json).
 *
 * Each flow is deployed in a throw-away server, so the picture shows live counters and badges. A flow the
 * server refuses or that fails to start (a source that cannot bind, say) is shown as a draft instead, and
 * the script says so; nodes whose peers are absent (a broker, a database) run and show their retrying badge.
 */

/** Long enough for a few live counter ticks (one a second) and the debug sidebar to fill. */
const SETTLE_MS = 3500;

type Mode = 'deployed' | 'draft';

export async function renderFlowPictures(files: string[], outDir: string): Promise<{ id: string; mode: Mode; file: string; reason?: string }[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-pictures-'));
  // The demo runs on the broker `sluice start` embeds: so does its picture, with live figures as a user sees it.
  const broker = await MqttBroker.start({ host: '127.0.0.1', port: 0 });
  const secrets = {
    get: (kind: 'secret' | 'env', name: string) => environmentSecrets.get(kind, name) ?? (kind === 'env' && name === 'SLUICE_MQTT_URL' ? broker.url : undefined),
  };
  const runtime = await RuntimeManager.open({ dataDir, registry: new NodeRegistry(builtinNodes), log: silentLogger, secrets });
  const app = await buildApp(runtime, { editorDir: join(packageRoot(), 'dist', 'editor') });
  const browser = await launchChromium();
  const done: { id: string; mode: Mode; file: string; reason?: string }[] = [];
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    mkdirSync(outDir, { recursive: true });
    for (const file of files) {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as FlowDocument;
      if (typeof doc.id !== 'string') throw new Error(`${file}: not a Sluice flow (no "id")`);
      const { mode, reason } = await show(runtime, doc);
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
      // Stopped before the next flow starts: two flows must not compete for the same port or ingest path.
      await runtime.deleteFlow(doc.id);
    }
    return done;
  } finally {
    await browser.close();
    await app.close();
    await runtime.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
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
