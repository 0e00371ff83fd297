import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import { WebSocket } from 'ws';
import { accessControl, type RouteAccess } from '../server/auth/access-plugin.js';
import type { Scope } from '../server/auth/roles.js';
import type { Alert } from '../server/runtime/api.js';
import { draft, openApp, type AuthHeaders } from './helpers/api-app.js';
import { waitFor } from './helpers/wait.js';

/** Values for the path parameters of any route: the flow is `target`. */
const PARAMS: { [name: string]: string } = { id: 'target', dlId: '1', nodeId: 'n', name: 'x', type: 'x', page: 'target', flowId: 'target', shareId: 'x' };
const concrete = (url: string) => url.replace(/:(\w+)/g, (_, p: string) => PARAMS[p] ?? 'x').replace('*', 'x');

/** The public surface, named one by one: a new public route has to be added here on purpose. */
const PUBLIC = /^\/(health|api\/(login|logout|session|setup)|ingest\/\*|api\/docs.*|dashboards(\/|\/:page)?|\*|)$/;

/** For each declared access, a credential that is almost enough. */
function tooSmall(route: RouteAccess): Scope[] {
  const { access } = route;
  if (access === 'admin') return ['editor'];
  if (access === 'editor') return ['viewer'];
  // External read scopes on this very flow and every alert feed still are not a viewer.
  if (access === 'viewer') return ['flow:target', 'alerts', 'dashboard:target'];
  if (access !== 'public' && access.scope === 'flow') return ['flow:other', 'alerts'];
  // Another page's link, and every other external scope on the flow behind the page.
  if (access !== 'public' && access.scope === 'dashboard') return ['dashboard:other', 'flow:target', 'alerts'];
  return ['flow:target', 'dashboard:target'];
}

function upgrade(url: string, headers: AuthHeaders | {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('error', (err) => reject(err));
  });
}

test('every non-public route, HTTP and WebSocket, answers 401 without credentials and 403 with too small a role or scope', async (t) => {
  const { app, anonymous, tokenFor } = await openApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const wsBase = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const routes = app.routeAccess;
  assert.ok(routes.length > 40, `the server reports its routes (${routes.length})`);
  assert.ok(routes.some((r) => r.websocket && r.url === '/api/ws') && routes.some((r) => r.websocket && r.url === '/api/flows/:id/collab'));

  const checked: string[] = [];
  for (const route of routes) {
    const label = `${route.method} ${route.url}`;
    if (route.access === 'public') {
      assert.match(route.url, PUBLIC, `${label} is public but not on the list of public routes`);
      continue;
    }
    const url = concrete(route.url);
    const method = route.method as 'GET' | 'HEAD';
    const none = await anonymous({ method, url });
    assert.equal(none.statusCode, 401, `${label} without credentials: ${none.body}`);
    if (method !== 'HEAD') assert.equal((none.json() as { error: string }).error, 'unauthenticated', label);
    const small = tooSmall(route);
    const denied = await anonymous({ method, url, headers: tokenFor(small) });
    assert.equal(denied.statusCode, 403, `${label} with ${small.join(',')}: ${denied.body}`);
    if (route.websocket) {
      assert.equal(await upgrade(`${wsBase}${url}`, {}), 401, `${label} upgrade without credentials`);
      assert.equal(await upgrade(`${wsBase}${url}`, tokenFor(small)), 403, `${label} upgrade with ${small.join(',')}`);
    }
    checked.push(label);
  }
  assert.ok(checked.length > 30, `checked ${checked.length} routes`);
  // And the real credentials get past the check: the WebSocket feed opens for a viewer.
  assert.equal(await upgrade(`${wsBase}/api/ws`, tokenFor(['viewer'])), 101);
});

test('a route that declares no access stops the server from starting', async (t) => {
  const { runtime } = await openApp(t);
  const app = Fastify();
  t.after(() => app.close());
  await app.register(accessControl, { store: runtime.auth });
  assert.throws(() => app.get('/api/forgotten', async () => 'open'), /route GET \/api\/forgotten must declare who may call it/);
  assert.throws(() => app.get('/api/odd', { config: { access: 'root' as 'admin' } }, async () => 'open'), /must declare who may call it/);
});

