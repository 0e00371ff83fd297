import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { natsCluster } from './helpers/nats-cluster.js';
import { api, stopGracefully } from './helpers/server-process.js';
import { sluice } from './helpers/sluice-cli.js';
import { clusterOf, startClusterServer } from './helpers/sluice-cluster.js';
import { tempDir } from './helpers/temp-dir.js';

test('sluice start --cluster refuses bad arguments with a usage error naming them', async (t) => {
  const dir = tempDir(t);
  const cases: [string[], RegExp][] = [
    [['--cluster', 'http://h1:4222'], /--cluster takes nats:\/\/host:port URLs separated by commas, got "http:\/\/h1:4222"/],
    [['--nats-user', 'sluice'], /--nats-user needs --cluster/],
    [['--cluster', 'nats://127.0.0.1:1', '--cluster-name', 'has space'], /--cluster-name must be 1 to 32 letters, digits or -, got "has space"/],
    [['--cluster', 'nats://127.0.0.1:1', '--nats-tls-cert', 'c.pem'], /--nats-tls-cert and --nats-tls-key go together/],
  ];
  for (const [args, message] of cases) {
    const r = await sluice(['start', '--data', dir, '--no-demo', '--no-mqtt', '--port', '0', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});

test('a server joins a NATS that requires a user and password (the password from SLUICE_NATS_PASSWORD), and keeps its id across restarts', { timeout: 120_000 }, async (t) => {
  const nats = await natsCluster(t, 1, { user: 'sluice', password: 'nats-secret-81f2' });
  const dir = join(tempDir(t), 'data');
  const start = () => startClusterServer(dir, nats.urls, 'auth', ['--nats-user', 'sluice'], { env: { SLUICE_NATS_PASSWORD: 'nats-secret-81f2' } });
  let server = await start();
  const first = await clusterOf(server);
  assert.equal(first.connected, true);
  assert.deepEqual(first.servers.map((s) => s.id), [first.server]);
  assert.match(server.stderr(), new RegExp(`joined cluster "auth" as server ${first.server} \\(1 NATS servers\\)`));
  assert.equal(await stopGracefully(server), 0);
  server = await start();
  assert.equal((await clusterOf(server)).server, first.server, 'the id kept in the data directory');
  assert.equal((await api<{ mode: string }>(server, '/api/cluster')).mode, 'cluster');
  assert.equal(await stopGracefully(server), 0);

  const refused = await sluice(['start', '--data', join(dir, '..', 'other'), '--no-demo', '--no-mqtt', '--port', '0', '--cluster', nats.urls, '--nats-user', 'sluice'],
    { env: { SLUICE_NATS_PASSWORD: 'wrong-pass-5512' } });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Authorization Violation/i);
  assert.doesNotMatch(refused.stderr, /wrong-pass-5512/, 'the password is not echoed');
});
