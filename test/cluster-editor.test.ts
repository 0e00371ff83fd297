import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { builtinNodes } from '../nodes/index.js';
import { buildApp } from '../server/api/app.js';
import { Cluster } from '../server/cluster/cluster.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { testNodes } from './fixtures/test-nodes.js';
import { launchChromium, signInContext } from './helpers/browser.js';
import { EDITOR_DIR, LONG, flowUrl } from './helpers/editor-page.js';
import { natsCluster } from './helpers/nats-cluster.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

test('cluster mode: /api/cluster and /metrics name the servers and the partitions, and the editor header shows them', { timeout: 180_000 }, async (t) => {
  // One list of clean-ups, run last to first: the server and the browser go before the NATS servers they use.
  const cleanups: (() => void | Promise<void>)[] = [];
  t.after(async () => { for (const fn of cleanups.reverse()) await fn(); });
  const scope = { after: (fn: () => void | Promise<void>) => { cleanups.push(fn); } };
  const nats = await natsCluster(scope, 3);
  const dir = tempDir(scope);
  const cluster = await Cluster.join({ servers: nats.urls.split(','), clusterName: 'editor' }, { serverId: 'editor-1', log: silentLogger });
  const runtime = await RuntimeManager.open({ dataDir: dir, registry: new NodeRegistry([...builtinNodes, ...testNodes]), log: silentLogger, cluster });
  const token = runtime.auth.createToken({ name: 'test', scopes: ['admin'], createdBy: 'test' }).token;
  const app = await buildApp(runtime, { editorDir: EDITOR_DIR });
  scope.after(async () => {
    await app.close();
    await runtime.close();
    await cluster.close();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  cluster.membership.setUrl(base);
  const headers = { authorization: `Bearer ${token}` };
  const deployed = await app.inject({
    method: 'POST', url: '/api/flows/sites/deploy', headers,
    payload: {
      sluice: 1, id: 'sites',
      nodes: [{ id: 'feed', type: 'test-feed', config: { count: 1_000_000, batchSize: 10, intervalMs: 50 } }, { id: 'tally', type: 'test-tally' }, { id: 'sink', type: 'test-sink' }],
      wires: [{ from: 'feed', to: 'tally' }, { from: 'tally', to: 'sink' }],
      settings: { partitions: 2, partitionBy: ['sensor'] },
    },
  });
  assert.equal(deployed.statusCode, 200, deployed.body);

  const view = await waitFor('both partitions owned, the server listed with its address', async () => {
    const v = (await app.inject({ method: 'GET', url: '/api/cluster', headers })).json<{ partitions: { owner: string | null }[]; servers: { url: string }[] }>();
    return v.partitions.length === 2 && v.partitions.every((p) => p.owner === 'editor-1') && v.servers[0]?.url === base ? v : undefined;
  }, 30_000);
  assert.deepEqual((view as unknown as { servers: { id: string; url: string; self: boolean }[] }).servers.map((s) => ({ id: s.id, url: s.url, self: s.self })), [{ id: 'editor-1', url: base, self: true }]);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics', headers })).body;
  assert.match(metrics, /^sluice_cluster_connected\{cluster="editor",server="editor-1"\} 1$/m);
  assert.match(metrics, /^sluice_partition_owned\{cluster="editor",server="editor-1",flow="sites",stage="0",partition="1"\} 1$/m);
  assert.match(metrics, /^sluice_partition_replicas\{[^}]*partition="0"\} 3$/m);
  assert.match(metrics, /^sluice_singleton_owned\{cluster="editor",server="editor-1",flow="sites",node="feed"\} 1$/m);
  const status = (await app.inject({ method: 'GET', url: '/api/flows/sites/status', headers })).json<{ cluster: { replicas: number; warning: string | null; owned: unknown[] } }>();
  assert.equal(status.cluster.replicas, 3);
  assert.equal(status.cluster.warning, null);
  assert.equal(status.cluster.owned.length, 2);

  const browser = await launchChromium();
  scope.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await signInContext(context, base, runtime.auth);
  const page = await context.newPage();
  await page.goto(flowUrl(base, 'sites'));
  const badge = page.getByTestId('cluster-badge');
  await badge.waitFor({ timeout: LONG });
  await waitFor('the badge naming the partitions', async () => /^1 server · 2\/2 here( · lag \d+)?$/.test(await badge.locator('dd').textContent() ?? ''), LONG);
  assert.match(await badge.getAttribute('title') ?? '', /^cluster "editor", this server: editor-1\n/);
  assert.match(await badge.getAttribute('title') ?? '', /stage 0 partition 1: editor-1, lease renewed \d+ ms ago, lag \d+ entries, replicas 3/);
  await page.screenshot({ path: join(dir, 'header.png'), clip: { x: 0, y: 0, width: 1440, height: 60 } });
  t.diagnostic(`header screenshot: ${join(dir, 'header.png')}`);
});
