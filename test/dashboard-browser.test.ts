import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { AuthStore } from '../server/auth/auth-store.js';
import type { Alert } from '../server/runtime/api.js';
import { launchChromium, signInContext } from './helpers/browser.js';
import { collectErrors, LONG, serveEditor } from './helpers/editor-page.js';
import { killHard, spawnServer, type ServerProcess } from './helpers/server-process.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

/** What a chart element says it drew (see ChartWidget's data attributes). */
async function chartState(page: Page, widget: string): Promise<{ points: number; first: number; last: number; fetched: number; live: string }> {
  const d = await page.locator(`[data-widget="${widget}"] [data-testid="chart"]`).evaluate((el) => ({ ...(el as unknown as { dataset: { [k: string]: string } }).dataset }));
  return { points: Number(d.points), first: Number(d.firstTs), last: Number(d.lastTs), fetched: Number(d.fetched), live: d.live ?? '' };
}

async function until<T>(what: string, check: () => Promise<T | false | undefined>, timeoutMs = LONG): Promise<T> {
  return (await waitFor(what, check, timeoutMs)) as T;
}

test('the demo dashboard: its chart advances with live data, and after a server restart (kill -9) the earlier points are there at once', { timeout: 300_000 }, async (t) => {
  const data = join(tempDir(t), 'data');
  let server: ServerProcess = await spawnServer(['--data', data, '--mqtt-port', '0']);
  t.after(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });
  const browser = await launchChromium();
  t.after(() => browser.close());
  const auth = AuthStore.open(data);
  t.after(() => auth.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await signInContext(context, server.url, auth.store, 'viewer', 'ana');
  const page = await context.newPage();
  const errors = collectErrors(page);

  await page.goto(`${server.url}/dashboards/demo`);
  await page.getByTestId('page-title').filter({ hasText: 'demo' }).waitFor({ timeout: LONG });
  const first = await until('the first points on the chart', async () => {
    const s = await chartState(page, 'demo/temperature-chart');
    return s.points > 0 && s;
  });
  const later = await until('the chart advancing with live points', async () => {
    const s = await chartState(page, 'demo/temperature-chart');
    return s.last >= first.last + 5000 && s;
  }, 60_000);
  assert.equal(later.fetched, first.fetched, 'the new points came over the live socket, not by fetching again');
  assert.ok(later.points > first.points, `${first.points} → ${later.points} points`);
  await until('five sensors in the stat', async () => (await page.getByTestId('stat-value').count()) === 5 || undefined);
  assert.equal(await page.getByTestId('live-state').textContent(), 'live');

  const shownBefore = (await chartState(page, 'demo/temperature-chart')).last;
  await killHard(server);
  server = await spawnServer(['--data', data, '--mqtt-port', '0']);
  const opened = Date.now();
  await page.goto(`${server.url}/dashboards/demo`);
  const after = await until('the chart after the restart', async () => {
    const s = await chartState(page, 'demo/temperature-chart');
    return s.fetched >= 1 && s.points > 0 && s;
  });
  const shownIn = Date.now() - opened;
  assert.equal(after.fetched, 1, 'drawn from the first answer');
  assert.ok(after.first <= first.first + 1000 && after.last >= shownBefore - 2000,
    `the history from before the kill is there (first ${after.first} vs ${first.first}, last ${after.last} vs ${shownBefore})`);
  t.diagnostic(`after the restart the page showed ${after.points} points, back to ${new Date(after.first).toISOString()}, ${shownIn} ms after opening`);
  await until('live points again after the restart', async () => (await chartState(page, 'demo/temperature-chart')).last > Math.max(after.last, Date.now() - 30_000) || undefined, 90_000);
  assert.deepEqual(errors.filter((e) => !/WebSocket|Failed to load resource/.test(e)), [], 'no page errors (the socket\'s reconnect while the server was down aside)');
});

/** A flow whose alert fires on its first readings, on page "site"; another flow on page "other". */
const siteFlow = {
  sluice: 1, id: 'site', name: 'Site',
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 3, ratePerSecond: 30, batchMs: 100, value: { base: 30, amplitude: 2, periodS: 60 } } },
    { id: 'temps', type: 'chart', name: 'Temperatures', config: { dashboard: { page: 'site', group: 'Now', width: 8 }, unit: '°C', range: '5m', limits: [{ value: 25, label: '25 °C', level: 'critical' }] } },
    { id: 'hot', type: 'alert', config: { rules: [{ id: 'hot', op: '>', value: 25, severity: 'critical' }] } },
    { id: 'list', type: 'alerts', name: 'Alerts', config: { dashboard: { page: 'site', group: 'Now', width: 4, order: 1 } } },
  ],
  wires: [{ from: 'sim', to: 'temps' }, { from: 'sim', to: 'hot' }, { from: 'hot', to: 'list' }],
};
const otherFlow = {
  sluice: 1, id: 'other', name: 'Other',
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 1, ratePerSecond: 10 } },
    { id: 'secret-stat', type: 'stat', config: { dashboard: { page: 'other' }, keyField: 'sensor' } },
  ],
  wires: [{ from: 'sim', to: 'secret-stat' }],
};

