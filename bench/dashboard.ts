import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Value } from '@sinclair/typebox/value';
import chart from '../nodes/chart/index.js';
import { HistoryStore } from '../nodes/chart/history-store.js';
import { buildApp } from '../server/api/app.js';
import { packageRoot } from '../server/cli/package-root.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import type { DataRecord, NodeInstance } from '../server/core/types.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { builtinNodes } from '../nodes/index.js';
import { launchChromium, signIn } from '../test/helpers/browser.js';
import { nodeContext } from '../test/helpers/node-context.js';
import type { Figures } from './h2h.js';

const DAY = 86_400_000;
const SERIES = 6;

/**
 * `dashboard.points_per_s`: a chart sink's `process` writing its history, with a commit at each simulated
 * checkpoint barrier (once a second of wall time, as the executor does): 100 sensors, batches of 1,000.
 */
export async function chartPointsPerSecond(points: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-chart-'));
  try {
    const config = Value.Default(chart.config, structuredClone({ maxSeries: 100, retentionDays: 30 }));
    const node = (await chart.create(config as never, nodeContext({ flowId: 'bench', nodeId: 'chart', dataDir: dir }))) as NodeInstance;
    await node.start?.();
    const start = Date.now() - 20 * DAY;
    const batches: DataRecord[][] = [];
    for (let b = 0; b < 100; b++) batches.push(Array.from({ length: 1000 }, (_, i) => ({ sensor: `sensor-${i % 100}`, value: 20 + ((b * 1000 + i) % 17) / 3, ts: 0 })));
    const began = performance.now();
    let lastFlush = began;
    for (let done = 0, offset = 1; done < points; done += 1000, offset++) {
      // Fresh times for every batch: every sensor gets a reading each 100 ms of event time.
      const template = batches[offset % 100]!;
      const batch = template.map((r, i) => ({ ...r, ts: start + Math.floor((done + i) / 100) * 100 }));
      node.process!(batch, { offset, ts: start + 20 * DAY });
      if (performance.now() - lastFlush >= 1000) {
        await node.flush!();
        lastFlush = performance.now();
      }
    }
    await node.flush!();
    const seconds = (performance.now() - began) / 1000;
    await node.stop?.();
    return points / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A day at 1 Hz for `SERIES` sensors, ending now, written straight into the chart's store. */
function preload(file: string, now: number): void {
  const store = HistoryStore.open(file);
  for (let s = 0; s < SERIES; s++) {
    for (let i = 0; i < 86_400; i++) {
      const ts = now - DAY + i * 1000;
      store.put(`sensor-${s}`, ts, 20 + 4 * Math.sin(i / 2000 + s) + ((i * 7919 + s) % 11) / 10);
    }
  }
  store.commit();
  store.close();
}

/**
 * `dashboard.open_518k_points_ms`: headless Chromium opens a page whose chart holds 6 × 86,400 points (a day at
 * 1 Hz) until the chart has drawn them. `dashboard.live_long_tasks`: then the 6 series update at 10 Hz for 30 s;
 * main-thread tasks over 100 ms are counted.
 */
export async function dashboardPage(liveSeconds = 30): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-dashboard-'));
  const runtime = await RuntimeManager.open({ dataDir, registry: new NodeRegistry(builtinNodes), log: silentLogger });
  const app = await buildApp(runtime, { editorDir: join(packageRoot(), 'dist', 'editor') });
  const browser = await launchChromium();
  try {
    const nodeDir = join(dataDir, 'flows', 'bench', 'nodes', 'day');
    mkdirSync(nodeDir, { recursive: true });
    preload(join(nodeDir, 'history.db'), Date.now() - 60_000);
    await runtime.deploy('bench', {
      sluice: 1, id: 'bench', name: 'Dashboard bench',
      nodes: [
        { id: 'sim', type: 'simulate', config: { sensors: SERIES, sensorPrefix: 'sensor-', ratePerSecond: SERIES * 10, batchMs: 100, value: { base: 20, amplitude: 4, periodS: 600 } } },
        { id: 'day', type: 'chart', name: 'A day at 1 Hz', config: { dashboard: { page: 'bench', width: 12 }, range: '24h', unit: '°C', limits: [{ value: 25, level: 'warning' }] } },
      ],
      wires: [{ from: 'sim', to: 'day' }],
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signIn(page, base, runtime.auth);
    // Runs in the page, before its scripts: every main-thread task over 50 ms (the Long Tasks API) is kept.
    await page.addInitScript(`window.longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`);
    const began = Date.now();
    await page.goto(`${base}/dashboards/bench`);
    await page.waitForFunction(`(() => { const c = document.querySelector('[data-testid="chart"]'); return c && Number(c.dataset.points) >= ${SERIES * 1000}; })()`, undefined, { timeout: 60_000, polling: 'raf' });
    const openMs = Date.now() - began;
    const drawn = await page.evaluate('Number(document.querySelector(\'[data-testid="chart"]\').dataset.points)') as number;
    process.stderr.write(`dashboard: ${drawn} points drawn (of ${SERIES * 86_400} stored)\n`);
    await page.evaluate('window.longTasks.length = 0');
    const lastBefore = await page.evaluate('Number(document.querySelector(\'[data-testid="chart"]\').dataset.lastTs)') as number;
    await delay(liveSeconds * 1000);
    const long = await page.evaluate('window.longTasks.filter((d) => d > 100)') as number[];
    const lastAfter = await page.evaluate('Number(document.querySelector(\'[data-testid="chart"]\').dataset.lastTs)') as number;
    process.stderr.write(`dashboard: live for ${liveSeconds} s, the chart advanced ${((lastAfter - lastBefore) / 1000).toFixed(1)} s; long tasks ${JSON.stringify(long.map(Math.round))}\n`);
    if (!(lastAfter > lastBefore)) throw new Error('the chart did not advance with live data');
    return {
      'dashboard.open_518k_points_ms': { value: openMs, unit: 'ms' },
      'dashboard.live_long_tasks': { value: long.length, unit: 'tasks' },
    };
  } finally {
    await browser.close();
    await app.close();
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
