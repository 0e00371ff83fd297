import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { FlowStore } from '../server/store/flow-store.js';
import { builtinNodes } from '../nodes/index.js';
import { testNodes } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';
import { HOSTILE_NAMES } from './helpers/hostile-names.js';

const flow = (id: string, nodeId = 'feed') => ({
  sluice: 1, id,
  nodes: [{ id: nodeId, type: 'test-feed', config: { count: 20, batchSize: 5 } }, { id: 'sink', type: 'test-sink' }],
  wires: [{ from: nodeId, to: 'sink' }],
});

/** Flow ids as a URL carries them: percent-encoded by the router's rules, raw dots, encoded separators. */
const URL_SPELLINGS = [
  '%2E', '%2e', '%2E%2E', '%2e%2E', '.%2E', '%2E.', '%2E%2E%2F', '..%2F..', '%2F', '%5C', '..%5C..', '%00', 'a%00b',
  '%252E', '%252E%252E', 'x.', 'x%20', '%20x', '%EF%BC%8E', '%EF%BC%8E%EF%BC%8E', '%E2%80%A4', '%E2%80%A5', 'CON', 'nul.json',
  '%2Ehidden', '%0A', 'a%2Fb',
];

/** Everything in the data directory that must outlive any request: the database, the key, other flows' journals. */
function snapshot(dataDir: string): string[] {
  const list = (dir: string, prefix = ''): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? list(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
  return list(dataDir).filter((p) => !/-(wal|shm|journal)$/.test(p)).sort();
}

test('a flow id that would be a path is refused at every route, in every spelling; nothing on disk moves', async (t) => {
  const { app, runtime } = await openApp(t);
  const dataDir = (runtime as unknown as { options: { dataDir: string } }).options.dataDir;
  for (const id of ['a', 'b']) {
    const res = await app.inject({ method: 'POST', url: `/api/flows/${id}/deploy`, payload: flow(id) });
    assert.equal(res.statusCode, 200, res.body);
  }
  await waitFor('both flows journaled', () => runtime.status('a')!.journal!.head > 0 && runtime.status('b')!.journal!.head > 0);
  writeFileSync(join(dataDir, 'flows', 'sentinel'), 'must survive');
  writeFileSync(join(dataDir, 'sentinel'), 'must survive');
  const before = snapshot(dataDir);
  assert.ok(before.includes('sluice.db') && before.includes('secrets.key') && before.includes('flows/a/journal.db') && before.includes('flows/b/journal.db'), before.join(', '));

  for (const spelling of URL_SPELLINGS) {
    for (const [method, suffix] of [['DELETE', ''], ['POST', '/deploy'], ['PUT', ''], ['GET', ''], ['GET', '/status'], ['GET', '/journal'], ['GET', '/dead-letters']] as const) {
      const res = await app.inject({ method, url: `/api/flows/${spelling}${suffix}`, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: flow('a') }) });
      // 404 only where the router itself finds no route (an encoded slash splits the path); never 2xx, never 5xx.
      assert.ok(res.statusCode === 400 || res.statusCode === 404, `${method} /api/flows/${spelling}${suffix} → ${res.statusCode} ${res.body}`);
      if (res.statusCode === 400) assert.match(res.json().message ?? JSON.stringify(res.json().problems), /params\/id|\/id/);
    }
  }
  for (const [id, why] of HOSTILE_NAMES) {
    for (const url of ['/api/flows', '/api/import']) {
      const res = await app.inject({ method: 'POST', url, payload: flow(id) });
      assert.equal(res.statusCode, 400, `${url} with id ${JSON.stringify(id)}: ${res.body}`);
      const problem = (res.json().problems as { path: string; message: string }[]).find((p) => p.path === '/id');
      assert.ok(problem && why.test(problem.message), `${JSON.stringify(id)}: ${res.body}`);
    }
    const node = await app.inject({ method: 'POST', url: '/api/flows/c/deploy', payload: flow('c', id) });
    assert.equal(node.statusCode, 400, `node id ${JSON.stringify(id)}: ${node.body}`);
    assert.ok((node.json().problems as { path: string; message: string }[]).some((p) => p.path === '/nodes/0/id' && why.test(p.message)), node.body);
  }
  // The manager refuses on its own too, whatever a caller skipped.
  for (const id of ['.', '..', '', 'a/../b', '../a', 'flows', 'a/..']) {
    assert.equal(await runtime.deleteFlow(id), false, `deleteFlow(${JSON.stringify(id)})`);
  }
  assert.deepEqual(snapshot(dataDir), before, 'nothing in the data directory was removed or added');
  assert.equal(runtime.status('a')!.state, 'running');
  assert.equal(runtime.status('b')!.state, 'running');

  // Deleting a flow removes its own directory and nothing else.
  const deleted = await app.inject({ method: 'DELETE', url: '/api/flows/a' });
  assert.equal(deleted.statusCode, 204);
  const after = snapshot(dataDir);
  assert.deepEqual(after, before.filter((p) => !p.startsWith('flows/a/')), 'only flows/a/ is gone');
  assert.equal(readFileSync(join(dataDir, 'flows', 'sentinel'), 'utf8'), 'must survive');
  assert.ok(existsSync(join(dataDir, 'sluice.db')) && existsSync(join(dataDir, 'secrets.key')));
  assert.equal(runtime.status('b')!.state, 'running', 'the other flow runs on, its journal intact');
  assert.ok(runtime.status('b')!.journal!.head > 0);
});