test('an external token reads its own flow\'s outputs only, read-only, and is rate-limited with 429 and Retry-After', async (t) => {
  const { app, anonymous, tokenFor } = await openApp(t);
  for (const id of ['alpha', 'beta']) {
    const res = await app.inject({ method: 'POST', url: `/api/flows/${id}/deploy`, payload: draft(id) });
    assert.equal(res.statusCode, 200, res.body);
  }
  await waitFor('debug messages of alpha', async () => ((await app.inject({ url: '/api/flows/alpha/debug' })).json() as unknown[]).length > 0);
  const alpha = tokenFor(['flow:alpha']);
  const get = (url: string) => anonymous({ url, headers: alpha });

  const own = await get('/api/flows/alpha/debug');
  assert.equal(own.statusCode, 200);
  assert.ok((own.json() as { flowId: string }[]).every((m) => m.flowId === 'alpha'));
  assert.equal((await get('/api/flows/alpha/status')).statusCode, 200);
  for (const other of ['/api/flows/beta/debug', '/api/flows/beta/status', '/api/flows/beta/nodes/show/query/x']) {
    assert.equal((await get(other)).statusCode, 403, other);
  }
  for (const beyond of ['/api/flows', '/api/flows/alpha', '/api/flows/alpha/export', '/api/flows/alpha/journal', '/api/alerts']) {
    assert.equal((await get(beyond)).statusCode, 403, `${beyond} is not an output`);
  }
  const write = await anonymous({ method: 'POST', url: '/api/flows/alpha/deploy', headers: alpha, payload: draft('alpha') });
  assert.equal(write.statusCode, 403);

  const limited = tokenFor(['flow:alpha'], { ratePerMinute: 3 });
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  for (let i = 0; i < 5; i++) {
    const res = await anonymous({ url: '/api/flows/alpha/debug', headers: limited });
    statuses.push(res.statusCode);
    if (res.statusCode === 429) retryAfter = res.headers['retry-after'] as string;
  }
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 20, `Retry-After: ${retryAfter}`);
  // Another token has its own budget.
  assert.equal((await get('/api/flows/alpha/debug')).statusCode, 200);
});

test('API tokens expire and can be revoked; their secret is shown once and never listed', async (t) => {
  const { app, runtime, anonymous } = await openApp(t);
  const created = await app.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'ci', scopes: ['editor'], expiresInDays: 30 } });
  assert.equal(created.statusCode, 201, created.body);
  const { id, token, expiresAt } = created.json() as { id: string; token: string; expiresAt: number };
  assert.ok(Math.abs(expiresAt - (Date.now() + 30 * 86_400_000)) < 60_000);
  const ci = { authorization: `Bearer ${token}` };
  assert.equal((await anonymous({ url: '/api/flows', headers: ci })).statusCode, 200);
  const listed = (await app.inject({ url: '/api/tokens' })).body;
  assert.ok(listed.includes(id) && !listed.includes(token.slice(-20)), 'listed by id, without the secret');
  assert.equal((await app.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'x', scopes: ['admin', 'flow:a'] } })).statusCode, 400);

  assert.equal((await app.inject({ method: 'DELETE', url: `/api/tokens/${id}` })).statusCode, 204);
  const revoked = await anonymous({ url: '/api/flows', headers: ci });
  assert.equal(revoked.statusCode, 401);
  assert.match((revoked.json() as { message: string }).message, new RegExp(`API token ${id} was revoked`));

  const old = runtime.auth.createToken({ name: 'old', scopes: ['viewer'], createdBy: 'test', expiresAt: Date.now() - 1 });
  const expired = await anonymous({ url: '/api/flows', headers: { authorization: `Bearer ${old.token}` } });
  assert.equal(expired.statusCode, 401);
  assert.match((expired.json() as { message: string }).message, /expired at/);
  const forged = `slu_${old.info.id}_${'A'.repeat(43)}`;
  assert.equal((await anonymous({ url: '/api/flows', headers: { authorization: `Bearer ${forged}` } })).statusCode, 401, 'a known id with a wrong secret');
  assert.equal((await anonymous({ url: '/api/flows', headers: { authorization: 'Basic YTpi' } })).statusCode, 401);
  for (const cookie of ['sluice_session=%E0%A4%A', 'sluice_session=', 'sluice_session']) {
    const res = await anonymous({ url: '/api/flows', headers: { cookie } });
    assert.equal(res.statusCode, 401, `a malformed session cookie (${cookie}) is refused, not an error: ${res.body}`);
  }
});