test('a shared link shows its page read-only, and gets 401/403 for another page, the editor and the API; revoked, it stops at once', { timeout: 180_000 }, async (t) => {
  const { base, runtime } = await serveEditor(t);
  for (const doc of [siteFlow, otherFlow]) await runtime.deploy(doc.id, doc);
  const { token, info } = runtime.auth.createToken({ name: 'neighbours', scopes: ['dashboard:site'], createdBy: 'test', ratePerMinute: 600, expiresAt: Date.now() + 86_400_000 });
  // A browser of its own: the editor helper's contexts all start logged in.
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  const errors = collectErrors(page);

  await page.goto(`${base}/dashboards/site#share=${token}`);
  await until('the shared chart drawn', async () => (await chartState(page, 'site/temps')).points > 0 || undefined);
  await until('the alert listed', async () => (await page.getByTestId('alert').count()) > 0 || undefined);
  assert.equal(await page.getByRole('button', { name: /Acknowledge/ }).count(), 0, 'no acting on alerts');
  assert.equal(await page.getByRole('button', { name: 'Share…' }).count(), 0);
  assert.match(await page.locator('.sd-header').innerText(), /shared, read-only/);
  await until('the live socket open with the link\'s token', async () => (await page.getByTestId('live-state').textContent()) === 'live' || undefined);

  const statusOf = (path: string) => page.evaluate(async ([p, tk]) => (await fetch(p!, { headers: { authorization: `Bearer ${tk}` } })).status, [path, token]);
  for (const path of ['/api/dashboards/other', '/api/dashboards/other/widgets/other/secret-stat/query/state', '/api/dashboards/site/widgets/other/secret-stat/query/state',
    '/api/flows', '/api/nodes', '/api/flows/site/status', '/api/flows/site/nodes/temps/query/range', '/api/alerts', '/api/dashboards']) {
    const status = await statusOf(path);
    assert.ok(status === 403 || status === 404, `${path}: ${status}`);
    if (!path.startsWith('/api/dashboards/site/')) assert.equal(status, 403, path);
  }
  assert.equal(await page.evaluate(async () => (await fetch('/api/flows')).status), 401, 'without the token, nothing');

  await page.goto(`${base}/dashboards/other#share=${token}`);
  await page.getByTestId('page-error').filter({ hasText: 'This link does not show the page "other"' }).waitFor({ timeout: LONG });
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: LONG });

  runtime.auth.revokeToken(info.id);
  await page.goto(`${base}/dashboards/site#share=${token}`);
  await page.getByTestId('page-error').filter({ hasText: 'expired or was revoked' }).waitFor({ timeout: LONG });
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
});

test('a viewer sees the alerts widget but cannot acknowledge; an editor acknowledges on the page and the server agrees', { timeout: 180_000 }, async (t) => {
  const { base, runtime, browser } = await serveEditor(t);
  await runtime.deploy(siteFlow.id, siteFlow);
  const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await signInContext(viewerContext, base, runtime.auth, 'viewer', 'vera');
  const viewer = await viewerContext.newPage();
  const errors = collectErrors(viewer);
  await viewer.goto(`${base}/dashboards/site`);
  await until('the viewer sees an alert', async () => (await viewer.getByTestId('alert').count()) > 0 || undefined);
  assert.equal(await viewer.getByRole('button', { name: /Acknowledge|Resolve/ }).count(), 0, 'no buttons for a viewer');
  const alert = (runtime.listAlerts({ flow: 'site', state: 'firing', limit: 10 }) as Alert[])[0]!;
  const tried = await viewer.evaluate(async (id) => {
    const session = await (await fetch('/api/session')).json() as { csrfToken: string };
    const res = await fetch(`/api/alerts/${encodeURIComponent(id)}/acknowledge`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify({ by: 'vera' }),
    });
    return res.status;
  }, alert.id);
  assert.equal(tried, 403, 'the API refuses a viewer too');
  assert.equal(runtime.getAlert(alert.id)!.state, 'firing');

  const editorContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await signInContext(editorContext, base, runtime.auth, 'editor', 'eddie');
  const editor = await editorContext.newPage();
  // The editor links each flow's tab to its dashboard pages.
  await editor.goto(`${base}/#/flows/site`);
  assert.equal(await editor.getByTestId('tab-dashboard').getAttribute('href', { timeout: LONG }), '/dashboards/site');
  await editor.goto(`${base}/dashboards/site`);
  const row = editor.locator(`[data-testid="alert"][data-state="firing"]`).first();
  await row.getByRole('button', { name: 'Acknowledge…' }).click({ timeout: LONG });
  await row.getByLabel('Note').fill('on my way');
  const ackId = await row.evaluate((el) => el.querySelector('.sd-alert-message')!.textContent);
  await row.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  const acked = await until('the alert acknowledged in the store', async () =>
    (runtime.listAlerts({ flow: 'site', limit: 50 }) as Alert[]).find((a) => a.state === 'acknowledged' && a.message === ackId));
  assert.deepEqual([acked.acknowledgedBy, acked.acknowledgeNote], ['eddie', 'on my way']);
  // The viewer's page hears of it live.
  await until('the acknowledgement on the viewer\'s page', async () => (await viewer.locator('[data-testid="alert"][data-state="acknowledged"]').count()) > 0 || undefined);

  // Dragging across a chart zooms it in: finer data for the narrower range, live updates paused until "back to live".
  await until('points on the editor\'s chart', async () => (await chartState(editor, 'site/temps')).points > 0 || undefined);
  const before = await chartState(editor, 'site/temps');
  const box = (await editor.locator('[data-widget="site/temps"] .u-over').boundingBox())!;
  // The flow started seconds ago: its points are at the right end of the chart's five minutes.
  await editor.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
  await editor.mouse.down();
  await editor.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 8 });
  await editor.mouse.up();
  const zoomed = await until('the zoomed chart', async () => {
    const s = await chartState(editor, 'site/temps');
    return s.live === 'no' && s.fetched > before.fetched && s;
  });
  assert.ok(zoomed.points > 0 && zoomed.first >= before.first, `the zoomed range holds the newest points (${zoomed.points} from ${zoomed.first}; before from ${before.first})`);
  await editor.getByRole('button', { name: /back to live/ }).click();
  await until('live again', async () => (await chartState(editor, 'site/temps')).live === 'yes' || undefined);
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
});
