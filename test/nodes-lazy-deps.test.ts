import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp-dir.js';

const dist = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/**
 * Run in a fresh process (this one has every package loaded by other tests): registers every built-in node,
 * deploys a flow without FTP or PostgreSQL, then one with both, and says which packages were in memory after each.
 */
const script = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { builtinNodes } = await import(${JSON.stringify(dist('nodes/index.js'))});
const { NodeRegistry } = await import(${JSON.stringify(dist('server/core/registry.js'))});
const { RuntimeManager } = await import(${JSON.stringify(dist('server/runtime/manager.js'))});
const { silentLogger } = await import(${JSON.stringify(dist('server/core/logger.js'))});
const loaded = () => ['ftp-srv', 'pg', 'pdfkit', 'nodemailer'].filter((p) => Object.keys(require.cache).some((k) => k.includes('/node_modules/' + p + '/')));
const manager = await RuntimeManager.open({ dataDir: process.argv[1], log: silentLogger, registry: new NodeRegistry(builtinNodes) });
const seen = [];
await manager.deploy('sim', { sluice: 1, id: 'sim', nodes: [
  { id: 'sim', type: 'simulate', config: { sensors: 2, ratePerSecond: 1 } }, { id: 'dbg', type: 'debug', config: {} }],
  wires: [{ from: 'sim', to: 'dbg' }] });
seen.push(loaded());
await manager.deploy('both', { sluice: 1, id: 'both', nodes: [
  { id: 'ftp', type: 'ftp-receiver', config: { port: 0, users: [{ name: 'site-a', password: 'not-a-real-one' }] } },
  { id: 'pg', type: 'postgres', config: { connection: { host: '127.0.0.1', port: 1 }, table: 'readings', key: ['seq'], columns: [{ name: 'seq', type: 'integer' }] } }],
  wires: [{ from: 'ftp', to: 'pg' }] });
seen.push(loaded());
await manager.close();
console.log(JSON.stringify(seen));
`;

test('FTP and PostgreSQL client libraries, and the PDF and mail libraries of reports, are loaded by the first node that needs them, not by a runtime without one', (t) => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, tempDir(t)], { encoding: 'utf8', timeout: 60_000 });
  const [before, after] = JSON.parse(out.trim().split('\n').at(-1)!) as string[][];
  assert.deepEqual(before, [], 'a simulate → debug flow runs without ftp-srv or pg in memory');
  assert.deepEqual(after, ['ftp-srv', 'pg'], 'deploying an FTP receiver and a PostgreSQL sink loads both');
});