/** test-feed → alert: `value = seq % 97`, so a rule `> 50` fires at seq 51. */
const alertFlow = (id: string) => ({
  sluice: 1, id,
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count: 60, batchSize: 10, sensors: 1 } },
    { id: 'check', type: 'alert', config: { timeField: 'seq', rules: [{ id: 'high', op: '>', value: 50, severity: 'critical' }] } },
  ],
  wires: [{ from: 'feed', to: 'check' }],
});

test('an alerts:<flow> token sees that flow\'s alerts only; acknowledging, deploying and user changes are in the audit log', async (t) => {
  const { app, anonymous, tokenFor } = await openApp(t);
  const editor = tokenFor(['editor']);
  for (const id of ['alpha', 'beta']) {
    const res = await anonymous({ method: 'POST', url: `/api/flows/${id}/deploy`, headers: editor, payload: alertFlow(id) });
    assert.equal(res.statusCode, 200, res.body);
  }
  await waitFor('an alert in each flow', async () => ((await app.inject({ url: '/api/alerts' })).json() as Alert[]).length === 2);

  const feed = tokenFor(['alerts:alpha']);
  const listed = await anonymous({ url: '/api/alerts', headers: feed });
  assert.deepEqual((listed.json() as Alert[]).map((a) => a.flowId), ['alpha']);
  assert.deepEqual((await anonymous({ url: '/api/alerts?flow=beta', headers: feed })).json(), []);
  const betaAlert = encodeURIComponent('beta/check/high/s0/51');
  assert.equal((await anonymous({ url: `/api/alerts/${betaAlert}`, headers: feed })).statusCode, 404);
  assert.equal((await anonymous({ url: `/api/alerts/${encodeURIComponent('alpha/check/high/s0/51')}`, headers: feed })).statusCode, 200);
  assert.equal((await anonymous({ method: 'POST', url: `/api/alerts/${betaAlert}/acknowledge`, headers: feed, payload: { by: 'x' } })).statusCode, 403);

  const ack = await anonymous({ method: 'POST', url: `/api/alerts/${betaAlert}/acknowledge`, headers: editor, payload: { by: 'ana', note: 'on it' } });
  assert.equal(ack.statusCode, 200, ack.body);
  const added = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'carla', role: 'viewer', password: 'a long enough password' } });
  assert.equal(added.statusCode, 201, added.body);
  assert.equal((await app.inject({ method: 'PATCH', url: '/api/users/carla', payload: { role: 'editor' } })).statusCode, 200);
  assert.equal((await app.inject({ method: 'PUT', url: '/api/secrets/vendor_key', payload: { value: 'hunter2-value' } })).statusCode, 204);

  const log = (await app.inject({ url: '/api/audit' })).json() as { actor: string; action: string; target: string; detail: unknown; at: number }[];
  const editorName = log.find((e) => e.action === 'flow.deploy')!.actor;
  assert.match(editorName, /^token:test-editor$/);
  assert.deepEqual(log.filter((e) => !e.action.startsWith('token.')).map((e) => [e.action, e.target, e.actor]).reverse(), [
    ['flow.deploy', 'alpha', editorName],
    ['flow.deploy', 'beta', editorName],
    ['alert.acknowledge', 'beta/check/high/s0/51', editorName],
    ['user.add', 'carla', 'token:test-admin'],
    ['user.role', 'carla', 'token:test-admin'],
    ['secret.set', 'vendor_key', 'token:test-admin'],
  ]);
  assert.ok(log.every((e) => Math.abs(e.at - Date.now()) < 60_000), 'each entry says when');
  assert.doesNotMatch(JSON.stringify(log), /hunter2-value|long enough password/, 'no secret value or password in the log');
  assert.equal((await anonymous({ url: '/api/audit', headers: editor })).statusCode, 403, 'admins only');
});

