import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import type { RangeAnswer, StatState } from '../nodes/dashboard/answers.js';
import type { Alert } from '../server/runtime/api.js';
import { openApp, type OpenedApp } from './helpers/api-app.js';
import { waitFor } from './helpers/wait.js';

/** Two pages: "site-a" (a chart and an alerts list of flow a) and "site-b" (a stat of flow b). */
const flowA = {
  sluice: 1, id: 'a', name: 'Site A',
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 3, ratePerSecond: 300, batchMs: 50, value: { base: 20, amplitude: 5, periodS: 2 } } },
    { id: 'temps', type: 'chart', name: 'Temperatures', config: { dashboard: { page: 'site-a', group: 'Climate', width: 8 }, unit: '°C', range: '15m' } },
    { id: 'hot', type: 'alert', config: { rules: [{ id: 'hot', op: '>', value: 21, severity: 'warning' }] } },
    { id: 'list', type: 'alerts', name: 'Alerts', config: { dashboard: { page: 'site-a', group: 'Climate', order: 1, width: 4 } } },
  ],
  wires: [{ from: 'sim', to: 'temps' }, { from: 'sim', to: 'hot' }, { from: 'hot', to: 'list' }],
};
const flowB = {
  sluice: 1, id: 'b', name: 'Site B',
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 2, ratePerSecond: 100, batchMs: 50 } },
    { id: 'now', type: 'stat', config: { dashboard: { page: 'site-b' }, keyField: 'sensor' } },
  ],
  wires: [{ from: 'sim', to: 'now' }],
};

async function deployed(t: Parameters<typeof openApp>[0]): Promise<OpenedApp> {
  const opened = await openApp(t);
  for (const doc of [flowA, flowB]) {
    const res = await opened.app.inject({ method: 'POST', url: `/api/flows/${doc.id}/deploy`, payload: doc });
    assert.equal(res.statusCode, 200, res.body);
  }
  return opened;
}

