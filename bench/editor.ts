import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../server/api/app.js';
import { packageRoot } from '../server/cli/package-root.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { builtinNodes } from '../nodes/index.js';
import { launchChromium, signIn } from '../test/helpers/browser.js';

/** Milliseconds from navigation until a 500-node draft is on the canvas and a click selects a node. */
export async function editorOpen500(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-editor-'));
  const runtime = await RuntimeManager.open({ dataDir, registry: new NodeRegistry(builtinNodes), log: silentLogger });
  const app = await buildApp(runtime, { editorDir: join(packageRoot(), 'dist', 'editor') });
  const browser = await launchChromium();
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const types = ['simulate', 'validate', 'debug'];
    const nodes = Array.from({ length: 500 }, (_, i) => ({ id: `n${i}`, type: types[i % 3]!, position: { x: (i % 25) * 240, y: Math.floor(i / 25) * 180 } }));
    const wires = nodes.slice(1).filter((_, i) => i % 3 !== 2).map((n, i) => ({ from: nodes[i]!.id, to: n.id }));
    runtime.saveDraft({ sluice: 1, id: 'big', name: '500 nodes', nodes, wires });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await signIn(page, base, runtime.auth);
    const started = Date.now();
    await page.goto(`${base}/#/flows/big`);
    await page.waitForFunction('document.querySelectorAll(".react-flow__node").length === 500', undefined, { timeout: 60_000 });
    await page.locator('.react-flow__node[data-id="n0"]').click();
    await page.locator('.react-flow__node[data-id="n0"].selected').waitFor({ timeout: 60_000 });
    return Date.now() - started;
  } finally {
    await browser.close();
    await app.close();
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