/** Logs in with a password; answers the cookie header and the CSRF token. */
async function login(inject: (o: object) => Promise<{ statusCode: number; headers: { [k: string]: unknown }; json(): unknown; body: string }>, name: string, password: string) {
  const res = await inject({ method: 'POST', url: '/api/login', payload: { name, password } });
  assert.equal(res.statusCode, 200, res.body);
  const setCookie = String(res.headers['set-cookie']);
  assert.match(setCookie, /^sluice_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  return { cookie: setCookie.split(';')[0]!, csrf: (res.json() as { csrfToken: string }).csrfToken };
}

test('a session cookie needs the CSRF token for unsafe methods, and a foreign Origin is refused', async (t) => {
  const { runtime, anonymous } = await openApp(t);
  await runtime.auth.addUser('ed', 'editor', 'editor password 1');
  const { cookie, csrf } = await login(anonymous, 'ed', 'editor password 1');

  assert.equal((await anonymous({ url: '/api/flows', headers: { cookie } })).statusCode, 200, 'reads need no CSRF token');
  const session = (await anonymous({ url: '/api/session', headers: { cookie } })).json() as { name: string; role: string; csrfToken: string };
  assert.deepEqual([session.name, session.role, session.csrfToken], ['ed', 'editor', csrf]);

  const create = (headers: object, id: string) => anonymous({ method: 'POST', url: '/api/flows', headers: { cookie, ...headers }, payload: draft(id) });
  const without = await create({}, 'one');
  assert.equal(without.statusCode, 403);
  assert.equal((without.json() as { error: string }).error, 'csrf');
  assert.equal((await create({ 'x-csrf-token': 'guess' }, 'one')).statusCode, 403);
  assert.equal((await create({ 'x-csrf-token': csrf, origin: 'https://evil.example' }, 'one')).statusCode, 403);
  assert.equal((await create({ 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' }, 'one')).statusCode, 403);
  assert.equal(runtime.getDraft('one'), undefined, 'nothing was created by the refused requests');
  const ok = await create({ 'x-csrf-token': csrf, origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' }, 'one');
  assert.equal(ok.statusCode, 201, ok.body);

  const foreignLogin = await anonymous({ method: 'POST', url: '/api/login', headers: { origin: 'https://evil.example' }, payload: { name: 'ed', password: 'editor password 1' } });
  assert.equal(foreignLogin.statusCode, 403, 'another site cannot log a browser in');

  // Changing one's own password ends the old session and starts a new one.
  const changed = await anonymous({ method: 'POST', url: '/api/session/password', headers: { cookie, 'x-csrf-token': csrf }, payload: { current: 'editor password 1', password: 'editor password 2' } });
  assert.equal(changed.statusCode, 200, changed.body);
  assert.equal((await anonymous({ url: '/api/flows', headers: { cookie } })).statusCode, 401, 'the old session ended');
  const renewed = String(changed.headers['set-cookie']).split(';')[0]!;
  assert.equal((await anonymous({ url: '/api/flows', headers: { cookie: renewed } })).statusCode, 200);
  assert.equal((await anonymous({ method: 'POST', url: '/api/login', payload: { name: 'ed', password: 'editor password 2' } })).statusCode, 200);

  const out = await anonymous({ method: 'POST', url: '/api/logout', headers: { cookie: renewed } });
  assert.equal(out.statusCode, 204);
  assert.equal((await anonymous({ url: '/api/flows', headers: { cookie: renewed } })).statusCode, 401, 'the session ended');
});

test('failed logins are throttled per user and per address, with 429 and Retry-After', async (t) => {
  const { runtime, anonymous } = await openApp(t, { auth: { throttle: { perUser: 3, perIp: 5, windowMs: 60_000 } } });
  await runtime.auth.addUser('ana', 'viewer', 'the right password');
  await runtime.auth.addUser('bo', 'viewer', 'the right password');
  const attempt = (name: string, password: string, remoteAddress = '10.0.0.1') =>
    anonymous({ method: 'POST', url: '/api/login', payload: { name, password }, remoteAddress });

  for (let i = 0; i < 3; i++) assert.equal((await attempt('ana', 'wrong')).statusCode, 401);
  const blocked = await attempt('ana', 'the right password', '10.0.0.2');
  assert.equal(blocked.statusCode, 429, 'even the right password, from another address, while the user is blocked');
  assert.ok(Number(blocked.headers['retry-after']) > 0 && Number(blocked.headers['retry-after']) <= 60);
  assert.equal((await attempt('bo', 'the right password', '10.0.0.2')).statusCode, 200, 'other users are not blocked');

  // Per address: spraying one guess over many names.
  for (const name of ['u1', 'u2']) assert.equal((await attempt(name, 'guess', '10.0.0.1')).statusCode, 401);
  assert.equal((await attempt('bo', 'the right password', '10.0.0.1')).statusCode, 429, '10.0.0.1 failed 5 times');
  assert.equal((await attempt('bo', 'the right password', '10.0.0.3')).statusCode, 200);
  const failures = runtime.auth.auditLog({ limit: 100, action: 'login.failed' });
  assert.equal(failures.length, 5, 'each failure is in the audit log; blocked attempts never reach the password check');
});