test('a page lists its widgets by group and order; each widget\'s data comes through the page, and only widgets on it', async (t) => {
  const { app } = await deployed(t);
  const pages = (await app.inject({ url: '/api/dashboards' })).json();
  assert.deepEqual(pages, [{ page: 'site-a', widgets: 2, flows: ['a'] }, { page: 'site-b', widgets: 1, flows: ['b'] }]);

  const page = (await app.inject({ url: '/api/dashboards/site-a' })).json() as { groups: { name: string; widgets: { nodeId: string; view: string; title: string; width: number; options: { look?: { unit: string } } }[] }[]; viewer: { canAct: boolean } };
  assert.deepEqual(page.groups.map((g) => [g.name, g.widgets.map((w) => [w.nodeId, w.view, w.title, w.width])]), [
    ['Climate', [['temps', 'chart', 'Temperatures', 8], ['list', 'alerts', 'Alerts', 4]]],
  ]);
  assert.equal(page.groups[0]!.widgets[0]!.options.look!.unit, '°C', 'the chart\'s look travels with the page');
  assert.equal(page.viewer.canAct, true, 'the admin may act');

  const range = await waitFor('points in the chart', async () => {
    const now = Date.now();
    const res = await app.inject({ url: `/api/dashboards/site-a/widgets/a/temps/query/range?from=${now - 60_000}&to=${now + 1000}&width=300` });
    assert.equal(res.statusCode, 200, res.body);
    const r = (res.json() as { result: RangeAnswer }).result;
    return r.series.length === 3 && r.series.every((s) => s.points > 0) ? r : undefined;
  });
  assert.deepEqual(range!.series.map((s) => s.key).sort(), ['sim-0', 'sim-1', 'sim-2']);

  const elsewhere = await app.inject({ url: '/api/dashboards/site-a/widgets/b/now/query/state' });
  assert.equal(elsewhere.statusCode, 404, 'a widget of another page is not reachable through this one');
  assert.match((elsewhere.json() as { message: string }).message, /no widget "b\/now" on dashboard page "site-a"/);
  assert.equal((await app.inject({ url: '/api/dashboards/site-a/widgets/a/hot/query/open' })).statusCode, 404, 'nor a node that is no widget');
  assert.equal((await app.inject({ url: '/api/dashboards/nowhere' })).statusCode, 404);
  const bad = await app.inject({ url: '/api/dashboards/site-a/widgets/a/temps/query/range?width=3' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /width is the chart's width in pixels, 10 to 4000/);
});

test('a shared link sees its page\'s widgets and nothing else, expires, is revoked at once, is rate limited and audited', async (t) => {
  const { app, runtime, anonymous, tokenFor } = await deployed(t);
  const editor = tokenFor(['editor']);
  const made = await anonymous({ method: 'POST', url: '/api/dashboards/site-a/shares', headers: editor, payload: { name: 'neighbours', expiresInDays: 7 } });
  assert.equal(made.statusCode, 201, made.body);
  const share = made.json() as { id: string; token: string; path: string; expiresAt: number; ratePerMinute: number };
  assert.equal(share.path, `/dashboards/site-a#share=${share.token}`);
  assert.ok(Math.abs(share.expiresAt - (Date.now() + 7 * 86_400_000)) < 60_000);
  const link = { authorization: `Bearer ${share.token}` };
  const get = (url: string) => anonymous({ url, headers: link });

  assert.equal((await get('/api/dashboards/site-a')).statusCode, 200);
  const page = (await get('/api/dashboards/site-a')).json() as { viewer: { shared: boolean; canAct: boolean } };
  assert.deepEqual(page.viewer, { name: 'token:neighbours', shared: true, canAct: false });
  assert.equal((await get('/api/dashboards/site-a/widgets/a/list/query/alerts')).statusCode, 200);
  for (const url of ['/api/dashboards/site-b', '/api/dashboards/site-b/widgets/b/now/query/state', '/api/dashboards', '/api/flows', '/api/nodes',
    '/api/flows/a', '/api/flows/a/status', '/api/flows/a/nodes/temps/query/range', '/api/alerts', '/api/dashboards/site-a/shares']) {
    assert.equal((await get(url)).statusCode, 403, `${url} is not the shared page`);
  }
  const alert = await waitFor('an alert', async () => ((await app.inject({ url: '/api/alerts?flow=a' })).json() as Alert[])[0]);
  const ack = await anonymous({ method: 'POST', url: `/api/alerts/${encodeURIComponent(alert.id)}/acknowledge`, headers: link, payload: { by: 'x' } });
  assert.equal(ack.statusCode, 403, 'a shared link cannot acknowledge');

  const listed = (await anonymous({ url: '/api/dashboards/site-a/shares', headers: editor })).json() as { id: string; name: string }[];
  assert.deepEqual(listed.map((s) => [s.id, s.name]), [[share.id, 'neighbours']]);
  assert.ok(!JSON.stringify(listed).includes(share.token.slice(-20)), 'never the secret');
  assert.equal((await anonymous({ method: 'DELETE', url: '/api/dashboards/site-b/shares/' + share.id, headers: editor })).statusCode, 404, 'revoked through its own page only');
  assert.equal((await anonymous({ method: 'DELETE', url: '/api/dashboards/site-a/shares/' + share.id, headers: editor })).statusCode, 204);
  const revoked = await get('/api/dashboards/site-a');
  assert.equal(revoked.statusCode, 401);
  assert.match(revoked.body, /was revoked/);

  const old = runtime.auth.createToken({ name: 'old', scopes: ['dashboard:site-a'], createdBy: 'test', expiresAt: Date.now() - 1, ratePerMinute: 600 });
  assert.match((await anonymous({ url: '/api/dashboards/site-a', headers: { authorization: `Bearer ${old.token}` } })).body, /expired at/);

  const slow = await anonymous({ method: 'POST', url: '/api/dashboards/site-a/shares', headers: editor, payload: { name: 'slow', ratePerMinute: 2 } });
  const slowLink = { authorization: `Bearer ${(slow.json() as { token: string }).token}` };
  const codes: number[] = [];
  for (let i = 0; i < 4; i++) codes.push((await anonymous({ url: '/api/dashboards/site-a', headers: slowLink })).statusCode);
  assert.deepEqual(codes, [200, 200, 429, 429]);

  const log = (await app.inject({ url: '/api/audit?limit=1000' })).json() as { action: string; target: string; actor: string }[];
  const mine = log.filter((e) => e.action.startsWith('dashboard.')).map((e) => [e.action, e.target, e.actor]).reverse();
  assert.deepEqual(mine.slice(0, 4), [
    ['dashboard.share', 'site-a', 'token:test-editor'],
    ['dashboard.view', 'site-a', 'token:neighbours'],
    ['dashboard.view', 'site-a', 'token:neighbours'],
    ['dashboard.unshare', 'site-a', 'token:test-editor'],
  ]);
  assert.equal((await anonymous({ method: 'POST', url: '/api/dashboards/site-a/shares', headers: tokenFor(['viewer']), payload: { name: 'x' } })).statusCode, 403, 'viewers cannot share');
});

/** Opens a page's live socket with headers or subprotocols; resolves its first messages of a kind, or the refusal. */
function liveSocket(url: string, options: { headers?: object; protocols?: string[] }): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers as { [k: string]: string } });
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('open', () => resolve({ status: 101, socket: ws }));
    ws.once('error', reject);
  });
}

