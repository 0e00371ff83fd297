import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeManager } from '../server/runtime/manager.js';
import { openApp } from './helpers/api-app.js';
import { PG, pgSchema, storedSeqs } from './helpers/postgres.js';
import { tcpProxy } from './helpers/tcp-proxy.js';
import { waitFor } from './helpers/wait.js';

const OUTAGE_MS = 60_000;

const flow = (id: string, schema: string, port: number, count: number) => ({
  sluice: 1, id,
  nodes: [
    // About 2,500 readings/s, steadily, for longer than the outage.
    { id: 'feed', type: 'test-feed', config: { count, batchSize: 100, intervalMs: 40 } },
    { id: 'pg', type: 'postgres', config: {
      connection: { host: '127.0.0.1', port }, schema, table: 'readings', key: ['seq'], connectTimeoutMs: 1000,
      columns: [{ name: 'seq', type: 'integer' }, { name: 'sensor', type: 'text' }, { name: 'value', type: 'integer' }],
    } },
  ],
  wires: [{ from: 'feed', to: 'pg' }],
  settings: { checkpointIntervalMs: 500 },
});

const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

async function sampleDuring(ms: number, runtime: RuntimeManager, flowId: string): Promise<{ heap: number[]; backlog: number[] }> {
  const heap: number[] = [];
  const backlog: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    heap.push(heapMb());
    backlog.push(runtime.status(flowId)!.journal!.backlogBytes);
  }
  return { heap, backlog };
}

test(`PostgreSQL down for ${OUTAGE_MS / 1000} s under a steady stream: the journal grows, memory stays flat, the status says why, then every row arrives once`, { timeout: 240_000 }, async (t) => {
  const db = await pgSchema(t);
  const proxy = await tcpProxy(PG.port);
  t.after(() => proxy.close());
  const { runtime } = await openApp(t);
  const total = 250_000;
  await runtime.deploy('pg-outage', flow('pg-outage', db.name, proxy.port, total));
  await waitFor('the first 10,000 rows', async () => (await storedSeqs(db)).rows >= 10_000, 30_000);

  proxy.cut();
  const before = heapMb();
  const { heap, backlog } = await sampleDuring(OUTAGE_MS, runtime, 'pg-outage');
  const during = await storedSeqs(db);
  const status = runtime.status('pg-outage')!;
  assert.equal(status.nodes.pg!.status.state, 'retrying');
  assert.match(status.nodes.pg!.status.text ?? '', /unavailable for \d+ s, retrying until it is back: PostgreSQL unavailable/);
  assert.ok(backlog.at(-1)! > backlog[0]! * 2, `the journal absorbs the stream (backlog ${backlog[0]} → ${backlog.at(-1)} bytes)`);
  const growth = Math.max(...heap) - before;
  t.diagnostic(`outage: ${during.rows} rows stored before it, journal backlog ${backlog[0]} → ${backlog.at(-1)} bytes, heap ${before.toFixed(1)} MB → max ${Math.max(...heap).toFixed(1)} MB`);
  assert.ok(growth < 40, `heap stays flat while the database is down (grew ${growth.toFixed(1)} MB)`);

  proxy.restore();
  await waitFor(`all ${total} rows`, async () => (await storedSeqs(db)).rows >= total, 120_000);
  assert.deepEqual(await storedSeqs(db), { rows: total, distinct: total }, 'every reading once');
  assert.equal(runtime.status('pg-outage')!.deadLetters, 0);
  assert.match(runtime.status('pg-outage')!.nodes.pg!.status.text ?? '', /recovered after \d+ s unavailable/);
});

test('connections cut by pg_terminate_backend mid-stream: the batches in flight are retried, every row arrives once', { timeout: 120_000 }, async (t) => {
  const db = await pgSchema(t);
  const { runtime } = await openApp(t);
  const total = 40_000;
  await runtime.deploy('pg-terminate', flow('pg-terminate', db.name, PG.port, total));
  let terminated = 0;
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 1500));
    // Only this test's connections: their last statement names the test's own schema.
    const rows = await db.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE application_name = 'sluice' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`, [db.name]);
    terminated += rows.length;
  }
  assert.ok(terminated > 0, 'connections were cut');
  await waitFor(`all ${total} rows`, async () => (await storedSeqs(db)).rows >= total, 90_000);
  assert.deepEqual(await storedSeqs(db), { rows: total, distinct: total });
  assert.equal(runtime.status('pg-terminate')!.deadLetters, 0);
  t.diagnostic(`${terminated} connections terminated during the stream`);
});
