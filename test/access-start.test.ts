import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuthStore } from '../server/auth/auth-store.js';
import { startServer, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { sluice } from './helpers/sluice-cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const stopAfter = (t: { after(fn: () => void): void }, server: ServerProcess) =>
  t.after(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });

test('the first start prints a one-time link that creates the first admin, once', async (t) => {
  const data = join(tempDir(t), 'data');
  const server = await startServer(data, [], { env: { SLUICE_ADMIN_TOKEN: '' } });
  stopAfter(t, server);
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback by default');
  const link = (await waitFor('the one-time link on stdout', () => /one-time link.*\n\s+(http:\/\/\S+)#setup=(\S+)\n/.exec(server.stdout()), 5000))!;
  assert.equal(link[1], server.url + '/');
  const setup = (token: string) => fetch(`${server.url}/api/setup`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, name: 'root', password: 'first admin password' }),
  });

  assert.equal((await fetch(`${server.url}/api/flows`)).status, 401, 'nothing is open before');
  assert.equal((await setup('not-the-link')).status, 401);
  const created = await setup(link[2]!);
  assert.equal(created.status, 201, await created.clone().text());
  const cookie = created.headers.get('set-cookie')!.split(';')[0]!;
  const me = await fetch(`${server.url}/api/session`, { headers: { cookie } });
  assert.deepEqual(await me.json(), { name: 'root', role: 'admin', kind: 'session', scopes: [], csrfToken: (await created.json() as { csrfToken: string }).csrfToken });
  assert.equal((await fetch(`${server.url}/api/users`, { headers: { cookie } })).status, 200);
  assert.equal((await setup(link[2]!)).status, 409, 'the link worked once');
  assert.equal(await stopGracefully(server), 0, server.stderr());

  const again = await startServer(data);
  stopAfter(t, again);
  assert.doesNotMatch(again.stdout(), /one-time link/, 'no link once a user exists');
  assert.equal(await stopGracefully(again), 0);

  // The link itself: single use, and a new one replaces the old.
  const { store, close } = AuthStore.open(tempDir(t));
  t.after(close);
  const first = store.createLoginLink();
  const second = store.createLoginLink();
  assert.equal(store.consumeLoginLink(first), false, 'replaced');
  assert.equal(store.consumeLoginLink(second), true);
  assert.equal(store.consumeLoginLink(second), false, 'used');
});

test('binding a non-loopback address needs an admin; TLS serves https with Secure cookies; CLI users and tokens', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  await assert.rejects(startServer(data, ['--host', '0.0.0.0']), /refusing to listen on 0\.0\.0\.0 \(not a loopback address\) without an admin user.*sluice user add NAME --role admin/s);

  const added = await sluice(['user', 'add', 'ops', '--role', 'admin', '--password-stdin', '--data', data], { stdin: 'ops password 123\n' });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout.trim(), 'added ops (admin)');
  const weak = await sluice(['user', 'add', 'weak', '--password-stdin', '--data', data], { stdin: 'short\n' });
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /at least 10 characters/);
  const token = await sluice(['token', 'create', '--scope', 'viewer', '--name', 'ci', '--expires', '30d', '--data', data]);
  assert.equal(token.code, 0, token.stderr);
  assert.match(token.stdout.trim(), /^slu_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);

  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const server = await startServer(data, ['--host', '0.0.0.0', '--tls-cert', cert, '--tls-key', key]);
  stopAfter(t, server);
  assert.match(server.url, /^https:\/\/0\.0\.0\.0:\d+$/);
  const base = server.url.replace('0.0.0.0', '127.0.0.1');
  const ca = readFileSync(cert);
  const call = (path: string, init: { method?: string; headers?: { [k: string]: string }; body?: string } = {}) =>
    new Promise<{ status: number; headers: { [k: string]: string | string[] | undefined }; body: string }>((resolve, reject) => {
      const req = request(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers, ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(init.body);
    });
  assert.equal((await call('/health')).status, 200, 'https with the given certificate');
  assert.equal((await call('/api/flows')).status, 401);
  assert.equal((await call('/api/flows', { headers: { authorization: `Bearer ${token.stdout.trim()}` } })).status, 200, 'the CLI-created token works');
  const login = await call('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ops', password: 'ops password 123' }) });
  assert.equal(login.status, 200, login.body);
  assert.match(String(login.headers['set-cookie']), /; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
  assert.equal(await stopGracefully(server), 0, server.stderr());

  const listed = await sluice(['token', 'list', '--data', data]);
  assert.match(listed.stdout, /\tci\tviewer\t\d{4}-\d\d-\d\dT.*\tno rate limit/);
  const audit = AuthStore.open(data);
  t.after(audit.close);
  assert.deepEqual(audit.store.auditLog({ limit: 10 }).map((e) => e.action).reverse(), ['user.add', 'token.create', 'login']);
});