test('a page\'s live socket carries its widgets\' updates only; a shared link opens it with its token as a subprotocol', async (t) => {
  const { app, runtime, tokenFor } = await deployed(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const { token } = runtime.auth.createToken({ name: 'link', scopes: ['dashboard:site-b'], createdBy: 'test', ratePerMinute: 600 });

  assert.equal((await liveSocket(`${base}/api/dashboards/site-a/live`, { protocols: ['sluice.dashboard', `bearer.${token}`] })).status, 403, 'another page');
  const opened = await liveSocket(`${base}/api/dashboards/site-b/live`, { protocols: ['sluice.dashboard', `bearer.${token}`] });
  assert.equal(opened.status, 101);
  const ws = opened.socket!;
  t.after(() => ws.close());
  assert.equal(ws.protocol, 'sluice.dashboard', 'the server answers with the page\'s own protocol, never the token');
  const seen: { type: string; flowId: string; nodeId: string; data?: unknown }[] = [];
  ws.on('message', (d) => seen.push(JSON.parse(d.toString())));
  const update = await waitFor('a stat update', () => seen.find((m) => m.type === 'widget'));
  assert.deepEqual([update!.flowId, update!.nodeId], ['b', 'now']);
  assert.deepEqual((update!.data as StatState).tiles.map((tile) => tile.key), ['sim-0', 'sim-1']);
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(seen.every((m) => m.flowId === 'b'), 'nothing of page site-a');
  const perSecond = seen.filter((m) => m.type === 'widget').length / 2.5;
  assert.ok(perSecond <= 2, `throttled per widget (${perSecond}/s for a stat at 1 per second)`);

  const viewer = await liveSocket(`${base}/api/dashboards/site-a/live`, { headers: tokenFor(['viewer']) });
  assert.equal(viewer.status, 101, 'viewers open any page');
  const chart: { type: string; nodeId: string; data: { points?: object } }[] = [];
  viewer.socket!.on('message', (d) => chart.push(JSON.parse(d.toString())));
  t.after(() => viewer.socket!.close());
  const points = await waitFor('chart points', () => chart.find((m) => m.type === 'widget' && m.nodeId === 'temps'));
  assert.deepEqual(Object.keys(points!.data.points!).sort(), ['sim-0', 'sim-1', 'sim-2']);
  assert.equal((await liveSocket(`${base}/api/dashboards/site-a/live`, {})).status, 401);
});

test('page names that are not plain URL segments are refused at deploy, naming the rule', async (t) => {
  const { app } = await openApp(t);
  for (const page of ['..', '.', 'a/b', 'Site', 'a b', '-a', 'x'.repeat(64), 'a%2f', 'tab\t']) {
    const doc = { sluice: 1, id: 'p', nodes: [{ id: 'c', type: 'chart', config: { dashboard: { page } } }], wires: [] };
    const res = await app.inject({ method: 'POST', url: '/api/flows/p/deploy', payload: doc });
    assert.equal(res.statusCode, 400, page);
    const problems = (res.json() as { problems: { nodeId: string; path: string; message: string }[] }).problems;
    assert.ok(problems.some((p) => p.nodeId === 'c' && p.path === '/nodes/0/config/dashboard/page'), `${JSON.stringify(page)}: ${JSON.stringify(problems)}`);
  }
  const secret = { sluice: 1, id: 'p', nodes: [{ id: 'c', type: 'chart', config: { title: '${secret:x}' } }], wires: [] };
  const refused = await app.inject({ method: 'POST', url: '/api/flows/p/deploy', payload: secret });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /shown to everyone who sees its dashboard page/);
});