test('a flow directory that is a symbolic link out of the data directory is neither written through nor deleted', async (t) => {
  const { app, runtime } = await openApp(t);
  const dataDir = (runtime as unknown as { options: { dataDir: string } }).options.dataDir;
  const outside = join(tempDir(t), 'elsewhere');
  mkdirSync(outside);
  writeFileSync(join(outside, 'precious'), 'keep');
  mkdirSync(join(dataDir, 'flows'), { recursive: true });
  symlinkSync(outside, join(dataDir, 'flows', 'evil'));
  const deploy = await app.inject({ method: 'POST', url: '/api/flows/evil/deploy', payload: flow('evil') });
  assert.equal(deploy.statusCode, 400, deploy.body);
  assert.match(deploy.body, /symbolic link leads out of the root/);
  assert.ok(!deploy.body.includes(dataDir), 'the answer names no server path');
  assert.deepEqual(readdirSync(outside), ['precious'], 'no journal was created through the link');
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/flows/evil' })).statusCode, 204);
  assert.deepEqual(readdirSync(outside), ['precious'], 'deleting the flow did not follow the link');
});

test('a flow stored under an unsafe id by an earlier version is not started and its directory not touched', async (t) => {
  const dataDir = tempDir(t);
  const { store, db } = FlowStore.open(join(dataDir, 'sluice.db'));
  const saved = store.saveDraft({ ...flow('x'), id: '..' } as never);
  store.markDeployed('..', saved.revision);
  db.close();
  writeFileSync(join(dataDir, 'keep'), 'x');
  const runtime = await RuntimeManager.open({ dataDir, registry: new NodeRegistry([...builtinNodes, ...testNodes]), log: silentLogger });
  t.after(() => runtime.close());
  const status = runtime.status('..')!;
  assert.equal(status.state, 'failed');
  assert.match(status.error!, /the flow id "\.\." is the parent directory, not a name: export the flow and import it under another id/);
  assert.equal(await runtime.deleteFlow('..'), true, 'its rows can still be deleted');
  assert.ok(existsSync(join(dataDir, 'keep')) && existsSync(join(dataDir, 'sluice.db')));
});

test('other names that become paths or URLs: ingest path segments, QuestDB tables (a directory each on the QuestDB server)', async (t) => {
  const { runtime } = await openApp(t);
  const problems = (node: object) => {
    const r = runtime.validate({ sluice: 1, id: 'f', nodes: [{ id: 'n', ...node }], wires: [] });
    return r.ok ? [] : r.problems.map((p) => `${p.path} ${p.message}`);
  };
  for (const path of ['..', 'a/..', '../api', 'a/./b', '.']) {
    assert.deepEqual(problems({ type: 'http-in', config: { path, token: 'a-long-enough-test-token-0123456789' } }).filter((p) => p.startsWith('/nodes/0/config/path')).length, 1, path);
  }
  assert.deepEqual(problems({ type: 'http-in', config: { path: 'site-a/readings.v2', token: 'a-long-enough-test-token-0123456789' } }), []);
  for (const table of ['con', 'NUL', 'Com1', 'lpt9', 'aux']) {
    assert.ok(problems({ type: 'questdb', config: { table, columns: { value: 'double' } } }).some((p) => /^\/nodes\/0\/config\/table .*reserved device name on Windows/.test(p)), table);
  }
  assert.deepEqual(problems({ type: 'questdb', config: { table: 'console', columns: { value: 'double' } } }), []);
});
